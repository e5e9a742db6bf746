"""Small generic helpers shared by the store side and the rest of the engine."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """``items`` in slices of at most ``size`` (an ``IN (...)`` list per query)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
"""A Word document's media type (the formal reminder letters)."""
