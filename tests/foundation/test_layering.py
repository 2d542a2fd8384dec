"""The one layering rule (docs/architecture.md): which package may import which.

- `analysis/` and `media/` are libraries: they never import the server, the web framework or
  the database, and `analysis/` does not import `media/` or aiortc.
- `server/domain/` is pure rules: no framework, database, media stack or the rest of the server.
- `server/core/` is plumbing and `server/models/` the tables: they import only each other and
  the domain, never a feature.
- A feature (`accounts`, `jobs`, `answers`, `careers`, `journey`, `practice`, `interviews`,
  `review`, `notifications`, `events`, `companies`, `outreach`) imports core, models, domain and other features' services, but never another
  feature's edge (`api`, `pages`, `*_api`), and its own services never import its own edge:
  `api`/`pages` → `service` → `models`.
- Only `server/app.py`, `server/cli.py` and the migrations put everything together.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]

FEATURES = frozenset(
    {
        "accounts", "jobs", "answers", "careers", "journey", "practice", "interviews", "review", "notifications",
        "events", "companies", "outreach",
    }
)
LAYERS = frozenset({"core", "models", "domain"})
ASSEMBLY = frozenset({"server.app", "server.cli", "server.__init__"})
LIBRARY_FORBIDDEN = {
    "analysis": {"server", "media", "fastapi", "starlette", "aiortc", "sqlalchemy", "alembic"},
    "media": {"server", "fastapi", "starlette", "sqlalchemy", "alembic"},
}
DOMAIN_FORBIDDEN = {"fastapi", "starlette", "sqlalchemy", "alembic", "aiortc", "av", "media", "httpx", "requests"}
MAY_IMPORT = {  # server layer -> server layers it may import
    "core": {"core", "models", "domain"},
    "models": {"core", "models", "domain"},
    "domain": {"domain"},
}


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name of the importing file
    imported: str  # dotted module name, as far as it can be told
    line: int


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts)


def imports_of(path: Path, root: Path) -> list[Import]:
    """Every import statement, and import_module() with a literal name."""
    me = _module_name(path, root)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(me, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:
                package = me.split(".")[: -node.level]
                base = ".".join([*package, node.module])
            # `from a import b` is a.b: the check takes the longest prefix that is a module.
            found += [Import(me, f"{base}.{alias.name}", node.lineno) for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append(Import(me, node.args[0].value, node.lineno))
    return found


def _is_edge(module_parts: list[str]) -> bool:
    leaf = module_parts[-1]
    return leaf in ("api", "pages") or leaf.endswith("_api")


def violation(imp: Import, server_modules: set[str]) -> str | None:
    """Why this import breaks the layering, or None."""
    importer = imp.importer.split(".")
    top = imp.imported.split(".")[0]
    if importer[0] in LIBRARY_FORBIDDEN:
        return f"{importer[0]}/ imports {top}" if top in LIBRARY_FORBIDDEN[importer[0]] else None
    if importer[0] != "server" or imp.importer in ASSEMBLY or importer[1] == "migrations":
        return None
    layer = importer[1]
    if layer == "domain" and top in DOMAIN_FORBIDDEN:
        return f"the domain imports {top}"
    if top != "server":
        return None
    target = imp.imported.split(".")
    # `from server.x import name`: only a module counts, not a function or class in it.
    while len(target) > 1 and ".".join(target) not in server_modules:
        target = target[:-1]
    if len(target) < 2:
        return f"{imp.importer} imports {imp.imported}, which is not a module of the server"
    other = target[1]
    if ".".join(target) in ASSEMBLY:
        return f"{imp.importer} imports the application assembly {'.'.join(target)}"
    if layer in MAY_IMPORT:
        return None if other in MAY_IMPORT[layer] else f"{layer} imports {'.'.join(target)}"
    if layer not in FEATURES:
        return f"{imp.importer} is in no known layer (add server/{layer}/ to the layering table)"
    if other in LAYERS:
        return None
    if other not in FEATURES:
        return f"{imp.importer} imports {'.'.join(target)}, in no known layer"
    if other != layer and _is_edge(target):
        return f"{imp.importer} imports another feature's edge {'.'.join(target)}"
    if other == layer and _is_edge(target) and not _is_edge(importer):
        return f"{imp.importer} (a service) imports its own feature's edge {'.'.join(target)}"
    return None


def layering_violations(root: Path) -> list[str]:
    files = [p for package in ("server", "analysis", "media") for p in sorted((root / package).rglob("*.py"))]
    server_modules = {_module_name(p, root).removesuffix(".__init__") for p in files if p.parts[len(root.parts)] == "server"}
    found = []
    for path in files:
        if "versions" in path.parts:
            continue
        for imp in imports_of(path, root):
            why = violation(imp, server_modules)
            entry = f"{path.relative_to(root)}:{imp.line}: {why}"
            if why is not None and entry not in found:
                found.append(entry)
    return found


def test_the_code_keeps_the_layering() -> None:
    assert layering_violations(ROOT) == []


def test_every_server_package_is_in_the_table() -> None:
    packages = {p.name for p in (ROOT / "server").iterdir() if (p / "__init__.py").exists()}
    assert packages - {"migrations"} == FEATURES | LAYERS


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


LEGAL = {
    "server/__init__.py": "",
    "server/app.py": "from server.practice import api\nfrom server.careers.api import router\n",
    "server/core/__init__.py": "",
    "server/core/db.py": "from server.models.jobs import Job\nimport sqlalchemy\n",
    "server/models/__init__.py": "",
    "server/models/jobs.py": "from server.core.db import Base\n",
    "server/domain/__init__.py": "",
    "server/domain/money.py": "import re\nfrom server.domain import text\n",
    "server/domain/text.py": "",
    "server/practice/__init__.py": "",
    "server/practice/api.py": "from server.practice.service import start\nfrom server.careers import service\n",
    "server/practice/service.py": "from server.core.db import utcnow\nfrom server.answers.live import LiveAnswers\n",
    "server/answers/__init__.py": "",
    "server/answers/live.py": "import aiortc\nfrom media.room import Room\nfrom analysis.pipeline import run\n",
    "server/careers/__init__.py": "",
    "server/careers/api.py": "",
    "server/careers/service.py": "from server.models.jobs import Job\n",
    "media/__init__.py": "",
    "media/room.py": "import aiortc\nimport av\n",
    "analysis/__init__.py": "",
    "analysis/pipeline.py": "import numpy\n",
}


def test_a_legal_tree_passes(tmp_path: Path) -> None:
    assert layering_violations(_tree(tmp_path, LEGAL)) == []


@pytest.mark.parametrize(
    ("path", "bad_line", "expected"),
    [
        ("server/core/db.py", "from server.practice.service import start", "core imports server.practice.service"),
        ("server/models/jobs.py", "import server.careers.service", "models imports server.careers.service"),
        ("server/domain/money.py", "from server.core import db", "domain imports server.core.db"),
        ("server/domain/money.py", "import sqlalchemy", "the domain imports sqlalchemy"),
        ("server/practice/service.py", "from server.careers.api import router",
         "another feature's edge server.careers.api"),
        ("server/practice/service.py", "from server.practice import api",
         "(a service) imports its own feature's edge server.practice.api"),
        ("server/careers/service.py", "from server.app import app", "the application assembly server.app"),
        ("media/room.py", "from server.core.config import Settings", "media/ imports server"),
        ("analysis/pipeline.py", "import importlib\nimportlib.import_module('aiortc')", "analysis/ imports aiortc"),
        ("analysis/pipeline.py", "from media.room import Room", "analysis/ imports media"),
    ],
)
def test_a_wrong_import_is_caught(tmp_path: Path, path: str, bad_line: str, expected: str) -> None:
    files = dict(LEGAL)
    files[path] = files[path] + bad_line + "\n"
    found = layering_violations(_tree(tmp_path, files))
    assert len(found) == 1 and found[0].startswith(path) and expected in found[0], found


def test_only_server_reads_the_environment() -> None:
    offenders = []
    for package in ("analysis", "media"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            # Setting a native library's logging variable is fine; reading configuration is not.
            if re.search(r"os\.getenv|os\.environ\.get\(|os\.environ\[|environ\.copy\(", text):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
