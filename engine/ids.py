"""Turning text into a record's number: one rule for the bot, the CLI, the web and the
extension requests.

People type ``12``, ``#12`` or (for an extension request) ``GH7``. A number is a number
only if it is digits and fits the store's integer keys (PostgreSQL ``integer``: at most
2,147,483,647; SQLite would overflow at 2**63). Anything else, a huge number included,
names no record: callers answer "not found" exactly as for a number that is not there,
rather than letting the database driver raise ``OverflowError`` or ``DataError``.
"""

from __future__ import annotations

MAX_ID = 2**31 - 1  # the largest value of an ``integer`` primary key on PostgreSQL


def parse_id(text: str | int, *, prefixes: tuple[str, ...] = ("#",)) -> int | None:
    """The number ``text`` names, or None when it names none (pure).

    ``prefixes`` may each stand before the digits, in that order (case-insensitive):
    ``#`` by default, ``("#", "GH")`` for extension requests (``7``, ``#7``, ``GH7``).
    Surrounding spaces are ignored.
    """
    if isinstance(text, int):
        return text if 0 < text <= MAX_ID else None
    value = text.strip()
    for prefix in prefixes:
        if value.upper().startswith(prefix.upper()):
            value = value[len(prefix) :]
    # str.isdigit() accepts "²" and other digits int() refuses: only ASCII 0-9 here.
    if not value or len(value) > 10 or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None
