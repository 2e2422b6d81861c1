"""Merging duplicate firms on a firm's page, and following a merged firm's old address."""

import streamlit as st

from crm.actor import Actor
from crm.errors import CrmError
from crm.models import Company, stored_id
from crm.presentation.labels import md
from crm.services.companies import get_company
from crm.services.lookups import company_choices
from crm.services.merge import duplicate_candidates, kept_company_id, merge_companies
from ui import form_state as fs
from ui import links
from ui.runtime import session


def follow_merged(actor: Actor, company_id: int) -> int:
    """The firm to show for ``?company=ID``: a merged firm's address opens the kept firm."""
    try:
        with session() as s:
            kept = kept_company_id(s, actor, company_id)
    except CrmError:
        return company_id  # the firm page says why it cannot be shown
    if kept != company_id:
        st.info(
            f"企業ID {company_id} はこの企業に統合されました。統合先の企業を表示しています。",
            icon=":material/merge:",
        )
    return kept


def _merge(actor: Actor, kept: Company, source_id: int, source_version: int, name: str) -> None:
    form = f"merge.{kept.id}"

    def merged(_result) -> None:
        st.session_state.pop(f"{form}.source", None)
        st.session_state.pop(f"{form}.confirm", None)

    def message(result) -> str:
        moved = "・".join(f"{label} {count:,}件" for label, count in result.moved.items())
        return f"{name} を {kept.name} に統合しました（移した記録: {moved}）。"

    fs.submit(
        form,
        lambda s: merge_companies(
            s,
            actor,
            keep_id=stored_id(kept.id),
            keep_version=kept.version,
            merge_id=source_id,
            merge_version=source_version,
        ),
        message,
        merged,
        actor=actor,
    )


def merge_section(actor: Actor, company: Company) -> None:
    """For the firm's hub manager: likely duplicates, and merging another firm into this one."""
    assert company.id is not None
    fs.feedback(f"merge.{company.id}")  # what the last merge did, or why it was refused
    with session() as s:
        candidates = duplicate_candidates(
            s,
            hub_code=company.hub_code,
            name=company.name,
            corporate_number=company.corporate_number,
            exclude_id=company.id,
        )
        choices = dict(company_choices(s, actor, hub_code=company.hub_code))
    st.markdown("**重複している企業をこの企業に統合**")
    if candidates:
        st.warning(
            f"同じ企業と思われる企業が {len(candidates)} 社あります。",
            icon=":material/content_copy:",
        )
        for candidate in candidates:
            links.show(actor, links.company(candidate.company_id, candidate.label()))
    first = [c.company_id for c in candidates]
    options = first + [i for i in choices if i != company.id and i not in first]
    # A likely duplicate is offered by its name even beyond the picker's first firms.
    names = {c.company_id: c.name for c in candidates} | choices
    source = st.selectbox(
        "統合する企業",
        [None, *options],
        format_func=lambda i: "選んでください" if i is None else names.get(i, f"企業ID {i}"),
        key=f"merge.{company.id}.source",
        help="選んだ企業の相談・人材ニーズ・担当者・成約・フォローアップをすべてこの企業に移し、"
        "選んだ企業は統合済みになります（その企業へのリンクはこの企業を開きます）。",
    )
    if source is None:
        return
    with session() as s:
        other = get_company(s, actor, source)
    confirmed = st.checkbox(
        f"「{md(other.name)}」の記録をすべて「{md(company.name)}」に移して統合します",
        key=f"merge.{company.id}.confirm",
    )
    st.button(
        "統合する",
        type="primary",
        disabled=not confirmed,
        key=f"merge.{company.id}.submit",
        on_click=_merge,
        args=(actor, company, other.id, other.version, other.name),
    )
