"""人材還流: placements counted by where the hire lived before × the hub they were placed by.

Counted in the database from the counts kept on write (the ``origin`` dimension of
``placement_count``; the partial months from the rows), with the period, hubs, talent categories
and forms of engagement of the usual ``AnalyticsFilter``, scoped to the hubs the actor may read.
The origin is either the coarse area derived from the previous prefecture (``crm.areas``: 県内,
首都圏, 大阪圏, 名古屋圏, その他の地域, 不明) or the prefecture itself. A placement without a
previous prefecture is counted as 不明 (or by its older coarse residence), never dropped, so
the cells always sum to the placements of the period.

Net inflow of a prefecture: hires placed by its hub who lived in another prefecture before,
minus hires placed by the other counted hubs who lived in this prefecture before. Only the
counted hubs enter: a hub manager's map shows their own hub's inflow and, as negative values,
the prefectures their hires came from.
"""

from collections import Counter
from dataclasses import dataclass, field

from sqlmodel import Session

from crm.actor import Actor
from crm.analytics import counted
from crm.analytics.filters import AnalyticsFilter
from crm.areas import OriginArea, area_of
from crm.reference import PREFECTURES, Residence
from crm.summaries.tables import ORIGIN_RESIDENCE

AREA, PREFECTURE = "area", "prefecture"
UNKNOWN = OriginArea.UNKNOWN.value
AREA_ORDER = [area.value for area in OriginArea]


@dataclass(frozen=True)
class FlowTable:
    """Placements per (origin, hub). ``origins`` in display order, 不明 last."""

    by: str
    cells: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def hubs(self) -> list[str]:
        return sorted({hub for _, hub in self.cells})

    @property
    def origins(self) -> list[str]:
        present = {origin for origin, _ in self.cells}
        order = AREA_ORDER if self.by == AREA else [*PREFECTURES, UNKNOWN]
        return [origin for origin in order if origin in present]

    def count(self, origin: str, hub: str) -> int:
        return self.cells.get((origin, hub), 0)

    def hub_total(self, hub: str) -> int:
        return sum(n for (_, h), n in self.cells.items() if h == hub)

    def origin_total(self, origin: str) -> int:
        return sum(n for (o, _), n in self.cells.items() if o == origin)

    @property
    def total(self) -> int:
        return sum(self.cells.values())

    def origin_label(self, origin: str) -> str:
        """The Japanese name of an origin (a prefecture's name, never its code)."""
        return PREFECTURES[origin][0] if origin in PREFECTURES else origin


def origin_of(value: str, hub_code: str, by: str) -> str:
    """The origin (area or prefecture) of hires counted under ``value`` of the summary's
    ``origin`` dimension (``crm.summaries.tables``) for ``hub_code``."""
    prefecture = value if value and not value.startswith(ORIGIN_RESIDENCE) else None
    residence = value.removeprefix(ORIGIN_RESIDENCE) if prefecture is None and value else None
    if by == AREA:
        return area_of(prefecture, hub_code, residence).value
    if prefecture is not None:
        return prefecture
    # A row recorded before the prefecture with 県内 lived in the hub's own prefecture.
    return hub_code if residence == Residence.SAME_PREFECTURE.value else UNKNOWN


@dataclass(frozen=True)
class FlowTables:
    """The period's placements by origin area and by origin prefecture, from one read."""

    area: FlowTable
    prefecture: FlowTable

    def of(self, by: str) -> FlowTable:
        return self.area if by == AREA else self.prefecture


def flow_tables(session: Session, actor: Actor, filters: AnalyticsFilter) -> FlowTables:
    """Placements of the period per (origin, hub) at both origin levels: whole months from the
    counts kept on write, the partial months from the rows (``crm.analytics.counted``), read
    once; the levels are groupings of the same counts."""
    counts = counted.count(
        session, "placements", ("origin", "hub_code"), filters, filters.scope(actor)
    )
    levels: dict[str, Counter[tuple[str, str]]] = {AREA: Counter(), PREFECTURE: Counter()}
    for (value, hub), n in counts.items():
        for by, cells in levels.items():
            cells[(origin_of(str(value), str(hub), by), str(hub))] += n
    return FlowTables(
        area=FlowTable(AREA, dict(levels[AREA])),
        prefecture=FlowTable(PREFECTURE, dict(levels[PREFECTURE])),
    )


def flow_table(
    session: Session, actor: Actor, filters: AnalyticsFilter, by: str = AREA
) -> FlowTable:
    """Placements of the period per (origin area or prefecture, hub)."""
    if by not in (AREA, PREFECTURE):
        raise ValueError(f"unknown origin level: {by}")
    return flow_tables(session, actor, filters).of(by)


def net_inflow(table: FlowTable) -> dict[str, int]:
    """Net inflow per prefecture from a prefecture-level table (0 for prefectures not seen).
    Hires from the same prefecture and of unknown origin move nothing."""
    if table.by != PREFECTURE:
        raise ValueError("net inflow needs the table by prefecture")
    net = dict.fromkeys(PREFECTURES, 0)
    for (origin, hub), n in table.cells.items():
        if origin == hub or origin not in PREFECTURES:
            continue
        net[hub] += n
        net[origin] -= n
    return net


def hub_name(code: str) -> str:
    return PREFECTURES[code][0] if code in PREFECTURES else code


def cell_rows(table: FlowTable) -> list[dict]:
    """One row per non-empty (origin, hub) in display order: names, codes and the count."""
    order = {origin: i for i, origin in enumerate(table.origins)}
    return [
        {
            "origin_code": origin if origin in PREFECTURES else None,
            "origin": table.origin_label(origin),
            "hub_code": hub,
            "hub": hub_name(hub),
            "placements": n,
        }
        for (origin, hub), n in sorted(table.cells.items(), key=lambda c: (c[0][1], order[c[0][0]]))
    ]


def matrix(table: FlowTable) -> tuple[list[str], list[list]]:
    """The table as shown and reported: one row per hub (its name), one column per origin
    (names), then 計; a last row 全国計 (the sum of the hubs, checked by the tests)."""
    origins = table.origins
    header = ["拠点", *(table.origin_label(o) for o in origins), "計"]
    body: list[list] = [
        [hub_name(hub), *(table.count(o, hub) for o in origins), table.hub_total(hub)]
        for hub in table.hubs
    ]
    body.append(["全国計", *(table.origin_total(o) for o in origins), table.total])
    return header, body


def net_rows(table: FlowTable) -> list[dict]:
    """Per prefecture (names, in JIS order): inflow from other prefectures, outflow to the
    counted hubs, and the net. Prefectures with no movement are left out."""
    inflow = dict.fromkeys(PREFECTURES, 0)
    outflow = dict.fromkeys(PREFECTURES, 0)
    for (origin, hub), n in table.cells.items():
        if origin != hub and origin in PREFECTURES:
            inflow[hub] += n
            outflow[origin] += n
    net = net_inflow(table)
    return [
        {
            "prefecture_code": code,
            "prefecture": PREFECTURES[code][0],
            "inflow": inflow[code],
            "outflow": outflow[code],
            "net": net[code],
        }
        for code in PREFECTURES
        if inflow[code] or outflow[code]
    ]
