"""``crm serve``: the app (Streamlit with the session cookie, health checks and the API) under
uvicorn, on CRM_SERVER_ADDRESS:CRM_SERVER_PORT (127.0.0.1:8501 unless set). Its log goes to
standard error, one line per request, in Japan time, query strings hidden (``crm.logs``).

Before the server takes requests, the database is migrated and, when it holds no
consultation and CRM_DEMO_ON_EMPTY is on, the demo is loaded with its progress on the terminal:
the first visitor gets a page at once, and the terminal says how to sign in, once, before the
request log starts."""

import datetime as dt
from typing import TYPE_CHECKING

import typer

from crm.cli.common import cli_errors
from crm.cli.progress import terminal_progress

if TYPE_CHECKING:
    from crm.demo.summary import DemoSummary  # crm.demo loads the generator: only when used

_ADDRESS = typer.Option(None, "--address", help="Listen address (default CRM_SERVER_ADDRESS).")
_PORT = typer.Option(None, "--port", help="Port (default CRM_SERVER_PORT).")
RULE = "─" * 60


def serve_command(address: str | None = _ADDRESS, port: int | None = _PORT) -> None:
    """Start the app server (what `make run` runs)."""
    import uvicorn

    from crm.config import LOOPBACK, get_settings
    from crm.logs import logging_config

    settings = get_settings()
    host = address or settings.server_address
    port = port or settings.server_port
    with cli_errors():
        demo = prepare_database(settings.demo_on_empty)
    typer.echo(banner(f"http://{host}:{port}/", demo, show_password=host in LOOPBACK))
    start_mail_sender(settings)
    # The app module imports Streamlit; the crm package itself does not.
    uvicorn.run(
        "ui.server:app",
        host=host,
        port=port,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        # The levels are the configuration's (a log_level here would override them).
        log_config=logging_config(),
    )


def start_mail_sender(settings) -> None:
    """With SMTP configured, the notifications chosen as 「すぐにメール」 go out within a
    minute from this process (claimed one by one, so other processes never send them twice)."""
    if not (settings.smtp_host and settings.mail_from):
        return
    import threading

    from crm.db import make_engine
    from crm.notify_mail import background_sender

    stop = threading.Event()
    thread = threading.Thread(
        target=background_sender,
        args=(make_engine(), settings, stop, dt.timedelta(seconds=MAIL_EVERY_SECONDS)),
        name="crm-notify-mail",
        daemon=True,
    )
    thread.start()


MAIL_EVERY_SECONDS = 30


def prepare_database(demo_on_empty: bool) -> "DemoSummary | None":
    """Migrate the configured database; on an empty one (no consultation), load the demo when
    ``demo_on_empty``. Returns the demo's summary when it was loaded now."""
    from sqlalchemy import func, select
    from sqlmodel import Session

    from crm.db import make_engine, upgrade
    from crm.models import Consultation

    engine = make_engine(long_running=True)
    try:
        upgrade(engine)
        if not demo_on_empty:
            return None
        with Session(engine) as session:
            count = select(func.count()).select_from(Consultation)
            if session.execute(count).scalar_one():
                return None
        from crm.demo import load_demo

        typer.echo("データベースが空のため、デモデータを作成しています…", err=True)
        return load_demo(engine, progress=terminal_progress())
    finally:
        engine.dispose()


def banner(url: str, demo: "DemoSummary | None", show_password: bool) -> str:
    """What the person starting the server reads: the address, and after a demo load the
    accounts and the password (only when the server listens on this machine alone; otherwise
    where the password is kept, never beside an address others can reach)."""
    lines = [RULE, "プロフェッショナル人材戦略拠点 CRM", f"  アドレス: {url}"]
    if demo is not None:
        lines.append(
            f"  デモデータを読み込みました（相談 {demo.consultations:,} 件、{demo.seconds:.1f} 秒）"
        )
        lines.extend(demo.sign_in_text(show_password=show_password).splitlines())
        if demo.credentials_path is not None:
            lines.append(f"  サインイン情報の控え: {demo.credentials_path}（所有者のみ読み取り可）")
    lines.append(RULE)
    return "\n".join(lines)
