"""Seminars (events) and introductions, and a consultation's source (issue 28, part 2): who may
write and read them, validation, attendee lists from files (UTF-8 with BOM, CP932, xlsx), the
list registered all or nothing, and the source rules on every consultation path."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func
from sqlmodel import Session, select

from crm.actor import SYSTEM, Actor
from crm.csvio import attendee_file
from crm.csvio.excel import UnreadableFile
from crm.entities.outreach import EventAttendee, EventCohost
from crm.errors import NotFound, PermissionDenied, StaleVersion, ValidationError
from crm.models import AuditLog, Consultation
from crm.reference import Role
from crm.services import consultations, intake, outreach, reference_data
from tests.utils.factories import make_company, make_consultation, make_partner

DAY = dt.date(2026, 11, 20)
NUMBER = "6060301016601"  # a valid 法人番号 (the check digit is right)
OTHER_NUMBER = "2010001008824"


@pytest.fixture
def engine(any_engine):
    """Every test on SQLite and, when configured, on PostgreSQL."""
    return any_engine


@pytest.fixture
def world(session: Session, actors):
    bank = make_partner(session, name="山形中央銀行", kind="regional_bank")
    chamber = make_partner(session, name="山形商工会議所", kind="other")
    old = make_partner(session, name="解散した協会", kind="other")
    reference_data.update_partner(
        session, SYSTEM, old.id, {"kind": "other", "name": old.name, "active": False}, old.version
    )
    firm = make_company(session, actors.manager01, name="株式会社山形ビル", corporate_number=NUMBER)
    firm2 = make_company(session, actors.manager01, name="一号商事株式会社")
    far = make_company(session, actors.manager02, name="二号工業株式会社")
    session.commit()
    return {"bank": bank, "chamber": chamber, "old": old, "firm": firm, "firm2": firm2, "far": far}


def _event(session, actor: Actor, cohosts=(), **data):
    values = {"held_on": DAY, "kind": "seminar", "title": "攻めの経営セミナー", **data}
    return outreach.create_event(session, actor, {**values, "cohost_ids": list(cohosts)})


def _count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


# --- events ------------------------------------------------------------------------------------


def test_an_event_with_cohosts_is_written_audited_and_listed(session, actors, world):
    event = _event(session, actors.manager01, [world["bank"].id, world["chamber"].id])
    session.commit()
    assert event.hub_code == "01" and event.version == 1
    assert outreach.event_cohosts(session, actors.manager01, event.id) == [
        world["bank"].id,
        world["chamber"].id,
    ]
    audited = set(session.exec(select(AuditLog.entity).where(AuditLog.action == "create")).all())
    assert {"outreach_event", "event_cohost"} <= audited
    [row] = outreach.list_events(session, actors.manager01)
    assert (row.title, row.cohosts, row.attendees, row.consultations) == (
        "攻めの経営セミナー",
        ("山形中央銀行", "山形商工会議所"),
        0,
        0,
    )
    assert row.kind_label == "セミナー"
    assert outreach.count_events(session, actors.manager01) == 1


def test_only_a_hub_manager_creates_events_and_only_in_their_hub(session, actors, world):
    for reader in (actors.secretariat, actors.admin):
        with pytest.raises(PermissionDenied):
            _event(session, reader)
    event = _event(session, actors.manager02)
    assert event.hub_code == "02"  # always into the writer's own hub
    with pytest.raises(PermissionDenied):  # another hub's event: neither edited nor read
        outreach.update_event(session, actors.manager01, event.id, {"title": "x"}, 1)
    with pytest.raises(PermissionDenied):
        outreach.get_event(session, actors.manager01, event.id)
    assert outreach.list_events(session, actors.manager01) == []
    with pytest.raises(PermissionDenied):  # naming another hub is refused, not narrowed
        outreach.list_events(session, actors.manager01, hubs=["02"])
    # The secretariat reads every hub's events (or the hubs it chooses), read only.
    assert [e.hub_code for e in outreach.list_events(session, actors.secretariat)] == ["02"]
    assert outreach.count_events(session, actors.secretariat, hubs=["01"]) == 0
    with pytest.raises(NotFound):
        outreach.get_event(session, actors.manager01, 987654)


def test_a_partner_reads_no_event(session, actors, world):
    from crm.actor import Actor as ActorClass

    partner = ActorClass(
        user_id=None, username="bank", role=Role.PARTNER, partner_id=world["bank"].id
    )
    event = _event(session, actors.manager01)
    for call in (
        lambda: outreach.get_event(session, partner, event.id),
        lambda: outreach.list_events(session, partner),
        lambda: outreach.list_introductions(session, partner),
        lambda: _event(session, partner),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_event_validation_names_the_fields(session, actors, world):
    with pytest.raises(ValidationError) as refused:
        outreach.create_event(session, actors.manager01, {"held_on": None, "title": ""})
    assert {"held_on", "title"} <= set(refused.value.fields)
    with pytest.raises(ValidationError) as refused:
        _event(session, actors.manager01, kind="party")
    assert "kind" in refused.value.fields
    with pytest.raises(ValidationError) as refused:
        _event(session, actors.manager01, [world["old"].id])
    assert "解散した協会" in refused.value.fields["cohost_ids"]
    with pytest.raises(ValidationError) as refused:
        _event(session, actors.manager01, [424242])
    assert "424242" in refused.value.fields["cohost_ids"]
    with pytest.raises(ValidationError):
        outreach.create_event(
            session, actors.manager01, {"held_on": DAY, "title": "x", "cohost_ids": ["abc"]}
        )


def test_editing_an_event_changes_cohosts_and_checks_the_version(session, actors, world):
    event = _event(session, actors.manager01, [world["bank"].id])
    session.commit()
    data = {
        "held_on": DAY,
        "kind": "briefing",
        "title": "説明会",
        "cohost_ids": [world["chamber"].id],
    }
    edited = outreach.update_event(session, actors.manager01, event.id, data, 1)
    session.commit()
    assert (edited.kind, edited.title, edited.version) == ("briefing", "説明会", 2)
    assert outreach.event_cohosts(session, actors.manager01, event.id) == [world["chamber"].id]
    assert _count(session, EventCohost) == 1
    with pytest.raises(StaleVersion):
        outreach.update_event(session, actors.manager01, event.id, data, 1)


# --- attendees ---------------------------------------------------------------------------------


def test_attendees_of_the_hub_only_and_duplicates_reported(session, actors, world):
    event = _event(session, actors.manager01)
    firm, firm2, far = world["firm"], world["firm2"], world["far"]
    added = outreach.add_attendees(session, actors.manager01, event.id, [firm.id, firm.id])
    assert (added.added, added.duplicates) == ((firm.id,), (firm.id,))
    again = outreach.add_attendees(session, actors.manager01, event.id, [firm.id, firm2.id])
    assert (again.added, again.duplicates) == ((firm2.id,), (firm.id,))
    with pytest.raises(PermissionDenied):  # another hub's firm
        outreach.add_attendees(session, actors.manager01, event.id, [far.id])
    with pytest.raises(PermissionDenied):  # another hub's manager
        outreach.add_attendees(session, actors.manager02, event.id, [far.id])
    with pytest.raises(PermissionDenied):
        outreach.add_attendees(session, actors.secretariat, event.id, [firm.id])
    with pytest.raises(ValidationError):
        outreach.add_attendees(session, actors.manager01, event.id, [])
    session.commit()
    names = [a.name for a in outreach.event_attendees(session, actors.secretariat, event.id)]
    assert sorted(names) == sorted([firm.name, firm2.name])
    [row] = outreach.list_events(session, actors.manager01)
    assert row.attendees == 2
    assert [e.id for e in outreach.events_of_company(session, actors.manager01, firm.id)] == [
        event.id
    ]
    outreach.remove_attendee(session, actors.manager01, event.id, firm2.id)
    with pytest.raises(NotFound):
        outreach.remove_attendee(session, actors.manager01, event.id, firm2.id)


def _csv(text: str, encoding: str) -> bytes:
    return text.replace("\n", "\r\n").encode(encoding)


def _xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "参加者"
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


LIST = f"法人番号,企業名,参加者\n{NUMBER},,山形 太郎\n,一号商事（株）,佐藤\n"


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (_csv(LIST, "utf-8-sig"), "参加者.csv"),
        (_csv(LIST, "cp932"), "参加者.csv"),
        (_csv("セミナー参加者一覧\n\n" + LIST.replace(",", "\t"), "utf-8"), "参加者.tsv"),
        (
            _xlsx(
                [
                    ["法人番号", "企業名", "参加者"],
                    [NUMBER, None, "山形 太郎"],
                    [None, "一号商事（株）", "佐藤"],
                ]
            ),
            "参加者.xlsx",
        ),
    ],
    ids=["utf-8-bom", "cp932", "title-and-tabs", "xlsx"],
)
def test_an_attendee_file_is_matched_by_number_then_name(session, actors, world, content, filename):
    event = _event(session, actors.manager01)
    plan = attendee_file.plan_attendee_file(session, actors.manager01, event.id, content, filename)
    assert [(m.status, m.company_id, m.reason) for m in plan.rows] == [
        (outreach.EXISTING, world["firm"].id, "法人番号で照合"),
        (outreach.EXISTING, world["firm2"].id, "企業名で照合"),
    ]
    assert _count(session, EventAttendee) == 0  # a plan writes nothing
    added = attendee_file.register_attendee_file(
        session, actors.manager01, event.id, content, filename
    )
    assert set(added.added) == {world["firm"].id, world["firm2"].id}


def test_an_attendee_file_is_registered_all_or_nothing(session, actors, world):
    event = _event(session, actors.manager01)
    session.commit()
    text = (
        "企業名,法人番号\n"
        "株式会社山形ビル,\n"
        "二号工業株式会社,\n"  # another hub's firm: not found in this hub
        f"存在しない商店,{OTHER_NUMBER}\n"
        "壊れた番号の会社,12345\n"
    )
    content = _csv(text, "utf-8-sig")
    plan = attendee_file.plan_attendee_file(session, actors.manager01, event.id, content, "a.csv")
    assert [(m.row, m.status) for m in plan.rows] == [
        (2, outreach.EXISTING),
        (3, outreach.MISSING),
        (4, outreach.MISSING),
        (5, outreach.MISSING),
    ]
    assert "拠点に登録されていません" in plan.rows[1].reason
    assert "法人番号" in plan.rows[3].reason
    with pytest.raises(ValidationError) as refused:
        attendee_file.register_attendee_file(session, actors.manager01, event.id, content, "a.csv")
    message = refused.value.fields["file"]
    assert "3行目" in message and "4行目" in message and "5行目" in message
    assert "2行目" not in message
    session.rollback()
    assert _count(session, EventAttendee) == 0


def test_an_attendee_file_without_the_columns_or_of_another_hub_is_refused(session, actors, world):
    event = _event(session, actors.manager01)
    with pytest.raises(UnreadableFile) as refused:
        attendee_file.plan_attendee_file(
            session, actors.manager01, event.id, _csv("氏名,電話\n山形,1\n", "utf-8"), "x.csv"
        )
    assert "法人番号" in str(refused.value)
    with pytest.raises(UnreadableFile):
        attendee_file.plan_attendee_file(session, actors.manager01, event.id, b"\xff\xfe", "x.csv")
    with pytest.raises(PermissionDenied):
        attendee_file.plan_attendee_file(
            session, actors.manager02, event.id, _csv(LIST, "utf-8"), "x.csv"
        )


def test_a_name_shared_by_two_firms_asks_for_the_number(session, actors, world):
    make_company(session, actors.manager01, name="山形ビル株式会社", allow_duplicate=True)
    event = _event(session, actors.manager01)
    plan = outreach.plan_attendees(
        session, actors.manager01, event.id, [outreach.AttendeeLine(2, None, "(株)山形ビル")]
    )
    assert plan.rows[0].status == outreach.MISSING
    assert "複数" in plan.rows[0].reason
    plan = outreach.plan_attendees(
        session, actors.manager01, event.id, [outreach.AttendeeLine(2, NUMBER, "(株)山形ビル")]
    )
    assert plan.rows[0].company_id == world["firm"].id


# --- introductions -----------------------------------------------------------------------------


def test_introductions_need_an_active_partner_and_a_firm_of_the_hub(session, actors, world):
    data = {"partner_id": world["bank"].id, "company_id": world["firm"].id, "introduced_on": DAY}
    intro = outreach.record_introduction(session, actors.manager01, data)
    assert intro.hub_code == "01"
    with pytest.raises(PermissionDenied):
        outreach.record_introduction(
            session, actors.manager01, {**data, "company_id": world["far"].id}
        )
    with pytest.raises(PermissionDenied):
        outreach.record_introduction(session, actors.secretariat, data)
    with pytest.raises(ValidationError) as refused:
        outreach.record_introduction(
            session, actors.manager01, {**data, "partner_id": world["old"].id}
        )
    assert "無効" in refused.value.fields["partner_id"]
    with pytest.raises(ValidationError) as refused:
        outreach.record_introduction(session, actors.manager01, {**data, "introduced_on": None})
    assert "introduced_on" in refused.value.fields
    edited = outreach.update_introduction(
        session, actors.manager01, intro.id, {**data, "partner_id": world["chamber"].id}, 1
    )
    assert edited.partner_id == world["chamber"].id and edited.version == 2
    session.commit()
    [row] = outreach.list_introductions(session, actors.secretariat)
    assert (row.partner, row.company) == ("山形商工会議所", "株式会社山形ビル")
    assert outreach.count_introductions(session, actors.manager02) == 0
    assert outreach.count_introductions(session, actors.manager01) == 1
    assert [
        i.id for i in outreach.introductions_of_company(session, actors.manager01, world["firm"].id)
    ] == [intro.id]
    with pytest.raises(PermissionDenied):
        outreach.introductions_of_company(session, actors.manager02, world["firm"].id)


# --- a consultation's source -------------------------------------------------------------------


def _consultation(firm, **source):
    return {
        "company_id": firm.id,
        "consulted_on": DAY,
        "channel": "visit",
        "summary": "セミナーの後に訪問",
        **source,
    }


def test_a_consultation_names_an_event_its_firm_attended(session, actors, world):
    firm, firm2 = world["firm"], world["firm2"]
    event = _event(session, actors.manager01)
    outreach.add_attendees(session, actors.manager01, event.id, [firm.id])
    logged = consultations.log_consultation(
        session, actors.manager01, _consultation(firm, event_id=event.id)
    )
    assert (logged.event_id, logged.introduction_id, logged.channel) == (event.id, None, "visit")
    with pytest.raises(ValidationError) as refused:  # firm2 did not attend
        consultations.log_consultation(
            session, actors.manager01, _consultation(firm2, event_id=event.id)
        )
    assert "参加企業" in refused.value.fields["event_id"]
    far_event = _event(session, actors.manager02)
    with pytest.raises(ValidationError) as refused:
        consultations.log_consultation(
            session, actors.manager01, _consultation(firm, event_id=far_event.id)
        )
    assert "他の拠点" in refused.value.fields["event_id"]
    with pytest.raises(ValidationError):
        consultations.log_consultation(
            session, actors.manager01, _consultation(firm, event_id=99999)
        )
    with pytest.raises(ValidationError):
        consultations.log_consultation(
            session, actors.manager01, _consultation(firm, event_id="abc")
        )
    session.commit()
    [row] = outreach.list_events(session, actors.manager01)
    assert row.consultations == 1
    with pytest.raises(ValidationError):  # its consultation names the event
        outreach.remove_attendee(session, actors.manager01, event.id, firm.id)


def test_a_consultation_names_one_source_of_its_own_firm(session, actors, world):
    firm, firm2 = world["firm"], world["firm2"]
    event = _event(session, actors.manager01)
    outreach.add_attendees(session, actors.manager01, event.id, [firm.id])
    intro = outreach.record_introduction(
        session,
        actors.manager01,
        {"partner_id": world["bank"].id, "company_id": firm.id, "introduced_on": DAY},
    )
    with pytest.raises(ValidationError) as refused:
        consultations.log_consultation(
            session,
            actors.manager01,
            _consultation(firm, event_id=event.id, introduction_id=intro.id),
        )
    assert "どちらか一つ" in refused.value.fields["event_id"]
    with pytest.raises(ValidationError) as refused:
        consultations.log_consultation(
            session, actors.manager01, _consultation(firm2, introduction_id=intro.id)
        )
    assert refused.value.fields["introduction_id"] == "別の企業の紹介です"
    logged = consultations.log_consultation(
        session, actors.manager01, _consultation(firm, introduction_id=intro.id)
    )
    assert logged.introduction_id == intro.id
    choices = outreach.source_choices(session, actors.manager01, firm.id)
    assert {(c.kind, c.id) for c in choices} == {("event", event.id), ("introduction", intro.id)}


def test_editing_a_consultation_keeps_or_checks_its_source(session, actors, world):
    firm, firm2 = world["firm"], world["firm2"]
    event = _event(session, actors.manager01)
    outreach.add_attendees(session, actors.manager01, event.id, [firm.id])
    logged = make_consultation(session, actors.manager01, firm, on=DAY, event_id=event.id)
    session.commit()
    edited = consultations.update_consultation(
        session, actors.manager01, logged.id, {"consulted_on": DAY, "channel": "inbound",
                                                "summary": "電話"}, 1
    )  # fmt: skip
    assert (edited.event_id, edited.channel) == (event.id, "inbound")  # the source is kept
    with pytest.raises(ValidationError) as refused:  # moved to a firm that did not attend
        consultations.update_consultation(
            session,
            actors.manager01,
            logged.id,
            {"company_id": firm2.id, "consulted_on": DAY, "channel": "inbound", "summary": "電話"},
            edited.version,
        )
    assert "event_id" in refused.value.fields
    cleared = consultations.update_consultation(
        session,
        actors.manager01,
        logged.id,
        {"consulted_on": DAY, "channel": "inbound", "summary": "電話", "event_id": None},
        edited.version,
    )
    assert cleared.event_id is None
    session.commit()
    assert session.get(Consultation, logged.id).event_id is None


def test_a_new_firm_has_no_source_yet(session, actors, world):
    event = _event(session, actors.manager01)
    with pytest.raises(ValidationError) as refused:
        intake.register_company_with_consultation(
            session,
            actors.manager01,
            {"name": "新規工業株式会社", "prefecture_code": "01"},
            {"consulted_on": DAY, "channel": "visit", "summary": "初回", "event_id": event.id},
        )
    assert "event_id" in refused.value.fields
