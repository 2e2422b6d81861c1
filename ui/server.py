"""The ASGI application: the Streamlit app (``st.App``) with the routes served beside it.

Run it with uvicorn (``make run`` does): ``uvicorn ui.server:app --host 127.0.0.1 --port 8501``.
``streamlit run streamlit_app.py`` still works for development, without these routes (a
password sign-in then lasts for the browser tab, as a Streamlit session does).
"""

from pathlib import Path

import streamlit as st
from starlette.routing import Mount

from crm.api.app import create_api
from crm.web.health import health_routes
from crm.web.session_routes import session_routes
from ui.runtime import get_engine

ENTRY = Path(__file__).resolve().parent.parent / "streamlit_app.py"

app = st.App(
    ENTRY,
    routes=[
        *health_routes(get_engine),
        *session_routes(get_engine),
        Mount("/api/v1", create_api(get_engine)),
    ],
)
