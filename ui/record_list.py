"""The one list component of record lists (``crm.services.record_views``): order by the orders
a list declares, filter by its date range, fiscal year and coded values, choose the columns and
the page size. The view lives in the address (``?sort=…&channel=…``), so a reload, a shared
link or another tab opens the same view; a change re-runs only the list (``st.fragment``)."""

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import streamlit as st

from crm.actor import Actor
from crm.errors import CrmError
from crm.presentation.labels import prefecture_label
from crm.presentation.text import literal
from crm.services.assignments import assign, assignee_names, assignees
from crm.services.record_views import (
    ASSIGNEE,
    PAGE_SIZES,
    UNASSIGNED,
    ListSpec,
    ViewQuery,
    count_view,
    view_rows,
)
from crm.targets import FIRST_FISCAL_YEAR
from crm.timeutil import fiscal_year, today_jst
from ui import saved_views
from ui.cache import cached_read
from ui.forms import guarded
from ui.listing import Cell, grid, paginate
from ui.runtime import session

NEWEST, OLDEST = "desc", "asc"
ALL = "すべて"
# Every year is 0, not None: a select box whose value is None shows as empty.
EVERY_YEAR = 0
EVERY_CASE = "all"  # a condition's address value when none of its cases is chosen
# The view's own address parameters (each coded filter and condition adds its name, a list
# with a search box adds ``q``).
VIEW_PARAMS = ("sort", "order", "fy", "from", "to", "cols", "size")


Context = Mapping[str, Mapping[int, str]]  # names a page's rows refer to, by kind


@dataclass(frozen=True)
class Column:
    """A column the list can show: its heading, its width and how a row fills it (with the
    names the page's rows refer to, read once per page)."""

    key: str
    title: str
    width: float
    cell: Callable[[Any, Context], Cell]
    order: str | None = None  # the list's order its heading sorts by, when not its key


def _param(name: str) -> str:
    value = st.query_params.get(name)
    return str(value) if value is not None else ""


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None  # a hand-edited address: ignored, never a traceback


def hub_column(read_only: bool) -> list["Column"]:
    """The 拠点 column, for a reader of several hubs (the secretariat) only."""
    if not read_only:
        return []
    return [Column("hub", "拠点", 0.8, lambda row, _n: prefecture_label(row.hub_code))]


def assignee_column(read_only: bool) -> list["Column"]:
    """The 拠点担当者 column, for the hub's own people only (who does what is the hub's business,
    not the secretariat's)."""
    if read_only:
        return []
    return [
        Column(
            "assignee",
            "拠点担当者",
            1.1,
            lambda row, names: names.get("assignees", {}).get(row.assignee_id, "未割り当て"),
        )
    ]


def _start(key: str, value: object) -> None:
    """A widget's starting value from the address, on the first run of a session (a reload,
    a shared link, another tab) only: afterwards the widget holds what the user chose."""
    if key not in st.session_state:
        st.session_state[key] = value


class RecordList:
    """``this_year``: the list starts at the current fiscal year (the address says ``fy=all``
    when the user widens it to every year). ``cached=False``: read on every run, for a list
    whose rows change without a write that raises the data version (sign-ins write the
    audit trail and an account's lock)."""

    def __init__(
        self,
        spec: ListSpec,
        columns: Sequence[Column],
        *,
        this_year: bool = False,
        cached: bool = True,
        row_title: Callable[[Any, Context], str] | None = None,
    ):
        self.spec, self.columns, self.this_year = spec, list(columns), this_year
        # How a record of the page is named in 「拠点担当者をまとめて変更」 (None: no bulk change).
        self.row_title = row_title
        self.cached = cached
        self.by_key = {c.key: c for c in self.columns}

    def _read(self, query: Callable[..., Any], actor: Actor, **kwargs: Any) -> Any:
        if self.cached:
            return cached_read(query, actor, **kwargs)
        with session() as s:
            return query(s, actor, **kwargs)

    def _params(self) -> list[str]:
        spec = self.spec
        searched = ["q"] if spec.search is not None else []
        return [
            *VIEW_PARAMS,
            *searched,
            *(c.key for c in spec.choices),
            *(c.key for c in spec.conditions),
            *([ASSIGNEE] if spec.assignable else []),
        ]

    def _directions(self, order: str) -> dict[str, str]:
        """The two directions in words: of days, newest or oldest first; of names, あ to ん."""
        if self.spec.dated(order):
            return {NEWEST: "新しい順", OLDEST: "古い順"}
        return {OLDEST: "昇順（ア→ン）", NEWEST: "降順（ン→ア）"}

    def _key(self, name: str) -> str:
        return f"{self.spec.name}.view.{name}"

    # --- the view, from the address and the widgets -------------------------------------

    def controls(self, actor: Actor | None = None) -> tuple[ViewQuery, list[str]]:
        """Draw the view's controls; returns the view (first page) and the columns shown.
        With the ``actor``, a first opening without a view in the address opens their default
        view (``ui.saved_views``)."""
        spec, key = self.spec, self._key
        if actor is not None:
            saved_views.open_default(actor, self)
        orders = list(spec.orders)
        years = list(range(fiscal_year(today_jst()), FIRST_FISCAL_YEAR - 1, -1))
        _start(key("sort"), _param("sort") if _param("sort") in orders else spec.default_order)
        default_direction = NEWEST if spec.descending else OLDEST
        direction = _param("order")
        _start(key("order"), direction if direction in (NEWEST, OLDEST) else default_direction)
        fy = _param("fy")
        default_year = years[0] if self.this_year and fy != "all" else EVERY_YEAR
        _start(key("fy"), int(fy) if fy.isdigit() and int(fy) in years else default_year)
        _start(key("from"), _date(_param("from")))
        _start(key("to"), _date(_param("to")))
        for choice in spec.choices:
            codes = [c for c in _param(choice.key).split(",") if c in choice.labels()]
            _start(key(choice.key), codes)
        self._start_extras()
        self._start_assignee(actor)
        shown = [c for c in _param("cols").split(",") if c in self.by_key]
        _start(key("cols"), shown or [c.key for c in self.columns])
        size = _param("size")
        _start(key("size"), int(size) if size.isdigit() and int(size) in PAGE_SIZES else 50)

        if spec.search is not None:
            st.text_input("検索", key=key("q"), placeholder=spec.search_hint)
        # Open at first when the address names a view. That first state stays the expander's
        # default: a changed default would make it a new expander, closing it under the user.
        _start(key("panel.first"), any(_param(name) for name in self._params() if name != "q"))
        # Built only while open: closed, the view is read from the address (``_start``), so
        # a list page does not draw a dozen hidden widgets on every run.
        panel = st.expander(
            "並べ替え・絞り込み・表示する列",
            expanded=st.session_state[key("panel.first")],
            key=key("panel"),
            on_change="rerun",
        )
        if panel.open:
            with panel:
                self._draw_controls(orders, years)
                self._draw_assignee(actor)
        state = st.session_state
        filters = [
            *(c.key for c in spec.choices),
            *(c.key for c in spec.conditions),
            *([ASSIGNEE] if self._by_person(actor) else []),
        ]
        chosen = tuple((name, tuple(state[key(name)])) for name in filters if state[key(name)])
        query = ViewQuery(
            order=state[key("sort")],
            descending=state[key("order")] == NEWEST,
            since=state[key("from")],
            until=state[key("to")],
            fiscal_year=state[key("fy")] or None,
            chosen=chosen,
            text=str(state.get(key("q")) or "").strip(),
            today=today_jst(),
            limit=state[key("size")],
        )
        columns = [k for k in state[key("cols")] if k in self.by_key] or [self.columns[0].key]
        self._to_address(query, columns)
        return query, columns

    def _draw_controls(self, orders: list[str], years: list[int]) -> None:
        spec, key = self.spec, self._key
        first, second, third = st.columns(3)
        first.selectbox("並べ替え", orders, format_func=spec.label, key=key("sort"))
        words = self._directions(spec.order(st.session_state[key("sort")]))
        second.selectbox(
            "順序",
            list(words),
            format_func=words.__getitem__,
            key=key("order"),
        )
        third.selectbox(
            "表示件数", list(PAGE_SIZES), format_func=lambda n: f"{n}件ずつ", key=key("size")
        )
        first, second, third = st.columns(3)
        first.selectbox(
            "年度",
            [EVERY_YEAR, *years],
            format_func=lambda y: ALL if y == EVERY_YEAR else f"{y}年度",
            key=key("fy"),
        )
        label = spec.label(spec.date)
        second.date_input(f"{label}（から）", key=key("from"), format="YYYY/MM/DD")
        third.date_input(f"{label}（まで）", key=key("to"), format="YYYY/MM/DD")
        for column, choice in zip(st.columns(len(spec.choices) or 1), spec.choices, strict=False):
            labels = choice.labels()
            column.multiselect(
                spec.label(choice.key),
                list(labels),
                format_func=labels.__getitem__,
                key=key(choice.key),
                placeholder=ALL,
                select_all=False,  # its English 「Select all」 cannot be renamed
            )
        self._draw_conditions()
        st.multiselect(
            "表示する列",
            [c.key for c in self.columns],
            format_func=lambda k: self.by_key[k].title,
            key=key("cols"),
            placeholder="列を選んでください",
            select_all=False,
        )

    def _to_address(self, query: ViewQuery, columns: list[str]) -> None:
        """The view in the address, only what differs from the list's default."""
        spec = self.spec
        wanted: dict[str, str] = {}
        if query.order != spec.default_order:
            wanted["sort"] = str(query.order)
        if query.descending != spec.descending:
            wanted["order"] = NEWEST if query.descending else OLDEST
        this_year = fiscal_year(today_jst()) if self.this_year else None
        if query.fiscal_year != this_year:
            wanted["fy"] = "all" if query.fiscal_year is None else str(query.fiscal_year)
        if query.since is not None:
            wanted["from"] = query.since.isoformat()
        if query.until is not None:
            wanted["to"] = query.until.isoformat()
        for choice in spec.choices:
            if query.codes(choice.key):
                wanted[choice.key] = ",".join(query.codes(choice.key))
        wanted.update(self._extras_to_address(query))
        wanted.update(self._assignee_to_address(query))
        if columns != [c.key for c in self.columns]:
            wanted["cols"] = ",".join(columns)
        if query.limit != 50:
            wanted["size"] = str(query.limit)
        for name in self._params():
            if name in wanted:
                if _param(name) != wanted[name]:
                    st.query_params[name] = wanted[name]
            elif name in st.query_params:
                del st.query_params[name]

    # --- 拠点担当者: the hub's people see theirs and the unassigned by default ----------------

    def _by_person(self, actor: Actor | None) -> bool:
        return self.spec.assignable and actor is not None and actor.is_hub_manager

    def _start_assignee(self, actor: Actor | None) -> None:
        if not self._by_person(actor):
            return
        assert actor is not None
        default = [str(actor.user_id), UNASSIGNED]
        st.session_state[self._key("assignee.default")] = default
        given = _param(ASSIGNEE)
        if given == EVERY_CASE:
            _start(self._key(ASSIGNEE), [])
        elif given:
            cases = [c for c in given.split(",") if c == UNASSIGNED or c.isdigit()]
            _start(self._key(ASSIGNEE), cases)
        else:
            _start(self._key(ASSIGNEE), default)

    def _draw_assignee(self, actor: Actor | None) -> None:
        if not self._by_person(actor):
            return
        assert actor is not None and actor.hub_code is not None
        people = cached_read(assignees, actor, hub_code=actor.hub_code)
        labels = {str(actor.user_id): "自分", UNASSIGNED: "未割り当て"}
        labels |= {str(p.user_id): p.display_name for p in people if p.user_id != actor.user_id}
        chosen = st.session_state.get(self._key(ASSIGNEE), [])
        for code in chosen:  # a former colleague named in the address still reads as a name
            labels.setdefault(code, "（利用停止中の利用者）")
        st.multiselect(
            "拠点担当者",
            list(labels),
            format_func=labels.__getitem__,
            key=self._key(ASSIGNEE),
            placeholder=ALL,
            select_all=False,
            help="既定は自分と未割り当て。すべて外すと拠点のすべての記録を表示します。",
        )

    def _assignee_to_address(self, query: ViewQuery) -> dict[str, str]:
        default = st.session_state.get(self._key("assignee.default"))
        if not self.spec.assignable or default is None:
            return {}
        cases = list(query.codes(ASSIGNEE))
        return {} if cases == default else {ASSIGNEE: ",".join(cases) or EVERY_CASE}

    def bulk_assign(self, actor: Actor, rows: Sequence[Any], names: Context) -> None:
        """「拠点担当者をまとめて変更」 for the records of the page shown (a hub's manager only)."""
        if self.row_title is None or not self._by_person(actor) or not rows:
            return
        assert actor.hub_code is not None
        box = st.expander(
            "拠点担当者をまとめて変更",
            key=self._key("bulk"),
            icon=":material/group:",
            on_change="rerun",
        )
        if not box.open:
            return
        title = self.row_title
        with box:
            people = cached_read(assignees, actor, hub_code=actor.hub_code)
            by_id = {r.id: r for r in rows}
            picked = st.multiselect(
                "変更する記録（このページの記録から）",
                list(by_id),
                format_func=lambda i: title(by_id[i], names),
                key=self._key("bulk.records"),
                placeholder="選択してください",
                select_all=False,
            )
            every = st.checkbox(f"このページの{len(rows):,}件すべて", key=self._key("bulk.every"))
            choices = {0: "未割り当てに戻す"} | {p.user_id: p.display_name for p in people}
            person = st.selectbox(
                "新しい拠点担当者",
                list(choices),
                format_func=choices.__getitem__,
                key=self._key("bulk.person"),
            )
            ids = list(by_id) if every else list(picked)
            st.button(
                f"{len(ids):,}件の拠点担当者を変更",
                key=self._key("bulk.apply"),
                disabled=not ids,
                type="primary",
                on_click=self._assign,
                args=(actor, ids, person or None),
            )
            message = st.session_state.pop(self._key("bulk.refused"), None)
            if message:
                st.error(literal(message))

    def _assign(self, actor: Actor, ids: list[int], person: int | None) -> None:
        kind = {"companies": "company", "needs": "talent_need"}.get(self.spec.name, "follow_up")
        try:
            with session() as s:
                changed = assign(s, actor, kind, ids, person)
                s.commit()
        except CrmError as refused:
            st.session_state[self._key("bulk.refused")] = str(refused)
            return
        st.session_state[self._key("bulk.records")] = []
        st.session_state[self._key("bulk.every")] = False
        st.toast(f"{changed:,}件の拠点担当者を変更しました。", icon="✅")

    # --- a search box and conditions (lists other than a hub's coded records) ------------

    def _start_extras(self) -> None:
        spec, key = self.spec, self._key
        if spec.search is not None:
            _start(key("q"), _param("q")[:200])
        for condition in spec.conditions:
            given = _param(condition.key)
            if not given:
                _start(key(condition.key), list(condition.default))
                continue
            cases = [c for c in given.split(",") if c in condition.labels()]
            _start(key(condition.key), cases)

    def _draw_conditions(self) -> None:
        conditions = self.spec.conditions
        for column, condition in zip(st.columns(len(conditions) or 1), conditions, strict=False):
            labels = condition.labels()
            column.multiselect(
                condition.title,
                list(labels),
                format_func=labels.__getitem__,
                key=self._key(condition.key),
                placeholder=ALL,
                select_all=False,  # its English 「Select all」 cannot be renamed
            )

    def _extras_to_address(self, query: ViewQuery) -> dict[str, str]:
        """The search text, and each condition whose cases are not the list's default (none
        chosen, when the list starts with some, is ``all``)."""
        wanted: dict[str, str] = {}
        if self.spec.search is not None and query.text:
            wanted["q"] = query.text
        for condition in self.spec.conditions:
            cases = query.codes(condition.key)
            if cases != condition.default:
                wanted[condition.key] = ",".join(cases) or EVERY_CASE
        return wanted

    # --- the list -----------------------------------------------------------------------

    def show(
        self,
        actor: Actor,
        *,
        hubs: tuple[str, ...] = (),
        context: Callable[[list[Any]], Context] | None = None,
        empty: str = "該当する記録はありません。",
    ) -> None:
        query, shown = self.controls(actor)
        self.table(actor, query, shown, hubs=hubs, context=context, empty=empty)

    def table(
        self,
        actor: Actor,
        query: ViewQuery,
        shown: list[str],
        *,
        hubs: tuple[str, ...] = (),
        context: Callable[[list[Any]], Context] | None = None,
        empty: str = "該当する記録はありません。",
    ) -> None:
        """The view's rows, a page at a time, with the pager (and the saved views and the
        export of this view above them)."""
        saved_views.view_menu(actor, self, query, shown, hubs)
        with guarded():
            total = self._read(count_view, actor, list_name=self.spec.name, view=query, hubs=hubs)
        offset = paginate(total, self._key("page"), query.limit, reset_on=(query, hubs))
        page = replace(query, offset=offset)
        with guarded():
            rows = self._read(view_rows, actor, list_name=self.spec.name, view=page, hubs=hubs)
            names = dict(context(rows)) if context is not None else {}
            if self._by_person(actor):
                ids = sorted({r.assignee_id for r in rows if r.assignee_id is not None})
                names["assignees"] = cached_read(assignee_names, actor, ids=ids)
        columns = [self.by_key[k] for k in shown]
        orders = [self._order_of(c) for c in columns]
        grid(
            actor,
            [c.title for c in columns],
            [[c.cell(row, names) for c in columns] for row in rows],
            [c.width for c in columns],
            empty=empty,
            key=self.spec.name,
            sort_by=lambda position: self._sort_by(orders[position]),
            sortable=[i for i, order in enumerate(orders) if order is not None],
        )
        self.bulk_assign(actor, rows, names)

    def _order_of(self, column: Column) -> str | None:
        """The order a click on the column's heading applies (None: the list has none)."""
        order = column.order or column.key
        return order if order in self.spec.orders else None

    def _sort_by(self, order: str | None) -> None:
        """A heading clicked: sort by its column, the other way round on a second click."""
        if order is None:
            return
        sort, direction = self._key("sort"), self._key("order")
        if st.session_state.get(sort) == order:
            flipped = OLDEST if st.session_state.get(direction) == NEWEST else NEWEST
            st.session_state[direction] = flipped
        else:
            st.session_state[sort] = order
            st.session_state[direction] = NEWEST if self.spec.dated(order) else OLDEST
