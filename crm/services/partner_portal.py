"""Partners in the loop (issue 28, item 1): a hub shares a referral with the partner it was
handed to, the partner's people report its progress, and the hub confirms a reported placement,
which then becomes the placement through the shared write layer (``record_placement``).

Two sides, each refusing the other:

- the hub side (``share_referral``, ``unshare_referral``, ``set_partner_notes``,
  ``reported_placements``, ``confirm_placement``) is for the manager of the referral's hub;
- the partner side (``my_referrals``, ``count_my_referrals``, ``my_referral``,
  ``report_progress``) is for a partner's accounts, and reaches only the referrals handed to
  their organisation that the hub shared. Any other referral is "not found", in the same words
  whether it exists or not. What a partner reads is a ``SharedReferral``: only what the hub
  shares (never a company id, a contact, the need's own notes, another referral or a figure).

A partner writes no free text: a report is a stage, a count, a coded reason and a date
(``ReferralReport``), so there is no field in which a candidate's personal data could be put.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from crm import rules
from crm.actor import Actor
from crm.auth.sessions import require_live
from crm.errors import NotFound, PermissionDenied, ValidationError
from crm.models import (
    Company,
    Notification,
    Partner,
    Placement,
    Referral,
    ReferralReport,
    TalentCategory,
    TalentNeed,
    UserAccount,
    stored_id,
)
from crm.reference import (
    JSIC_DIVISIONS,
    PREFECTURES,
    DeclineReason,
    Engagement,
    ReferralOutcome,
    ReferralStage,
    Role,
    SalaryBand,
)
from crm.services.base import get_scoped, update_row
from crm.services.merge import require_not_merged
from crm.services.notifications import notice
from crm.services.placements import record_placement
from crm.timeutil import today_jst, utcnow
from crm.validation import clean_typed_text
from crm.writes import Plan, apply

KIND = "partner"  # the notifications' kind (お知らせ)
MAX_CANDIDATES = 999
PAGE = 50

# A referral's stage as the partner reports it → the referral's outcome (placed waits for the
# hub's confirmation; received leaves the outcome as it is).
OUTCOME_OF_STAGE = {
    ReferralStage.PRESENTING.value: ReferralOutcome.CANDIDATES.value,
    ReferralStage.INTERVIEWING.value: ReferralOutcome.CANDIDATES.value,
    ReferralStage.OFFERED.value: ReferralOutcome.CANDIDATES.value,
    ReferralStage.DECLINED.value: ReferralOutcome.NO_MATCH.value,
}

# Firm sizes in an anonymised label (never the exact head count).
SIZE_BANDS = ((10, "10人未満"), (30, "10〜29人"), (50, "30〜49人"), (100, "50〜99人"))
SIZE_BANDS_LARGE = ((300, "100〜299人"), (1000, "300〜999人"))

PARTNERS_ONLY = "この画面はパートナーの方だけが利用できます。"


# --- what a partner reads ----------------------------------------------------------------------


@dataclass(frozen=True)
class SharedReferral:
    """One referral as its partner sees it: only what the hub shares."""

    referral_id: int
    version: int
    referred_on: dt.date
    hub_name: str  # the hub's prefecture (山形県)
    firm: str  # the firm's name, or an anonymised label when the hub keeps the name
    firm_named: bool
    category: str
    role_title: str
    engagement: str  # label
    salary_band: str  # label ("" when not set)
    headcount: int
    partner_notes: str  # パートナー向けメモ
    stage: str | None  # ReferralStage value of the latest report (None: nothing reported)
    candidate_count: int | None
    decline_reason: str | None  # DeclineReason value
    reported_placed_on: dt.date | None
    placement_confirmed: bool

    @property
    def stage_label(self) -> str:
        return "未報告" if self.stage is None else ReferralStage(self.stage).label

    @property
    def decline_label(self) -> str:
        return "" if self.decline_reason is None else DeclineReason(self.decline_reason).label


def firm_label(prefecture_code: str | None, industry: str | None, employees: int | None) -> str:
    """A firm without its name: 「山形県の製造業の企業（従業員50〜99人）」."""
    place = PREFECTURES.get(prefecture_code or "", ("",))[0]
    kind = JSIC_DIVISIONS.get(industry or "", "")
    text = (f"{place}の" if place else "") + (f"{kind}の" if kind else "") + "企業"
    size = _size_band(employees)
    return text + (f"（従業員{size}）" if size else "")


def _size_band(employees: int | None) -> str:
    if employees is None or employees <= 0:
        return ""
    for limit, label in (*SIZE_BANDS, *SIZE_BANDS_LARGE):
        if employees < limit:
            return label
    return "1,000人以上"


def _partner_actor(session: Session, actor: Actor) -> int:
    """The actor's partner organisation; refused for anyone else."""
    require_live(session, actor)
    if not actor.is_partner or actor.partner_id is None:
        raise PermissionDenied(PARTNERS_ONLY)
    partner = session.get(Partner, actor.partner_id)
    if partner is None or not partner.active:
        # An organisation the administrator stopped working with reads and reports nothing.
        raise PermissionDenied(
            "所属のパートナーは利用停止中です。拠点の紹介は閲覧・報告できません。"
            "管理者にお問い合わせください。"
        )
    return actor.partner_id


def _not_found(referral_id: object) -> NotFound:
    return NotFound(f"紹介（ID {referral_id}）は見つかりません。")


def _own_referral(session: Session, actor: Actor, referral_id: int) -> Referral:
    """A referral of the actor's partner that its hub shared; NotFound for any other, in the
    same words whether it exists or not."""
    partner_id = _partner_actor(session, actor)
    row = session.get(Referral, referral_id) if isinstance(referral_id, int) else None
    if row is None or row.partner_id != partner_id or not row.shared:
        raise _not_found(referral_id)
    return row


def _shared_rows(partner_id: int, stage: str | None):
    statement = (
        select(Referral, TalentNeed, Company, TalentCategory.name_ja)
        .join(TalentNeed, col(TalentNeed.id) == col(Referral.need_id))
        .join(Company, col(Company.id) == col(TalentNeed.company_id))
        .join(TalentCategory, col(TalentCategory.id) == col(TalentNeed.category_id))
        .where(col(Referral.partner_id) == partner_id, col(Referral.shared).is_(True))
    )
    return _by_stage(statement, stage)


def _by_stage(statement, stage: str | None):
    if stage is None or stage == "":
        return statement
    if stage == "unreported":
        return statement.where(col(Referral.stage).is_(None))
    try:
        value = ReferralStage(stage).value
    except ValueError:
        raise ValidationError({"stage": rules.not_a_choice(stage)}) from None
    return statement.where(col(Referral.stage) == value)


def _shared(referral: Referral, need: TalentNeed, company: Company, category: str):
    firm = (
        company.name
        if referral.share_firm_name
        else firm_label(company.prefecture_code, company.industry, company.employees)
    )
    return SharedReferral(
        referral_id=stored_id(referral.id),
        version=referral.version,
        referred_on=referral.referred_on,
        hub_name=PREFECTURES.get(referral.hub_code, (referral.hub_code,))[0],
        firm=firm,
        firm_named=referral.share_firm_name,
        category=category,
        role_title=need.role_title,
        engagement=Engagement(need.engagement).label,
        salary_band="" if need.salary_band is None else SalaryBand(need.salary_band).label,
        headcount=need.headcount,
        partner_notes=need.partner_notes or "",
        stage=referral.stage,
        candidate_count=referral.candidate_count,
        decline_reason=referral.decline_reason,
        reported_placed_on=referral.reported_placed_on,
        placement_confirmed=referral.placement_id is not None,
    )


def my_referrals(
    session: Session,
    actor: Actor,
    *,
    stage: str | None = None,
    limit: int = PAGE,
    offset: int = 0,
) -> list[SharedReferral]:
    """The referrals shared with the actor's partner, newest first (``stage``: a
    ReferralStage value, or "unreported")."""
    partner_id = _partner_actor(session, actor)
    statement = _shared_rows(partner_id, stage).order_by(
        col(Referral.referred_on).desc(), col(Referral.id).desc()
    )
    rows = session.exec(statement.offset(max(offset, 0)).limit(max(1, min(limit, 200)))).all()
    return [_shared(*row) for row in rows]


def count_my_referrals(session: Session, actor: Actor, *, stage: str | None = None) -> int:
    """How many ``my_referrals`` would list without a limit (for paging)."""
    partner_id = _partner_actor(session, actor)
    statement = _by_stage(
        select(func.count())
        .select_from(Referral)
        .where(col(Referral.partner_id) == partner_id, col(Referral.shared).is_(True)),
        stage,
    )
    return int(session.exec(statement).one())


def my_referral(session: Session, actor: Actor, referral_id: int) -> SharedReferral:
    """One referral shared with the actor's partner (NotFound for any other)."""
    referral = _own_referral(session, actor, referral_id)
    need = session.get(TalentNeed, referral.need_id)
    company = None if need is None else session.get(Company, need.company_id)
    category = None if need is None else session.get(TalentCategory, need.category_id)
    if need is None or company is None:  # pragma: no cover - foreign keys keep them
        raise _not_found(referral_id)
    return _shared(referral, need, company, "" if category is None else category.name_ja)


# --- what a partner reports --------------------------------------------------------------------


def _report_errors(
    referral: Referral,
    stage: str | None,
    candidate_count: int | None,
    decline_reason: str | None,
    placed_on: dt.date | None,
) -> tuple[dict[str, Any], rules.Errors]:
    """The report's values as stored, and what is wrong with them (field → Japanese)."""
    errors: rules.Errors = {}
    values: dict[str, Any] = {
        "stage": None,
        "candidate_count": None,
        "decline_reason": None,
        "placed_on": None,
    }
    if referral.placement_id is not None:
        errors["stage"] = (
            "拠点が成約を確認済みのため、この紹介の報告は変更できません。"
            "変更が必要なときは拠点にご連絡ください"
        )
        return values, errors
    try:
        chosen = ReferralStage(stage or "")
    except ValueError:
        errors["stage"] = (
            "段階を選んでください（" + "・".join(s.label for s in ReferralStage) + "）"
        )
        return values, errors
    values["stage"] = chosen.value
    if candidate_count is not None:
        if isinstance(candidate_count, bool) or not isinstance(candidate_count, int):
            errors["candidate_count"] = "候補者数は整数で入力してください"
        elif not 0 <= candidate_count <= MAX_CANDIDATES:
            errors["candidate_count"] = f"候補者数は0〜{MAX_CANDIDATES}人で入力してください"
        else:
            values["candidate_count"] = candidate_count
    if chosen == ReferralStage.PRESENTING and not (candidate_count or 0) >= 1:
        errors.setdefault("candidate_count", "候補者紹介中は候補者数（1人以上）を入力してください")
    if chosen == ReferralStage.DECLINED:
        try:
            values["decline_reason"] = DeclineReason(decline_reason or "").value
        except ValueError:
            errors["decline_reason"] = "見送りの理由を選んでください"
    if chosen == ReferralStage.PLACED:
        if placed_on is None:
            errors["placed_on"] = "成約日を入力してください"
        elif placed_on > today_jst():
            errors["placed_on"] = "成約日に未来の日付は入力できません"
        elif placed_on < referral.referred_on:
            errors["placed_on"] = (
                f"成約日は紹介日（{referral.referred_on:%Y/%m/%d}）以降の日付にしてください"
            )
        else:
            values["placed_on"] = placed_on
    return values, errors


def report_progress(
    session: Session,
    actor: Actor,
    referral_id: int,
    *,
    expected_version: int,
    stage: str,
    candidate_count: int | None = None,
    decline_reason: str | None = None,
    placed_on: dt.date | None = None,
) -> Referral:
    """The partner reports where a referral stands: a ``ReferralReport`` row and the referral's
    latest stage, in one plan; the need's 拠点担当者 (or, with none, the hub's managers) is told."""
    referral = _own_referral(session, actor, referral_id)
    require_live(session, actor, for_write=True)
    values, errors = _report_errors(referral, stage, candidate_count, decline_reason, placed_on)
    rules.require(errors)
    now = utcnow()
    plan = Plan()
    plan.insert(
        ReferralReport,
        {
            "referral_id": stored_id(referral.id),
            "hub_code": referral.hub_code,
            "partner_id": referral.partner_id,
            **values,
            "reported_on": today_jst(),
            "reported_at": now,
            "reported_by": actor.user_id,
        },
    )
    changes: dict[str, Any] = {
        "stage": values["stage"],
        "candidate_count": values["candidate_count"],
        "decline_reason": values["decline_reason"],
        "reported_placed_on": values["placed_on"],
        "stage_reported_at": now,
    }
    if values["stage"] in OUTCOME_OF_STAGE:
        changes["outcome"] = OUTCOME_OF_STAGE[values["stage"]]
    plan.change(Referral, stored_id(referral.id), expected_version, changes, referral.model_dump())
    need = session.get(TalentNeed, referral.need_id)
    if need is not None:
        for row in _tell_hub(session, actor, referral, need, values):
            plan.insert(Notification, row)
    return _written(session, actor, plan, referral, expected_version)


def _tell_hub(
    session: Session, actor: Actor, referral: Referral, need: TalentNeed, values: dict[str, Any]
) -> list[dict[str, Any]]:
    """The notification rows for the need's 拠点担当者, or the hub's active managers."""
    partner = session.get(Partner, referral.partner_id)
    company = session.get(Company, need.company_id)
    stage = ReferralStage(values["stage"])
    what = stage.label
    if stage == ReferralStage.PRESENTING:
        what += f"（候補者{values['candidate_count']}人）"
    elif stage == ReferralStage.DECLINED:
        what += f"（{DeclineReason(values['decline_reason']).label}）"
    elif stage == ReferralStage.PLACED:
        what += f"（{values['placed_on']:%Y/%m/%d}）"
    text = (
        f"{'' if partner is None else partner.name}から{what}の報告："
        f"{need.role_title}（{'' if company is None else company.name}）。"
        + ("確認してください。" if stage == ReferralStage.PLACED else "")
    )
    people = (
        [need.assignee_id]
        if need.assignee_id is not None
        else list(
            session.exec(
                select(UserAccount.id).where(
                    UserAccount.hub_code == need.hub_code,
                    UserAccount.role == Role.HUB_MANAGER.value,
                    col(UserAccount.active).is_(True),
                )
            ).all()
        )
    )
    rows = []
    for person in people:
        told = notice(
            session,
            actor,
            person,
            kind=KIND,
            entity="talent_need",
            record_id=stored_id(need.id),
            hub_code=need.hub_code,
            text=text,
        )
        if told is not None:
            rows.append(told)
    return rows


def _written(
    session: Session, actor: Actor, plan: Plan, referral: Referral, expected_version: int
) -> Referral:
    """Write a plan that changes ``referral`` (refused when it moved on since it was read)."""
    if referral.version != expected_version:
        return update_row(session, actor, referral, {}, expected_version)  # raises StaleVersion
    try:
        apply(session, actor, plan)
    finally:
        session.expire(referral)
    session.refresh(referral)
    return referral


# --- the hub's side ----------------------------------------------------------------------------


def _hub_referral(session: Session, actor: Actor, referral_id: int) -> Referral:
    referral = get_scoped(session, actor, Referral, referral_id)
    actor.require_write(referral.hub_code)
    return referral


def _partner_accounts(session: Session, partner_id: int) -> list[int]:
    return [
        stored_id(i)
        for i in session.exec(
            select(UserAccount.id).where(
                UserAccount.partner_id == partner_id,
                UserAccount.role == Role.PARTNER.value,
                col(UserAccount.active).is_(True),
            )
        ).all()
    ]


def _tell_partner(
    session: Session, actor: Actor, plan: Plan, referral: Referral, text: str
) -> None:
    for person in _partner_accounts(session, referral.partner_id):
        told = notice(
            session,
            actor,
            person,
            kind=KIND,
            entity="referral",
            record_id=stored_id(referral.id),
            hub_code=referral.hub_code,
            text=text,
        )
        if told is not None:
            plan.insert(Notification, told)


def _need_of(session: Session, referral: Referral) -> TalentNeed:
    need = session.get(TalentNeed, referral.need_id)
    if need is None:  # pragma: no cover - the foreign key keeps it
        raise NotFound(f"人材ニーズ（ID {referral.need_id}）は見つかりません。")
    return need


def share_referral(
    session: Session,
    actor: Actor,
    referral_id: int,
    *,
    expected_version: int,
    share_firm_name: bool,
) -> Referral:
    """パートナーを招待: the partner's accounts may see this referral (the firm by name, or an
    anonymised label) and report on it; each of them is told."""
    referral = _hub_referral(session, actor, referral_id)
    need = _need_of(session, referral)
    require_not_merged(session, need.company_id)
    plan = Plan()
    plan.change(
        Referral,
        stored_id(referral.id),
        expected_version,
        {"shared": True, "share_firm_name": bool(share_firm_name)},
        referral.model_dump(),
    )
    if not referral.shared:
        _tell_partner(
            session,
            actor,
            plan,
            referral,
            f"{PREFECTURES.get(referral.hub_code, ('',))[0]}の拠点から人材ニーズ"
            f"「{need.role_title[:60]}」の紹介が届きました。進み具合を報告してください。",
        )
    return _written(session, actor, plan, referral, expected_version)


def unshare_referral(
    session: Session, actor: Actor, referral_id: int, *, expected_version: int
) -> Referral:
    """The partner's accounts no longer see this referral (its reports stay)."""
    referral = _hub_referral(session, actor, referral_id)
    return update_row(session, actor, referral, {"shared": False}, expected_version)


def set_partner_notes(
    session: Session, actor: Actor, need_id: int, notes: str | None, *, expected_version: int
) -> TalentNeed:
    """パートナー向けメモ: what the hub tells the partners of this need (plain text)."""
    need = get_scoped(session, actor, TalentNeed, need_id)
    actor.require_write(need.hub_code)
    require_not_merged(session, need.company_id)
    try:
        text = clean_typed_text(notes or "").strip() or None
    except ValueError as error:
        raise ValidationError({"partner_notes": str(error)}) from None
    if text is not None and len(text) > rules.MAX_NOTE:
        raise ValidationError(
            {"partner_notes": f"パートナー向けメモは{rules.MAX_NOTE:,}文字以内にしてください"}
        )
    return update_row(session, actor, need, {"partner_notes": text}, expected_version)


@dataclass(frozen=True)
class ReportedPlacement:
    """A placement a partner reported that the hub has not confirmed yet."""

    referral_id: int
    version: int
    need_id: int
    role_title: str
    company_id: int
    company_name: str
    partner_id: int
    partner_name: str
    referred_on: dt.date
    reported_placed_on: dt.date | None
    reported_at: dt.datetime | None


def reported_placements(session: Session, actor: Actor) -> list[ReportedPlacement]:
    """The hub's referrals whose partner reported 成約 and that the hub has not confirmed."""
    require_live(session, actor)
    if not actor.is_hub_manager:
        raise PermissionDenied("成約報告を確認できるのは拠点マネージャーだけです。")
    hub = actor.own_hub
    rows = session.exec(
        select(Referral, TalentNeed, Company.name, Partner.name)
        .join(TalentNeed, col(TalentNeed.id) == col(Referral.need_id))
        .join(Company, col(Company.id) == col(TalentNeed.company_id))
        .join(Partner, col(Partner.id) == col(Referral.partner_id))
        .where(
            col(Referral.hub_code) == hub,
            col(Referral.stage) == ReferralStage.PLACED.value,
            col(Referral.placement_id).is_(None),
        )
        .order_by(col(Referral.stage_reported_at).desc(), col(Referral.id).desc())
    ).all()
    return [
        ReportedPlacement(
            referral_id=stored_id(r.id),
            version=r.version,
            need_id=r.need_id,
            role_title=need.role_title,
            company_id=need.company_id,
            company_name=company_name,
            partner_id=r.partner_id,
            partner_name=partner_name,
            referred_on=r.referred_on,
            reported_placed_on=r.reported_placed_on,
            reported_at=r.stage_reported_at,
        )
        for r, need, company_name, partner_name in rows
    ]


def confirm_placement(
    session: Session,
    actor: Actor,
    referral_id: int,
    *,
    expected_version: int,
    **fields: Any,
) -> Placement:
    """The hub confirms the placement its partner reported: ``record_placement`` records it
    (with ``fields``: the placement's other values; the date defaults to the reported one), the
    referral points at it and is 成約, and the partner's accounts are told. Once only."""
    referral = _hub_referral(session, actor, referral_id)
    if referral.placement_id is not None:
        raise ValidationError(
            {"referral": f"この成約報告は確認済みです（成約ID {referral.placement_id}）"}
        )
    if referral.stage != ReferralStage.PLACED.value:
        raise ValidationError({"referral": "この紹介には、パートナーからの成約の報告がありません"})
    if referral.version != expected_version:
        update_row(session, actor, referral, {}, expected_version)  # raises StaleVersion
    data = {
        "placed_on": referral.reported_placed_on,
        **{k: v for k, v in fields.items() if k not in {"need_id", "partner_id"}},
        "need_id": referral.need_id,
        "partner_id": referral.partner_id,
    }
    placement = record_placement(session, actor, data)
    need = _need_of(session, referral)
    plan = Plan()
    plan.change(
        Referral,
        stored_id(referral.id),
        expected_version,
        {"placement_id": stored_id(placement.id), "outcome": ReferralOutcome.PLACED.value},
        referral.model_dump(),
    )
    if referral.shared:
        _tell_partner(
            session,
            actor,
            plan,
            referral,
            f"{PREFECTURES.get(referral.hub_code, ('',))[0]}の拠点が「{need.role_title[:60]}」の"
            f"成約（{placement.placed_on:%Y/%m/%d}）を確認しました。ありがとうございました。",
        )
    _written(session, actor, plan, referral, expected_version)
    return placement
