"""``crm serve``: the app (Streamlit with the session cookie, health checks and the API) under
uvicorn, on CRM_SERVER_ADDRESS:CRM_SERVER_PORT (127.0.0.1:8501 unless set). Its log goes to
standard error, one line per request, in Japan time, query strings hidden (``crm.logs``)."""

import typer

from crm.config import get_settings
from crm.logs import logging_config

_ADDRESS = typer.Option(None, "--address", help="Listen address (default CRM_SERVER_ADDRESS).")
_PORT = typer.Option(None, "--port", help="Port (default CRM_SERVER_PORT).")


def serve_command(address: str | None = _ADDRESS, port: int | None = _PORT) -> None:
    """Start the app server (what `make run` runs)."""
    import uvicorn

    settings = get_settings()
    host = address or settings.server_address
    typer.echo(f"プロフェッショナル人材戦略拠点 CRM: http://{host}:{port or settings.server_port}/")
    # The app module imports Streamlit; the crm package itself does not.
    uvicorn.run(
        "ui.server:app",
        host=host,
        port=port or settings.server_port,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        # The levels are the configuration's (a log_level here would override them).
        log_config=logging_config(),
    )
