"""Message catalogs (Korean default, English second). Strings live here, not in templates.

`ko.json`/`en.json` hold the shared strings; each feature adds `<feature>.ko.json` and
`<feature>.en.json`. A test checks that both languages have the same keys.
"""

from __future__ import annotations

import json
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


def translate(locale: str, key: str, **params: Any) -> str:
    text = catalog(normalize_locale(locale)).get(key)
    if text is None:
        text = catalog(DEFAULT_LOCALE).get(key, key)
    return text.format(**params) if params else text
