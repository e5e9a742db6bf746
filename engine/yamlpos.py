"""YAML and TOML loading that remembers where every value came from.

Workflows, plan files, the agency directory and the settings file are all validated with
pydantic; when validation fails the user must learn the file and the line, not only the key.
``load_yaml`` returns the data and a map from each key path to its line, and
``validate`` turns pydantic's errors into ``InputErrors`` that name both.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from engine.errors import InputError, InputErrors, Problem
from engine.i18n import N_, _

if TYPE_CHECKING:
    import yaml

Positions = dict[tuple[str, ...], int]
M = TypeVar("M", bound=BaseModel)


@cache
def _loader_class() -> type[yaml.SafeLoader]:
    """The loader, made on first use: a command that reads no YAML (any that only opens
    the store and its TOML settings) does not import PyYAML."""
    import yaml

    class _Loader(yaml.SafeLoader):
        """SafeLoader; a subclass so that nothing we add leaks into PyYAML's global loader."""

        file = "?"

        def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
            """A date such as ``2022-02-31`` looks like one to YAML but is none: say where,
            instead of PyYAML's bare ``ValueError: day is out of range for month``."""
            try:
                return super().construct_yaml_timestamp(node)
            except ValueError as exc:
                raise InputError(
                    _("{value!r} is not a date ({exc}); expected a real day, YYYY-MM-DD").format(
                        value=node.value, exc=exc
                    ),
                    file=self.file,
                    line=node.start_mark.line + 1,
                ) from None

    _Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)
    return _Loader


def load_yaml(text: str, file: str) -> tuple[Any, Positions]:
    """Parse one YAML document; return its data and the line (1-based) of every key path.

    Raises ``InputError`` for syntax errors and duplicate keys (YAML would silently keep
    the last one, which hides mistakes in hand-edited files).
    """
    import yaml

    try:
        loader = _loader_class()(text)
        loader.file = file  # type: ignore[attr-defined]
    except yaml.reader.ReaderError as exc:  # checked at once: a control character
        where = text.count("\n", 0, exc.position) + 1
        reason = f"{exc.reason} (character #x{exc.character:04x})"
        raise InputError(
            _("not valid YAML: {reason}").format(reason=reason), file=file, line=where
        ) from exc
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise InputError(
            _("not valid YAML: {value}").format(value=exc.problem or exc), file=file, line=line
        ) from exc
    except yaml.YAMLError as exc:
        raise InputError(_("not valid YAML: {exc}").format(exc=exc), file=file) from exc
    finally:
        loader.dispose()
    positions: Positions = {}
    problems: list[Problem] = []
    _walk(node, (), positions, problems, file)
    if problems:
        raise InputErrors(problems)
    return data, positions


def _walk(
    node: yaml.Node, path: tuple[str, ...], out: Positions, problems: list[Problem], file: str
) -> None:
    import yaml

    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                problems.append(
                    Problem(
                        file,
                        key_node.start_mark.line + 1,
                        _("duplicate key '{key}'").format(key=key),
                    )
                )
            seen.add(key)
            out[(*path, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*path, key), out, problems, file)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, str(index)), out, problems, file)


_TOML_TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_TOML_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'.]+?)\s*=")


def load_toml(text: str, file: str) -> tuple[dict[str, Any], Positions]:
    """Parse TOML (tomllib) and find the line of each table and key by scanning the text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else None
        raise InputError(_("not valid TOML: {exc}").format(exc=exc), file=file, line=line) from exc
    positions: Positions = {}
    table: tuple[str, ...] = ()
    for number, raw in enumerate(text.splitlines(), start=1):
        if m := _TOML_TABLE.match(raw):
            table = tuple(part.strip().strip("\"'") for part in m.group(1).split("."))
            positions.setdefault(table, number)
        elif m := _TOML_KEY.match(raw):
            key = tuple(part.strip().strip("\"'") for part in m.group(1).split("."))
            positions.setdefault((*table, *key), number)
    return data, positions


def line_of(positions: Positions, loc: Sequence[Any]) -> int | None:
    """The line of the deepest known prefix of ``loc``."""
    parts = tuple(str(p) for p in loc)
    while True:
        if parts in positions:
            return positions[parts]
        if not parts:
            return None
        parts = parts[:-1]


_PATTERNS = {  # what a coordinator is told a pattern-checked value must look like
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$": N_(
        "a short key of letters, digits, '.', '_' or '-', "
        "starting with a letter or a digit (such as 3a or nv-12)"
    ),
    r"^[a-z0-9][a-z0-9.\-_]*$": N_(
        "a key of lower-case letters, digits, '.', '_' or '-', "
        "starting with a letter or a digit (such as hn.so-cong-thuong)"
    ),
    r"^[a-z0-9][a-z0-9_-]*$": N_(
        "a name of lower-case letters, digits, '_' or '-' (such as nhac-7-ngay)"
    ),
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$": N_("an email address such as vanthu@sct.hanoi.gov.vn"),
}
_TYPES = {  # pydantic's error types, in words
    "dict_type": N_("expected a group of 'key: value' lines"),
    "model_type": N_("expected a group of 'key: value' lines"),
    "model_attributes_type": N_("expected a group of 'key: value' lines"),
    "list_type": N_("expected a list (one '- ' line per item)"),
    "tuple_type": N_("expected a list (one '- ' line per item)"),
    "string_type": N_("expected text"),
    "int_type": N_("expected a whole number"),
    "int_parsing": N_("expected a whole number"),
    "int_from_float": N_("expected a whole number"),
    "float_type": N_("expected a number"),
    "float_parsing": N_("expected a number"),
    "bool_type": N_("expected true or false"),
    "bool_parsing": N_("expected true or false"),
    "date_type": N_("expected a date as YYYY-MM-DD"),
    "date_parsing": N_("expected a date as YYYY-MM-DD"),
    "date_from_datetime_parsing": N_("expected a date as YYYY-MM-DD"),
    "date_from_datetime_inexact": N_("expected a date as YYYY-MM-DD, without a time"),
    "datetime_type": N_("expected a date and time such as 2026-06-19T08:00+07:00"),
    "datetime_parsing": N_("expected a date and time such as 2026-06-19T08:00+07:00"),
    "time_type": N_("expected a time of day such as 08:00"),
    "time_parsing": N_("expected a time of day such as 08:00"),
    "url_parsing": N_("expected a web address such as https://nhacviec.example.gov.vn"),
}


def describe_error(error: Mapping[str, Any]) -> str:
    """One pydantic error as a sentence that names the key and what was expected, in the
    words of the file's reader (never "String should match pattern '^[A-Za-z0-9]…'" or
    "instance of PlanFile")."""
    loc = [str(p) for p in error.get("loc", ())]
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    key = ".".join(loc) if loc else _("the file")
    name = loc[-1] if loc else key
    if kind == "extra_forbidden":
        return _("unknown key '{name}' (at {key})").format(name=name, key=key)
    if kind == "missing":
        return _("missing required key '{name}' (at {key})").format(name=name, key=key)
    got = error.get("input")
    shown = repr(got) if not isinstance(got, (dict, list)) else _shape(got)
    return _("{key}: {expected}; got {shown}").format(
        key=key, expected=_expected(kind, ctx, error), shown=shown
    )


def _shape(value: dict[Any, Any] | list[Any]) -> str:
    return _("a group of 'key: value' lines") if isinstance(value, dict) else _("a list")


def _expected(kind: str, ctx: Mapping[str, Any], error: Mapping[str, Any]) -> str:
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        if pattern in _PATTERNS:
            return _("expected {what}").format(what=_(_PATTERNS[pattern]))
        return _("expected a value of the form {pattern}").format(pattern=pattern)
    if kind in _TYPES:
        return _(_TYPES[kind])
    if kind in ("literal_error", "enum"):
        return _("expected one of {values}").format(values=ctx.get("expected", ""))
    if kind == "string_too_long":
        return _("expected at most {n} characters").format(n=ctx.get("max_length"))
    if kind == "string_too_short":
        return _("expected at least {n} character(s)").format(n=ctx.get("min_length"))
    if kind == "too_short":
        return _("expected at least {n} item(s)").format(n=ctx.get("min_length"))
    if kind == "too_long":
        return _("expected at most {n} item(s)").format(n=ctx.get("max_length"))
    bounds = {"greater_than": ">", "greater_than_equal": "≥", "less_than": "<",
              "less_than_equal": "≤"}  # fmt: skip
    if kind in bounds:
        limit = next(iter(ctx.values()), "")
        return _("expected a number {bound} {limit}").format(bound=bounds[kind], limit=limit)
    return str(error.get("msg", "invalid value")).removeprefix("Value error, ")


def validate(model: type[M], data: Any, positions: Positions, file: str) -> M:
    """Validate ``data`` against ``model``; every error names file, line and expectation."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(file, line_of(positions, err["loc"]), describe_error(err))
            for err in exc.errors(include_url=False)
        ]
        raise InputErrors(problems) from exc


def read_text(path: Path) -> str:
    """Read a UTF-8 text file, turning I/O and encoding failures into InputError."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(_("file not found"), file=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            _("not UTF-8 text (byte {start})").format(start=exc.start), file=str(path)
        ) from exc
    except OSError as exc:
        raise InputError(
            _("cannot read: {strerror}").format(strerror=exc.strerror), file=str(path)
        ) from exc
