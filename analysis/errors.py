"""Typed errors of the analysis library.

Every failure a caller can meet is an :class:`AnalysisError` with a stable ``code`` (for APIs and
job queues), a human ``message`` in English and Korean, and ``retryable`` saying whether running
the same job again could succeed (a busy machine: yes; a corrupt file: no).
"""

from __future__ import annotations

__all__ = ["AnalysisError"]

# code -> (english, korean, retryable)
_CATALOG: dict[str, tuple[str, str, bool]] = {
    "file_not_found": ("File not found: {detail}", "파일을 찾을 수 없습니다: {detail}", False),
    "empty_file": ("The file is empty (0 bytes): {detail}", "파일이 비어 있습니다(0바이트): {detail}", False),
    "unreadable_media": (
        "The file is not a readable audio or video recording: {detail}",
        "읽을 수 있는 오디오/비디오 녹화 파일이 아닙니다: {detail}",
        False,
    ),
    "no_audio_track": (
        "The recording has no audio track, so the answer cannot be analysed: {detail}",
        "녹화에 오디오 트랙이 없어 답변을 분석할 수 없습니다: {detail}",
        False,
    ),
    "no_video_track": (
        "The recording has no video track (use --audio-only to analyse the audio alone): {detail}",
        "녹화에 비디오 트랙이 없습니다(오디오만 분석하려면 --audio-only): {detail}",
        False,
    ),
    "model_missing": (
        "Speech model not available: {detail}",
        "음성 인식 모델을 사용할 수 없습니다: {detail}",
        False,
    ),
    "model_corrupt": (
        "Speech model files are damaged: {detail}",
        "음성 인식 모델 파일이 손상되었습니다: {detail}",
        False,
    ),
    "invalid_options": ("Invalid analysis options: {detail}", "분석 옵션이 잘못되었습니다: {detail}", False),
    "invalid_state": (
        "Invalid use of the analysis: {detail}",
        "분석 사용 순서가 잘못되었습니다: {detail}",
        False,
    ),
    "internal": (
        "Analysis failed unexpectedly: {detail}",
        "분석 중 예기치 않은 오류가 발생했습니다: {detail}",
        True,
    ),
}


class AnalysisError(Exception):
    """A typed analysis failure.

    Attributes: ``code`` (stable identifier, e.g. ``"unreadable_media"``), ``message`` (English,
    one line), ``message_ko`` (Korean, one line), ``retryable`` (bool).
    """

    def __init__(self, code: str, detail: str = "", *, retryable: bool | None = None) -> None:
        en, ko, default_retry = _CATALOG.get(code, _CATALOG["internal"])
        detail = " ".join(str(detail).split())  # one line, always
        self.code = code
        self.detail = detail
        self.message = en.format(detail=detail).rstrip(": ")
        self.message_ko = ko.format(detail=detail).rstrip(": ")
        self.retryable = default_retry if retryable is None else retryable
        super().__init__(self.message)

    def localized(self, language: str) -> str:
        """The message in ``"ko"`` or English."""
        return self.message_ko if language == "ko" else self.message

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "message_ko": self.message_ko,
            "retryable": self.retryable,
        }
