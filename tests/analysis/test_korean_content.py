"""Korean content scoring by morpheme (analysis.morph): STAR parts, keyword coverage with
inflected keywords, and the cases the old substring and particle-list rules got wrong."""

from __future__ import annotations

import pytest

from analysis.content import find_star, score_text_content
from analysis.morph import analyse, noun_lemmas, strip_particles

pytestmark = pytest.mark.unit

QUESTION = "고객 데이터를 활용해 문제를 해결한 경험을 말씀해 주세요."
KEYWORDS = ("데이터 분석", "고객만족", "보고서 작성", "자바")

WITH_STAR = (
    "작년에 물류 회사에서 근무하던 당시 반품 문의가 한 달 사이 두 배로 늘었습니다. "
    "제 역할은 원인을 찾아 보고서를 작성하는 것이었습니다. "
    "저는 석 달 치 주문 데이터를 분석했고 포장 단계의 오류를 찾아 검수 절차를 새로 도입했습니다. "
    "그 결과 반품 문의가 30% 감소했고 고객 만족도가 올라갔습니다."
)
# The same topic and keywords, with no story: opinions and traits only. The old substring rules
# found Situation in "때문에" (때) and Task in "책임감" (책임), so this answer got two STAR parts it
# does not have, and they found none of the four keywords in WITH_STAR but found 자바 in 자바스크립트.
WITHOUT_STAR = (
    "저는 책임감이 강했습니다. 그 때문에 고객 만족도를 늘 중요하게 생각합니다. "
    "데이터 분석 공부를 좋아하고 보고서 작성에도 자신이 있습니다."
)


def test_morphemes_have_lemmas_tags_and_offsets() -> None:
    morphs = analyse("데이터를 분석했습니다")
    assert [(m.form, m.tag) for m in morphs[:3]] == [("데이터", "NNG"), ("를", "JKO"), ("분석", "NNG")]
    assert all("데이터를 분석했습니다"[m.start : m.end] == m.form for m in morphs[:3])
    assert noun_lemmas("회계사무원을 뽑습니다") == ["회계", "사무원"]
    assert noun_lemmas("[주요업무] 파이썬과 백엔드 개발") == ["주요", "업무", "파이썬", "백엔드", "개발"]
    assert strip_particles("고객과는") == "고객"


def test_old_substring_failures_are_not_star_parts() -> None:
    # 때 in 때문 is not "때" (a time); 책임감 (sense of responsibility) is not a 책임 (a duty).
    assert find_star("그 때문에 일정이 늦어졌습니다.", "ko")["situation"] is None
    assert find_star("책임감이 강했습니다.", "ko")["task"] is None
    # A noun without a predicate is a topic, not an action: "데이터 분석 경험" is not "분석했습니다".
    assert find_star("데이터 분석 경험이 있습니다.", "ko")["action"] is None
    # Negation: a role not taken and a figure that did not move are no task and no result.
    negated = find_star("역할을 맡지 않았습니다. 매출은 증가하지 않았습니다.", "ko")
    assert negated["task"] is None and negated["result"] is None


def test_answer_with_and_without_star_structure() -> None:
    star = score_text_content(WITH_STAR, QUESTION, None, KEYWORDS, "ko").star
    assert all(star[p] is not None for p in ("situation", "task", "action", "result")), star
    assert star["situation"] == "근무하던" and star["task"] == "역할은" and star["result"] == "결과"
    flat = score_text_content(WITHOUT_STAR, QUESTION, None, KEYWORDS, "ko")
    assert all(v is None for v in flat.star.values()), flat.star
    assert flat.score < score_text_content(WITH_STAR, QUESTION, None, KEYWORDS, "ko").score


def test_keywords_in_inflected_and_split_forms() -> None:
    result = score_text_content(WITH_STAR, QUESTION, None, KEYWORDS, "ko")
    # "데이터 분석" in "데이터를 분석했고", "보고서 작성" in "보고서를 작성하는", "고객만족" in
    # "고객 만족도가"; 자바 is not mentioned (and must not be found inside another word).
    assert result.keywords_found == ("데이터 분석", "고객만족", "보고서 작성")
    assert result.keywords_missing == ("자바",)
    assert result.keyword_coverage == 0.75
    js = score_text_content("자바스크립트로 화면을 만들었습니다.", "", None, ("자바",), "ko")
    assert js.keywords_found == ()  # the substring rule found 자바 in 자바스크립트
    inflected = score_text_content("데이터를 분석했습니다.", "", None, ("데이터 분석",), "ko")
    assert inflected.keyword_coverage == 1.0  # the substring rule did not find it


def test_the_shared_tokeniser_gives_the_same_answer_from_many_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    texts = [f"{i}번 고객의 주문 데이터를 분석했습니다" for i in range(40)]
    expected = [noun_lemmas(t) for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(noun_lemmas, [t + " " for t in texts]))  # new texts: not from the cache
    assert got == expected
    assert expected[0] == ["고객", "주문", "데이터", "분석"]
