"""media/ must not import server/ (or analysis/): it reports through callbacks."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

MEDIA = Path(__file__).resolve().parents[2] / "media"


@pytest.mark.media
def test_media_imports_neither_server_nor_analysis() -> None:
    offenders = []
    for path in sorted(MEDIA.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in {"server", "analysis", "fastapi", "sqlalchemy"}:
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []
    assert len(list(MEDIA.rglob("*.py"))) >= 6  # the walk really saw the package


@pytest.mark.media
def test_media_public_surface_is_small() -> None:
    import media

    assert len(media.__all__) <= 15
    for name in media.__all__:
        assert getattr(media, name) is not None
