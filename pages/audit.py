"""監査ログ: who did what and when, with the changed fields, through the one list component
(ui.record_list): filter by 操作, 対象, 拠点, the period and fiscal year, search by user name.
Read-only: nothing on this page (or anywhere in the app) edits the trail.

Deep links: ?entity=company&entity_id=12 (one record's history), ?user=manager01 (searched).
"""

from dataclasses import replace

import streamlit as st

from crm.presentation.text import literal
from crm.reference import Role
from crm.services.record_views import AUDIT
from ui import kept
from ui.record_list import RecordList
from ui.session import require_role
from ui.views.audit_log import COLUMNS, KINDS

actor = require_role(Role.ADMIN)
# Sign-ins write the trail without raising the data version: read on every run.
LIST = RecordList(AUDIT, COLUMNS, cached=False)


def _pinned() -> tuple[tuple[str, str], ...]:
    """The record the address names (its kind and number), if any."""
    entity = str(st.query_params.get("entity") or "")
    number = str(st.query_params.get("entity_id") or "").strip()[:40]
    if entity not in KINDS or not number:
        return ()
    return (("entity", entity), ("entity_id", number))


def clear_record() -> None:
    st.query_params.pop("entity", None)
    st.query_params.pop("entity_id", None)


@st.fragment
def trail() -> None:
    """The entries of the chosen view, newest first; a change re-runs only the list."""
    view, shown = LIST.controls(actor)
    pinned = _pinned()
    if pinned:
        (_, entity), (_, number) = pinned
        left, right = st.columns([3, 1])
        left.info(
            literal(f"{KINDS[entity]}（記録ID {number}）の記録だけを表示しています。"),
            icon=":material/filter_alt:",
        )
        right.button("絞り込みを解除", on_click=clear_record)
        view = replace(view, pinned=pinned)
    LIST.table(actor, view, shown, empty="条件に合う記録はありません。")


st.title("監査ログ")
st.caption(
    "作成・更新・削除・取り込み・書き出し・サインインの記録です。閲覧のみで、変更や削除はできません。"
)


def older_links() -> None:
    """The page's older addresses (?hub=02, ?user=manager01) in the list's terms; a coded
    value the list does not know is named and left out (the list would ignore it silently)."""
    params = st.query_params
    user = params.get("user")
    if user and "q" not in params:
        params["q"] = str(user)[:80]
    params.pop("user", None)
    named = {c.key: c.key for c in AUDIT.choices}
    if "hub" in params:
        if "hub_code" not in params:
            params["hub_code"], named["hub_code"] = str(params["hub"]), "hub"
        del params["hub"]
    for choice in AUDIT.choices:
        given = str(params.get(choice.key) or "")
        codes = [code for code in given.split(",") if code]
        known = [code for code in codes if code in choice.labels()]
        if known == codes:
            continue
        kept.unreadable(named[choice.key], given)
        if known:
            params[choice.key] = ",".join(known)
        else:
            del params[choice.key]


older_links()
trail()
