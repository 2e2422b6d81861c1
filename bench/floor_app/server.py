"""The floor app as an ASGI application, like ui/server.py serves the CRM:
``uvicorn bench.floor_app.server:app`` from the repository root."""

from pathlib import Path

import streamlit as st

app = st.App(Path(__file__).resolve().parent / "app.py")
