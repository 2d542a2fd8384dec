"""What a person in a live room sees, read from the page in Chromium: the other side's media
decoding, and Chromium's fake camera or screen (a green test card, not black) in a tile.

Shared by the interview, counselling and hiring-journey browser tests.
"""

from __future__ import annotations

import json
from typing import Any


def frames_from(page: Any, at_least: int = 20, **slot: str) -> None:
    """Wait until the page has decoded more than ``at_least`` frames of the remote slot matching
    ``slot``: a person's camera by ``role="candidate"``, or a shared screen by ``source="screen"``."""
    match = json.dumps(slot if "source" in slot else {"kind": "video", **slot})
    page.wait_for_function(
        f"""async () => {{ const want = {match};
           const s = Object.values(window.roomState.slots).find((x) => Object.entries(want).every(([k, v]) => x[k] === v));
           return s && ((await window.roomFramesDecoded())[s.mid] || 0) > {at_least}; }}""",
        timeout=30000,
    )


def shows_test_card(page: Any, tile: str = ".tile.remote:not([hidden]) video", size: tuple[int, int] = (160, 120)) -> None:
    """Wait until the video in ``tile`` shows Chromium's fake capture: mostly green pixels."""
    width, height = size
    page.wait_for_function(
        f"""() => {{ const v = document.querySelector({json.dumps(tile)});
          if (!v || !v.videoWidth) return false;
          const c = document.createElement('canvas'); c.width = {width}; c.height = {height};
          const g = c.getContext('2d'); g.drawImage(v, 0, 0, {width}, {height});
          const d = g.getImageData(0, 0, {width}, {height}).data; let r = 0, gr = 0;
          for (let i = 0; i < d.length; i += 4) {{ r += d[i]; gr += d[i + 1]; }}
          return gr > 2 * r + 40 * {width * height}; }}""",
        timeout=15000,
    )
