"""``nhacviec init``: create or upgrade the database schema."""

from __future__ import annotations

import typer

from engine.cli.app import app, console, state


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the database schema, or upgrade it to this version. Safe to run twice."""
    appctx = state(ctx)
    store = appctx.store(require_schema=False)
    before, after = store.upgrade()
    url = store.engine.url.render_as_string(hide_password=True)
    if before == after:
        console().print(f"Database {url} is up to date (schema revision {after}).")
    elif before is None:
        console().print(f"Created the schema in {url} (revision {after}).")
    else:
        console().print(f"Upgraded {url} from revision {before} to {after}.")
