"""One firm's page (企業, ``?company=ID``): its facts, contacts and whole history, and for its
hub manager the edit form, adding a contact and merging duplicates into it."""

from collections.abc import Sequence

import streamlit as st

from crm.actor import Actor
from crm.entities import ContactInput
from crm.models import Company, Contact, stored_id
from crm.presentation.labels import FIELD_LABELS, day, industry_label, prefecture_label
from crm.presentation.text import literal
from crm.services.companies import add_contact, get_company, list_contacts
from crm.services.timeline import KIND_LABELS, TimelineEvent, company_timeline
from crm.vocabulary import term
from ui import firm_form, links
from ui import form_state as fs
from ui.assignee import assignee_control
from ui.comments import comments_section
from ui.fields import FieldSet
from ui.forms import guarded
from ui.listing import Cell, grid
from ui.merge import merge_section
from ui.record_history import history_table
from ui.runtime import session

CONTACT = FieldSet(ContactInput, columns=2)


def open_company(company_id: int | None) -> None:
    """Show this firm's page (None: the directory)."""
    if company_id is None:
        st.query_params.pop("company", None)
    else:
        st.query_params["company"] = str(company_id)


def show_company(actor: Actor, company_id: int) -> None:
    read_only = not actor.is_hub_manager
    with session() as s, guarded():
        company = get_company(s, actor, company_id)
        contacts = list_contacts(s, actor, company_id)
        events = company_timeline(s, actor, company_id)
    st.query_params["company"] = str(company.id)  # the address bar shows a shareable link

    st.button("← 企業一覧へ", on_click=open_company, args=(None,))
    fs.feedback(firm_form.NEW_FORM)  # "registered" right after creating this firm
    st.title(literal(company.name))
    st.caption(
        literal(
            " ・ ".join(
                part
                for part in (
                    company.kana,
                    f"企業ID {company.id}",
                    f"拠点 {prefecture_label(company.hub_code)}",
                    company.corporate_number and f"法人番号 {company.corporate_number}",
                )
                if part
            )
        )
    )
    if read_only:
        st.caption("全国事務局として閲覧しています（閲覧のみ）。")

    counts = {kind: sum(1 for e in events if e.kind == kind) for kind in KIND_LABELS}
    metrics = st.columns(4)
    metrics[0].metric("相談", f"{counts['consultation']:,}")
    metrics[1].metric("人材ニーズ", f"{counts['need']:,}")
    metrics[2].metric("成約", f"{counts['placement']:,}")
    metrics[3].metric("フォローアップ", f"{counts['follow_up']:,}")

    if not read_only:
        assignee_control(actor, "company", stored_id(company.id), company.assignee_id)
        onward(actor, stored_id(company.id))

    # Only the open tab is built (its name is in the address: ?tab=企業情報); the names stay
    # the same as records are added, so the open tab stays open.
    tabs = st.tabs(
        ["タイムライン", "企業情報", "担当者", "コメント", "変更履歴"]
        + ([] if read_only else ["編集"]),
        key="tab",
        bind="query-params",
    )
    if tabs[0].open:
        with tabs[0]:
            timeline(actor, company, events)
    if tabs[1].open:
        with tabs[1]:
            details(company)
    if tabs[2].open:
        with tabs[2]:
            st.caption(f"{len(contacts):,}人")
            contact_list(actor, company, contacts)
    if tabs[3].open:
        with tabs[3]:
            comments_section(actor, "company", stored_id(company.id), company.hub_code)
    if tabs[4].open:
        with tabs[4]:
            history_table(actor, "company", stored_id(company.id))
    if not read_only and tabs[5].open:
        with tabs[5]:
            firm_form.edit_form(actor, company)
            st.divider()
            merge_section(actor, company)


def onward(actor: Actor, company_id: int) -> None:
    """What a hub manager records next for this firm."""
    firm = {"company": str(company_id)}
    for column, link in zip(
        st.columns(3),
        (
            links.Link(links.CONSULTATIONS, "この企業の相談を記録", firm, ":material/edit_note:"),
            links.Link(links.NEEDS, "人材ニーズを登録", firm, ":material/view_kanban:"),
            links.Link(
                links.FOLLOW_UPS, "フォローアップを予定", firm, ":material/event_available:"
            ),
        ),
        strict=True,
    ):
        with column:
            links.show(actor, link)


def timeline(actor: Actor, company: Company, events: Sequence[TimelineEvent]) -> None:
    def onward(event: TimelineEvent) -> Cell:
        if event.kind == "need":
            return links.need(event.record_id, event.title)
        if event.kind in {"referral", "placement"} and event.need_id is not None:
            return links.need(event.need_id, event.title)
        if event.kind == "follow_up":
            return links.Link(links.FOLLOW_UPS, event.title, {"company": str(company.id)})
        return event.title

    st.caption("新しい順。ニーズ・紹介・成約はニーズの詳細へ、フォローアップは一覧へ移動します。")
    grid(
        actor,
        ["日付", "種類", "内容", "詳細"],
        [[day(e.on), KIND_LABELS[e.kind], onward(e), e.detail] for e in events],
        widths=[1, 1, 2.5, 4],
        empty="まだ記録がありません。相談を記録すると、ここに並びます。",
    )


def details(company: Company) -> None:
    rows = {
        "企業名": company.name,
        "企業名カナ": company.kana or "",
        "法人番号": company.corporate_number or "",
        "所在地": f"{prefecture_label(company.prefecture_code)}{company.city or ''}",
        "業種": industry_label(company.industry),
        "従業員数": "" if company.employees is None else f"{company.employees:,}名",
        "資本金": "" if company.capital_jpy is None else f"{company.capital_jpy:,}円",
        term("notes"): company.notes or "",
    }
    # st.table cells are Markdown: the values go in as literal text.
    st.table([{"項目": key, "内容": literal(value)} for key, value in rows.items()])


def contact_list(actor: Actor, company: Company, contacts: Sequence[Contact]) -> None:
    if contacts:
        st.dataframe(
            [
                {
                    "氏名": c.name,
                    "役職": c.title or "",
                    "メール": c.email or "",
                    "電話": c.phone or "",
                }
                for c in contacts
            ],
            hide_index=True,
            width="stretch",
            placeholder="—",
        )
    else:
        st.info("担当者はまだ登録されていません。")
    if actor.is_hub_manager:
        contact_form(actor, stored_id(company.id))


def contact_form(actor: Actor, company_id: int) -> None:
    form = f"contact_new.{company_id}"
    with fs.form(form):
        st.markdown("**担当者を追加**")
        CONTACT.draw(form)
        fs.feedback(form, FIELD_LABELS | CONTACT.labels())
        fs.submit_button(
            form,
            "担当者を追加",
            lambda s: add_contact(s, actor, company_id, CONTACT.values(form)),
            "担当者を追加しました。",
            lambda _contact: fs.reset(form),
            actor=actor,
            creates=True,
        )
