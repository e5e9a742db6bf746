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
from engine.i18n import _
from engine.plans.layout.grid import Segment
from engine.plans.layout.words import Word

INSTALL = "apt-get install tesseract-ocr tesseract-ocr-vie"
_CACHE_FORMAT = 5  # bump when what is cached, or the image it is read from, changes
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

    def read(self, page: Any, key: str, segments: list[Segment] | None = None) -> OcrPage:
        """The words and ruling lines of a pdfium page; ``key`` names the page's content,
        ``segments`` are the rules its drawing has (else they are looked for in the image).
        Before recognition the rules are painted out (Tesseract reads them as "|" and
        "1") and so is red ink (the seal stamped over the signature and the header)."""
        scale = self.dpi / 72
        cache = _cache_path(key, self)
        cached = _load(cache, scale)
        if cached is not None:
            return cached
        image = _without_red(page.render(scale=scale, rotation=0).to_pil())
        found = [_scaled(s, 1 / scale) for s in segments] if segments else rulings(image)
        tsv = self._run(_erase(image, found))
        _store(cache, tsv, found)
        return OcrPage(parse_tsv(tsv, scale), [_scaled(s, scale) for s in found])

    def _run(self, image: Any) -> str:
        import io

        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        # One thread: Tesseract's OpenMP threads spin against each other on a busy
        # machine (8 s a page with two threads, 1 s with one, measured on 2 cores).
        env = dict(os.environ, OMP_THREAD_LIMIT="1")
        # --psm 4 (one column of text of various sizes): the automatic segmentation (3)
        # makes a block of a table's narrow number column and misreads "2" as "Ế;".
        argv = [self.exe, "-", "-", "-l", self.lang, "--dpi", str(self.dpi), "--psm", "4", "tsv"]
        try:
            done = subprocess.run(
                argv, input=buffer.getvalue(), capture_output=True, timeout=_TIMEOUT, env=env
            )
        except subprocess.TimeoutExpired as exc:
            raise InputError(
                _("Tesseract took more than {TIMEOUT} s on a page").format(TIMEOUT=_TIMEOUT)
            ) from exc
        except OSError as exc:
            raise InputError(
                _("cannot run Tesseract ({exe}): {strerror}").format(
                    exe=self.exe, strerror=exc.strerror
                )
            ) from exc
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise InputError(
                _("Tesseract failed: {value}").format(
                    value=message[-1] if message else done.returncode
                )
            )
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
    installed = langs.stdout.split()
    if lang not in installed:
        raise InputError(
            _(
                "Tesseract is installed without its Vietnamese model ('{lang}'); "
                "install it with: {INSTALL}"
            ).format(lang=lang, INSTALL=INSTALL)
        )
    return Tesseract(exe, first[0] if first else "tesseract", lang)


def parse_tsv(tsv: str, scale: float) -> list[Word]:
    """Words of Tesseract's TSV output, in points (ink boxes; no font size or style)."""
    words: list[Word] = []
    for line in tsv.splitlines()[1:]:
        row = line.split("\t")
        if len(row) < 12 or row[0] != "5":
            continue
        text = _clean(row[11])
        if not text:
            continue
        if words and words[-1].text.lower() in ("quý", "quy"):
            text = quarter(text)
        left, top, width, height = (int(v) / scale for v in row[6:10])
        words.append(Word(text, left, left + width, top, top + height))
    return words


_ROMAN_LOOKALIKES = str.maketrans({"1": "I", "l": "I", "|": "I", "T": "I", "U": "II", "Y": "V"})
_QUARTER = re.compile(r"^(?P<q>[IVlTUY1|]{1,4})(?P<rest>(?:[/,.;:)-].*)?)$")


def quarter(token: str) -> str:
    """The quarter after "Quý" as printed: Tesseract reads Roman numerals as look-alikes
    ("Quý I1/2026", "Quý IU", "Quý TII"); a quarter can only be I, II, III or IV."""
    m = _QUARTER.match(token)
    if m is None:
        return token
    roman = m.group("q").translate(_ROMAN_LOOKALIKES)
    return roman + m.group("rest") if roman in ("I", "II", "III", "IV") else token


def _clean(text: str) -> str:
    """A word as typed: Tesseract's fraction slash is a slash; a bar is a table rule
    read as a letter, never Vietnamese text."""
    text = text.strip().replace("\u2044", "/").replace("\u2215", "/")
    return text.strip("|¦")


def _scaled(segment: Segment, scale: float) -> Segment:
    x0, top, x1, bottom = segment
    return x0 / scale, top / scale, x1 / scale, bottom / scale


def _without_red(image: Any) -> Any:
    """The page in grey as seen through a red filter: its red channel. Red ink (a seal,
    a red signature) is as light as the paper there, with its anti-aliased edges; black
    and blue text stay dark."""
    return image.convert("RGB").getchannel("R")


def _erase(image: Any, segments: list[Segment]) -> Any:
    """The image with the ruling lines painted white (in pixels)."""
    if not segments:
        return image
    from PIL import ImageDraw

    out = image.copy()
    draw = ImageDraw.Draw(out)
    for x0, top, x1, bottom in segments:
        draw.rectangle((x0 - 3, top - 3, x1 + 3, bottom + 3), fill=255)
    return out


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
    return horizontal + [(top, x0, bottom, x1) for x0, top, x1, bottom in vertical]  # turned back


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
    # The band the rule covers, not only its centre: it is painted out whole.
    return [(x0, y0, x1, y1 + 1) for y0, y1, x0, x1 in merged]


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


def _load(path: Path, scale: float) -> OcrPage | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        segments = [_scaled((s[0], s[1], s[2], s[3]), scale) for s in data["segments"]]
        return OcrPage(parse_tsv(data["tsv"], scale), segments)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # no entry, or a damaged one: recognise again


def _store(path: Path, tsv: str, segments: list[Segment]) -> None:
    """Tesseract's own output and the rules (in pixels), written whole or not at all (a
    temporary file renamed into place), so a change in how they are read needs no new
    recognition."""
    data = {"tsv": tsv, "segments": [list(s) for s in segments]}
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)  # a cache that cannot be written only costs time
