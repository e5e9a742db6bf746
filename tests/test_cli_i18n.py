"""The CLI speaks Vietnamese by default and English on request, from one catalogue.

Every help text and every error a user can meet goes through ``engine/locale``: the tests
below render every command's ``--help`` and a set of error paths in both languages and
check each line against the catalogue, and they read the source for messages written
around it (a ``raise InputError(f"…")`` without ``_()``).
"""

from __future__ import annotations

import ast
import re
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from typer import _click as click
from typer.main import get_command
from typer.testing import CliRunner

from engine.cli import app
from engine.i18n import paragraphs
from engine.locale.__main__ import MO, PO, compiled, problems, template

ROOT = Path(__file__).resolve().parent.parent


def _catalogue() -> dict[str, str]:
    with PO.open("rb") as f:
        po = read_po(f, locale="vi", domain="nhacviec")
    found = {}
    for message in po:
        if message.id:
            msgid = message.id[0] if isinstance(message.id, tuple) else message.id
            text = message.string[0] if isinstance(message.string, tuple) else message.string
            found[msgid] = text
    return found


CATALOGUE = _catalogue()


def _words(text: str) -> str:
    return " ".join(text.split())


def _pattern(template: str) -> re.Pattern[str]:
    """A message template (``{name}`` fields, ``%s`` arguments) as a regular expression
    that matches what it becomes once its fields are filled in."""
    parts = []
    for literal, field, _spec, _conv in string.Formatter().parse(template):
        for piece in re.split(r"(%[sdrg])", _words(literal)):
            parts.append(".+?" if re.fullmatch(r"%[sdrg]", piece) else re.escape(piece))
        if field is not None:
            parts.append(".+?")
    return re.compile("".join(parts), re.DOTALL)


VI_PATTERNS = [_pattern(t) for t in CATALOGUE.values() if t]
EN_PATTERNS = [_pattern(t) for t in CATALOGUE]


def _from_catalogue(line: str, patterns: list[re.Pattern[str]]) -> bool:
    return any(p.fullmatch(_words(line)) for p in patterns)


# Messages whose English words are also Vietnamese output (names, paths, examples).
SAME_IN_BOTH = {msgid for msgid, text in CATALOGUE.items() if msgid == text}


def _english_sentences() -> list[str]:
    """The catalogue's English, as long phrases that never belong in Vietnamese output."""
    found = []
    for msgid in CATALOGUE:
        if msgid in SAME_IN_BOTH:
            continue
        for literal, *_ in string.Formatter().parse(msgid):
            phrase = _words(literal)
            if len(phrase.split()) >= 3 and re.search("[a-z]{3}", phrase):
                found.append(phrase)
    return found


ENGLISH = _english_sentences()


def _commands() -> Iterator[list[str]]:
    def walk(command: click.Command, path: list[str]) -> Iterator[list[str]]:
        yield path
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from walk(sub, [*path, name])

    yield from walk(get_command(app), [])


COMMANDS = list(_commands())


def test_every_message_of_the_source_and_every_help_text_has_its_vietnamese() -> None:
    with PO.open("rb") as f:
        po = read_po(f, locale="vi", domain="nhacviec")
    assert problems(po, template()) == []
    assert MO.read_bytes() == compiled(po), "run `python -m engine.locale`"


def test_no_translation_adds_a_field_to_its_message() -> None:
    def fields(text: str) -> tuple[list[str], list[str]]:
        names = sorted(f for _, f, _, _ in string.Formatter().parse(text) if f is not None)
        return names, sorted(re.findall(r"%[sdrg]", text))

    # A translation may leave a field out (str.format ignores it), never add one.
    def fits(msgid: str, text: str) -> bool:
        (names, args), (used, used_args) = fields(msgid), fields(text)
        return set(used) <= set(names) and args == used_args

    wrong = {m: t for m, t in CATALOGUE.items() if not fits(m, t)}
    assert wrong == {}


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "nhacviec")
def test_every_help_is_vietnamese_by_default_and_english_with_lang_en(
    cli: CliRunner, path: list[str]
) -> None:
    vi = cli.invoke(app, [*path, "--help"], prog_name="nhacviec")
    en = cli.invoke(app, ["--lang", "en", *path, "--help"], prog_name="nhacviec")
    assert vi.exit_code == en.exit_code == 0
    assert vi.stdout.startswith("Cách dùng: nhacviec")
    assert en.stdout.startswith("Usage: nhacviec")
    text = _words(vi.stdout)
    leaked = [phrase for phrase in ENGLISH if phrase in text]
    assert leaked == []
    assert "Tùy chọn:" in vi.stdout and "Options:" in en.stdout
    # Every paragraph of the command's own help and of its options', in both languages.
    command = get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    ctx = click.Context(command)
    texts = [command.help, *(getattr(p, "help", None) for p in command.get_params(ctx))]
    for paragraph in (p for t in texts for p in paragraphs(t or "")):
        english = _words(paragraph)
        if len(english) > 60:  # a short help, cut by "…" in a list: only the start
            english = english[:40]
        assert english[:40] in _words(en.stdout)
        assert _words(CATALOGUE[paragraph])[:30] in text


def test_the_console_script_prints_the_command_list_in_the_chosen_language() -> None:
    def run(*args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "engine", *args], capture_output=True, text=True,
            timeout=60, check=True, cwd=ROOT, env=env,
        )  # fmt: skip
        return done.stdout

    vi, en = run("--help"), run("--lang", "en", "--help")
    assert "Lệnh:" in vi and "Xem một nghĩa vụ, các thông báo và toàn bộ lịch sử" in vi
    assert "Commands:" in en and "Show an obligation, its notifications" in en
    assert [p for p in ENGLISH if p in _words(vi)] == []


def _errors(tmp_path: Path) -> list[list[str]]:
    folder = tmp_path / "config"
    folder.mkdir()
    bad = tmp_path / "bad.toml"
    bad.write_text('[time]\nzone = "Asia/Ho_Chi_Minh"\ncolour = "red"\n', "utf-8")
    missing_db = f"sqlite:///{tmp_path / 'none.db'}"
    return [
        ["agenda", "--frm", "1"],  # no such option
        ["plan", "show"],  # missing argument
        ["nope"],  # no such command
        ["agendx"],  # no such command, with a suggestion
        ["agenda", "--status", "late"],  # not one of the choices
        ["agenda", "extra"],  # an extra argument
        ["--config", str(folder), "agenda"],  # a folder as the settings file
        ["--config", str(bad), "agenda"],  # an unknown key in the settings
        ["--db", missing_db, "agenda"],  # no database
        ["--db", "mysql://x", "agenda"],  # not a database URL
        ["--db", missing_db, "show", "abc"],  # not an obligation number
        ["--db", missing_db, "report", "p", "--period", "2026-X", "-o", "x.xlsx"],
        ["--db", missing_db, "ack", "--by", "x" * 300, "1"],
        ["--db", missing_db, "digest", "--week", "2026-W60"],
        ["plan", "import", str(tmp_path / "missing.docx")],
    ]


def _message_lines(stderr: str) -> list[str]:
    """The lines of an error: Click's usage and hint lines and the message, joined back
    where Rich wrapped it; a usage line quotes the command, so only its start counts."""
    lines = [line for line in stderr.strip().split("\n") if line.strip()]
    return [line for line in lines if not line.startswith(("Cách dùng: ", "Usage: "))]


def test_every_error_is_vietnamese_by_default_and_english_with_lang_en(
    cli: CliRunner, tmp_path: Path
) -> None:
    for args in _errors(tmp_path):
        vi = cli.invoke(app, args, prog_name="nhacviec")
        en = cli.invoke(app, ["--lang", "en", *args], prog_name="nhacviec")
        assert vi.exit_code == en.exit_code == 2, (args, vi.output)
        assert vi.stderr != en.stderr
        said = _message_lines(vi.stderr)
        assert said[0].startswith(("lỗi: ", "Lỗi: ", "Xem '")), (args, vi.stderr)
        for line in said:
            text = re.sub(r"^(lỗi|Lỗi): ", "", line.strip())
            assert _from_catalogue(text, VI_PATTERNS), (args, line)
            assert [p for p in ENGLISH if p in _words(line)] == [], (args, line)
        for line in _message_lines(en.stderr):
            text = re.sub(r"^(error|Error): ", "", line.strip())
            assert _from_catalogue(text, EN_PATTERNS), (args, line)


def test_the_language_is_lang_then_the_environment_then_the_settings_file(
    cli: CliRunner, tmp_path: Path
) -> None:
    settings = tmp_path / "nhacviec.toml"
    settings.write_text('[ui]\nlanguage = "en"\n', "utf-8")

    def usage(args: list[str], env: dict[str, str] | None = None) -> str:
        return cli.invoke(app, [*args, "agenda", "--help"], env=env).stdout.split(" ")[0]

    config = ["--config", str(settings)]
    assert usage([]) == "Cách"  # "Cách dùng: …"
    assert usage(config) == "Usage:"
    assert usage(config, env={"NHACVIEC_LANG": "vi"}) == "Cách"
    assert usage(["--lang", "en"], env={"NHACVIEC_LANG": "vi"}) == "Usage:"
    assert usage([], env={"NHACVIEC_LANG": "en"}) == "Usage:"
    refused = cli.invoke(app, ["--db", "sqlite://", "agenda"], env={"NHACVIEC_LANG": "fr"})
    assert refused.exit_code == 2
    assert refused.stderr == "lỗi: $NHACVIEC_LANG=fr: cần vi hoặc en\n"


# Where a message for the user is made: the error classes (their first argument; the
# third of Problem) and the log calls of ``run``.
ERRORS = {"NhacviecError", "InputError", "RenderError", "ExtensionError", "NotOwner",
          "NothingToRemind", "StoreError", "StatusError", "PeriodError", "TrackingError",
          "OutboxBusy", "BadParameter", "Problem"}  # fmt: skip
VIETNAMESE = re.compile(
    "[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]", re.I
)


ENGLISH_WORDS = re.compile(r"\b(the|is|are|not|no|expected|cannot|and|of|to|an?|has|it)\b")


def _english(text: str) -> bool:
    """English prose, even with Vietnamese examples in it ("… columns such as TT, Nội
    dung"): two of its commonest words outside quotes."""
    unquoted = re.sub(r"'[^']*'|\"[^\"]*\"", "", text[1:-1])
    return len(ENGLISH_WORDS.findall(unquoted)) >= 2


def _written_around_the_catalogue(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text("utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        message: ast.expr | None = None
        if name in ERRORS:
            index = 2 if name == "Problem" else 0
            message = node.args[index] if len(node.args) > index else None
        elif (
            isinstance(func, ast.Attribute)
            and func.attr in ("info", "warning", "error", "exception")
            and isinstance(func.value, ast.Name)
            and func.value.id in ("log", "logger")
            and node.args
        ):
            message = node.args[0]
        if isinstance(message, (ast.Constant, ast.JoinedStr)):
            words = ast.unparse(message)
            if _english(words):
                yield f"{path.relative_to(ROOT)}:{node.lineno}: {words[:70]}"


def test_no_error_or_log_message_is_written_around_the_catalogue() -> None:
    found = [
        place
        for folder in ("engine", "notifiers")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "migrations" not in path.parts and path.name != "__main__.py"
        for place in _written_around_the_catalogue(path)
    ]
    assert found == []


def test_the_log_of_run_gives_the_local_time_of_the_settings_with_its_zone() -> None:
    import logging
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from engine.cli.delivery import LocalTimeFormatter

    record = logging.LogRecord("engine.scheduler", logging.INFO, __file__, 1, "lượt gửi: %s",
                               ("2 đã gửi",), None)  # fmt: skip
    record.created = datetime(2026, 12, 3, 7, 5, 9, tzinfo=UTC).timestamp()
    line = LocalTimeFormatter(ZoneInfo("Asia/Ho_Chi_Minh")).format(record)
    assert line == "03/12/2026 14:05:09 +07 engine.scheduler: lượt gửi: 2 đã gửi"
