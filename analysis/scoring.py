"""Scores (0–100) from measured numbers, each with a plain-language explanation in Korean and
English that names the numbers it came from and says how to improve.

Only observable behaviour is scored: speaking rate, fillers, pauses, where the face and eyes
point, and what the words say. No emotion, personality or "confidence" is inferred.

- **delivery** = 100 − pace penalty (1.5 points per percent outside the target band, at most 40)
  − filler penalty (5 points per filler/minute above 3, at most 30) − 8 per long pause (at most 24).
- **gaze** = 100 × min(1, eye_contact_ratio / 0.8) − 5 per away episode (at most 20) − 10 if
  several faces are visible in at least 10 % of frames. None without video.
- **content** = the content score (see content.py).
- **overall** = 35 % delivery + 25 % gaze + 40 % content (gaze's weight is shared out when
  there is no video).
"""

from __future__ import annotations

from .report import ContentReport, FillersReport, GazeReport, PaceReport, PausesReport, Score, Scores

__all__ = ["score_answer"]

WEIGHTS = {"delivery": 0.35, "gaze": 0.25, "content": 0.40}


def _clamp(x: float) -> int:
    return round(min(100.0, max(0.0, x)))


def _pick(language: str, en: str, ko: str) -> str:
    return ko if language == "ko" else en


def _score(value: int | None, en: str, ko: str, language: str, measured: dict[str, object]) -> Score:
    return Score(value, _pick(language, en, ko), en, ko, measured)


def score_delivery(pace: PaceReport, pauses: PausesReport, fillers: FillersReport, language: str) -> Score:
    if pace.words_per_minute is None:
        return _score(
            0,
            "No speech was detected, so delivery could not be measured. Check the microphone and speak up.",
            "말소리가 감지되지 않아 전달력을 측정할 수 없습니다. 마이크를 확인하고 조금 더 크게 말해 보세요.",
            language,
            {"words_per_minute": None},
        )
    korean = pace.unit in ("syllables_per_minute", "net_syllables_per_minute")
    rate = pace.target_rate or 0.0
    low, high = pace.target_low, pace.target_high
    if rate < low:
        off = (low - rate) / low
    elif rate > high:
        off = (rate - high) / high
    else:
        off = 0.0
    pace_pen = min(40.0, off * 100 * 1.5)
    filler_pen = min(30.0, max(0.0, fillers.per_minute - 3.0) * 5.0)
    pause_pen = min(24.0, 8.0 * pauses.long_count)
    value = _clamp(100 - pace_pen - filler_pen - pause_pen)
    unit_en = "syllables/min" if korean else "words/min"
    unit_ko = "음절/분" if korean else "단어/분"
    prov_en = " (provisional band)" if pace.target_provisional else ""
    prov_ko = " (잠정 기준)" if pace.target_provisional else ""
    en = [
        f"Pace {rate:.0f} {unit_en} (target {low:.0f}–{high:.0f}{prov_en}); "
        f"{fillers.count} fillers ({fillers.per_minute:.1f}/min); {pauses.long_count} long pauses over "
        f"{pauses.long_pause_s:g} s."
    ]
    ko = [
        f"말하기 속도 {rate:.0f} {unit_ko} (목표 {low:.0f}–{high:.0f}{prov_ko}), "
        f"군말 {fillers.count}회 (분당 {fillers.per_minute:.1f}회), {pauses.long_pause_s:g}초 넘는 긴 침묵 {pauses.long_count}회."
    ]
    if rate > high:
        en.append("Slow down a little: pause briefly after each key point.")
        ko.append("조금 천천히 말해 보세요. 핵심 내용마다 잠깐 쉬어 주면 좋습니다.")
    elif rate < low:
        en.append("Speak a little faster: prepare your key points so you do not search for words.")
        ko.append("조금 더 빠르게 말해 보세요. 핵심 내용을 미리 정리해 두면 말이 끊기지 않습니다.")
    if filler_pen > 0:
        en.append("Replace fillers such as 'um' or 'like' with a short silent pause.")
        ko.append("'음', '어' 같은 군말 대신 짧게 말을 멈추는 연습을 해 보세요.")
    if pause_pen > 0:
        en.append(
            "Avoid long silences: outline the answer (situation, task, action, result) before you start."
        )
        ko.append("긴 침묵을 줄이려면 답변 전에 상황-과제-행동-결과 순서로 요점을 정리해 보세요.")
    if len(en) == 1:
        en.append("Keep this pace and rhythm.")
        ko.append("지금의 속도와 리듬을 유지하세요.")
    return _score(
        value,
        " ".join(en),
        " ".join(ko),
        language,
        {
            "rate": round(rate, 1),
            "rate_unit": pace.unit,
            "target_low": low,
            "target_high": high,
            "fillers_per_minute": fillers.per_minute,
            "long_pauses": pauses.long_count,
            "pace_penalty": round(pace_pen, 1),
            "filler_penalty": round(filler_pen, 1),
            "pause_penalty": round(pause_pen, 1),
        },
    )


def score_gaze(gaze: GazeReport, language: str) -> Score:
    if not gaze.available or gaze.eye_contact_ratio is None:
        return _score(
            None,
            "No video: eye contact was not measured.",
            "영상이 없어 시선 처리를 측정하지 않았습니다.",
            language,
            {},
        )
    ecr = gaze.eye_contact_ratio
    face = gaze.face_present_ratio or 0.0
    multi = gaze.multiple_faces_ratio or 0.0
    episodes = len(gaze.away_episodes)
    value = _clamp(100 * min(1.0, ecr / 0.8) - min(20.0, 5.0 * episodes) - (10.0 if multi >= 0.1 else 0.0))
    en = [
        f"You looked at the camera {ecr:.0%} of the time; your face was visible {face:.0%} of the time; "
        f"{episodes} look-away episodes of 2 s or more."
    ]
    ko = [
        f"카메라를 바라본 비율 {ecr:.0%}, 얼굴이 보인 비율 {face:.0%}, 2초 이상 시선을 돌린 횟수 {episodes}회."
    ]
    if face < 0.8:
        en.append("Keep your face in the frame and well lit.")
        ko.append("얼굴이 화면 안에 밝게 보이도록 자리를 맞춰 주세요.")
    if ecr < 0.8:
        en.append("Look into the camera lens, not at the screen; put notes next to the camera.")
        ko.append("화면이 아니라 카메라 렌즈를 바라보세요. 메모는 카메라 가까이에 두면 좋습니다.")
    if multi >= 0.1:
        en.append("Another face was visible; answer alone in the frame.")
        ko.append("다른 사람의 얼굴이 보였습니다. 혼자 화면에 나오도록 해 주세요.")
    if len(en) == 1:
        en.append("Good eye contact; keep it.")
        ko.append("시선 처리가 좋습니다. 지금처럼 유지하세요.")
    return _score(
        value,
        " ".join(en),
        " ".join(ko),
        language,
        {
            "eye_contact_ratio": ecr,
            "face_present_ratio": face,
            "away_episodes": episodes,
            "multiple_faces_ratio": multi,
        },
    )


_STAR_KO = {"situation": "상황", "task": "과제", "action": "행동", "result": "결과"}


def score_content(content: ContentReport, language: str) -> Score:
    star = content.star
    parts = [p for p in ("situation", "task", "action", "result") if getattr(star, p)]
    missing = [p for p in ("situation", "task", "action", "result") if not getattr(star, p)]
    en = [f"Relevance to the question{' and job' if content.job_relevance is not None else ''} {content.relevance:.0%}; "
          f"STAR parts found: {', '.join(parts) or 'none'}"]  # fmt: skip
    ko = [f"질문{'·채용공고' if content.job_relevance is not None else ''} 관련도 {content.relevance:.0%}, "
          f"STAR 요소: {', '.join(_STAR_KO[p] for p in parts) or '없음'}"]  # fmt: skip
    if content.keyword_coverage is not None:
        n = len(content.keywords_found) + len(content.keywords_missing)
        en[0] += f"; keywords {len(content.keywords_found)}/{n}"
        ko[0] += f", 키워드 {len(content.keywords_found)}/{n}개"
    if content.length_fit != "no_limit":
        en[0] += f"; length {content.length_fit.replace('_', ' ')}"
        ko[0] += {"fits": ", 답변 길이 적절", "too_short": ", 답변이 너무 짧음", "too_long": ", 시간 초과"}[
            content.length_fit
        ]
    en[0] += "."
    ko[0] += "."
    if missing:
        en.append(
            f"Add the missing STAR parts ({', '.join(missing)}): say what happened, your task, what you did and the result."
        )
        ko.append(
            f"빠진 STAR 요소({', '.join(_STAR_KO[p] for p in missing)})를 보완하세요: 상황, 맡은 과제, 한 행동, 결과를 차례로 말하면 좋습니다."
        )
    if content.relevance < 0.5:
        en.append("Answer the question directly in your first sentence and reuse its key terms.")
        ko.append("첫 문장에서 질문에 바로 답하고 질문의 핵심 용어를 사용해 보세요.")
    if content.keywords_missing:
        shown = ", ".join(content.keywords_missing[:5])
        en.append(f"Mention: {shown}.")
        ko.append(f"다음 내용을 언급해 보세요: {shown}.")
    if content.length_fit == "too_short":
        en.append("Use more of the available time with a concrete example.")
        ko.append("구체적인 사례를 들어 주어진 시간을 더 활용해 보세요.")
    elif content.length_fit == "too_long":
        en.append("Finish within the time limit: lead with the result.")
        ko.append("제한 시간 안에 끝내도록 결과부터 말해 보세요.")
    if len(en) == 1:
        en.append("Well structured and on topic.")
        ko.append("구조가 잘 갖춰져 있고 질문에 맞는 답변입니다.")
    return _score(
        content.score,
        " ".join(en),
        " ".join(ko),
        language,
        {
            "relevance": content.relevance,
            "star_found": len(parts),
            "keyword_coverage": content.keyword_coverage,
            "length_fit": content.length_fit,
        },
    )


def score_answer(
    pace: PaceReport,
    pauses: PausesReport,
    fillers: FillersReport,
    gaze: GazeReport,
    content: ContentReport,
    language: str,
) -> Scores:
    delivery = score_delivery(pace, pauses, fillers, language)
    gz = score_gaze(gaze, language)
    ct = score_content(content, language)
    parts = {"delivery": delivery.score, "gaze": gz.score, "content": ct.score}
    used = {k: v for k, v in parts.items() if v is not None}
    wsum = sum(WEIGHTS[k] for k in used)
    overall = _clamp(sum(WEIGHTS[k] * v for k, v in used.items()) / wsum) if wsum else 0
    weights = {k: round(WEIGHTS[k] / wsum, 3) for k in used} if wsum else {}
    en = "Weighted average of " + ", ".join(f"{k} {parts[k]} ({weights[k]:.0%})" for k in used) + "."
    ko_names = {"delivery": "전달력", "gaze": "시선", "content": "내용"}
    ko = "가중 평균: " + ", ".join(f"{ko_names[k]} {parts[k]}점({weights[k]:.0%})" for k in used) + "."
    if gz.score is None:
        en += " Gaze was not measured (no video)."
        ko += " 영상이 없어 시선은 제외했습니다."
    weakest = min(used, key=lambda k: used[k]) if used else None
    if weakest:
        en += f" Work on {weakest} first."
        ko += f" {ko_names[weakest]}부터 개선해 보세요."
    return Scores(delivery, gz, ct, _score(overall, en, ko, language, {"weights": weights, **parts}))
