"""拠点・人材区分・パートナー: reference data the administrator maintains.

Each edit carries the version shown when the record was chosen; if someone saved it in the
meantime the save is refused with what they changed, and the input stays in the form.
"""

import streamlit as st

from crm.reference import PREFECTURES, PartnerKind, Role
from crm.services import reference_data as ref
from ui.forms import ERRORS_KEY, guarded, save
from ui.runtime import session
from ui.session import require_role

actor = require_role(Role.ADMIN)
st.title("拠点・人材区分・パートナー")

SEEN = "_reference_seen_versions"


def seen_version(kind: str, record_id, current: int) -> int:
    """The version this user saw when they chose the record (kept until a save succeeds)."""
    return st.session_state.setdefault(SEEN, {}).setdefault((kind, record_id), current)


def forget_version(kind: str, record_id) -> None:
    st.session_state.setdefault(SEEN, {}).pop((kind, record_id), None)


def saved(form_key: str, action, success: str, kind: str, record_id) -> None:
    result = save(form_key, action, success)
    if result is not None or "_stale" in st.session_state.get(ERRORS_KEY, {}).get(form_key, {}):
        # Saved, or refused as stale: the next edit starts from the version now shown.
        forget_version(kind, record_id)
    for field, message in st.session_state.get(ERRORS_KEY, {}).get(form_key, {}).items():
        if field != "_stale":
            st.error(f"{field}: {message}")
    if result is not None:
        st.rerun()


with session() as s, guarded():
    hubs = ref.list_hubs(s, active_only=False)
    categories = ref.list_categories(s, active_only=False)
    partners = ref.list_partners(s, active_only=False)

hub_tab, category_tab, partner_tab = st.tabs(["拠点", "人材区分", "パートナー"])

with hub_tab:
    st.caption(
        "拠点を置く都道府県は公的資料によって異なるため（東京都を除く46、または沖縄県も除く45）、"
        "ここで有効・無効を切り替えます。無効にした拠点は選択肢から外れますが、記録は残ります。"
    )
    st.dataframe(
        [
            {
                "コード": h.code,
                "都道府県": h.name_ja,
                "ブロック": h.block,
                "拠点": "有効" if h.active else "無効",
            }
            for h in hubs
        ],
        hide_index=True,
        width="stretch",
        height=260,
    )
    by_code = {h.code: h for h in hubs}
    code = st.selectbox(
        "拠点", list(by_code), key="ref.hub", format_func=lambda c: f"{c} {by_code[c].name_ja}"
    )
    hub = by_code[code]
    version = seen_version("hub", code, hub.version)
    with st.form("hub_form"):
        active = st.checkbox("拠点として有効", value=hub.active, key=f"ref.hub_active.{code}")
        submitted = st.form_submit_button("保存")
    if submitted:
        saved(
            "hub_form",
            lambda s: ref.set_hub_active(s, actor, code, active, version),
            f"{hub.name_ja} を{'有効' if active else '無効'}にしました。",
            "hub",
            code,
        )

with category_tab:
    st.dataframe(
        [
            {
                "ID": c.id,
                "コード": c.code,
                "名称": c.name_ja,
                "表示順": c.sort_order,
                "状態": "有効" if c.active else "無効",
            }
            for c in categories
        ],
        hide_index=True,
        width="stretch",
    )
    by_id = {c.id: c for c in categories}
    left, right = st.columns(2)
    with left:
        st.markdown("**区分を編集**")
        if by_id:
            category_id = st.selectbox(
                "人材区分", list(by_id), key="ref.category", format_func=lambda i: by_id[i].name_ja
            )
            category = by_id[category_id]
            version = seen_version("category", category_id, category.version)
            with st.form("category_form"):
                name = st.text_input(
                    "名称", value=category.name_ja, key=f"ref.category_name.{category_id}"
                )
                order = st.number_input(
                    "表示順",
                    value=category.sort_order,
                    step=1,
                    key=f"ref.category_order.{category_id}",
                )
                active = st.checkbox(
                    "有効", value=category.active, key=f"ref.category_active.{category_id}"
                )
                submitted = st.form_submit_button("保存")
            if submitted:
                saved(
                    "category_form",
                    lambda s: ref.update_category(
                        s,
                        actor,
                        category_id,
                        {"name_ja": name, "sort_order": int(order), "active": active},
                        version,
                    ),
                    "人材区分を保存しました。",
                    "category",
                    category_id,
                )
    with right:
        st.markdown("**区分を追加**")
        with st.form("new_category", clear_on_submit=False):
            code = st.text_input("区分コード（英数字）", key="ref.new_category_code")
            name = st.text_input("名称", key="ref.new_category_name")
            submitted = st.form_submit_button("追加")
        if submitted:
            saved(
                "new_category",
                lambda s: ref.create_category(s, actor, code, name),
                f"人材区分「{name}」を追加しました。",
                "category",
                None,
            )

with partner_tab:
    st.dataframe(
        [
            {
                "ID": p.id,
                "種別": PartnerKind(p.kind).label,
                "名称": p.name,
                "所在地": PREFECTURES[p.prefecture_code][0] if p.prefecture_code else "",
                "状態": "有効" if p.active else "無効",
            }
            for p in partners
        ],
        hide_index=True,
        width="stretch",
    )
    kinds = [k.value for k in PartnerKind]
    prefectures = [None, *PREFECTURES]

    def partner_fields(prefix: str, current=None) -> dict:
        kind = st.selectbox(
            "種別",
            kinds,
            format_func=lambda k: PartnerKind(k).label,
            index=kinds.index(current.kind) if current else 0,
            key=f"{prefix}.kind",
        )
        name = st.text_input("名称", value=current.name if current else "", key=f"{prefix}.name")
        prefecture = st.selectbox(
            "所在地（任意）",
            prefectures,
            index=prefectures.index(current.prefecture_code) if current else 0,
            format_func=lambda c: "—" if c is None else f"{c} {PREFECTURES[c][0]}",
            key=f"{prefix}.prefecture",
        )
        active = st.checkbox(
            "有効", value=current.active if current else True, key=f"{prefix}.active"
        )
        return {"kind": kind, "name": name, "prefecture_code": prefecture, "active": active}

    left, right = st.columns(2)
    with left:
        st.markdown("**パートナーを編集**")
        by_partner = {p.id: p for p in partners}
        if by_partner:
            partner_id = st.selectbox(
                "パートナー",
                list(by_partner),
                key="ref.partner",
                format_func=lambda i: by_partner[i].name,
            )
            partner = by_partner[partner_id]
            version = seen_version("partner", partner_id, partner.version)
            with st.form("partner_form"):
                data = partner_fields(f"ref.partner.{partner_id}", partner)
                submitted = st.form_submit_button("保存")
            if submitted:
                saved(
                    "partner_form",
                    lambda s: ref.update_partner(s, actor, partner_id, data, version),
                    "パートナーを保存しました。",
                    "partner",
                    partner_id,
                )
        else:
            st.info("パートナーはまだ登録されていません。")
    with right:
        st.markdown("**パートナーを追加**")
        with st.form("new_partner"):
            data_new = partner_fields("ref.new_partner")
            submitted = st.form_submit_button("追加")
        if submitted:
            saved(
                "new_partner",
                lambda s: ref.create_partner(s, actor, data_new),
                f"パートナー「{data_new['name']}」を追加しました。",
                "partner",
                None,
            )
