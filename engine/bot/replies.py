"""The bot's words: ``templates/{vi,en}/bot/*.j2`` rendered in a chat's language.

Replies are Telegram HTML (autoescaped). ``strings.j2`` holds macros for the short plain
texts, button labels and callback answers, which ``label`` renders and unescapes.
A template missing in a language falls back to Vietnamese. Unlinked chats get
Vietnamese with an English line (``bilingual`` in the context).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

LANGUAGES = ("vi", "en")
_TAG = re.compile(r"<[^>]+>")
TOAST_LIMIT = 200  # Telegram's limit for a callback answer


def vndate(value: date | datetime | None) -> str:
    return "" if value is None else value.strftime("%d/%m/%Y")


def language_of(value: str | None) -> str:
    return value if value in LANGUAGES else "vi"


class Replies:
    """The bot templates of one folder, in the zone where times are shown."""

    def __init__(self, folder: Path, zone: ZoneInfo) -> None:
        self.zone = zone
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(folder),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self._env.filters["vndate"] = vndate

    def render(self, language: str, name: str, context: Mapping[str, Any]) -> str:
        """``{language}/bot/{name}.j2`` as Telegram HTML, trimmed."""
        return self._template(language, f"{name}.j2").render(context).strip()

    def label(self, language: str, macro: str, *args: Any) -> str:
        """A plain text from ``strings.j2`` (button labels are not HTML)."""
        module = self._template(language, "strings.j2").module
        return html.unescape(str(getattr(module, macro)(*args))).strip()

    def when(self, instant: datetime) -> str:
        """``dd/mm HH:MM`` in the local zone, as buttons show who acted when."""
        return instant.astimezone(self.zone).strftime("%d/%m %H:%M")

    def _template(self, language: str, filename: str) -> jinja2.Template:
        try:
            return self._env.get_template(f"{language_of(language)}/bot/{filename}")
        except jinja2.TemplateNotFound:
            return self._env.get_template(f"vi/bot/{filename}")


def plain(text: str, limit: int = TOAST_LIMIT) -> str:
    """HTML reply text as plain text for a callback answer, cut to Telegram's limit."""
    flat = html.unescape(_TAG.sub("", text)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@lru_cache(maxsize=4)
def replies_for(folder: Path, zone_name: str) -> Replies:
    return Replies(folder, ZoneInfo(zone_name))
