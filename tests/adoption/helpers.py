"""A coordinator's first weeks: the CLI on a store of each backend, with real plan files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from engine.cli import app
from engine.store.db import Store
from tests.factories import ROOT
from tests.helpers import cli_url

HB_PLAN = ROOT / "plans" / "hb-2021-2030-sxtdbv.yaml"
HB = "hb-2583-qd-ubnd-2020"


def write_config(tmp_path: Path, *, digest: bool = True, extra: str = "") -> Path:
    """Settings with the shipped data, email to the outbox folder, a link secret."""
    config = tmp_path / "nhacviec.toml"
    config.write_text(
        f'[web]\nbase_url = "https://nv.example.org"\nsecret_env = "NHACVIEC_TEST_SECRET"\n'
        f"[digest]\nenabled = {'true' if digest else 'false'}\n"
        f'[paths]\nworkflows = "{ROOT / "workflows"}"\ntemplates = "{ROOT / "templates"}"\n'
        f'agencies = "{ROOT / "config" / "agencies.yaml"}"\nplans = "{ROOT / "plans"}"\n'
        f'outbox = "{tmp_path / "outbox"}"\n{extra}',
        encoding="utf-8",
    )
    return config


class Cli:
    """``nhacviec …`` as a user types it, on one store and settings file."""

    def __init__(self, store: Store, config: Path) -> None:
        self.runner = CliRunner()
        self.base = ["--config", str(config), "--db", cli_url(store)]

    def __call__(self, *args: str, ok: bool = True) -> tuple[int, str, str]:
        result = self.runner.invoke(app, [*self.base, *args])
        if ok:
            assert result.exit_code == 0, (result.stdout, result.stderr)
        return result.exit_code, result.stdout, result.stderr

    def json(self, *args: str) -> Any:
        _, out, _ = self(*args, "--json")
        return json.loads(out)


def mail_texts(folder: Path) -> list[str]:
    """The plain-text part of every .eml in the outbox folder."""
    import email
    import email.policy

    texts = []
    for path in sorted(folder.rglob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        texts.append(str(body.get_content()))  # type: ignore[attr-defined]
    return texts
