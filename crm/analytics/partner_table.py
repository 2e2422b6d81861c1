"""The partner table (パートナー実績): how each partner did with the needs referred to it, so that
a hub can choose where to send a need. Counted in the database for a scope (a hub, a block, the
country: ``AnalyticsFilter.scope``; a hub manager reads their hub, the secretariat any scope, a
partner nothing) and a period.

Per partner, over the referrals it **received in the period** (``Referral.referred_on`` within
the period, in the hubs in scope; the filter's talent categories and forms of engagement are the
referred need's):

- **referrals received** (紹介件数): those referrals;
- **reported on time** (期限内の報告): referrals whose first progress report by the partner
  (``ReferralReport.reported_on``, the earliest) came within 7 days of ``referred_on``
  (``ON_TIME_DAYS``); a referral without any report is not on time. The share is given only
  for a partner that reported at least once (one that reports nothing through the CRM has no
  share, rather than 0%);
- **placements** (成約件数): placements naming that partner (``Placement.partner_id``) on the
  needs it was referred, made on or after its first referral of that need, whenever they came
  (also after the period: the referrals are the cohort followed);
- **conversion** (成約率): the referrals that led to at least one such placement ÷ referrals
  received, so at most 100% (a need for several people filled twice by one partner is one
  referral that led to placements; the placements column counts both hires);
- **median days to placement** (紹介から成約までの日数): from the partner's first referral of the
  need to the placement (a median over a distribution grouped in SQL, as
  ``crm.analytics.national``).

The same figures by talent category and by form of engagement (the need's) are breakdowns of
the same referrals, so a partner's rows add up to its total.
"""

from collections import defaultdict
from dataclasses import dataclass, replace

from sqlalchemy import Select, and_, case, func, select
from sqlmodel import Session, col

from crm.actor import Actor
from crm.analytics.filters import AnalyticsFilter
from crm.analytics.national import median_from_histogram
from crm.analytics.sql import days_between
from crm.models import Partner, Placement, Referral, ReferralReport, TalentCategory, TalentNeed
from crm.reference import Engagement, PartnerKind

ON_TIME_DAYS = 7
ON_TIME_RULE = (
    f"期限内の報告: 紹介日から{ON_TIME_DAYS}日以内にパートナーから最初の進捗報告があった紹介"
)
TOTAL, CATEGORY, ENGAGEMENT = "total", "category", "engagement"
UNKNOWN = "不明"
RANKED_FROM = 10  # referrals a partner needs to be ranked by its rates


@dataclass(frozen=True)
class PartnerRow:
    partner_id: int
    partner_name: str
    partner_kind: str | None  # PartnerKind code
    referrals: int
    reported_on_time: int
    placements: int
    median_days: float | None
    timed: int  # placements the median is taken over (all of them)
    placed_referrals: int = 0  # referrals (partner, need) that led to a placement
    reported: int = 0  # referrals the partner reported on at least once (through the portal)
    # The breakdown's key (None in the totals): a category id or an engagement code.
    key: int | str | None = None
    key_label: str = ""

    @property
    def kind_label(self) -> str:
        return PartnerKind.labels().get(self.partner_kind or "", self.partner_kind or "")

    @property
    def on_time_share(self) -> float | None:
        """Of the referrals received, those reported on within the week; None for a partner
        that reports nothing through the CRM (it has no account, or the hub shares nothing)."""
        return self.reported_on_time / self.referrals if self.referrals and self.reported else None

    @property
    def conversion(self) -> float | None:
        return (
            min(self.placed_referrals, self.referrals) / self.referrals if self.referrals else None
        )


@dataclass(frozen=True)
class PartnerTable:
    filters: AnalyticsFilter
    rows: tuple[PartnerRow, ...]  # one per partner, best first
    by_category: tuple[PartnerRow, ...]
    by_engagement: tuple[PartnerRow, ...]


def _received(filters: AnalyticsFilter, scope: list[str] | None, dimension):
    """The period's referrals with their on-time flag and the breakdown's key, a subquery."""
    first_report = (
        select(func.min(col(ReferralReport.reported_on)))
        .where(col(ReferralReport.referral_id) == col(Referral.id))
        .correlate(Referral)
        .scalar_subquery()
    )
    on_time = case(
        (
            and_(
                first_report.is_not(None),
                days_between(first_report, Referral.referred_on) <= ON_TIME_DAYS,
            ),
            1,
        ),
        else_=0,
    )
    statement: Select = (
        select(
            col(Referral.id).label("referral_id"),
            col(Referral.partner_id).label("partner_id"),
            col(Referral.need_id).label("need_id"),
            col(Referral.referred_on).label("referred_on"),
            dimension.label("dim"),
            on_time.label("on_time"),
        )
        .select_from(Referral)
        .join(TalentNeed, col(TalentNeed.id) == col(Referral.need_id))
    )
    if scope is not None:
        statement = statement.where(col(Referral.hub_code).in_(scope))
    if filters.since is not None:
        statement = statement.where(col(Referral.referred_on) >= filters.since)
    if filters.until is not None:
        statement = statement.where(col(Referral.referred_on) <= filters.until)
    if filters.category_ids:
        statement = statement.where(col(TalentNeed.category_id).in_(filters.category_ids))
    if filters.engagements:
        statement = statement.where(col(TalentNeed.engagement).in_(filters.engagements))
    return statement.add_columns(
        case((first_report.is_not(None), 1), else_=0).label("reported")
    ).subquery("received")


Key = tuple[int, object]


def _figures(
    session: Session, filters: AnalyticsFilter, scope: list[str] | None, dimension
) -> tuple[dict[Key, tuple[int, int, int, int]], dict[Key, list[tuple[int, int]]]]:
    """Per (partner, key): referrals, on time, referrals placed and the days histogram."""
    received = _received(filters, scope, dimension)
    led_to_placement = (
        select(col(Placement.id))
        .where(
            col(Placement.need_id) == received.c.need_id,
            col(Placement.partner_id) == received.c.partner_id,
            col(Placement.placed_on) >= received.c.referred_on,
        )
        .exists()
    )
    counts: dict[Key, tuple[int, int, int, int]] = {
        (int(p), d): (int(n), int(on_time or 0), int(placed or 0), int(reported or 0))
        for p, d, n, on_time, placed, reported in session.execute(
            select(
                received.c.partner_id,
                received.c.dim,
                func.count(),
                func.sum(received.c.on_time),
                func.sum(case((led_to_placement, 1), else_=0)),
                func.sum(received.c.reported),
            ).group_by(received.c.partner_id, received.c.dim)
        ).all()
    }
    # One row per (partner, need) referred: the partner's first referral of the need.
    pairs = (
        select(
            received.c.partner_id,
            received.c.need_id,
            received.c.dim,
            func.min(received.c.referred_on).label("first_on"),
        )
        .group_by(received.c.partner_id, received.c.need_id, received.c.dim)
        .subquery("pairs")
    )
    placed = (
        select(
            pairs.c.partner_id,
            pairs.c.dim,
            days_between(col(Placement.placed_on), pairs.c.first_on).label("days"),
        )
        .select_from(pairs)
        .join(
            Placement,
            and_(
                col(Placement.need_id) == pairs.c.need_id,
                col(Placement.partner_id) == pairs.c.partner_id,
                col(Placement.placed_on) >= pairs.c.first_on,
            ),
        )
        .subquery("placed")
    )
    histograms: dict[Key, list[tuple[int, int]]] = defaultdict(list)
    for p, d, days, n in session.execute(
        select(placed.c.partner_id, placed.c.dim, placed.c.days, func.count()).group_by(
            placed.c.partner_id, placed.c.dim, placed.c.days
        )
    ).all():
        histograms[(int(p), d)].append((int(days), int(n)))
    return counts, histograms


def _rows(
    counts: dict[Key, tuple[int, int, int, int]],
    histograms: dict[Key, list[tuple[int, int]]],
    partners: dict[int, tuple[str, str | None]],
    key_label,
) -> list[PartnerRow]:
    rows = []
    for (partner_id, key), (referrals, on_time, placed_referrals, reported) in counts.items():
        histogram = histograms.get((partner_id, key), [])
        name, kind = partners.get(partner_id, (UNKNOWN, None))
        rows.append(
            PartnerRow(
                partner_id=partner_id,
                partner_name=name,
                partner_kind=kind,
                referrals=referrals,
                reported_on_time=on_time,
                placements=sum(n for _, n in histogram),
                median_days=median_from_histogram(histogram),
                timed=sum(n for _, n in histogram),
                placed_referrals=placed_referrals,
                reported=reported,
                key=key,  # type: ignore[arg-type]
                key_label=key_label(key),
            )
        )
    return rows


def _ranked(row: PartnerRow) -> tuple:
    """Best first: conversion, then placements, then reports on time, then referrals; a
    partner with fewer than ``RANKED_FROM`` referrals after every one with more (a rate of
    three referrals says little about the next need)."""
    return (
        row.referrals < RANKED_FROM,
        -(row.conversion or 0),
        -row.placements,
        -(row.on_time_share or 0),
        -row.referrals,
        row.partner_name,
    )


def partner_table(
    session: Session, actor: Actor, filters: AnalyticsFilter | None = None
) -> PartnerTable:
    """The partner table for the hubs ``filters`` selects that ``actor`` may read (another
    hub's is refused, PermissionDenied; a partner is refused)."""
    filters = filters or AnalyticsFilter()
    scope = filters.scope(actor)
    partners: dict[int, tuple[str, str | None]] = {
        int(i): (str(name), kind)
        for i, name, kind in session.execute(
            select(col(Partner.id), col(Partner.name), col(Partner.kind))
        ).all()
    }
    categories: dict[int, str] = dict(
        session.execute(select(col(TalentCategory.id), col(TalentCategory.name_ja))).all()
    )
    order = {
        int(i): n
        for n, (i,) in enumerate(
            session.execute(
                select(col(TalentCategory.id)).order_by(
                    col(TalentCategory.sort_order), col(TalentCategory.id)
                )
            ).all()
        )
    }
    engagements = Engagement.labels()
    engagement_order = {code: n for n, code in enumerate(engagements)}

    # The totals group by the partner alone (its id stands in for the breakdown's key).
    total = _rows(
        *_figures(session, filters, scope, col(Referral.partner_id)), partners, lambda _: ""
    )
    total = [replace(row, key=None) for row in total]
    total.sort(key=_ranked)
    rank = {row.partner_id: n for n, row in enumerate(total)}

    by_category = _rows(
        *_figures(session, filters, scope, col(TalentNeed.category_id)),
        partners,
        lambda key: str(categories.get(key, UNKNOWN)),
    )
    by_category.sort(key=lambda r: (rank.get(r.partner_id, 0), order.get(int(r.key or 0), 10**6)))
    by_engagement = _rows(
        *_figures(session, filters, scope, col(TalentNeed.engagement)),
        partners,
        lambda key: engagements.get(key, UNKNOWN),
    )
    by_engagement.sort(
        key=lambda r: (rank.get(r.partner_id, 0), engagement_order.get(str(r.key), 10**6))
    )
    return PartnerTable(filters, tuple(total), tuple(by_category), tuple(by_engagement))


# --- the table as files and pages read it -------------------------------------------------------

# Column key -> (Japanese header, shown: "code" only with codes, "label" only with labels,
# "both"). Rates are ratios (0–1).
COLUMNS: dict[str, tuple[str, str]] = {
    "partner_id": ("パートナーID", "code"),
    "partner": ("パートナー", "both"),
    "partner_kind": ("パートナーの種類コード", "code"),
    "partner_kind_label": ("パートナーの種類", "label"),
    "category_id": ("人材区分ID", "code"),
    "category": ("人材区分", "label"),
    "engagement": ("採用形態コード", "code"),
    "engagement_label": ("採用形態", "label"),
    "referrals": ("紹介件数", "both"),
    "reported_on_time": ("期限内の報告", "both"),
    "on_time_rate": ("期限内報告率", "both"),
    "placements": ("成約件数", "both"),
    "placed_referrals": ("成約に至った紹介", "both"),
    "conversion": ("成約率", "both"),
    "median_days": ("紹介から成約までの日数（中央値）", "both"),
}
BREAKDOWNS = {
    TOTAL: [],
    CATEGORY: ["category_id", "category"],
    ENGAGEMENT: ["engagement", "engagement_label"],
}
FIGURES = [
    "referrals",
    "reported_on_time",
    "on_time_rate",
    "placements",
    "placed_referrals",
    "conversion",
    "median_days",
]


def table_rows(table: PartnerTable, by: str = TOTAL) -> list[dict]:
    """The totals (``by`` TOTAL) or a breakdown as rows keyed by ``COLUMNS``."""
    rows = {TOTAL: table.rows, CATEGORY: table.by_category, ENGAGEMENT: table.by_engagement}[by]
    found = []
    for row in rows:
        values = {
            "partner_id": row.partner_id,
            "partner": row.partner_name,
            "partner_kind": row.partner_kind,
            "partner_kind_label": row.kind_label,
            "referrals": row.referrals,
            "reported_on_time": row.reported_on_time,
            "on_time_rate": row.on_time_share,
            "placements": row.placements,
            "placed_referrals": row.placed_referrals,
            "conversion": row.conversion,
            "median_days": row.median_days,
        }
        if by == CATEGORY:
            values |= {"category_id": row.key, "category": row.key_label}
        elif by == ENGAGEMENT:
            values |= {"engagement": row.key, "engagement_label": row.key_label}
        found.append(values)
    return found


def table_columns(by: str, codes: bool) -> list[str]:
    hidden = "label" if codes else "code"
    keys = [
        "partner_id",
        "partner",
        "partner_kind",
        "partner_kind_label",
        *BREAKDOWNS[by],
        *FIGURES,
    ]
    return [key for key in keys if COLUMNS[key][1] != hidden]
