"""Links between records: every record has a shareable address such as ``?company=12``.

Links are ``st.page_link`` (the app's own navigation, so the session and its user are kept),
and only to pages the user's role has: a link to a page outside the role's navigation would
be an error, so it is shown as plain text instead.
"""

from dataclasses import dataclass, field

import streamlit as st

from crm.actor import Actor
from crm.presentation.text import literal
from ui.navigation import PAGES

COMPANIES = "pages/companies.py"
CONSULTATIONS = "pages/consultations.py"
NEEDS = "pages/needs.py"
PLACEMENTS = "pages/placements.py"
FOLLOW_UPS = "pages/followups.py"


@dataclass(frozen=True)
class Link:
    page: str
    label: str
    params: dict[str, str] = field(default_factory=dict)
    icon: str | None = None


def can_open(actor: Actor, page: str) -> bool:
    return any(
        path == page and actor.role in roles
        for entries in PAGES.values()
        for path, _title, _icon, roles in entries
    )


def show(actor: Actor, link: Link) -> None:
    if can_open(actor, link.page):
        st.page_link(
            link.page,
            label=literal(link.label),
            icon=link.icon,
            query_params={k: str(v) for k, v in link.params.items()} or None,
        )
    else:
        st.markdown(literal(link.label))


def company(company_id: int, name: str, icon: str | None = None) -> Link:
    return Link(COMPANIES, name, {"company": str(company_id)}, icon)


def need(need_id: int, label: str, icon: str | None = None) -> Link:
    return Link(NEEDS, label, {"need": str(need_id)}, icon)


def saved_record(entity: str | None, entity_id: int | None) -> None:
    """A link to the record an earlier submit of a form saved (see form_state's "already")."""
    from crm.errors import CrmError
    from crm.services.consultations import get_consultation
    from crm.services.placements import get_placement
    from ui.runtime import session
    from ui.session import current_actor

    actor = current_actor()
    if actor is None or entity is None or entity_id is None:
        return
    try:
        with session() as s:
            if entity == "company":
                target = company(entity_id, "保存した企業を開く", ":material/apartment:")
            elif entity == "consultation":
                consultation = get_consultation(s, actor, entity_id)
                target = company(
                    consultation.company_id, "保存した相談（企業ページ）を開く", ":material/forum:"
                )
            elif entity == "talent_need":
                target = need(entity_id, "保存した人材ニーズを開く", ":material/work:")
            elif entity == "placement":
                placement = get_placement(s, actor, entity_id)
                target = need(
                    placement.need_id, "保存した成約（ニーズ）を開く", ":material/handshake:"
                )
            elif entity in {"contact", "follow_up", "referral"}:
                target = Link(
                    {"follow_up": FOLLOW_UPS, "referral": NEEDS}.get(entity, COMPANIES),
                    "保存した記録の一覧を開く",
                )
            else:
                return
    except CrmError:
        return
    show(actor, target)
