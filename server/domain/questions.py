"""Practice question bank (Korean/English) and questions drawn from a job posting's text."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from server.domain.errors import DomainError
from server.domain.skills import find_skills_in_text, get_skill, skill_key
from server.domain.text import Language, attach_particle, content_words

__all__ = [
    "JOB_FIELDS",
    "PostingKeyword",
    "Question",
    "build_practice_set",
    "extract_posting_keywords",
    "field_display_name",
    "get_question",
    "list_questions",
    "questions_from_posting",
]

# The six job fields used by the question bank, matching and the aptitude test.
JOB_FIELDS: tuple[str, ...] = (
    "it_dev",
    "office_admin",
    "sales_service",
    "manufacturing",
    "public_sector",
    "healthcare",
)

DEFAULT_THINK_TIME_S = 30
DEFAULT_ANSWER_LIMIT_S = 90


@dataclass(frozen=True)
class Question:
    question_id: str
    field: str
    text_ko: str
    text_en: str
    think_time_s: int
    answer_limit_s: int
    keywords_ko: tuple[str, ...]
    keywords_en: tuple[str, ...]
    source: str = "bank"  # "bank" or "posting"

    def text(self, language: Language = "ko") -> str:
        return self.text_ko if language == "ko" else self.text_en


@dataclass(frozen=True)
class PostingKeyword:
    term: str
    skill_id: str | None  # set when the term is a known skill
    mentions: int


@dataclass(frozen=True)
class _Bank:
    questions: tuple[Question, ...]
    by_id: dict[str, Question]
    field_names: dict[str, dict[str, str]]


@lru_cache(maxsize=1)
def _bank() -> _Bank:
    raw = json.loads(resources.files("server.domain").joinpath("data/questions.json").read_text("utf-8"))
    questions = tuple(
        Question(
            question_id=item["id"],
            field=item["field"],
            text_ko=item["text_ko"],
            text_en=item["text_en"],
            think_time_s=int(item.get("think_time_s", DEFAULT_THINK_TIME_S)),
            answer_limit_s=int(item.get("answer_limit_s", DEFAULT_ANSWER_LIMIT_S)),
            keywords_ko=tuple(item["keywords_ko"]),
            keywords_en=tuple(item["keywords_en"]),
        )
        for item in raw["questions"]
    )
    return _Bank(questions, {q.question_id: q for q in questions}, raw["fields"])


def field_display_name(field: str, language: Language = "ko") -> str:
    names = _bank().field_names.get(field)
    if names is None:
        raise DomainError("unknown_field", field=field)
    return names[language]


def list_questions(field: str | None = None, *, include_common: bool = False) -> tuple[Question, ...]:
    """Bank questions in a field (or all), in bank order; `include_common` prepends the common ones."""
    bank = _bank()
    if field is None:
        return bank.questions
    if field != "common" and field not in JOB_FIELDS:
        field_display_name(field)  # raises the typed error
    chosen = [q for q in bank.questions if q.field == field]
    if include_common and field != "common":
        chosen = [q for q in bank.questions if q.field == "common"] + chosen
    return tuple(chosen)


def get_question(question_id: str) -> Question:
    question = _bank().by_id.get(question_id)
    if question is None:
        raise DomainError("unknown_question", question_id=question_id)
    return question


def build_practice_set(field: str, *, field_count: int = 3, common_count: int = 2) -> tuple[Question, ...]:
    """A default practice set: the first common questions (self-introduction, motivation) then field questions."""
    if field_count < 0 or common_count < 0:
        raise DomainError("invalid_count", min=0)
    common = list_questions("common")[:common_count]
    specific = list_questions(field)[:field_count]
    return tuple(common) + tuple(specific)


def extract_posting_keywords(text: str, *, limit: int = 8) -> tuple[PostingKeyword, ...]:
    """Keywords of a posting: known skills first (by mentions, then first mention), then other frequent words.

    Deterministic: ties are broken by first position in the text.
    """
    skill_ids = find_skills_in_text(text)
    words = content_words(text)
    # Words that spell a found skill are counted for the skill, not again as plain words.
    skill_word_keys: set[str] = set()
    for skill_id in skill_ids:
        skill = get_skill(skill_id)
        if skill is not None:
            skill_word_keys.update(
                skill_key(n) for n in (skill.name_ko, skill.name_en, skill.skill_id, *skill.aliases)
            )
    word_counts = Counter(words)
    first_position = {w: i for i, w in reversed(list(enumerate(words)))}

    skill_keywords = []
    for order, skill_id in enumerate(skill_ids):
        skill = get_skill(skill_id)
        mentions = sum(c for w, c in word_counts.items() if skill_key(w) in _skill_keys(skill_id)) or 1
        term = skill.name_ko if skill is not None else skill_id
        skill_keywords.append((-mentions, order, PostingKeyword(term, skill_id, mentions)))
    skill_keywords.sort(key=lambda item: (item[0], item[1]))

    plain = [
        (-count, first_position[word], PostingKeyword(word, None, count))
        for word, count in word_counts.items()
        if skill_key(word) not in skill_word_keys
    ]
    plain.sort(key=lambda item: (item[0], item[1]))
    merged = [k for _, _, k in skill_keywords] + [k for _, _, k in plain]
    return tuple(merged[:limit])


@lru_cache(maxsize=512)
def _skill_keys(skill_id: str) -> frozenset[str]:
    skill = get_skill(skill_id)
    if skill is None:
        return frozenset()
    return frozenset(skill_key(n) for n in (skill.name_ko, skill.name_en, skill.skill_id, *skill.aliases))


_SKILL_TEMPLATES: tuple[tuple[str, str], ...] = (
    (
        "{skill} 경험을 실제 업무나 프로젝트 사례를 들어 구체적으로 말씀해 주세요.",
        "Tell us concretely about your hands-on experience with {skill_en}, at work or in a project.",
    ),
    (
        "{skill} 역량을 키우기 위해 어떤 노력을 해 오셨습니까? 현재 수준은 어느 정도라고 생각하십니까?",
        "What have you done to build your ability in {skill_en}, and how would you rate your level today?",
    ),
    (
        "{skill_gwa} 관련해 어려운 문제를 해결했던 사례가 있다면 말씀해 주세요.",
        "Tell us about a difficult problem you ran into with {skill_en} and how you solved it.",
    ),
)

_KEYWORD_TEMPLATES: tuple[tuple[str, str], ...] = (
    (
        "채용공고에 '{kw}' 관련 업무가 있습니다. 이와 관련된 경험이나 준비한 점을 말씀해 주세요.",
        "The posting mentions '{kw}'. What experience or preparation do you have for it?",
    ),
    (
        "'{kw}' 업무를 맡게 된다면 처음 한 달 동안 무엇부터 하시겠습니까?",
        "If you were put in charge of '{kw}', what would you do first in your first month?",
    ),
)

_TITLE_TEMPLATE = (
    "{title} 직무에 지원한 이유와 본인이 이 직무에 적합하다고 생각하는 이유를 말씀해 주세요.",
    "Why did you apply for {title}, and why do you think you are a good fit?",
)


def questions_from_posting(title: str, text: str, *, count: int = 5) -> tuple[Question, ...]:
    """Practice questions filled from a posting's keywords into fixed templates (offline, deterministic).

    The first question is always about the position itself; then one per skill
    (rotating through three templates), then one per other keyword.
    """
    if count < 1:
        raise DomainError("invalid_count", min=1)
    if not (title.strip() or text.strip()):
        raise DomainError("empty_posting")
    digest = hashlib.sha1(f"{title}\n{text}".encode()).hexdigest()[:10]
    clean_title = title.strip() or "이"
    drafts: list[tuple[str, str, tuple[str, ...]]] = [
        (
            _TITLE_TEMPLATE[0].format(title=clean_title),
            _TITLE_TEMPLATE[1].format(
                title=f"the {title.strip()} position" if title.strip() else "this position"
            ),
            (),
        )
    ]
    keywords = extract_posting_keywords(f"{title}\n{text}", limit=max(count * 2, 8))
    skill_index = 0
    keyword_index = 0
    for keyword in keywords:
        if keyword.skill_id is not None:
            skill = get_skill(keyword.skill_id)
            name_ko = skill.name_ko if skill else keyword.term
            name_en = skill.name_en if skill else keyword.term
            ko, en = _SKILL_TEMPLATES[skill_index % len(_SKILL_TEMPLATES)]
            skill_index += 1
            drafts.append(
                (
                    ko.format(skill=name_ko, skill_gwa=attach_particle(name_ko, "과")),
                    en.format(skill_en=name_en),
                    (name_ko, name_en),
                )
            )
        else:
            ko, en = _KEYWORD_TEMPLATES[keyword_index % len(_KEYWORD_TEMPLATES)]
            keyword_index += 1
            drafts.append((ko.format(kw=keyword.term), en.format(kw=keyword.term), (keyword.term,)))
    return tuple(
        Question(
            question_id=f"posting-{digest}-{i + 1:02d}",
            field="posting",
            text_ko=ko,
            text_en=en,
            think_time_s=DEFAULT_THINK_TIME_S,
            answer_limit_s=DEFAULT_ANSWER_LIMIT_S,
            keywords_ko=kw,
            keywords_en=kw,
            source="posting",
        )
        for i, (ko, en, kw) in enumerate(drafts[:count])
    )
