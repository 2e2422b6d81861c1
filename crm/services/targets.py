"""Yearly targets (KPI) per hub and the PDCA check against them.

A hub manager proposes their own hub's targets (status ``proposed``) and may revise them until
they are approved; the secretariat sets targets outright or approves a proposal (status
``approved``). Progress compares the fiscal year's counts so far with the approved target
pro-rated by the share of the fiscal year that has elapsed.
"""

import datetime as dt
from dataclasses import dataclass

from pydantic import BaseModel, Field
from sqlmodel import Session, select

from crm.actor import Actor
from crm.analytics.filters import AnalyticsFilter
from crm.analytics.summary import counts_by_hub
from crm.errors import PermissionDenied, StaleVersion, ValidationError
from crm.models import Hub, KpiTarget
from crm.reference import Role
from crm.services.base import create_row, get_scoped, scope_filter, update_row
from crm.timeutil import fiscal_year, fiscal_year_bounds, today_jst, utcnow
from crm.validation import parse_input

PROPOSED = "proposed"
APPROVED = "approved"
STATUS_LABELS = {PROPOSED: "提案中（承認待ち）", APPROVED: "承認済み"}
# The programme began in January 2016 (FY2015).
FIRST_FISCAL_YEAR = 2015
# Far above any hub's year (the whole programme does about 10,000 consultations a year).
MAX_TARGET = 1_000_000


class TargetInput(BaseModel):
    hub_code: str = Field(min_length=2, max_length=2)
    fiscal_year: int
    consultations: int = Field(ge=0)
    placements: int = Field(ge=0)


def _validated(session: Session, data: dict) -> TargetInput:
    values = parse_input(TargetInput, data)
    errors: dict[str, str] = {}
    hub = session.get(Hub, values.hub_code)
    if hub is None or not hub.active:
        errors["hub_code"] = f"拠点コード {values.hub_code} の拠点はありません"
    last = fiscal_year(today_jst()) + 1
    if not FIRST_FISCAL_YEAR <= values.fiscal_year <= last:
        errors["fiscal_year"] = f"年度は{FIRST_FISCAL_YEAR}〜{last}年度の範囲で入力してください"
    for name in ("consultations", "placements"):
        if getattr(values, name) > MAX_TARGET:
            errors[name] = f"{MAX_TARGET:,}以下で入力してください"
    if errors:
        raise ValidationError(errors)
    return values


def _existing(session: Session, hub_code: str, fy: int) -> KpiTarget | None:
    return session.exec(
        select(KpiTarget).where(KpiTarget.hub_code == hub_code, KpiTarget.fiscal_year == fy)
    ).first()


def _require_version(target: KpiTarget, expected_version: int | None) -> int:
    # Someone else created or changed the target after this user looked: show them, not overwrite.
    if expected_version is None:
        raise StaleVersion("kpi_target", target.version, {})
    return expected_version


def propose_target(
    session: Session, actor: Actor, data: dict, expected_version: int | None = None
) -> KpiTarget:
    """A hub manager proposes (or revises a not yet approved proposal for) their own hub.

    ``data``: hub_code, fiscal_year, consultations, placements. ``expected_version`` is the
    version read when revising an existing proposal (None when none existed)."""
    actor.require_role(Role.HUB_MANAGER)
    values = _validated(session, data)
    actor.require_write(values.hub_code)
    target = _existing(session, values.hub_code, values.fiscal_year)
    if target is None:
        return create_row(session, actor, KpiTarget(**values.model_dump(), status=PROPOSED))
    if target.status == APPROVED:
        raise PermissionDenied(
            f"{values.fiscal_year}年度の目標は承認済みです。変更は全国事務局に依頼してください。"
        )
    return update_row(
        session,
        actor,
        target,
        {"consultations": values.consultations, "placements": values.placements},
        _require_version(target, expected_version),
    )


def set_target(
    session: Session, actor: Actor, data: dict, expected_version: int | None = None
) -> KpiTarget:
    """The secretariat sets a hub's targets for a fiscal year; they count as approved."""
    actor.require_role(Role.SECRETARIAT)
    values = _validated(session, data)
    approval = {"status": APPROVED, "approved_by": actor.user_id, "approved_at": utcnow()}
    target = _existing(session, values.hub_code, values.fiscal_year)
    if target is None:
        return create_row(session, actor, KpiTarget(**values.model_dump(), **approval))
    return update_row(
        session,
        actor,
        target,
        {"consultations": values.consultations, "placements": values.placements, **approval},
        _require_version(target, expected_version),
    )


def approve_target(
    session: Session, actor: Actor, target_id: int, expected_version: int
) -> KpiTarget:
    """The secretariat approves a hub manager's proposal as it stands."""
    actor.require_role(Role.SECRETARIAT)
    target = get_target(session, actor, target_id)
    if target.status == APPROVED:
        raise ValidationError({"status": "この目標は既に承認済みです"})
    return update_row(
        session,
        actor,
        target,
        {"status": APPROVED, "approved_by": actor.user_id, "approved_at": utcnow()},
        expected_version,
    )


def get_target(session: Session, actor: Actor, target_id: int) -> KpiTarget:
    return get_scoped(session, actor, KpiTarget, target_id)


def list_targets(
    session: Session, actor: Actor, fiscal_year: int | None = None, status: str | None = None
) -> list[KpiTarget]:
    """Targets the actor may read (a hub manager: their own hub's), by fiscal year and hub."""
    statement = scope_filter(select(KpiTarget), actor, KpiTarget.hub_code)
    if fiscal_year is not None:
        statement = statement.where(KpiTarget.fiscal_year == fiscal_year)
    if status is not None:
        statement = statement.where(KpiTarget.status == status)
    newest_first = KpiTarget.fiscal_year.desc()  # type: ignore[attr-defined]
    return list(session.exec(statement.order_by(newest_first, KpiTarget.hub_code)).all())


# --- progress (PDCA) ------------------------------------------------------------------------


def elapsed_share(fy: int, as_of: dt.date) -> float:
    """Share of fiscal year ``fy`` elapsed by the end of ``as_of`` (0 before it, 1 after)."""
    start, end = fiscal_year_bounds(fy)
    if as_of < start:
        return 0.0
    if as_of >= end:
        return 1.0
    return ((as_of - start).days + 1) / ((end - start).days + 1)


@dataclass(frozen=True)
class TargetProgress:
    hub_code: str
    fiscal_year: int
    as_of: dt.date
    elapsed_share: float
    consultations: int  # fiscal year to date
    placements: int
    target_id: int | None = None
    target_version: int | None = None
    target_status: str | None = None
    target_consultations: int | None = None
    target_placements: int | None = None

    @property
    def approved(self) -> bool:
        return self.target_status == APPROVED

    def _expected(self, target: int | None) -> float | None:
        return None if target is None or not self.approved else target * self.elapsed_share

    @property
    def expected_consultations(self) -> float | None:
        """The approved target pro-rated to ``as_of`` (None without an approved target)."""
        return self._expected(self.target_consultations)

    @property
    def expected_placements(self) -> float | None:
        return self._expected(self.target_placements)

    @staticmethod
    def _ratio(actual: int, expected: float | None) -> float | None:
        return None if not expected else actual / expected

    @property
    def consultation_progress(self) -> float | None:
        """Actual against the pro-rated target (1.0 = on track)."""
        return self._ratio(self.consultations, self.expected_consultations)

    @property
    def placement_progress(self) -> float | None:
        return self._ratio(self.placements, self.expected_placements)

    @property
    def behind_consultations(self) -> bool:
        expected = self.expected_consultations
        return expected is not None and self.consultations < expected

    @property
    def behind_placements(self) -> bool:
        expected = self.expected_placements
        return expected is not None and self.placements < expected

    @property
    def behind(self) -> bool:
        return self.behind_consultations or self.behind_placements


def target_progress(
    session: Session,
    actor: Actor,
    fy: int | None = None,
    as_of: dt.date | None = None,
    filters: AnalyticsFilter | None = None,
) -> list[TargetProgress]:
    """One row per active hub the actor may read (within the filter's blocks/hubs): counts of
    fiscal year ``fy`` up to ``as_of`` (default today, JST) against its target."""
    as_of = as_of or today_jst()
    fy = fiscal_year(as_of) if fy is None else fy
    start, end = fiscal_year_bounds(fy)
    period = AnalyticsFilter(
        since=start,
        until=min(max(as_of, start), end),
        blocks=filters.blocks if filters else (),
        hubs=filters.hubs if filters else (),
    )
    scope = period.scope(actor)
    counts = counts_by_hub(session, actor, period) if as_of >= start else {}
    hubs = session.exec(select(Hub.code).where(Hub.active).order_by(Hub.code)).all()
    targets = {t.hub_code: t for t in list_targets(session, actor, fiscal_year=fy)}
    share = elapsed_share(fy, as_of)
    rows = []
    for code in hubs:
        if scope is not None and code not in scope:
            continue
        done, target = counts.get(code), targets.get(code)
        rows.append(
            TargetProgress(
                hub_code=code,
                fiscal_year=fy,
                as_of=as_of,
                elapsed_share=share,
                consultations=done.consultations if done else 0,
                placements=done.placements if done else 0,
                target_id=target.id if target else None,
                target_version=target.version if target else None,
                target_status=target.status if target else None,
                target_consultations=target.consultations if target else None,
                target_placements=target.placements if target else None,
            )
        )
    return rows


def find_target(session: Session, actor: Actor, hub_code: str, fy: int) -> KpiTarget | None:
    """The hub's target for fiscal year ``fy``, if any (the actor must be able to read the hub)."""
    actor.require_read(hub_code)
    return _existing(session, hub_code, fy)
