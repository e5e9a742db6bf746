"""``nhacviec web``: the web pages alone (the workspace and the email links), no ticking."""

from __future__ import annotations

import typer

from engine.cli.app import app, err_console, state


@app.command("web")
def web_command(ctx: typer.Context) -> None:
    """Serve the web pages on [web] bind until Ctrl-C or SIGTERM; `run` serves them too.

    Sign in at {base_url}/dang-nhap with a contact's registered email address.
    """
    import asyncio
    import signal

    from engine.web import create_app, listen, serve

    appctx = state(ctx)
    settings = appctx.settings
    store = appctx.store()
    sock = listen(settings.web.bind)
    if not settings.secret(settings.web.secret_env):
        err_console().print(
            f"warning: ${settings.web.secret_env} is not set: nobody can sign in and email "
            "links do not work",
            markup=False,
        )
    base = settings.web.base_url.rstrip("/")
    err_console().print(f"serving on {settings.web.bind}: sign in at {base}/dang-nhap",
                        markup=False)  # fmt: skip

    async def main() -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopping.set)
        await serve(create_app(store, settings), sock, stopping)

    asyncio.run(main())
