"""Checks of what a reader sees, computed without a browser: figure text size from an image's
own header, and noise in a page's cell outputs (stderr, temporary paths, raw log records)."""

from __future__ import annotations

import base64
import re
import struct
import sys
from html.parser import HTMLParser
from pathlib import Path

from sitecheck import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))
from reader_layout import collapse_progress  # noqa: E402
from reader_layout import png_text as _png_text  # noqa: E402

# The PNG text chunk in which the book's figures record their smallest tick label (points).
TICK_SIZE_KEY = "Tick label size (pt)"

_SVG_WIDTH = re.compile(r'<svg\b[^>]*\bwidth="([\d.]+)(pt|px|in)?"', re.S)
_TEMP_PATH = re.compile(r"/tmp/|/var/folders/|\\AppData\\Local\\Temp|ipykernel_\d+")
_LOG_DICT = re.compile(r"\{'(?:eval|train)_[a-z_]+': ")


def png_dpi(data: bytes) -> float | None:
    """The horizontal resolution a PNG records (its pHYs chunk), in dots per inch, or None."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("expected PNG bytes")
    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"pHYs" and length == 9:
            x, _y, unit = struct.unpack(">IIB", data[pos + 8 : pos + 17])
            return (
                round(x * 0.0254, 1) if unit == 1 else None
            )  # stored per metre, whole
        if kind == b"IDAT":
            return None  # pHYs must come before the image data
        pos += 12 + length
    return None


def png_text(data: bytes) -> dict[str, str]:
    """The tEXt chunks of a PNG (keyword -> text)."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("expected PNG bytes")
    return _png_text(data)


def tick_points(data: bytes) -> float | None:
    """The smallest tick label's size in points that a figure's PNG records; 0.0 for a
    figure without tick labels; None when the image does not say."""
    if not data.startswith(b"\x89PNG"):
        return None
    value = png_text(data).get(TICK_SIZE_KEY)
    if value is None:
        return None
    return 0.0 if value == "none" else float(value)


def png_width(data: bytes) -> int:
    """The width of a PNG in pixels."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("expected PNG bytes")
    return struct.unpack(">I", data[16:20])[0]


def figure_inches(data: bytes) -> float | None:
    """The width in inches of the figure an image was drawn from (PNG with a resolution, or
    SVG with a width in pt or in); None when the image does not say."""
    if data.startswith(b"\x89PNG"):
        dpi = png_dpi(data)
        return png_width(data) / dpi if dpi else None
    text = data[:4000].decode("utf-8", "replace")
    match = _SVG_WIDTH.search(text)
    if not match:
        return None
    value, unit = float(match.group(1)), match.group(2) or "px"
    return {"pt": value / 72, "in": value, "px": value / 96}[unit]


def image_bytes(src: str, page: Path) -> bytes:
    """The bytes behind an ``<img src>``: a data URI or a file next to ``page``."""
    if src.startswith("data:"):
        head, _, payload = src.partition(",")
        return (
            base64.b64decode(payload)
            if head.endswith(";base64")
            else payload.encode()
        )
    return (page.parent / src.split("#")[0].split("?")[0]).read_bytes()


def tick_label_px(shown_width: float, inches: float, points: float) -> float:
    """Height in CSS pixels of ``points``-sized figure text when a figure ``inches`` wide is
    shown ``shown_width`` CSS pixels wide."""
    if inches <= 0 or shown_width < 0:
        raise ValueError(
            f"expected a positive figure width and a shown width, got {inches},"
            f" {shown_width}"
        )
    return points / 72 * shown_width / inches


class _Outputs(HTMLParser):
    """The text of each cell output of a page, and whether the page has stderr blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.outputs: list[str] = []
        self.stderr = 0
        self._depth = 0  # > 0 inside a cell output
        self._stack: list[bool] = []

    def handle_starttag(
        self, tag: str, attrs: list[tuple[str, str | None]]
    ) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if "stderr" in classes:
            self.stderr += 1
        opens = "cell_output" in classes and self._depth == 0
        if tag not in ("br", "img", "input", "meta", "link", "hr", "source"):
            self._stack.append(opens)
            if opens:
                self._depth = 1
                self.outputs.append("")

    def handle_endtag(self, tag: str) -> None:
        if (
            tag in ("br", "img", "input", "meta", "link", "hr", "source")
            or not self._stack
        ):
            return
        if self._stack.pop():
            self._depth = 0

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.outputs[-1] += data


def output_noise(
    html: str, bib_keys: frozenset[str] | set[str] = frozenset()
) -> list[str]:
    """What a reader should not see in a page's outputs: stderr blocks, temporary-folder
    paths, raw Trainer log dictionaries, redraws of a progress bar, raw BibTeX keys."""
    scan = _Outputs()
    scan.feed(html)
    found = [f"{scan.stderr} stderr block(s)"] if scan.stderr else []
    for text in scan.outputs:
        if match := _TEMP_PATH.search(text):
            found.append(
                f"temporary path {text[max(0, match.start() - 30) : match.end() + 30]!r}"
            )
        if match := _LOG_DICT.search(text):
            found.append(
                f"raw log dictionary {text[match.start() : match.start() + 60]!r}"
            )
        if collapse_progress(text) != text:
            found.append("a progress bar drawn more than once")
        if keys := sorted(k for k in bib_keys if k in text):
            found.append(f"raw BibTeX keys {keys[:3]}")
    return found


def bib_keys(path: Path = ROOT / "book" / "references.bib") -> set[str]:
    """The citation keys of the book's bibliography."""
    return set(re.findall(r"@\w+\{([^,\s]+),", path.read_text(encoding="utf-8")))
