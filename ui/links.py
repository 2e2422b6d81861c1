"""Links between records: every record has a shareable address such as ``?company=12``.

Links are ``st.page_link`` (the app's own navigation, so the session and its user are kept),
and only to pages the user's role has: a link to a page outside the role's navigation would
be an error, so it is shown as plain text instead.
"""

from dataclasses import dataclass, field

import streamlit as st

from crm.actor import Actor
from ui.labels import md
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
            label=md(link.label),
            icon=link.icon,
            query_params={k: str(v) for k, v in link.params.items()} or None,
        )
    else:
        st.markdown(md(link.label))


def company(company_id: int, name: str, icon: str | None = None) -> Link:
    return Link(COMPANIES, name, {"company": str(company_id)}, icon)


def need(need_id: int, label: str, icon: str | None = None) -> Link:
    return Link(NEEDS, label, {"need": str(need_id)}, icon)
