"""Optical character recognition of PDF pages with Tesseract's Vietnamese model.

A page is rendered (pypdfium2) at ``dpi``, passed to ``tesseract - - -l vie tsv`` and
read back as words with their boxes, turned into points on the page, so that the same
layout code (``layout``) makes lines, paragraphs and tables of them as of a text layer.
Ruling lines of a scanned table are found in the image itself (``rulings``).

Results are cached per page under the user's cache directory (``$NHACVIEC_CACHE_DIR``,
else ``$XDG_CACHE_HOME/nhacviec/ocr``, else ``~/.cache/nhacviec/ocr``), keyed on the
file's content, the page, Tesseract's version, the language and the resolution, so
importing the same scan again costs no recognition and a new Tesseract is never
answered from an old one's output.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import InputError
from engine.plans.layout.grid import Segment
from engine.plans.layout.words import Word

INSTALL = "apt-get install tesseract-ocr tesseract-ocr-vie"
_CACHE_FORMAT = 1  # bump when what is cached changes
_TIMEOUT = 300  # seconds for one page


@dataclass(frozen=True)
class OcrPage:
    words: list[Word]
    segments: list[Segment]


@dataclass(frozen=True)
class Tesseract:
    exe: str
    version: str
    lang: str = "vie"
    dpi: int = 300

    def read(self, page: Any, key: str) -> OcrPage:
        """The words and ruling lines of a pdfium page; ``key`` names the page's content."""
        cache = _cache_path(key, self)
        cached = _load(cache)
        if cached is not None:
            return cached
        scale = self.dpi / 72
        image = page.render(scale=scale, grayscale=True, rotation=0).to_pil().convert("L")
        tsv = self._run(image)
        result = OcrPage(parse_tsv(tsv, scale), [_scaled(s, scale) for s in rulings(image)])
        _store(cache, result)
        return result

    def _run(self, image: Any) -> str:
        import io

        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        # One thread: Tesseract's OpenMP threads spin against each other on a busy
        # machine (8 s a page with two threads, 1 s with one, measured on 2 cores).
        env = dict(os.environ, OMP_THREAD_LIMIT="1")
        argv = [self.exe, "-", "-", "-l", self.lang, "--dpi", str(self.dpi), "tsv"]
        try:
            done = subprocess.run(
                argv, input=buffer.getvalue(), capture_output=True, timeout=_TIMEOUT, env=env
            )
        except subprocess.TimeoutExpired as exc:
            raise InputError(f"Tesseract took more than {_TIMEOUT} s on a page") from exc
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise InputError(f"Tesseract failed: {message[-1] if message else done.returncode}")
        return done.stdout.decode("utf-8", "replace")


def find_tesseract(lang: str = "vie") -> Tesseract | None:
    """Tesseract with the language installed, or None when the program is missing.
    A Tesseract without the language is an error that says what to install."""
    exe = shutil.which("tesseract")
    if exe is None:
        return None
    try:
        version = subprocess.run([exe, "--version"], capture_output=True, timeout=30, text=True)
        langs = subprocess.run([exe, "--list-langs"], capture_output=True, timeout=30, text=True)
    except (OSError, subprocess.TimeoutExpired):
        return None
    first = (version.stdout or version.stderr).strip().splitlines()
    if lang not in langs.stdout.split():
        raise InputError(
            f"Tesseract is installed without its Vietnamese model ('{lang}'); install it with: "
            f"{INSTALL}"
        )
    return Tesseract(exe, first[0] if first else "tesseract", lang)


def parse_tsv(tsv: str, scale: float) -> list[Word]:
    """Words of Tesseract's TSV output, in points. A word's size is its line's height,
    steadier than its own box (which depends on its letters)."""
    rows = [line.split("\t") for line in tsv.splitlines()[1:]]
    heights: dict[tuple[str, ...], float] = {}
    for row in rows:
        if len(row) >= 12 and row[0] == "4":
            heights[tuple(row[1:5])] = int(row[9]) / scale
    words = []
    for row in rows:
        if len(row) < 12 or row[0] != "5" or not row[11].strip():
            continue
        left, top, width, height = (int(v) / scale for v in row[6:10])
        text = _clean(row[11].strip())
        size = heights.get(tuple(row[1:5]), height) / 1.25
        words.append(Word(text, left, left + width, top, top + height, size=size))
    return words


def _clean(text: str) -> str:
    """Tesseract's fraction slash and curly quotes in dates and numbers, as typed."""
    return text.replace("\u2044", "/").replace("\u2215", "/")


def _scaled(segment: Segment, scale: float) -> Segment:
    x0, top, x1, bottom = segment
    return x0 / scale, top / scale, x1 / scale, bottom / scale


# -- ruling lines in an image ----------------------------------------------------------------


def rulings(image: Any, dark: int = 140) -> list[Segment]:
    """Long straight dark runs (table rules) of a greyscale image, in pixels.

    The image is thresholded, then averaged over windows of a few pixels along the
    direction looked at, so that only runs that are dark nearly throughout survive;
    what is left longer than half an inch is a rule. Text strokes are never that long.
    """
    from PIL import Image

    binary = image.point(lambda p: 255 if p < dark else 0)
    minimum = max(20, image.width // 16)
    horizontal = _runs(binary, minimum)
    vertical = _runs(binary.transpose(Image.Transpose.TRANSPOSE), minimum)
    return horizontal + [(top, x0, bottom, x1) for x0, top, x1, bottom in vertical]


def _runs(binary: Any, minimum: int, window: int = 4) -> list[Segment]:
    """Horizontal rules: rows where a run of dark windows is at least ``minimum`` long,
    neighbouring rows of one thick rule merged."""
    from PIL import Image

    width, height = binary.size
    small = binary.resize((max(1, width // window), height), Image.Resampling.BOX)
    on = small.point(lambda p: 255 if p >= 200 else 0)
    data = on.tobytes()
    step = small.width
    pattern = re.compile(rb"\xff{%d,}" % max(2, minimum // window))
    found: list[tuple[int, int, int]] = []
    for y in range(height):
        row = data[y * step : (y + 1) * step]
        for m in pattern.finditer(row):
            found.append((y, m.start() * window, m.end() * window))
    return _merge_rows(found)


def _merge_rows(runs: list[tuple[int, int, int]]) -> list[Segment]:
    merged: list[list[float]] = []  # y0, y1, x0, x1
    for y, x0, x1 in runs:
        for m in reversed(merged[-12:]):
            if y - m[1] <= 2 and x0 < m[3] and x1 > m[2]:
                m[1], m[2], m[3] = y, min(m[2], x0), max(m[3], x1)
                break
        else:
            merged.append([y, y, x0, x1])
    return [(x0, (y0 + y1) / 2, x1, (y0 + y1) / 2) for y0, y1, x0, x1 in merged]


# -- cache -------------------------------------------------------------------------------------


def cache_dir() -> Path:
    if explicit := os.environ.get("NHACVIEC_CACHE_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nhacviec" / "ocr"


def page_key(data_hash: str, page: int) -> str:
    return f"{data_hash}-p{page}"


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _cache_path(key: str, engine: Tesseract) -> Path:
    what = f"{_CACHE_FORMAT}|{engine.version}|{engine.lang}|{engine.dpi}|{key}"
    return cache_dir() / f"{hashlib.sha256(what.encode()).hexdigest()}.json"


def _load(path: Path) -> OcrPage | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        words = [Word(**w) for w in data["words"]]
        segments = [tuple(s) for s in data["segments"]]
        return OcrPage(words, segments)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # no entry, or a damaged one: recognise again


def _store(path: Path, page: OcrPage) -> None:
    """Write the entry whole or not at all (a temporary file renamed into place)."""
    data = {
        "words": [w.__dict__ for w in page.words],
        "segments": [list(s) for s in page.segments],
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False)
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs time
