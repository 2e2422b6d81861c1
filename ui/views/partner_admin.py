"""パートナー (the administrator's reference data): the list, editing one from the version shown
when it was chosen, and adding one; the fields are PartnerInput's declarations."""

from collections.abc import Sequence

import streamlit as st

from crm.actor import Actor
from crm.entities import PartnerInput
from crm.models import Partner, stored_id
from crm.reference import PREFECTURES, PartnerKind
from crm.services import reference_data as ref
from ui import form_state as fs
from ui.fields import FieldSet

PARTNER = FieldSet(PartnerInput)
NEW_FORM = "new_partner"


def partner_section(actor: Actor, partners: Sequence[Partner]) -> None:
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
        placeholder="—",
    )
    left, right = st.columns(2)
    with left:
        st.markdown("**パートナーを編集**")
        if partners:
            edit_form(actor, {stored_id(p.id): p for p in partners})
        else:
            st.info("パートナーはまだ登録されていません。")
    with right:
        st.markdown("**パートナーを追加**")
        with fs.form(NEW_FORM):
            PARTNER.draw(NEW_FORM)
            fs.feedback(NEW_FORM, PARTNER.labels())
            fs.submit_button(
                NEW_FORM,
                "追加",
                lambda s: ref.create_partner(s, actor, PARTNER.values(NEW_FORM)),
                lambda saved: f"パートナー「{saved.name}」を追加しました。",
                actor=actor,
                creates=True,
            )


def edit_form(actor: Actor, by_id: dict[int, Partner]) -> None:
    partner_id = st.selectbox(
        "パートナー", list(by_id), key="ref.partner", format_func=lambda i: by_id[i].name
    )
    partner = by_id[partner_id]
    form = f"partner.{partner_id}"
    fs.prefill(form, PARTNER.record(partner), version=partner.version, token=partner_id)
    with fs.form(form):
        PARTNER.draw(form)
        fs.feedback(form, PARTNER.labels())
        fs.submit_button(
            form,
            "保存",
            lambda s: ref.update_partner(
                s, actor, partner_id, PARTNER.values(form), fs.expected_version(form)
            ),
            "パートナーを保存しました。",
            lambda _partner: fs.reset(form),
            actor=actor,
        )
