"""Entry point: page setup, first-start database preparation, sign-in and navigation."""

from pathlib import Path

import streamlit as st

from crm.auth.sessions import SessionEnded
from crm.presentation.labels import prefecture_label
from crm.presentation.text import literal
from ui.failures import reported
from ui.form_state import show_pending_toast
from ui.inbox import unread_link
from ui.navigation import HUB_ROLES, PAGES, build_navigation
from ui.runtime import ensure_demo_data, get_engine
from ui.session import end_session, resolve_actor, sign_out, sync_cookie
from ui.today import sidebar_count

st.set_page_config(page_title="プロフェッショナル人材戦略拠点 CRM", page_icon="🤝", layout="wide")
show_pending_toast()

# Whatever goes wrong unexpectedly (here or in a page) shows a Japanese message with a
# reference; the server log has the traceback under that reference (ui.failures).
with reported("app start"):
    get_engine()
    ensure_demo_data()
    actor = resolve_actor()
    sync_cookie()
if actor is None:
    # Anonymous visitors get the sign-in page only, whatever page or record the link named.
    # It also answers at every page's own address (a page's identity is its URL path), so a
    # deep link such as /companies?company=12 keeps its address while the visitor signs in and
    # then opens that page and record, instead of "page not found" and the default page.
    linked = {Path(path).stem for entries in PAGES.values() for path, *_ in entries}
    sign_in_page = st.navigation(
        [
            st.Page("pages/sign_in.py", title="サインイン", icon=":material/login:", default=True),
            *(
                st.Page("pages/sign_in.py", title="サインイン", url_path=url_path)
                for url_path in sorted(linked)
            ),
        ],
        position="hidden",
    )
    with reported("sign-in page"):
        sign_in_page.run()
    st.stop()

with st.sidebar:
    st.caption(
        literal(
            f"{actor.display_name}（{actor.role.label}"
            + (f"・{prefecture_label(actor.hub_code)}" if actor.hub_code else "")
            + "）"
        )
    )
    if st.button("サインアウト", icon=":material/logout:", key="_sign_out"):
        sign_out()
    if st.button(
        "全端末からサインアウト",
        icon=":material/devices_off:",
        key="_sign_out_all",
        help="この利用者でサインインしている他のブラウザ・端末もすべて終了します。",
    ):
        sign_out(everywhere=True)

navigation = build_navigation(actor.role)
with st.sidebar:
    sidebar_count(actor)  # after the navigation, so that its link names a known page
    if actor.role in HUB_ROLES or actor.is_partner:
        unread_link(actor)
with reported(f"page /{navigation.url_path} (user {actor.username})"):
    try:
        navigation.run()
    except SessionEnded as ended:
        # The session ended between this run's check and a service call of the page.
        end_session(ended)
        st.rerun()
