"""拠点・人材区分・パートナー: reference data the administrator maintains.

Each edit carries the version shown when the record was chosen; if someone saved it in the
meantime the save is refused with what they changed, and the input stays in the form.
"""

import streamlit as st

from crm.models import stored_id
from crm.reference import Role
from crm.services import reference_data as ref
from ui import form_state as fs
from ui.forms import guarded
from ui.runtime import session
from ui.session import require_role
from ui.views.partner_admin import partner_section

actor = require_role(Role.ADMIN)
st.title("拠点・人材区分・パートナー")

LABELS = {
    "active": "有効",
    "name_ja": "名称",
    "sort_order": "表示順",
    "code": "区分コード",
}


with session() as s, guarded():
    hubs = ref.list_hubs(s, active_only=False)
    categories = ref.list_categories(s, active_only=False)
    partners = ref.list_partners(s, active_only=False)

# Only the open tab is built; its name is in the address (?tab=人材区分).
hub_tab, category_tab, partner_tab = st.tabs(
    ["拠点", "人材区分", "パートナー"], key="tab", bind="query-params"
)

if hub_tab.open:
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
            placeholder="—",
        )
        by_code = {h.code: h for h in hubs}
        code = st.selectbox(
            "拠点", list(by_code), key="ref.hub", format_func=lambda c: f"{c} {by_code[c].name_ja}"
        )
        hub = by_code[code]
        hub_form = f"hub.{code}"
        fs.prefill(hub_form, {"active": hub.active}, version=hub.version, token=code)
        with fs.form(hub_form):
            st.checkbox("拠点として有効", key=fs.key(hub_form, "active"))
            fs.feedback(hub_form, LABELS)
            fs.submit_button(
                hub_form,
                "保存",
                lambda s: ref.set_hub_active(
                    s,
                    actor,
                    code,
                    bool(fs.value(hub_form, "active")),
                    fs.expected_version(hub_form),
                ),
                lambda saved: f"{saved.name_ja} を{'有効' if saved.active else '無効'}にしました。",
                lambda _hub: fs.reset(hub_form),
                actor=actor,
            )

if category_tab.open:
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
            placeholder="—",
        )
        by_id = {stored_id(c.id): c for c in categories}
        left, right = st.columns(2)
        with left:
            st.markdown("**区分を編集**")
            if by_id:
                category_id = st.selectbox(
                    "人材区分",
                    list(by_id),
                    key="ref.category",
                    format_func=lambda i: by_id[i].name_ja,
                )
                category = by_id[category_id]
                category_form = f"category.{category_id}"
                fs.prefill(
                    category_form,
                    {
                        "name_ja": category.name_ja,
                        "sort_order": category.sort_order,
                        "active": category.active,
                    },
                    version=category.version,
                    token=category_id,
                )
                with fs.form(category_form):
                    st.text_input("名称", key=fs.key(category_form, "name_ja"))
                    fs.error(category_form, "name_ja")
                    st.number_input("表示順", step=1, key=fs.key(category_form, "sort_order"))
                    fs.error(category_form, "sort_order")
                    st.checkbox("有効", key=fs.key(category_form, "active"))
                    fs.feedback(category_form, LABELS)
                    fs.submit_button(
                        category_form,
                        "保存",
                        lambda s: ref.update_category(
                            s,
                            actor,
                            category_id,
                            fs.values(category_form, ("name_ja", "sort_order", "active")),
                            fs.expected_version(category_form),
                        ),
                        "人材区分を保存しました。",
                        lambda _category: fs.reset(category_form),
                        actor=actor,
                    )
        with right:
            st.markdown("**区分を追加**")
            with fs.form("new_category"):
                st.text_input("区分コード（英数字）", key=fs.key("new_category", "code"))
                fs.error("new_category", "code")
                st.text_input("名称", key=fs.key("new_category", "name_ja"))
                fs.error("new_category", "name_ja")
                fs.feedback("new_category", LABELS)
                fs.submit_button(
                    "new_category",
                    "追加",
                    lambda s: ref.create_category(
                        s,
                        actor,
                        fs.value("new_category", "code") or "",
                        fs.value("new_category", "name_ja") or "",
                    ),
                    lambda category: f"人材区分「{category.name_ja}」を追加しました。",
                    actor=actor,
                    creates=True,
                )

if partner_tab.open:
    with partner_tab:
        partner_section(actor, partners)
