"""Every flag the analysis (or the server, for a cut-off live answer) can put on a report has
Korean and English text, so a report page never shows a raw catalog key."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from analysis.report import FLAG_CODES
from server.core.i18n import catalog

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]


def _emitted_flags() -> set[str]:
    """String literals appended to ``flags`` in analysis/pipeline.py, and flags the server adds
    with ``dataclasses.replace(report, flags=(*report.flags, "..."))``."""
    found: set[str] = set()
    for path in [ROOT / "analysis" / "pipeline.py", *(ROOT / "server").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "append"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "flags"
            ):
                found.update(a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str))
            if isinstance(node, ast.keyword) and node.arg == "flags" and isinstance(node.value, ast.Tuple):
                found.update(
                    e.value for e in node.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
                )
    return found


def test_every_emitted_flag_is_a_known_code() -> None:
    emitted = _emitted_flags()
    assert "low_transcript_confidence" in emitted and "no_speech" in emitted  # the walk found them
    assert emitted <= set(FLAG_CODES)


@pytest.mark.parametrize("locale", ["ko", "en"])
@pytest.mark.parametrize("code", FLAG_CODES)
def test_every_flag_has_catalog_text(code: str, locale: str) -> None:
    text = catalog(locale).get(f"practice.flag.{code}")
    assert text, f"practice.flag.{code} has no {locale} text"
    if locale == "ko":
        assert any("\uac00" <= ch <= "\ud7a3" for ch in text)
    else:
        assert text.isascii()
