"""Hypothesis strategies that damage documents the way exports, editors and people do.

``mangled(text)`` applies one to ``max_ops`` edits to the lines of a text: deleting,
duplicating or swapping lines, shuffling the cells of a table row (tabs or ``|``),
mojibake (UTF-8 read as Windows-1252), cutting a line short, blanking it, inserting
noise, and, for YAML and TOML, re-indenting a line or replacing a value with a token
that breaks types. ``encoded(text)`` then writes it in an encoding an export may use,
and may cut the bytes anywhere, even inside a character.

``FUZZ`` is the setting every property of the suite uses: a modest, fixed number of
examples, derandomised and without an example database, so a run is the same on every
machine and in CI (the shrinking output still shows a failing example).
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ = settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    # Examples reuse the test's tmp_path and store on purpose: each one writes its own
    # files, and the store properties compare the store before and after each example.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

LINE_OPS = ("delete", "duplicate", "swap", "shuffle_cells", "mojibake", "cut", "blank", "noise")
STRUCTURE_OPS = ("indent", "dedent", "value")
BREAKING_VALUES = (
    "", "~", "null", "[", "{", "]", "'", '"', "-1", "0", "1e309", "yes", "[]", "{}", "[[]]",
    "2026-02-30", "99999999999999999999", "x" * 300, "- a\n- b", "&a", "*a", "!!python/object",
    "Quý V/2023", "trước ngày 32/13", "\t", "ĐĐĐ", "<b>", "\x00",
)  # fmt: skip


@st.composite
def mangled(draw: st.DrawFn, text: str, *, max_ops: int = 5, structured: bool = False) -> str:
    """``text`` with 1 to ``max_ops`` damaging edits (``structured``: YAML/TOML edits too)."""
    lines = text.split("\n")
    ops = LINE_OPS + (STRUCTURE_OPS if structured else ())
    for _ in range(draw(st.integers(1, max_ops))):
        if not lines:
            break
        op = draw(st.sampled_from(ops))
        i = draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, line)
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], line
        elif op == "shuffle_cells":
            sep = "\t" if "\t" in line else "|"
            lines[i] = sep.join(draw(st.permutations(line.split(sep))))
        elif op == "mojibake":
            lines[i] = line.encode("utf-8").decode("cp1252", errors="replace")
        elif op == "cut":
            lines[i] = line[: draw(st.integers(0, len(line)))]
        elif op == "blank":
            lines[i] = ""
        elif op == "noise":
            lines.insert(i, draw(st.text(max_size=40)))
        elif op == "indent":
            lines[i] = draw(st.sampled_from(["  ", "    ", "\t", "- "])) + line
        elif op == "dedent":
            lines[i] = line.lstrip()
        else:  # value: what follows the key's ':' or '=' becomes something else
            for sep in (": ", " = ", "="):
                if sep in line:
                    head = line.split(sep, 1)[0]
                    lines[i] = head + sep + draw(st.sampled_from(BREAKING_VALUES))
                    break
    return "\n".join(lines)


ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1258")


@st.composite
def encoded(draw: st.DrawFn, text: str) -> bytes:
    """``text`` in an encoding an export may use, perhaps cut short anywhere."""
    data = text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return data
