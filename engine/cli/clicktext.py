"""Click's and Typer's error messages in the current language.

Typer's copy of Click writes its messages in English, as f-strings: each is rebuilt here
from the exception's fields, or read back by a pattern, through the catalogue.
"""

from __future__ import annotations

import re

from typer import _click as click

from engine.i18n import N_, _

# Messages Typer formats before raising, read back: (pattern, msgid).
_LABEL = r"(?P<label>File|Directory|Path)"
PATTERNS = [
    (r"Got unexpected extra argument\(s\) \((?P<args>.*)\)",
     N_("Got unexpected extra argument(s) ({args})")),
    (r"(?P<value>'.*') is not one of (?P<choices>.*)\.", N_("{value} is not one of {choices}.")),
    (r"Value (?P<value>.*) is not a valid (?P<type>.*)\.",
     N_("Value {value} is not a valid {type}.")),
    (_LABEL + r" (?P<path>'.*') does not exist\.", N_("{label} {path} does not exist.")),
    (_LABEL + r" (?P<path>.*) is a file\.", N_("{label} {path} is a file.")),
    (_LABEL + r" (?P<path>.*) is a directory\.", N_("{label} {path} is a directory.")),
    (_LABEL + r" (?P<path>.*) is not readable\.", N_("{label} {path} is not readable.")),
    (_LABEL + r" (?P<path>.*) is not writable\.", N_("{label} {path} is not writable.")),
    (r"No such command (?P<name>'.*')\.", N_("No such command {name}.")),
    (r"Choose from:\n\t(?P<choices>.*)", N_("Choose from:\n\t{choices}")),
]  # fmt: skip
WORDS = {"File": N_("File"), "Directory": N_("Directory"), "Path": N_("Path")}
_COMPILED = [(re.compile(p, re.DOTALL), m) for p, m in PATTERNS]


def translate(message: str) -> str:
    """A message of Click or Typer (or already ours) in the current language."""
    message = message.removeprefix("Value error, ")  # Pydantic's, through Typer
    head, said, names = message.rpartition(". Did you mean ")
    if said and names.endswith("?"):  # Typer's suggestion after a message (translated)
        return f"{translate(head + '.')} " + _("Did you mean {names}?").format(names=names[:-1])
    exact = _(message)
    if exact is not message:
        return exact
    for pattern, msgid in _COMPILED:
        found = pattern.fullmatch(message)
        if found:
            fields = {k: _(WORDS[v]) if v in WORDS else v for k, v in found.groupdict().items()}
            return _(msgid).format(**fields)
    return message


def _hint(exc: click.exceptions.BadParameter) -> str | None:
    if exc.param_hint is not None:
        hint = exc.param_hint
    elif exc.param is not None:
        hint = exc.param.get_error_hint()
    else:
        return None
    return hint if isinstance(hint, str) else " / ".join(repr(x) for x in hint)


def click_message(exc: click.exceptions.ClickException) -> str:
    """The message of ``exc`` (what follows "Error: ")."""
    if isinstance(exc, click.exceptions.NoSuchOption):
        text = _("No such option: {name}").format(name=exc.option_name)
        if exc.possibilities:
            text += " " + _("(Possible options: {options})").format(
                options=", ".join(sorted(exc.possibilities))
            )
        return text
    if isinstance(exc, click.exceptions.MissingParameter):
        hint = _hint(exc)
        kind = exc.param_type or (exc.param.param_type_name if exc.param else "parameter")
        msgid = {
            "argument": N_("Missing argument {name}."),
            "option": N_("Missing option {name}."),
        }.get(kind, N_("Missing parameter {name}."))
        text = _(msgid).format(name=hint or "")
        extra = exc.param.get_missing_message(ctx=exc.ctx) if exc.param else None
        for part in (exc.message, extra):
            if part:
                text += " " + translate(part)
        return text
    if isinstance(exc, click.exceptions.BadParameter):
        hint = _hint(exc)
        if hint is None:
            return _("Invalid value: {message}").format(message=translate(exc.message))
        return _("Invalid value for {name}: {message}").format(
            name=hint, message=translate(exc.message)
        )
    return translate(exc.format_message())
