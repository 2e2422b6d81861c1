"""監査ログ: who did what and when, with the changed fields; filter by user, action, record,
hub and period. Read-only: nothing on this page (or anywhere in the app) edits the trail.

Deep links: ?entity=company&entity_id=12 (a record's history), ?user=manager01.
"""

import datetime as dt

import streamlit as st

from crm.reference import Role
from crm.services.audit import ACTION_LABELS, AuditFilter, audit_facets, browse_audit, count_audit
from crm.services.base import ENTITY_LABELS
from crm.services.reference_data import list_hubs
from crm.timeutil import to_jst, today_jst
from ui import kept
from ui.forms import guarded
from ui.runtime import session
from ui.session import require_role

PAGE_SIZE = 100

actor = require_role(Role.ADMIN)
st.title("監査ログ")
st.caption(
    "作成・更新・削除・取り込み・書き出し・サインインの記録です。閲覧のみで、変更や削除はできません。"
)

with session() as s, guarded():
    facets = audit_facets(s, actor)
    hubs = {h.code: f"{h.code} {h.name_ja}" for h in list_hubs(s, active_only=False)}

params = st.query_params


def choice(label: str, options: list, labels: dict, key: str, param: str):
    wanted = kept.linked(param, options)
    options = [None, *options]
    index = options.index(wanted) if wanted in options else 0
    return st.selectbox(
        label,
        options,
        index=index,
        key=key,
        format_func=lambda v: "すべて" if v is None else labels.get(v, v),
    )


top = st.columns(4)
with top[0]:
    username = choice("利用者", facets.usernames, {}, "audit.user", "user")
with top[1]:
    action = choice(
        "操作",
        sorted(set(facets.actions) | set(ACTION_LABELS)),
        ACTION_LABELS,
        "audit.action",
        "action",
    )
with top[2]:
    entity = choice(
        "対象",
        sorted(set(facets.entities) | set(ENTITY_LABELS)),
        ENTITY_LABELS,
        "audit.entity",
        "entity",
    )
with top[3]:
    hub_code = choice("拠点", list(hubs), hubs, "audit.hub", "hub")

bottom = st.columns([2, 1, 1])
with bottom[0]:
    today = today_jst()
    period = st.date_input(
        "期間",
        value=(today - dt.timedelta(days=30), today),
        max_value=today,
        format="YYYY/MM/DD",
        key="audit.period",
    )
with bottom[1]:
    entity_id = st.text_input("記録ID", value=params.get("entity_id", ""), key="audit.entity_id")

since, until = (
    period
    if isinstance(period, tuple) and len(period) == 2
    else (period[0], period[0])
    if isinstance(period, tuple) and period
    else (None, None)
)
wanted = AuditFilter(
    username=username,
    action=action,
    entity=entity,
    entity_id=entity_id.strip() or None,
    hub_code=hub_code,
    since=since,
    until=until,
)

with session() as s, guarded():
    total = count_audit(s, actor, wanted)
    pages = max(1, -(-total // PAGE_SIZE))
    with bottom[2]:
        page = st.number_input(
            "ページ", min_value=1, max_value=pages, value=1, step=1, key="audit.page"
        )
    entries = browse_audit(s, actor, wanted, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)

st.caption(f"{total:,} 件（{page}/{pages} ページ、新しい順）")
if not entries:
    st.info("条件に合う記録はありません。")
else:
    st.dataframe(
        [
            {
                "日時": f"{to_jst(e.at):%Y-%m-%d %H:%M:%S}",
                "利用者": e.username or "",
                "操作": e.action_label,
                "対象": "" if e.entity is None else ENTITY_LABELS.get(e.entity, e.entity),
                "記録ID": e.entity_id or "",
                "拠点": e.hub_code or "",
                "変更内容（変更前 → 変更後）": e.changes_text(),
                "詳細": e.detail or "",
            }
            for e in entries
        ],
        hide_index=True,
        width="stretch",
    )
