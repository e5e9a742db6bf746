"""Bulk inserts through the database driver's fast path, in the caller's transaction.

``FastInsert(connection, table, columns).write(rows)`` writes tuples of Python values
(in ``columns`` order) the way a Core ``insert()`` of the same values stores them, but
without SQLAlchemy's per-row and per-value machinery: on SQLite one ``executemany`` of
``sqlite3`` per chunk, on PostgreSQL one ``COPY … FROM STDIN`` (psycopg). Each column's
values are converted as its type's bind processing would (``UTCDateTime``: aware instants
to naive UTC, text on SQLite with microseconds; dates as ISO text on SQLite; JSON as
``json.dumps`` text, ``None`` as JSON ``null``), and a value seen before in the same column
is converted once: a sync writes the same few instants, stop lists and payloads hundreds
of thousands of times. Rows are consumed as they come (an iterator is never held whole).

Columns left out get their server default or NULL; Python-side defaults of the models
are not applied, so callers name every column they mean to set.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Connection, Date, Table

from engine.store.types import JSONType, UTCDateTime

CHUNK = 5000
Convert = Callable[[Any], Any]


class FastInsert:
    """An INSERT of ``columns`` of ``table``, many rows at a time (see the module doc)."""

    def __init__(self, connection: Connection, table: Table, columns: Sequence[str]) -> None:
        self.dialect = connection.dialect.name
        raw = connection.connection.driver_connection
        assert raw is not None
        self.raw = raw
        self.table = table
        self.columns = list(columns)
        converters = [self._converter(table.c[name].type) for name in self.columns]
        self._convert = _row_converter(converters)

    def write(self, rows: Iterable[Sequence[Any]]) -> int:
        """Insert every row; return how many."""
        width, convert = len(self.columns), self._convert

        def converted() -> Iterator[tuple[Any, ...]]:
            for row in rows:
                if len(row) != width:
                    raise ValueError(f"{len(row)} values for the {width} columns")
                yield convert(row)

        if self.dialect == "postgresql":
            return self._copy(converted())
        return self._executemany(converted())

    def _executemany(self, rows: Iterable[Sequence[Any]]) -> int:
        marks = ", ".join("?" for _ in self.columns)
        sql = f"INSERT INTO {self.table.name} ({', '.join(self.columns)}) VALUES ({marks})"
        cursor = self.raw.cursor()
        count = 0
        try:
            iterator = iter(rows)
            while chunk := list(itertools.islice(iterator, CHUNK)):
                cursor.executemany(sql, chunk)
                count += len(chunk)
        finally:
            cursor.close()
        return count

    def _copy(self, rows: Iterable[Sequence[Any]]) -> int:
        sql = f"COPY {self.table.name} ({', '.join(self.columns)}) FROM STDIN"
        count = 0
        with self.raw.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count

    def _converter(self, column_type: Any) -> Convert:
        sqlite = self.dialect == "sqlite"
        if isinstance(column_type, UTCDateTime):
            return _memo(_sqlite_instant if sqlite else _naive_utc)
        if isinstance(column_type, Date) and sqlite:
            return _memo(_iso_day)
        if isinstance(column_type, (JSON, JSONType)):
            return _json_memo()
        return _same


def _same(value: Any) -> Any:
    return value


def _row_converter(converters: Sequence[Convert]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """One function making a row's converted tuple in a single expression (no loop over
    the columns, no list per row): ``lambda r: (r[0], c1(r[1]), r[2], …)``; a JSON column
    first looks its value up by identity, ``(f2(id(r[2])) or c2(r[2]))``, all in C when
    the object was written before (``_JsonMemo``)."""
    names: dict[str, Any] = {}
    parts = []
    for i, convert in enumerate(converters):
        if convert is _same:
            parts.append(f"r[{i}]")
            continue
        names[f"c{i}"] = convert
        if isinstance(convert, _JsonMemo):
            names[f"f{i}"] = convert.texts.get
            parts.append(f"(f{i}(id(r[{i}])) or c{i}(r[{i}]))")
        else:
            parts.append(f"c{i}(r[{i}])")
    made = eval(f"lambda r: ({', '.join(parts)},)", names)  # our own text, no input
    return made  # type: ignore[no-any-return]


class _Memo(dict[Any, Any]):
    """Value → converted value, made on first lookup: ``memo.__getitem__`` converts a
    value seen before without a Python call (the lookup runs in C)."""

    def __init__(self, convert: Convert) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, value: Any) -> Any:
        result = self[value] = self.convert(value)
        return result


def _memo(convert: Convert) -> Convert:
    """``convert``, remembering what it gave for each (hashable) value."""
    return _Memo(convert).__getitem__


class _JsonMemo:
    """``json.dumps`` (what SQLAlchemy's JSON type writes), remembered: by identity for
    dicts, lists and immutable values (the object is kept, so its id is not reused; a
    dict or list is taken not to change once written, as a sync's shared payloads and
    stop lists do not), and immutable values also by value."""

    LIMIT = 10_000  # objects remembered by identity (fresh dicts per row stop there)

    def __init__(self) -> None:
        self.texts: dict[int, str] = {}
        self.kept: dict[int, Any] = {}
        self.by_value: dict[Any, str] = {}

    def __call__(self, value: Any) -> str:
        text = self.texts.get(id(value))
        if text is not None:
            return text
        if isinstance(value, (dict, list)):
            text = json.dumps(value)
        else:
            key = (type(value), value)  # True == 1, but their JSON differs
            try:
                text = self.by_value.get(key)
            except TypeError:  # a tuple holding a list: not hashable, nor remembered
                return json.dumps(value)
            if text is None:
                text = self.by_value[key] = json.dumps(value)
        if len(self.texts) < self.LIMIT:
            self.kept[id(value)] = value
            self.texts[id(value)] = text
        return text


def _json_memo() -> Convert:
    return _JsonMemo()


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: instants must carry a time zone")
    return value.astimezone(UTC).replace(tzinfo=None)


def _naive_utc(value: datetime | None) -> datetime | None:
    return None if value is None else _aware(value)


def _sqlite_instant(value: datetime | None) -> str | None:
    """As SQLAlchemy's SQLite ``DATETIME`` stores it: microseconds always written."""
    if value is None:
        return None
    v = _aware(value)
    return (
        f"{v.year:04d}-{v.month:02d}-{v.day:02d} "
        f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}"
    )


def _iso_day(value: date | None) -> str | None:
    """As SQLAlchemy's SQLite ``DATE`` stores it."""
    return None if value is None else f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
