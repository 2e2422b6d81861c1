"""Placements by category, engagement, industry, age band, previous residence and partner;
consultations by channel. Each is one GROUP BY in the database."""

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlmodel import Session, col

from crm.actor import Actor
from crm.analytics import counted
from crm.analytics.filters import AnalyticsFilter
from crm.models import Partner, TalentCategory
from crm.reference import JSIC_DIVISIONS, AgeBand, Channel, Engagement, Residence
from crm.vocabulary import term

NOT_RECORDED = "未記録"


class Dimension(StrEnum):
    CATEGORY = "category"
    ENGAGEMENT = "engagement"
    INDUSTRY = "industry"
    AGE_BAND = "age_band"
    RESIDENCE = "residence"
    PARTNER = "partner"
    CHANNEL = "channel"


# What the key column is called on a page: the field's term (crm.vocabulary).
KEY_LABELS: dict[Dimension, str] = {
    Dimension.CATEGORY: term("category"),
    Dimension.ENGAGEMENT: term("engagement"),
    Dimension.INDUSTRY: term("industry"),
    Dimension.AGE_BAND: term("age_band"),
    Dimension.RESIDENCE: term("previous_residence"),
    Dimension.PARTNER: term("partner"),
    Dimension.CHANNEL: term("channel"),
}
# Japanese titles, in the order the pages show them.
TITLES: dict[Dimension, str] = {
    dimension: f"{label}別の{'相談件数' if dimension == Dimension.CHANNEL else '成約件数'}"
    for dimension, label in KEY_LABELS.items()
}


@dataclass(frozen=True)
class BreakdownRow:
    key: str | None  # stored code (None: not recorded)
    label: str
    count: int


@dataclass(frozen=True)
class Breakdown:
    dimension: Dimension
    rows: tuple[BreakdownRow, ...]

    @property
    def title(self) -> str:
        return TITLES[self.dimension]

    @property
    def key_label(self) -> str:
        return KEY_LABELS[self.dimension]

    @property
    def measure(self) -> str:
        return "相談件数" if self.dimension == Dimension.CHANNEL else "成約件数"

    @property
    def total(self) -> int:
        return sum(row.count for row in self.rows)


def _enum_rows(counts: dict[str | None, int], enum_type) -> tuple[BreakdownRow, ...]:
    """Every member in the enum's order (zeros included), then unknown codes, then NULLs."""
    labels = enum_type.labels()
    rows = [BreakdownRow(code, label, counts.get(code, 0)) for code, label in labels.items()]
    rows += [
        BreakdownRow(code, code, n)
        for code, n in sorted(
            ((c, n) for c, n in counts.items() if c is not None and c not in labels)
        )
    ]
    if counts.get(None):
        rows.append(BreakdownRow(None, NOT_RECORDED, counts[None]))
    return tuple(rows)


def breakdown(
    session: Session,
    actor: Actor,
    dimension: Dimension | str,
    filters: AnalyticsFilter | None = None,
) -> Breakdown:
    dimension = Dimension(dimension)
    filters = filters or AnalyticsFilter()
    scope = filters.scope(actor)

    def grouped(fact: counted.Fact, name: str) -> dict[str | None, int]:
        """Counts by the stored value (None: not recorded), from the counts kept on write."""
        found = counted.count(session, fact, (name,), filters, scope)
        return {(None if value == "" else value): n for (value,), n in found.items()}

    if dimension == Dimension.CHANNEL:
        return Breakdown(dimension, _enum_rows(grouped("consultations", "channel"), Channel))

    if dimension in (Dimension.ENGAGEMENT, Dimension.AGE_BAND, Dimension.RESIDENCE):
        name, enum_type = {
            Dimension.ENGAGEMENT: ("engagement", Engagement),
            Dimension.AGE_BAND: ("age_band", AgeBand),
            Dimension.RESIDENCE: ("residence", Residence),
        }[dimension]
        return Breakdown(dimension, _enum_rows(grouped("placements", name), enum_type))

    if dimension == Dimension.CATEGORY:
        counts = grouped("placements", "category_id")
        categories = session.execute(
            select(
                col(TalentCategory.id), col(TalentCategory.name_ja), col(TalentCategory.active)
            ).order_by(col(TalentCategory.sort_order), col(TalentCategory.id))
        ).all()
        rows = [
            BreakdownRow(str(cid), name, counts.get(cid, 0))
            for cid, name, active in categories
            if active or counts.get(cid)
        ]
        return Breakdown(dimension, tuple(rows))

    if dimension == Dimension.INDUSTRY:
        counts = grouped("placements", "industry")
        rows = [
            BreakdownRow(code, JSIC_DIVISIONS.get(code, code), n)
            for code, n in sorted((c, n) for c, n in counts.items() if c is not None)
        ]
        if counts.get(None):
            rows.append(BreakdownRow(None, NOT_RECORDED, counts[None]))
        return Breakdown(dimension, tuple(rows))

    # Partner: the agency or body that placed the hire; busiest first.
    counts = grouped("placements", "partner")
    ids = [int(key) for key in counts if key is not None]
    named = select(col(Partner.id), col(Partner.name)).where(col(Partner.id).in_(ids))
    names: dict[int, str] = {int(i): str(n) for i, n in session.execute(named).all()}
    rows = sorted(
        (
            BreakdownRow(key, NOT_RECORDED if key is None else names.get(int(key), key), n)
            for key, n in counts.items()
        ),
        key=lambda row: (row.key is None, -row.count, row.label),
    )
    return Breakdown(dimension, tuple(rows))


def all_breakdowns(
    session: Session, actor: Actor, filters: AnalyticsFilter | None = None
) -> list[Breakdown]:
    return [breakdown(session, actor, dimension, filters) for dimension in Dimension]
