"""Yearly targets (KPI) per hub: proposed, set and approved.

A hub manager proposes their own hub's targets (status ``proposed``) and may revise them until
they are approved; the secretariat sets targets outright or approves a proposal (status
``approved``). Progress against them is analytics: ``crm.analytics.targets``.
"""

from pydantic import BaseModel, Field
from sqlmodel import Session, select

from crm.actor import Actor
from crm.errors import PermissionDenied, StaleVersion, ValidationError
from crm.models import Hub, KpiTarget, Notification, stored_id
from crm.reference import Role
from crm.services.base import create_row, get_scoped, scope_filter, update_row
from crm.services.notifications import notice
from crm.targets import APPROVED, FIRST_FISCAL_YEAR, MAX_TARGET, PROPOSED
from crm.timeutil import fiscal_year, today_jst, utcnow
from crm.validation import parse_input


class TargetInput(BaseModel):
    hub_code: str = Field(min_length=2, max_length=2)
    fiscal_year: int
    consultations: int = Field(ge=0)
    placements: int = Field(ge=0)


def validated_target(session: Session, data: dict) -> TargetInput:
    """The target's values, or ValidationError (field -> reason): the page and a restore."""
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
    values = validated_target(session, data)
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
    values = validated_target(session, data)
    approved_at = utcnow()
    target = _existing(session, values.hub_code, values.fiscal_year)
    if target is None:
        return create_row(
            session,
            actor,
            KpiTarget(
                **values.model_dump(),
                status=APPROVED,
                approved_by=actor.user_id,
                approved_at=approved_at,
            ),
        )
    approval = {"status": APPROVED, "approved_by": actor.user_id, "approved_at": approved_at}
    proposed = target.status != APPROVED
    changed = update_row(
        session,
        actor,
        target,
        {"consultations": values.consultations, "placements": values.placements, **approval},
        _require_version(target, expected_version),
    )
    _tell_proposer(
        session, actor, changed, "を修正のうえ承認しました" if proposed else "を変更しました"
    )
    return changed


def approve_target(
    session: Session, actor: Actor, target_id: int, expected_version: int
) -> KpiTarget:
    """The secretariat approves a hub manager's proposal as it stands."""
    actor.require_role(Role.SECRETARIAT)
    target = get_target(session, actor, target_id)
    if target.status == APPROVED:
        raise ValidationError({"status": "この目標は既に承認済みです"})
    approved = update_row(
        session,
        actor,
        target,
        {"status": APPROVED, "approved_by": actor.user_id, "approved_at": utcnow()},
        expected_version,
    )
    _tell_proposer(session, actor, approved, "を承認しました")
    return approved


def _tell_proposer(session: Session, actor: Actor, target: KpiTarget, what: str) -> None:
    """The hub manager who proposed the target hears what the secretariat did with it."""
    told = notice(
        session,
        actor,
        target.created_by,
        kind="target",
        entity="kpi_target",
        record_id=stored_id(target.id),
        hub_code=target.hub_code,
        text=f"全国事務局が{target.fiscal_year}年度の目標（相談 {target.consultations:,}件・"
        f"成約 {target.placements:,}件）{what}。",
    )
    if told is not None:
        create_row(session, actor, Notification(**told))


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


def find_target(session: Session, actor: Actor, hub_code: str, fy: int) -> KpiTarget | None:
    """The hub's target for fiscal year ``fy``, if any (the actor must be able to read the hub)."""
    actor.require_read(hub_code)
    return _existing(session, hub_code, fy)
