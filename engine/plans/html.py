"""Reader for web pages saved from a legal-document portal (placeholder)."""

from __future__ import annotations

from engine.errors import InputError
from engine.plans.document import Document


def read_html(data: bytes, name: str) -> Document:
    raise InputError("HTML pages are not read yet", file=name)
