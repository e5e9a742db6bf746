"""The words a user reads at the terminal, in Vietnamese (the default) or English.

One catalogue: the messages are written in English in the source, and
``engine/locale/vi/LC_MESSAGES/nhacviec.po`` gives each its Vietnamese (compiled to the
``.mo`` next to it by ``make``; stdlib ``gettext`` reads it, nothing else is imported).
What is translated:

- messages marked in the source: ``_("Plan {key} is not loaded.").format(key=key)``;
- every help text of the CLI (commands, options, arguments), read from the Click
  commands when help is printed, paragraph by paragraph (``help_text``), so that the
  short help of ``nhacviec --help`` (a first paragraph) is an entry of its own;
- the words of Typer and Click ("Usage:", "Options", "Missing argument …": their
  English is the msgid, see ``engine.cli.app``).

The language is, first to last: ``--lang``, ``$NHACVIEC_LANG``, ``[ui] language`` in
the settings file, Vietnamese. ``python -m engine.locale`` (Babel, a dev dependency)
extracts the messages, updates the ``.po`` and compiles it.
"""

from __future__ import annotations

import contextlib
import gettext
import inspect
import os
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from pathlib import Path

DOMAIN = "nhacviec"
LOCALE_DIR = Path(__file__).with_name("locale")
LANGUAGES = ("vi", "en")
DEFAULT = "vi"
ENV = "NHACVIEC_LANG"

_catalogues: dict[str, gettext.NullTranslations] = {}
_language = DEFAULT
_current: gettext.NullTranslations | None = None
# A web page's language while its handler runs (``speaking``): the messages the engine
# raises (an extension refused…) are then in the page's language, not the process's.
_speaking: ContextVar[gettext.NullTranslations | None] = ContextVar("speaking", default=None)


def catalogue(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (English: the msgids themselves)."""
    if lang not in _catalogues:
        if lang == "en":
            _catalogues[lang] = gettext.NullTranslations()
        else:
            _catalogues[lang] = gettext.translation(
                DOMAIN, LOCALE_DIR, languages=[lang], fallback=True
            )
    return _catalogues[lang]


def use(lang: str) -> None:
    """Speak ``lang`` from now on (one of ``LANGUAGES``)."""
    global _language, _current
    if lang not in LANGUAGES:
        raise ValueError(lang)
    _language = lang
    _current = None


def language() -> str:
    return _language


@contextlib.contextmanager
def speaking(lang: str) -> Iterator[None]:
    """``_()`` speaks ``lang`` in this context only (this thread or task), meanwhile."""
    token = _speaking.set(catalogue(lang if lang in LANGUAGES else DEFAULT))
    try:
        yield
    finally:
        _speaking.reset(token)


def _(message: str) -> str:
    """``message`` (English, the msgid) in the current language."""
    global _current
    spoken = _speaking.get()
    if spoken is not None:
        return spoken.gettext(message)
    if _current is None:
        _current = catalogue(_language)
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    global _current
    spoken = _speaking.get()
    if spoken is not None:
        return spoken.ngettext(singular, plural, n)
    if _current is None:
        _current = catalogue(_language)
    return _current.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks ``message`` for the catalogue; translated later, where it is printed."""
    return message


def paragraphs(text: str) -> list[str]:
    """The msgids of a help text: its paragraphs as Click prints them (words joined by
    one space, except in a ``\\b`` paragraph, whose lines Click keeps)."""
    text = inspect.cleandoc(text).partition("\f")[0]
    found = []
    for paragraph in text.split("\n\n"):
        if paragraph.startswith("\b"):
            found.append(paragraph)
        elif paragraph.strip():
            found.append(" ".join(paragraph.split()))
    return found


def help_text(text: str | None) -> str | None:
    """A help text in the current language, paragraph by paragraph."""
    if not text or _language == "en":
        return text
    return "\n\n".join(_(p) for p in paragraphs(text))


def choose(argv: Sequence[str], environ: os._Environ[str] | dict[str, str] | None = None) -> str:
    """The language of one run: ``--lang`` in ``argv`` (before a lone ``--``), else
    ``$NHACVIEC_LANG``, else ``[ui] language`` of the settings file (``--config``, else
    ``$NHACVIEC_CONFIG``, else ``config/nhacviec.toml``), else Vietnamese. An unknown
    language is left for the caller to refuse (``--lang``'s choices, the settings)."""
    env = os.environ if environ is None else environ
    lang = _option(argv, "--lang")
    if lang is None:
        lang = env.get(ENV) or None
    if lang is None:
        config = _option(argv, "--config") or env.get("NHACVIEC_CONFIG")
        lang = _settings_language(Path(config) if config else Path("config/nhacviec.toml"))
    return lang if lang in LANGUAGES else DEFAULT


def _option(argv: Sequence[str], name: str) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.partition("=")[2]
    return None


def _settings_language(path: Path) -> str | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if b"[ui]" not in data:  # the usual case: no parsing at start-up
        return None
    import tomllib

    try:
        ui = tomllib.loads(data.decode("utf-8")).get("ui", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None  # load_settings reports it, with its line
    lang = ui.get("language") if isinstance(ui, dict) else None
    return lang if isinstance(lang, str) else None
