"""What one kind of recorded answer adds to the shared machinery: the adapter a feature writes.

`server/answers/` records, analyses, stores and recovers answers for every kind the same way;
a kind (`PracticeAnswers` in server/practice/answers.py, `InterviewAnswers` in
server/interviews/oneway.py) supplies only what differs: its tables, who owns a scope (a
practice session, an interview invitation), why recording may be refused, where the file
goes, what the analysis should know, and whether nudges are on.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis import AnalysisOptions
from server.answers.consent import ConsentTerms


@dataclass(frozen=True)
class AnswerContext:
    """What the analysis should know about one answer (the engine settings are the server's)."""

    question_text: str
    language: str
    job_text: str | None = None
    expected_keywords: tuple[str, ...] = ()
    answer_time_limit_s: float | None = None

    def options(self) -> AnalysisOptions:
        return AnalysisOptions(
            question_text=self.question_text,
            job_text=self.job_text,
            expected_keywords=self.expected_keywords,
            language=self.language,
            answer_time_limit_s=self.answer_time_limit_s,
        )


class AnswerKind(ABC):
    """One kind of recorded answer. Subclass it, fill in the class attributes, and add an
    instance to `answer_kinds()` in server/jobs/handlers.py: its analysis job, failure handler
    and recovery are then registered like every other kind's."""

    name: ClassVar[str]  # "practice": peer names, log lines
    answer_model: ClassVar[type[Any]]  # an ORM class with the RecordedAnswer columns
    question_model: ClassVar[type[Any]]  # its question rows (`answer_model.question_id` points here)
    scope_column: ClassVar[str]  # the answer's column naming its scope ("session_id")
    analysis_job: ClassVar[str]  # the whole-file analysis job kind
    recording_prefix: ClassVar[str]  # recorder ids and log lines
    consent: ClassVar[ConsentTerms]  # the recording consent this kind needs
    not_found: ClassVar[str]  # the error code for a scope that is not the person's
    nudges: ClassVar[bool] = True  # live nudges while answering (off for assessments)

    @abstractmethod
    def load_scope(self, db: Session, scope_id: int, owner_id: int) -> Any | None:
        """The scope answers are recorded in, if it exists and is `owner_id`'s; else None."""

    @abstractmethod
    def question_in_scope(self, scope: Any, question: Any) -> bool:
        """Whether the question belongs to the scope (another scope's question is refused)."""

    def refusal(self, scope: Any) -> str | None:
        """Why no answer may be recorded in this scope now, as an error code; None when allowed."""
        return None

    @abstractmethod
    def max_retakes(self, scope: Any, question: Any) -> int:
        """Retakes allowed after the first attempt."""

    @abstractmethod
    def answer_file(self, recordings_dir: Path, answer: Any) -> Path:
        """Where the answer's recording is written (the answer row has its id)."""

    @abstractmethod
    def context(self, answer: Any) -> AnswerContext:
        """What the analysis should know about this answer (its question, scope, language)."""

    @abstractmethod
    def on_started(self, db: Session, scope: Any, owner: Any) -> None:
        """A first answer in the scope is being recorded (e.g. the session is now in progress)."""

    @abstractmethod
    def on_report(self, db: Session, answer: Any) -> None:
        """The answer's report was saved (e.g. the session may now be complete)."""

    def socket_path(self, scope_id: int) -> str:
        """The signalling path, for the audit log of refused questions."""
        return f"/ws/{self.name}/{scope_id}"

    # ----------------------------------------------------------------- shared rules

    def attempts_used(self, db: Session, scope_id: int, question_id: int) -> int:
        """Attempts that count against the retakes: every answer but failed ones (a failure is the
        system's, not the person's). The runner page counts with `attempts_by_question`, the same rule."""
        model = self.answer_model
        return int(
            db.scalar(
                select(func.count())
                .select_from(model)
                .where(
                    getattr(model, self.scope_column) == scope_id,
                    model.question_id == question_id,
                    model.status != "failed",
                )
            )
            or 0
        )

    @staticmethod
    def attempts_by_question(answers: Any) -> dict[int, int]:
        """Attempts per question id among loaded answers, by the rule of `attempts_used`."""
        counts: dict[int, int] = {}
        for answer in answers:
            if answer.status != "failed":
                counts[answer.question_id] = counts.get(answer.question_id, 0) + 1
        return counts
