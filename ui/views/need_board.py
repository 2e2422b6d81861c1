"""The 人材ニーズ board: one status at a time, chosen above the list with each status's count.

Only the chosen status's page of needs is built (the former tabs built all four lists, three
of them hidden, about 3,000 elements), and choosing a status, an order, a filter or a page
re-runs only the list (``st.fragment``). The status is in the address (``?status=referred``),
with the list's view (``ui.record_list``), so a reload or a shared link opens the same list."""

from dataclasses import replace

import streamlit as st

from crm.actor import Actor
from crm.models import TalentNeed, stored_id
from crm.presentation.labels import day, enum_label, prefecture_label
from crm.reference import Engagement, NeedStatus, SalaryBand
from crm.services.lookups import company_names
from crm.services.needs import count_needs_by_status, list_needs
from crm.services.record_views import NEEDS, count_view_by
from crm.vocabulary import term
from ui import links
from ui.cache import cached_read
from ui.forms import guarded
from ui.listing import Cell, grid, paginate
from ui.record_list import Column, Context, RecordList, assignee_column

STATUS_KEY = "needs.board.status"
STATUS_PARAM = "status"
DEFAULT_STATUS = NeedStatus.OPEN.value
FIRM_PAGE_SIZE = 25
EMPTY = "この状態のニーズはありません。"

# The view's own filters leave the status out: the board chooses it above the list.
BOARD_SPEC = replace(NEEDS, choices=tuple(c for c in NEEDS.choices if c.key != "status"))


def _names(actor: Actor):
    def names(rows: list[TalentNeed]) -> Context:
        ids = sorted({n.company_id for n in rows})
        return {"companies": cached_read(company_names, actor, ids=ids)}

    return names


def columns(categories: dict[int, str], read_only: bool) -> list[Column]:
    """The board's columns; a need is named by its role, beside its firm and its date (never
    by its number)."""
    return [
        *([Column("hub", "拠点", 0.8, lambda n, _c: prefecture_label(n.hub_code))] * read_only),
        Column(
            "role_title", "ニーズ", 2.2, lambda n, _c: links.need(stored_id(n.id), n.role_title)
        ),
        Column(
            "company",
            "企業",
            2.2,
            lambda n, c: links.company(n.company_id, c["companies"].get(n.company_id, "")),
        ),
        Column("category", term("category"), 1.5, lambda n, _c: categories.get(n.category_id, "")),
        Column(
            "engagement",
            term("engagement"),
            1.1,
            lambda n, _c: enum_label(Engagement, n.engagement),
        ),
        Column("headcount", term("headcount"), 0.6, lambda n, _c: f"{n.headcount:,}名"),
        Column(
            "salary_band",
            term("salary_band"),
            1.3,
            lambda n, _c: enum_label(SalaryBand, n.salary_band),
        ),
        Column("opened_on", term("opened_on"), 1, lambda n, _c: day(n.opened_on)),
        *assignee_column(read_only),
    ]


def _status_from_address() -> None:
    """The status the address names, on a session's first run (a reload, a shared link):
    afterwards the control holds what the user chose."""
    if STATUS_KEY not in st.session_state:
        wanted = st.query_params.get(STATUS_PARAM)
        codes = NeedStatus.labels()
        st.session_state[STATUS_KEY] = wanted if wanted in codes else DEFAULT_STATUS


def _status_to_address(status: str) -> None:
    if status == DEFAULT_STATUS:
        st.query_params.pop(STATUS_PARAM, None)
    elif st.query_params.get(STATUS_PARAM) != status:
        st.query_params[STATUS_PARAM] = status


def _choose_status(counts: dict[str, int]) -> str:
    labels = NeedStatus.labels()
    chosen = st.segmented_control(
        "状況",
        list(labels),
        format_func=lambda code: f"{labels[code]}（{counts.get(code, 0):,}）",
        key=STATUS_KEY,
        required=True,
        label_visibility="collapsed",
    )
    status = chosen if chosen in labels else DEFAULT_STATUS
    _status_to_address(status)
    return status


class Board:
    def __init__(self, actor: Actor, categories: dict[int, str], read_only: bool):
        self.actor, self.categories, self.read_only = actor, categories, read_only
        self.list = RecordList(
            BOARD_SPEC,
            columns(categories, read_only),
            row_title=lambda n, c: f"{n.role_title}（{c['companies'].get(n.company_id, '')}）",
        )

    def show(self, company: int | None, hubs: tuple[str, ...]) -> None:
        _status_from_address()
        st.fragment(self._list)(company, hubs)

    def _list(self, company: int | None, hubs: tuple[str, ...]) -> None:
        """The chosen status's needs; only this re-runs when the status, the view or the page
        changes."""
        statuses = st.container()
        if company is not None:
            self._firm_list(statuses, company, hubs)
            return
        view, shown = self.list.controls(self.actor)
        with guarded():
            counts = cached_read(
                count_view_by, self.actor, list_name="needs", view=view, column="status", hubs=hubs
            )
        with statuses:
            status = _choose_status(counts)
        view = replace(view, chosen=(("status", (status,)), *view.chosen))
        self.list.table(self.actor, view, shown, hubs=hubs, context=_names(self.actor), empty=EMPTY)

    def _firm_list(self, statuses, company: int, hubs: tuple[str, ...]) -> None:
        """One firm's needs (from its page): few, so in the order they were opened, without
        the view's controls."""
        with guarded():
            counts = cached_read(count_needs_by_status, self.actor, company_id=company, hubs=hubs)
        with statuses:
            status = _choose_status(counts)
        offset = paginate(
            counts[status], "needs.firm.page", FIRM_PAGE_SIZE, reset_on=(company, status, hubs)
        )
        with guarded():
            rows = cached_read(
                list_needs,
                self.actor,
                status=status,
                company_id=company,
                hubs=hubs,
                limit=FIRM_PAGE_SIZE,
                offset=offset,
            )
        names = _names(self.actor)(rows)
        shown = self.list.columns
        table: list[list[Cell]] = [[c.cell(n, names) for c in shown] for n in rows]
        grid(self.actor, [c.title for c in shown], table, [c.width for c in shown], empty=EMPTY)
