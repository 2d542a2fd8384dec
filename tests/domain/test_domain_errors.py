"""Domain errors are codes with params; every code the domain raises has its text in both
catalogs, and the text's placeholders are params the raise gives."""

from __future__ import annotations

import ast
import string
from datetime import UTC, datetime
from pathlib import Path

import pytest

from server.core.i18n import catalog, translate
from server.domain.bookings import MAX_SLOTS_PER_GENERATION, slot_times
from server.domain.errors import DomainError

pytestmark = pytest.mark.unit

DOMAIN = Path(__file__).resolve().parents[2] / "server" / "domain"


def _raises() -> list[tuple[str, str, set[str]]]:
    """(file, code, param names) of every `DomainError("code", name=...)` in server/domain."""
    found = []
    for path in sorted(DOMAIN.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "DomainError":
                assert len(node.args) == 1 and isinstance(node.args[0], ast.Constant), (
                    f"{path.name}:{node.lineno}: a domain error is a code and keyword params, no prose"
                )
                found.append((path.name, node.args[0].value, {kw.arg for kw in node.keywords if kw.arg}))
    return found


def test_every_domain_error_code_has_its_text_in_korean_and_english() -> None:
    raises = _raises()
    assert len(raises) >= 30
    for locale in ("ko", "en"):
        texts = catalog(locale)
        for name, code, params in raises:
            text = texts.get(f"error.{code}")
            assert text, f"{name}: error.{code} has no {locale} text"
            needed = {field for _, field, _, _ in string.Formatter().parse(text) if field}
            assert needed <= params, f"{name}: error.{code} ({locale}) needs {needed - params}"


def test_a_domain_error_reads_in_the_readers_language_with_its_params() -> None:
    with pytest.raises(DomainError) as refused:
        slot_times(datetime(2030, 3, 2, 10, tzinfo=UTC), MAX_SLOTS_PER_GENERATION + 1, 30)
    error = refused.value
    assert error.code == "slot_count_out_of_range" and error.params == {"max": MAX_SLOTS_PER_GENERATION}
    expected_ko = f"면접 시간은 한 번에 1개부터 {MAX_SLOTS_PER_GENERATION}개까지 만들 수 있습니다."
    assert translate("ko", error.message_key, **error.params) == expected_ko
    assert translate("en", error.message_key, **error.params) == f"Make between 1 and {MAX_SLOTS_PER_GENERATION} slots at a time."
