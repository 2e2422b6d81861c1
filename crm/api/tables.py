"""What the API's CSV and xlsx answers hold: one flat table per endpoint, with Japanese headers
and labels, or (``codes``) the field names and codes.

Records (``/firms`` …): every column of the read shape (``crm.entities.read_shapes``), headed
with its title; with labels a coded value is its label (``Spec.choices``), a code of a list
(都道府県, 業種) its name, 人材区分 its name, and the names a spreadsheet needs stand beside the
ids (企業名 beside 企業ID, パートナー名 beside パートナーID, 拠点名 beside 拠点コード …), looked up
once per page. With codes the columns are exactly the JSON items' keys.

Analytics (``/trend`` …): the columns below, their Japanese headers the terms the pages and the
reports already use (``TREND_COLUMNS``, ``crm.reports.hubs.HEADERS``) and, for the few they do
not name, the terms here; nested values (a hub's target progress, the filters) are columns of
their own (``progress.target_placements`` with codes).
"""

import datetime as dt
import types
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from typing import Any, Union, get_args, get_origin

from sqlmodel import Session, SQLModel, col, select

from crm.actor import Actor
from crm.analytics import funnel as funnel_figures
from crm.analytics import partner_table as partner_figures
from crm.analytics.breakdowns import TITLES, Breakdown, Dimension
from crm.analytics.comparison import HubComparison, HubComparisonRow
from crm.analytics.national import HeadlineFigures
from crm.analytics.trend import TrendPoint
from crm.api.files import plain
from crm.csvio.columns import SHARED_COLUMNS
from crm.csvio.xlsx import COUNT, DAY, DECIMAL, NUMBER, RATIO, TEXT, TIMESTAMP, Sheet, SheetColumn
from crm.entities.declare import spec_of
from crm.entities.read_shapes import read_shape
from crm.models import Partner
from crm.presentation.analytics_frames import TREND_COLUMNS
from crm.presentation.labels import prefecture_label
from crm.reference import Engagement
from crm.reports.hubs import HEADERS
from crm.services import lookups, reference_data
from crm.targets import STATUS_LABELS
from crm.vocabulary import term

# --- records ----------------------------------------------------------------------------------

COUNTS = frozenset({"employees", "capital_jpy", "headcount"})
HUB_NAME = HEADERS["hub_name"][0]


@dataclass
class Names:
    """Names of the records a page's ids refer to, each kind in one query."""

    companies: dict[int, str]
    partners: dict[int, str]
    needs: dict[int, str]
    categories: dict[int, str]


def _ids(items: Sequence[dict[str, Any]], key: str) -> set[int]:
    return {item[key] for item in items if item.get(key) is not None}


def names_of(
    session: Session, actor: Actor, items: Sequence[dict[str, Any]], keys: Iterable[str]
) -> Names:
    """The names a page of records needs (only the kinds its columns refer to)."""
    keys = set(keys)
    partners: dict[int, str] = {}
    if "partner_id" in keys and (wanted := _ids(items, "partner_id")):
        found = select(Partner.id, Partner.name).where(col(Partner.id).in_(sorted(wanted)))
        partners = {i: n for i, n in session.exec(found).all() if i is not None}
    categories: dict[int, str] = {}
    if "category_id" in keys:
        categories = {
            c.id: c.name_ja
            for c in reference_data.list_categories(session, active_only=False)
            if c.id is not None
        }
    return Names(
        companies=lookups.company_names(session, actor, _ids(items, "company_id"))
        if "company_id" in keys
        else {},
        partners=partners,
        needs=lookups.need_titles(session, actor, _ids(items, "need_id"))
        if "need_id" in keys
        else {},
        categories=categories,
    )


# An id's column -> (the header of the name beside it, the name of an id).
BESIDE: dict[str, tuple[str, Callable[[Names, Any], str | None]]] = {
    "company_id": (SHARED_COLUMNS["company_name"].ja, lambda n, i: n.companies.get(i)),
    "partner_id": (SHARED_COLUMNS["partner_name"].ja, lambda n, i: n.partners.get(i)),
    "need_id": (term("role_title"), lambda n, i: n.needs.get(i)),
    "hub_code": (HUB_NAME, lambda _, code: prefecture_label(code) or None),
}


def _kind(name: str, annotation: Any) -> str:
    """A column's cell kind from its type (ids are names of records, as in the exports)."""
    types_ = (
        set(get_args(annotation))
        if get_origin(annotation) in (Union, types.UnionType)
        else {annotation}
    )
    if dt.datetime in types_:
        return TIMESTAMP
    if dt.date in types_:
        return DAY
    if float in types_:
        return DECIMAL
    if int in types_ and not (name == "id" or name.endswith(("_id", "_by"))):
        return COUNT if name in COUNTS else NUMBER
    return TEXT


@dataclass(frozen=True)
class _RecordColumn:
    header: str
    kind: str
    key: str  # the item's key the value is read from
    show: Callable[[Any], Any] | None = None  # with labels: the code or id as a person reads it

    def value(self, item: dict[str, Any]) -> Any:
        value = item.get(self.key)
        return value if value is None or self.show is None else self.show(value)


def _record_columns(model: type[SQLModel], names: Names | None) -> list[_RecordColumn]:
    shape = read_shape(model)
    columns: list[_RecordColumn] = []
    for name, info in model.model_fields.items():
        kind = _kind(name, info.annotation)
        if names is None:
            columns.append(_RecordColumn(name, kind, name))
            continue
        title = shape.model_fields[name].title or name
        spec = spec_of(info)
        if spec is not None and spec.choices is not None:
            columns.append(_RecordColumn(title, TEXT, name, spec.choices.labels().get))
        elif spec is not None and spec.codes is not None:
            columns.append(_RecordColumn(spec.codes.term or title, TEXT, name, spec.codes.label))
        elif name == "category_id":  # 人材区分 by its name, as the exports write it
            columns.append(_RecordColumn(title, TEXT, name, names.categories.get))
        else:
            columns.append(_RecordColumn(title, kind, name))
        if name in BESIDE:
            header, of = BESIDE[name]
            columns.append(_RecordColumn(header, TEXT, name, partial(of, names)))
    return columns


def record_table(
    model: type[SQLModel], title: str, items: Sequence[dict[str, Any]], names: Names | None
) -> Sheet:
    """A page of records as a table: labels and names when ``names`` is given, else codes."""
    codes = names is None
    columns = _record_columns(model, names)
    return Sheet(
        title[:31],
        [SheetColumn(c.header, c.kind) for c in columns],
        [[plain(c.value(item), codes) for c in columns] for item in items],
    )


# --- analytics --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """An analytics column: its key (the header with codes), its Japanese header, its kind,
    how it is read from a row, and (with labels) how a code is shown."""

    key: str
    header: str
    kind: str
    read: Callable[[Any], Any]
    label: Callable[[Any], Any] | None = None


def _reported(key: str, read: Callable[[Any], Any], field: str | None = None) -> Cell:
    """A column the hubs report names (``crm.reports.hubs.HEADERS``)."""
    header, kind = HEADERS[field or key]
    return Cell(key, header, kind, read)


def tabulate(title: str, cells: Sequence[Cell], rows: Iterable[Any], codes: bool) -> Sheet:
    def shown(cell: Cell, row: Any) -> Any:
        value = cell.read(row)
        if cell.label is not None and not codes and value is not None:
            value = cell.label(value)
        return plain(value, codes)

    return Sheet(
        title[:31],
        [SheetColumn(cell.key if codes else cell.header, cell.kind) for cell in cells],
        [[shown(cell, row) for cell in cells] for row in rows],
    )


TREND_KINDS = {"month": TEXT}
TREND: list[Cell] = [
    Cell(key, header, TREND_KINDS.get(key, COUNT), attrgetter(key))
    for key, header in TREND_COLUMNS.items()
]


def trend_table(points: Sequence[TrendPoint], codes: bool) -> Sheet:
    return tabulate("月別推移", TREND, points, codes)


def _progress(read: Callable[[Any], Any]) -> Callable[[HubComparisonRow], Any]:
    return lambda row: None if row.progress is None else read(row.progress)


# Terms the pages and reports do not have yet.
ACTIVE = "活動中"
AS_OF = "進捗の基準日"
ELAPSED = "年度の経過割合"
TARGET_ID = "目標ID"
TARGET_VERSION = "目標の版"

PREFECTURES: list[Cell] = [
    _reported("hub_code", lambda r: r.hub_code),
    _reported("hub_name", lambda r: r.hub_name),
    _reported("block", lambda r: r.block),
    Cell("active", ACTIVE, TEXT, lambda r: r.active),
    _reported("consultations", lambda r: r.consultations),
    _reported("needs_opened", lambda r: r.needs_opened, "needs"),
    _reported("placements", lambda r: r.placements),
    _reported("side_job_placements", lambda r: r.side_job_placements),
    _reported("outside_placements", lambda r: r.outside_placements),
    _reported("conversion", lambda r: r.conversion),
    _reported("cumulative_consultations", lambda r: r.cumulative_consultations),
    _reported("cumulative_placements", lambda r: r.cumulative_placements),
    _reported("cumulative_side_job_placements", lambda r: r.cumulative_side_job_placements),
    _reported("cumulative_outside_placements", lambda r: r.cumulative_outside_placements),
    _reported("progress.fiscal_year", _progress(lambda p: p.fiscal_year), "fiscal_year"),
    Cell("progress.as_of", AS_OF, DAY, _progress(lambda p: p.as_of)),
    Cell("progress.elapsed_share", ELAPSED, RATIO, _progress(lambda p: p.elapsed_share)),
    _reported("progress.consultations", _progress(lambda p: p.consultations), "fy_consultations"),
    _reported("progress.placements", _progress(lambda p: p.placements), "fy_placements"),
    Cell("progress.target_id", TARGET_ID, TEXT, _progress(lambda p: p.target_id)),
    Cell("progress.target_version", TARGET_VERSION, NUMBER, _progress(lambda p: p.target_version)),
    Cell(
        "progress.target_status",
        HEADERS["target_status"][0],
        TEXT,
        _progress(lambda p: p.target_status),
        lambda code: STATUS_LABELS.get(code, code),
    ),
    _reported(
        "progress.target_consultations",
        _progress(lambda p: p.target_consultations),
        "target_consultations",
    ),
    _reported(
        "progress.target_placements", _progress(lambda p: p.target_placements), "target_placements"
    ),
    _reported(
        "progress.expected_consultations",
        _progress(lambda p: p.expected_consultations),
        "expected_consultations",
    ),
    _reported(
        "progress.expected_placements",
        _progress(lambda p: p.expected_placements),
        "expected_placements",
    ),
    _reported(
        "progress.consultation_progress",
        _progress(lambda p: p.consultation_progress),
        "consultation_progress",
    ),
    _reported(
        "progress.placement_progress",
        _progress(lambda p: p.placement_progress),
        "placement_progress",
    ),
    Cell("progress.behind", "遅れ", TEXT, _progress(lambda p: p.behind)),
]


def prefecture_table(compared: HubComparison, codes: bool) -> Sheet:
    since, until = compared.filters.since, compared.filters.until
    period = [
        _reported("since", lambda _: since),
        _reported("until", lambda _: until),
    ]
    return tabulate(
        "都道府県比較", [*PREFECTURES[:3], *period, *PREFECTURES[3:]], compared.rows, codes
    )


# The breakdown tables' headers, as the pages show them (analytics_frames.breakdown_frame); with
# labels the dimension is its title (人材区分別の成約件数).
BREAKDOWN: list[Cell] = [
    Cell("dimension", "内訳", TEXT, lambda r: r[0].dimension.value, lambda d: TITLES[Dimension(d)]),
    Cell("key", "コード", TEXT, lambda r: r[1].key),
    Cell("label", "区分", TEXT, lambda r: r[1].label),
    Cell("count", "件数", COUNT, lambda r: r[1].count),
    Cell("share", "割合", RATIO, lambda r: r[1].count / r[0].total if r[0].total else None),
]


def breakdown_table(found: Sequence[Breakdown], codes: bool) -> Sheet:
    return tabulate("内訳", BREAKDOWN, [(b, row) for b in found for row in b.rows], codes)


def _engagement_labels(codes: Sequence[str]) -> list[str]:
    return [Engagement.labels().get(code, code) for code in codes]


# The national page's headline figures (pages/national.py) and the filters they were counted
# with.
HEADLINE: list[Cell] = [
    _reported("filters.since", lambda f: f.filters.since, "since"),
    _reported("filters.until", lambda f: f.filters.until, "until"),
    Cell("filters.hubs", "対象の拠点", TEXT, lambda f: f.filters.hubs),
    Cell("filters.blocks", "対象の地域ブロック", TEXT, lambda f: f.filters.blocks),
    Cell("filters.category_ids", "対象の人材区分ID", TEXT, lambda f: f.filters.category_ids),
    Cell(
        "filters.engagements",
        f"対象の{term('engagement')}",
        TEXT,
        lambda f: f.filters.engagements,
        _engagement_labels,
    ),
    _reported("consultations", lambda f: f.consultations),
    Cell("companies_consulted", "相談企業数", COUNT, lambda f: f.companies_consulted),
    _reported("needs_opened", lambda f: f.needs_opened, "needs"),
    _reported("placements", lambda f: f.placements),
    _reported("conversion", lambda f: f.conversion),
    Cell(
        "median_days_to_placement",
        "成約までの日数（中央値）",
        DECIMAL,
        lambda f: f.median_days_to_placement,
    ),
    Cell("placements_timed", "日数を数えた成約件数", COUNT, lambda f: f.placements_timed),
    Cell("companies_placed", "成約のあった企業数", COUNT, lambda f: f.companies_placed),
    Cell(
        "companies_placed_repeatedly",
        "2件以上成約した企業数",
        COUNT,
        lambda f: f.companies_placed_repeatedly,
    ),
    Cell("repeat_share", "複数回採用した企業の割合", RATIO, lambda f: f.repeat_share),
]


def headline_table(figures: HeadlineFigures, codes: bool) -> Sheet:
    return tabulate("主要指標", HEADLINE, [figures], codes)


FLOWS: list[Cell] = [
    Cell("origin_code", f"{term('previous_residence')}コード", TEXT, lambda c: c["origin_code"]),
    Cell("origin", term("previous_residence"), TEXT, lambda c: c["origin"]),
    _reported("hub_code", lambda c: c["hub_code"]),
    _reported("hub", lambda c: c["hub"], "hub_name"),
    _reported("placements", lambda c: c["placements"]),
]


def flows_table(cells: Sequence[dict[str, Any]], codes: bool) -> Sheet:
    return tabulate("人材還流", FLOWS, cells, codes)


# --- the funnel and the partner table (their columns are declared with them) -----------------

_RATES = frozenset({"conversion", "on_time_rate"})
_DAYS = frozenset({"median_days"})
_COUNTED = frozenset(
    {
        "count",
        "timed",
        "events",
        "attendees",
        "introductions",
        "firms",
        "consulted",
        "needs",
        "needs_referred",
        "placements",
        "placed_referrals",
        "referrals",
        "reported_on_time",
    }
)


def _figure_kind(key: str) -> str:
    if key == "held_on":
        return DAY
    if key in _RATES or key.endswith("_rate"):
        return RATIO
    if key in _DAYS:
        return DECIMAL
    return COUNT if key in _COUNTED else TEXT


def _keyed_sheet(
    title: str, keys: Sequence[str], headers: dict[str, tuple[str, str]], rows, codes: bool
) -> Sheet:
    return Sheet(
        title[:31],
        [SheetColumn(key if codes else headers[key][0], _figure_kind(key)) for key in keys],
        [[plain(row.get(key), codes) for key in keys] for row in rows],
    )


def funnel_table(rows: Sequence[dict[str, Any]], table: str, codes: bool) -> Sheet:
    """One of the funnel's tables (``crm.analytics.funnel.TABLES``), from its rows."""
    keys = funnel_figures.table_columns(table, codes)
    title = funnel_figures.TABLES[table][0]
    return _keyed_sheet(title, keys, funnel_figures.COLUMNS, rows, codes)


def partner_performance_table(rows: Sequence[dict[str, Any]], by: str, codes: bool) -> Sheet:
    """The partner table (``crm.analytics.partner_table``): totals or a breakdown."""
    keys = partner_figures.table_columns(by, codes)
    return _keyed_sheet("パートナー実績", keys, partner_figures.COLUMNS, rows, codes)
