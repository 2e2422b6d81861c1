"""Entry point: page setup, first-start database preparation, sign-in and navigation."""

import streamlit as st

from ui.navigation import build_navigation
from ui.runtime import ensure_demo_data, get_engine
from ui.session import current_actor, development_user_picker

st.set_page_config(page_title="プロフェッショナル人材戦略拠点 CRM", page_icon="🤝", layout="wide")

get_engine()
ensure_demo_data()

actor = current_actor() if "_dev_user" not in st.session_state else None
actor = actor or development_user_picker()
if actor is None:
    st.error("利用者がまだ登録されていません。`crm users add` で作成してください。")
    st.stop()

st.sidebar.caption(f"{actor.display_name}（{actor.role.label}"
                   + (f"・拠点 {actor.hub_code}" if actor.hub_code else "") + "）")
build_navigation(actor.role).run()
