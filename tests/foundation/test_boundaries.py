"""Package boundaries (CONVENTIONS.md): analysis/ and media/ stay independent of the server."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "analysis": {"server", "media", "fastapi", "starlette", "aiortc", "sqlalchemy", "alembic"},
    "media": {"server", "fastapi", "starlette", "sqlalchemy", "alembic"},
}


def _imported_top_level_modules(path: Path) -> set[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[tuple[str, int]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {(alias.name.split(".")[0], node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.module.split(".")[0], node.lineno))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add((node.args[0].value.split(".")[0], node.lineno))
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_forbidden_modules(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ has no Python files"
    violations = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in files
        for module, line in _imported_top_level_modules(path)
        if module in FORBIDDEN[package]
    ]
    assert violations == []


def test_the_checker_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom server.db import Base\nimportlib.import_module('aiortc')\n")
    assert _imported_top_level_modules(bad) == {("os", 1), ("server", 2), ("aiortc", 3)}


def test_only_server_reads_the_environment() -> None:
    offenders = []
    for package in ("analysis", "media"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            # Setting a native library's logging variable is fine; reading configuration is not.
            if re.search(r"os\.getenv|os\.environ\.get\(|os\.environ\[|environ\.copy\(", text):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
