"""Message catalogs (Korean default, English second). Strings live here, not in templates.

`ko.json`/`en.json` hold the shared strings; each feature adds `<feature>.ko.json` and
`<feature>.en.json`. A test checks that both languages have the same keys.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

SUPPORTED_LOCALES = ("ko", "en")
DEFAULT_LOCALE = "ko"
_CATALOG_DIR = Path(__file__).resolve().parent


@cache
def catalog(locale: str) -> dict[str, str]:
    """A flat `key -> text` mapping; nested JSON objects become dotted keys."""
    files = [_CATALOG_DIR / f"{locale}.json", *sorted(_CATALOG_DIR.glob(f"*.{locale}.json"))]
    flat: dict[str, str] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else key, value)
        else:
            flat[prefix] = str(node)

    for path in files:  # one core file plus one per feature (practice.ko.json, …)
        walk("", json.loads(path.read_text(encoding="utf-8")))
    return flat


def normalize_locale(value: str | None, default: str = DEFAULT_LOCALE) -> str:
    if value:
        short = value.split("-")[0].split("_")[0].lower()
        if short in SUPPORTED_LOCALES:
            return short
    return default


# Korean particles that depend on the last syllable of the word before them: a catalog writes
# "{role}(으)로" and the rendered text says "구직자로" or "상담사로", never the placeholder.
_PARTICLES = {
    "(으)로": ("으로", "로"),
    "(이)가": ("이", "가"),
    "(을)를": ("을", "를"),
    "(은)는": ("은", "는"),
    "(과)와": ("과", "와"),
}
_PARTICLE_RE = re.compile(r"([가-힣])(" + "|".join(re.escape(p) for p in _PARTICLES) + ")")


def _final_consonant(syllable: str) -> int:
    """0 for an open syllable, else the index of its final consonant (8 is ㄹ)."""
    return (ord(syllable) - 0xAC00) % 28


def _choose_particle(match: re.Match[str]) -> str:
    syllable, pattern = match.group(1), match.group(2)
    closed, open_ = _PARTICLES[pattern]
    final = _final_consonant(syllable)
    if pattern == "(으)로":
        return syllable + (open_ if final in (0, 8) else closed)  # ㄹ takes 로: 서울로
    return syllable + (closed if final else open_)


def resolve_particles(text: str) -> str:
    return _PARTICLE_RE.sub(_choose_particle, text) if "(" in text else text


def translate(locale: str, key: str, **params: Any) -> str:
    text = catalog(normalize_locale(locale)).get(key)
    if text is None:
        text = catalog(DEFAULT_LOCALE).get(key, key)
    return resolve_particles(text.format(**params)) if params else text
