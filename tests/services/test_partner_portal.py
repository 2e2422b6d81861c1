"""Partners in the loop (issue 28, item 1): what a partner's account sees (only its own shared
referrals, only what the hub shares), what it reports (a stage, a count, a coded reason, a
date: no free text), and the report → confirm → placement flow through the write layer."""

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import func
from sqlmodel import AutoString, Session, select

from crm.actor import PARTNER_REFUSED, SYSTEM, actor_for
from crm.errors import NotFound, PermissionDenied, StaleVersion, ValidationError
from crm.models import (
    AuditLog,
    Notification,
    Partner,
    Placement,
    Referral,
    ReferralReport,
    TalentNeed,
    table_of,
)
from crm.services import needs, partner_portal, reference_data, users
from crm.services.partner_portal import SharedReferral, firm_label
from crm.timeutil import today_jst
from tests.utils.factories import make_company, make_consultation, make_need, make_partner

DAY = today_jst() - dt.timedelta(days=30)


@dataclasses.dataclass
class World:
    agent_a: object  # partner A's account
    agent_b: object  # partner B's account
    partner_a: int
    partner_b: int
    need: int
    shared: int  # need → partner A, shared (firm anonymised)
    unshared: int  # need → partner A, not shared
    other: int  # need → partner B, shared
    hub02: int  # hub 02's need → partner A, shared with the firm's name


def _partner_account(session, username, partner_id):
    return actor_for(
        users.create_user(
            session,
            SYSTEM,
            username=username,
            role="partner",
            partner_id=partner_id,
            display_name=username,
            password="partner password 123",
        )
    )


@pytest.fixture
def world(session: Session, actors) -> World:
    m01, m02 = actors.manager01, actors.manager02
    pa = make_partner(session, name="みらい人材紹介株式会社")
    pb = make_partner(session, name="あおば人材株式会社")
    firm = make_company(session, m01, name="秘密精機株式会社", industry="E", employees=60)
    need = make_need(
        session, m01, make_consultation(session, m01, firm, on=DAY), notes="社内事情（非公開）"
    )

    def refer(actor, need_id, partner_id):
        return needs.refer_need(
            session, actor, {"need_id": need_id, "partner_id": partner_id, "referred_on": DAY}
        )

    shared = refer(m01, need.id, pa.id)
    unshared = refer(m01, need.id, pa.id)
    other = refer(m01, need.id, pb.id)
    firm2 = make_company(session, m02, name="二号商事株式会社")
    need2 = make_need(session, m02, make_consultation(session, m02, firm2, on=DAY))
    hub02 = refer(m02, need2.id, pa.id)
    agent_a = _partner_account(session, "agent_a", pa.id)
    agent_b = _partner_account(session, "agent_b", pb.id)
    session.commit()
    for actor, referral, named in ((m01, shared, False), (m01, other, True), (m02, hub02, True)):
        partner_portal.share_referral(
            session, actor, referral.id, expected_version=referral.version, share_firm_name=named
        )
    session.commit()
    return World(
        agent_a, agent_b, pa.id, pb.id, need.id, shared.id, unshared.id, other.id, hub02.id
    )


def _version(session, model, row_id) -> int:
    session.expire_all()
    return session.get(model, row_id).version


def _report(session, actor, referral_id, **kw):
    return partner_portal.report_progress(
        session,
        actor,
        referral_id,
        expected_version=_version(session, Referral, referral_id),
        **kw,
    )


def _notes(session, actor) -> list[Notification]:
    return list(session.exec(select(Notification).where(Notification.user_id == actor.user_id)))


# --- scope -------------------------------------------------------------------------------------


def test_a_partner_sees_only_its_own_shared_referrals(session, world):
    mine = partner_portal.my_referrals(session, world.agent_a)
    assert {r.referral_id for r in mine} == {world.shared, world.hub02}
    assert partner_portal.count_my_referrals(session, world.agent_a) == 2
    theirs = partner_portal.my_referrals(session, world.agent_b)
    assert [r.referral_id for r in theirs] == [world.other]


def test_a_partner_no_longer_active_reads_and_reports_nothing(session, world):
    partner = session.get(Partner, world.partner_a)
    partner.active = False
    session.add(partner)
    session.flush()
    with pytest.raises(PermissionDenied, match="利用停止中"):
        partner_portal.my_referrals(session, world.agent_a)
    with pytest.raises(PermissionDenied, match="利用停止中"):
        partner_portal.report_progress(
            session, world.agent_a, world.shared, expected_version=1, stage="received"
        )


@pytest.mark.parametrize("which", ["unshared", "other", "missing"])
def test_every_other_referral_is_not_found_in_the_same_words(session, world, which):
    referral_id = {"unshared": world.unshared, "other": world.other, "missing": 987654}[which]
    with pytest.raises(NotFound) as read:
        partner_portal.my_referral(session, world.agent_a, referral_id)
    assert str(read.value) == f"紹介（ID {referral_id}）は見つかりません。"
    with pytest.raises(NotFound) as report:
        partner_portal.report_progress(
            session, world.agent_a, referral_id, expected_version=1, stage="received"
        )
    assert str(report.value) == str(read.value)
    assert session.exec(select(func.count()).select_from(ReferralReport)).one() == 0


def test_unsharing_hides_the_referral_again(session, actors, world):
    partner_portal.unshare_referral(
        session,
        actors.manager01,
        world.shared,
        expected_version=_version(session, Referral, world.shared),
    )
    assert [r.referral_id for r in partner_portal.my_referrals(session, world.agent_a)] == [
        world.hub02
    ]
    with pytest.raises(NotFound):
        partner_portal.my_referral(session, world.agent_a, world.shared)


def test_the_partner_side_refuses_the_hubs_people(session, actors, world):
    for actor in (actors.manager01, actors.secretariat, actors.admin):
        with pytest.raises(PermissionDenied):
            partner_portal.my_referrals(session, actor)
        with pytest.raises(PermissionDenied):
            partner_portal.report_progress(
                session, actor, world.shared, expected_version=1, stage="received"
            )


def test_the_hub_side_refuses_partners_and_readers(session, actors, world):
    calls = [
        lambda a: partner_portal.share_referral(
            session, a, world.shared, expected_version=1, share_firm_name=True
        ),
        lambda a: partner_portal.unshare_referral(session, a, world.shared, expected_version=1),
        lambda a: partner_portal.set_partner_notes(
            session, a, world.need, "メモ", expected_version=1
        ),
        lambda a: partner_portal.confirm_placement(session, a, world.shared, expected_version=1),
    ]
    for call in calls:
        for actor in (world.agent_a, actors.secretariat, actors.admin, actors.manager02):
            with pytest.raises(PermissionDenied):
                call(actor)
    for actor in (world.agent_a, actors.secretariat, actors.admin):
        with pytest.raises(PermissionDenied):
            partner_portal.reported_placements(session, actor)
    with pytest.raises(PermissionDenied, match="パートナーの方は"):
        needs.get_need(session, world.agent_a, world.need)
    assert PARTNER_REFUSED.startswith("パートナーの方は")


# --- what is shared ----------------------------------------------------------------------------


def test_only_what_the_hub_shares(session, actors, world):
    need = session.get(TalentNeed, world.need)
    partner_portal.set_partner_notes(
        session,
        actors.manager01,
        world.need,
        "  週3日の勤務も相談可。\n",
        expected_version=need.version,
    )
    session.commit()
    [anonymous] = [
        r for r in partner_portal.my_referrals(session, world.agent_a) if r.hub_name == "北海道"
    ]
    assert anonymous.firm == "北海道の製造業の企業（従業員50〜99人）"
    assert not anonymous.firm_named
    assert anonymous.partner_notes == "週3日の勤務も相談可。"
    assert anonymous.role_title == "営業部長" and anonymous.stage is None
    shown = " ".join(str(v) for v in dataclasses.asdict(anonymous).values())
    assert "秘密精機" not in shown and "非公開" not in shown  # the name, the need's own notes
    named = partner_portal.my_referral(session, world.agent_b, world.other)
    assert named.firm == "秘密精機株式会社" and named.firm_named
    fields = {f.name for f in dataclasses.fields(SharedReferral)}
    assert not fields & {"company_id", "need_id", "notes", "hub_code", "partner_id", "contact"}


def test_the_anonymised_label():
    assert firm_label("06", "E", 60) == "山形県の製造業の企業（従業員50〜99人）"
    assert firm_label("06", None, None) == "山形県の企業"
    assert firm_label("13", "G", 5) == "東京都の情報通信業の企業（従業員10人未満）"
    assert firm_label("01", "E", 5000).endswith("（従業員1,000人以上）")


def test_partner_notes_are_checked(session, actors, world):
    version = _version(session, TalentNeed, world.need)
    with pytest.raises(ValidationError) as long:
        partner_portal.set_partner_notes(
            session, actors.manager01, world.need, "あ" * 4001, expected_version=version
        )
    assert "4,000文字以内" in long.value.fields["partner_notes"]
    with pytest.raises(ValidationError) as control:
        partner_portal.set_partner_notes(
            session, actors.manager01, world.need, "a\x00b", expected_version=version
        )
    assert "制御文字" in control.value.fields["partner_notes"]


def test_sharing_tells_the_partners_accounts(session, world):
    [note] = _notes(session, world.agent_a)[:1]
    assert note.kind == "partner" and note.entity == "referral"
    assert "北海道の拠点から人材ニーズ「営業部長」の紹介が届きました" in note.text
    assert "秘密精機" not in " ".join(n.text for n in _notes(session, world.agent_a))
    assert {n.record_id for n in _notes(session, world.agent_b)} == {world.other}


# --- reports -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "field", "words"),
    [
        ({"stage": "hired"}, "stage", "段階を選んでください"),
        ({"stage": "presenting"}, "candidate_count", "候補者数（1人以上）"),
        ({"stage": "presenting", "candidate_count": 0}, "candidate_count", "1人以上"),
        ({"stage": "interviewing", "candidate_count": 1000}, "candidate_count", "0〜999人"),
        ({"stage": "declined"}, "decline_reason", "見送りの理由を選んでください"),
        ({"stage": "declined", "decline_reason": "他社で決定"}, "decline_reason", "理由"),
        ({"stage": "placed"}, "placed_on", "成約日を入力してください"),
        (
            {"stage": "placed", "placed_on": today_jst() + dt.timedelta(days=1)},
            "placed_on",
            "未来の日付",
        ),
        (
            {"stage": "placed", "placed_on": DAY - dt.timedelta(days=1)},
            "placed_on",
            "紹介日",
        ),
    ],
)
def test_report_validation(session, world, kw, field, words):
    with pytest.raises(ValidationError) as refused:
        _report(session, world.agent_a, world.shared, **kw)
    assert words in refused.value.fields[field]
    assert session.exec(select(func.count()).select_from(ReferralReport)).one() == 0


def test_a_report_is_version_checked(session, world):
    with pytest.raises(StaleVersion):
        partner_portal.report_progress(
            session, world.agent_a, world.shared, expected_version=99, stage="received"
        )


def test_report_confirm_placement(session, actors, world):
    m01 = actors.manager01
    referral = _report(session, world.agent_a, world.shared, stage="presenting", candidate_count=3)
    session.commit()
    assert (referral.stage, referral.candidate_count, referral.outcome) == (
        "presenting",
        3,
        "candidates",
    )
    [told] = [n for n in _notes(session, m01) if n.kind == "partner"]
    assert told.text == (
        "みらい人材紹介株式会社から候補者紹介中（候補者3人）の報告：営業部長（秘密精機株式会社）。"
    )
    assert told.entity == "talent_need" and told.record_id == world.need
    assert not [n for n in _notes(session, actors.manager02) if n.kind == "partner"]

    placed_on = today_jst() - dt.timedelta(days=2)
    referral = _report(session, world.agent_a, world.shared, stage="placed", placed_on=placed_on)
    session.commit()
    assert referral.outcome == "candidates"  # placed waits for the hub
    assert referral.reported_placed_on == placed_on and referral.placement_id is None
    reports = session.exec(
        select(ReferralReport).where(ReferralReport.referral_id == world.shared)
    ).all()
    assert [(r.stage, r.reported_by) for r in reports] == [
        ("presenting", world.agent_a.user_id),
        ("placed", world.agent_a.user_id),
    ]
    latest = [n for n in _notes(session, m01) if n.kind == "partner"][-1]
    assert latest.text.startswith("みらい人材紹介株式会社から成約")
    assert latest.text.endswith("確認してください。")

    [waiting] = partner_portal.reported_placements(session, m01)
    assert waiting.referral_id == world.shared and waiting.reported_placed_on == placed_on
    assert partner_portal.reported_placements(session, actors.manager02) == []

    placement = partner_portal.confirm_placement(
        session, m01, world.shared, expected_version=waiting.version, age_band="30s"
    )
    session.commit()
    assert placement.placed_on == placed_on and placement.partner_id == world.partner_a
    assert placement.age_band == "30s" and placement.need_id == world.need
    referral = session.get(Referral, world.shared)
    assert referral.placement_id == placement.id and referral.outcome == "placed"
    assert session.get(TalentNeed, world.need).status == "placed"
    assert partner_portal.reported_placements(session, m01) == []
    entries = {
        (e.entity, e.action)
        for e in session.exec(select(AuditLog).where(AuditLog.user_id == m01.user_id))
    }
    assert {("placement", "create"), ("referral", "update")} <= entries
    partner_entries = {
        (e.entity, e.action)
        for e in session.exec(select(AuditLog).where(AuditLog.user_id == world.agent_a.user_id))
    }
    assert partner_entries == {
        ("referral_report", "create"),
        ("referral", "update"),
        ("notification", "create"),
    }
    assert any(
        "成約" in n.text and "確認しました" in n.text for n in _notes(session, world.agent_a)
    )
    assert not any("確認しました" in n.text for n in _notes(session, world.agent_b))
    seen = partner_portal.my_referral(session, world.agent_a, world.shared)
    assert seen.placement_confirmed and seen.stage == "placed"

    with pytest.raises(ValidationError, match="確認済み"):
        partner_portal.confirm_placement(
            session, m01, world.shared, expected_version=referral.version
        )
    with pytest.raises(ValidationError) as back:
        _report(session, world.agent_a, world.shared, stage="interviewing")
    assert "成約を確認済み" in back.value.fields["stage"]
    assert session.exec(select(func.count()).select_from(Placement)).one() == 1


def test_a_decline_is_no_match_and_nothing_to_confirm(session, actors, world):
    referral = _report(
        session, world.agent_a, world.shared, stage="declined", decline_reason="no_candidates"
    )
    assert referral.outcome == "no_match" and referral.decline_reason == "no_candidates"
    with pytest.raises(ValidationError, match="成約の報告がありません"):
        partner_portal.confirm_placement(
            session, actors.manager01, world.shared, expected_version=referral.version
        )


def test_the_assignee_alone_is_told_when_there_is_one(session, actors, world):
    sato = actor_for(
        users.create_user(
            session, SYSTEM, username="sato01", role="hub_manager", hub_code="01",
            display_name="佐藤",
        )
    )  # fmt: skip
    from crm.services import assignments

    assignments.assign(session, actors.manager01, "talent_need", [world.need], sato.user_id)
    _report(session, world.agent_a, world.shared, stage="received")
    assert [n.kind for n in _notes(session, sato) if n.kind == "partner"] == ["partner"]
    assert not [n for n in _notes(session, actors.manager01) if n.kind == "partner"]


def test_no_field_a_partner_could_fill_with_personal_data():
    """A report holds codes, counts and dates: its only text columns are codes."""
    text_columns = {
        c.name for c in table_of(ReferralReport).columns if isinstance(c.type, AutoString)
    }
    assert all(
        c.type.length <= 20 for c in table_of(ReferralReport).columns if c.name in text_columns
    )
    assert text_columns == {"hub_code", "stage", "decline_reason"}
    parameters = set(partner_portal.report_progress.__kwdefaults__ or {}) | {"stage"}
    assert parameters == {"stage", "candidate_count", "decline_reason", "placed_on"}
    for field in dataclasses.fields(SharedReferral):
        # Every text a partner sees was written by the hub or is a label of a code.
        assert field.name not in {"comment", "note", "message", "candidate_names"}


# --- partner accounts --------------------------------------------------------------------------


def test_partner_accounts_name_an_active_partner(session, actors):
    partner = make_partner(session, name="ひかり銀行", kind="regional_bank")

    def create(**kw):
        return users.create_user(session, actors.admin, username="p1", **kw)

    with pytest.raises(ValidationError) as none:
        create(role="partner")
    assert (
        none.value.fields["partner_id"]
        == "パートナーの利用者には所属するパートナーを選んでください"
    )
    with pytest.raises(ValidationError) as unknown:
        create(role="partner", partner_id=99999)
    assert "登録されていません" in unknown.value.fields["partner_id"]
    with pytest.raises(ValidationError) as other_role:
        create(role="hub_manager", hub_code="01", partner_id=partner.id)
    assert "パートナーの利用者だけ" in other_role.value.fields["partner_id"]
    with pytest.raises(ValidationError) as with_hub:
        create(role="partner", partner_id=partner.id, hub_code="01")
    assert "hub_code" in with_hub.value.fields
    reference_data.update_partner(
        session,
        SYSTEM,
        partner.id,
        {"kind": "regional_bank", "name": "ひかり銀行", "active": False},
        partner.version,
    )
    with pytest.raises(ValidationError) as inactive:
        create(role="partner", partner_id=partner.id)
    assert "利用停止中" in inactive.value.fields["partner_id"]


def test_an_account_summary_shows_the_partner(session, actors):
    partner = make_partner(session, name="ひかり銀行", kind="regional_bank")
    users.create_user(session, actors.admin, username="p1", role="partner", partner_id=partner.id)
    summary = users.get_account(session, actors.admin, "p1")
    assert (summary.partner_id, summary.partner_name) == (partner.id, "ひかり銀行")
    account = users.update_user(
        session, actors.admin, "p1", {"role": "secretariat", "partner_id": None}, 1
    )
    assert account.partner_id is None
