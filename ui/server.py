"""The ASGI application: the Streamlit app (``st.App``) with the routes served beside it.

Run it with uvicorn (``make run`` does): ``uvicorn ui.server:app --host 127.0.0.1 --port 8501``.
``streamlit run streamlit_app.py`` still works for development, without these routes (a
password sign-in then lasts for the browser tab, as a Streamlit session does).

Every HTTP answer carries the anti-framing headers and Streamlit's metrics are not served
(``crm.web.security_headers``); the log is the server's one configuration (``crm.logs``).
"""

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware
from starlette.routing import Mount

from crm import logs
from crm.api.app import create_api
from crm.web.health import health_routes
from crm.web.security_headers import SecurityHeaders
from crm.web.session_routes import session_routes
from ui import failures  # noqa: F401 - gives its logger a handler, which logs.configure() replaces
from ui.runtime import get_engine

ENTRY = Path(__file__).resolve().parent.parent / "streamlit_app.py"

app = st.App(
    ENTRY,
    routes=[
        *health_routes(get_engine),
        *session_routes(get_engine),
        Mount("/api/v1", create_api(get_engine)),
    ],
    middleware=[Middleware(SecurityHeaders)],
)

# Streamlit sets up its loggers (and uvicorn's) when it first reads its options: have it read
# them now (st.App has just told it where the app's .streamlit/config.toml is), then put the
# server's log configuration over what it did.
st.get_option("logger.level")
logs.configure()
