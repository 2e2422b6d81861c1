"""The engine (one per process and URL) and first-start preparation of the database."""

import streamlit as st
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from crm import db
from crm.config import LOOPBACK, get_settings
from crm.models import Consultation


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    engine = db.make_engine(url)
    db.upgrade(engine)
    return engine


def get_engine() -> Engine:
    """The shared engine for the configured database, migrated to the latest schema."""
    return _engine_for(get_settings().database_url)


def session() -> Session:
    return Session(get_engine(), expire_on_commit=False)


def serves_this_machine_only() -> bool:
    """Whether the app listens on the loopback address only: ``CRM_SERVER_ADDRESS`` for
    ``crm serve`` / ``make run``, Streamlit's ``server.address`` for ``streamlit run``."""
    return (
        get_settings().server_address in LOOPBACK
        and str(st.get_option("server.address") or "") in LOOPBACK
    )


def ensure_demo_data() -> None:
    """On an empty database, load the demo history once, with a progress bar. ``crm serve``
    has normally loaded it before the server started (``crm.cli.serve``); this covers
    ``streamlit run`` and a database emptied while the server runs."""
    if not get_settings().demo_on_empty or st.session_state.get("_demo_checked"):
        return
    engine = get_engine()
    with Session(engine) as s:
        empty = s.execute(select(func.count()).select_from(Consultation)).scalar_one() == 0
    if empty:
        from crm.demo import load_demo

        bar = st.progress(0.0, text="デモデータを作成しています…")

        def show_progress(share: float, text: str) -> None:
            bar.progress(min(share, 1.0), text=text)

        summary = load_demo(engine, progress=show_progress)
        bar.empty()
        # The operator starting the app learns how to sign in from the terminal; the password
        # itself only when the app listens on this machine alone (Streamlit prints the
        # addresses it serves in the same terminal: never the password beside a network URL).
        print(summary.sign_in_text(show_password=serves_this_machine_only()), flush=True)
        st.toast(f"デモデータを読み込みました（相談 {summary.consultations:,} 件）")
    st.session_state["_demo_checked"] = True
