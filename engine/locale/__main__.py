"""Keep the catalogue current: ``python -m engine.locale [--check]``.

Collects every msgid (``_()``, ``N_()``, ``ngettext()`` and the web pages' ``tr()``
in ``engine/`` and ``notifiers/``, Typer's own ``_()`` words, and every help paragraph
of the fully built CLI), writes ``nhacviec.pot``, merges it into
``vi/LC_MESSAGES/nhacviec.po`` (Babel's ``update``: new msgids come in empty, gone ones
are dropped) and compiles the ``.mo``.
With ``--compile`` it only compiles the ``.po`` (``make`` does, when it changed).
With ``--check`` it writes nothing and exits 1 if the ``.po`` lacks a msgid or a
translation, or if the ``.mo`` is not the ``.po`` compiled. Needs Babel (dev extras).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from engine.i18n import DOMAIN, LOCALE_DIR, paragraphs

ROOT = LOCALE_DIR.parent.parent
POT = LOCALE_DIR / f"{DOMAIN}.pot"
PO = LOCALE_DIR / "vi" / "LC_MESSAGES" / f"{DOMAIN}.po"
MO = PO.with_suffix(".mo")
KEYWORDS: dict[str, Any] = {"_": None, "N_": None, "ngettext": (1, 2), "tr": None}


def _source_messages() -> Iterator[tuple[str | tuple[str, ...], str, int]]:
    for folder in ("engine", "notifiers"):
        for name, line, msgid, _comments, _context in extract_from_dir(
            ROOT / folder,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=(),
        ):
            yield msgid, f"{folder}/{name}", line
    import typer.core

    typer_core = Path(typer.core.__file__)
    for line, msgid, _comments, _context in extract_from_file(
        "python", typer_core, keywords={"_": None}
    ):
        yield msgid, "typer/core.py", line


def _help_messages() -> Iterator[tuple[str, str]]:
    """Every help paragraph of the CLI: commands, options, arguments, epilogs."""
    from typer import _click as click
    from typer.main import get_command

    from engine.cli import app

    def walk(command: click.Command, path: str) -> Iterator[tuple[str, str]]:
        ctx = click.Context(command, info_name=path)
        for text in (command.help, getattr(command, "epilog", None)):
            for p in paragraphs(text or ""):
                yield p, path
        for param in command.get_params(ctx):
            for p in paragraphs(getattr(param, "help", None) or ""):
                yield p, f"{path} {param.name}"
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from walk(sub, f"{path} {name}")

    yield from walk(get_command(app), "nhacviec")


def template() -> Catalog:
    pot = Catalog(domain=DOMAIN, project="nhacviec", charset="utf-8")
    for msgid, where, line in _source_messages():
        pot.add(msgid, locations=[(where, line)])
    for msgid, where in _help_messages():
        pot.add(msgid, locations=[(f"help: {where}", 0)])
    return pot


def problems(po: Catalog, pot: Catalog) -> list[str]:
    """What the ``.po`` lacks against the template."""
    found = []
    for message in pot:
        if not message.id:
            continue
        have = po.get(message.id)
        text = have.string if have is not None else None
        if isinstance(text, tuple):
            text = text[0] if all(text) else ""
        if have is None:
            found.append(f"not in the catalogue: {message.id!r}")
        elif not text or have.fuzzy:
            found.append(f"no Vietnamese: {message.id!r}")
    return found


def compiled(po: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, po)
    return out.getvalue()


def main(argv: list[str]) -> int:
    with PO.open("rb") as f:
        po = read_po(f, locale="vi", domain=DOMAIN)
    if "--compile" in argv:
        MO.write_bytes(compiled(po))
        return 0
    pot = template()
    if "--check" in argv:
        found = problems(po, pot)
        if MO.read_bytes() != compiled(po):
            found.append(f"{MO} is not {PO} compiled: run python -m engine.locale")
        print("\n".join(found) or "the catalogue is complete")
        return 1 if found else 0
    with POT.open("wb") as f:
        write_po(f, pot, width=100, omit_header=False)
    po.update(pot, no_fuzzy_matching=True)
    with PO.open("wb") as f:
        write_po(f, po, width=100, ignore_obsolete=True)
    with PO.open("rb") as f:
        po = read_po(f, locale="vi", domain=DOMAIN)
    MO.write_bytes(compiled(po))
    missing = problems(po, pot)
    print(f"{PO}: {len(pot)} msgids, {len(missing)} without Vietnamese; wrote {MO}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
