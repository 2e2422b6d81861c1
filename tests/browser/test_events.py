"""セミナー・紹介 in Chromium (issue 28): a hub manager registers a seminar with a co-host,
registers its attending firms from a CSV file (checked row by row, then written), and records a
consultation naming the seminar as its source."""

import uuid

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select
from stdnum.jp import cn

from crm.calendar_jp import day_with_weekday
from crm.timeutil import today_jst
from tests.browser.helpers import choose, go_to, screenshot, settle, sign_in, success_message

TAG = uuid.uuid4().hex[:6]
TITLE = f"攻めの経営セミナー{TAG}"


def _number(seed_digits: str) -> str:
    """A valid 法人番号 (its check digit leads) from 12 digits."""
    return cn.calc_check_digit(seed_digits) + seed_digits


@pytest.fixture(scope="module")
def firms(db_engine, seed):
    """Two firms of the manager's hub, one with a 法人番号 no other browser test uses."""
    from crm.actor import actor_for
    from crm.db import session_scope
    from crm.services import companies, users

    number = _number(f"9{int(TAG, 16) % 10**11:011d}")
    with session_scope(db_engine) as s:
        actor = actor_for(users.get_user(s, seed.manager.username))
        first = companies.create_company(
            s,
            actor,
            {"name": f"最上セミナー精工{TAG}株式会社", "prefecture_code": "06",
             "corporate_number": number},
        )  # fmt: skip
        second = companies.create_company(
            s, actor, {"name": f"庄内セミナー物産{TAG}株式会社", "prefecture_code": "06"}
        )
        return {"first": (first.id, first.name, number), "second": (second.id, second.name)}


def test_a_seminar_with_a_cohost_its_attendees_from_a_file_and_a_consultation(
    page: Page, app_server, seed, firms, db_engine
):
    from crm.entities.outreach import Event, EventAttendee, EventCohost
    from crm.models import Consultation

    first_id, first_name, number = firms["first"]
    second_id, second_name = firms["second"]
    sign_in(page, app_server, seed.manager)
    go_to(page, "セミナー・紹介")

    title_box = page.get_by_role("textbox", name="名称 *", exact=True)
    if not title_box.is_visible():
        page.get_by_text("セミナー・イベントを登録", exact=True).first.click()
    expect(title_box).to_be_visible()
    title_box.fill(TITLE)
    choose(page, "共催（パートナー）", seed.partner_name, many=True)
    page.get_by_role("button", name="セミナー・イベントを登録").click()
    settle(page)
    expect(success_message(page, f"セミナー・イベント「{TITLE}」を登録しました。")).to_be_visible()

    # The attendee list: one row by 法人番号 (with a title line above the header), one by name
    # as the sign-up sheet wrote it, in Shift_JIS as Excel saves a CSV.
    text = (
        "セミナー参加者\r\n法人番号,企業名,参加者\r\n"
        f"{number},,山形 太郎\r\n,{second_name},庄内 花子\r\n"
    )
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": "参加者.csv", "mimeType": "text/csv", "buffer": text.encode("cp932")}]
    )
    settle(page, timeout=120_000)
    expect(page.get_by_text("2 行すべて既存の企業です")).to_be_visible()
    page.get_by_role("button", name="この内容で参加企業を登録").click()
    settle(page)
    expect(success_message(page, "参加企業を 2 社登録しました。")).to_be_visible()

    with Session(db_engine) as s:
        event = s.exec(select(Event).where(Event.title == TITLE)).one()
        assert event.hub_code == "06"
        assert len(s.exec(select(EventCohost).where(EventCohost.event_id == event.id)).all()) == 1
        attending = s.exec(
            select(EventAttendee.company_id).where(EventAttendee.event_id == event.id)
        ).all()
        assert sorted(attending) == sorted([first_id, second_id])

    go_to(page, "相談記録")
    page.get_by_role("searchbox", name="企業を検索").press_sequentially(first_name, delay=20)
    settle(page)
    settle(page)
    choose(page, "企業 *", first_name, reruns=True)
    label = f"{day_with_weekday(today_jst())} セミナー「{TITLE}」"
    choose(page, "きっかけ（セミナー・紹介）", label)
    page.get_by_label("相談内容 *", exact=True).fill("セミナーの後、社長と面談した。")
    # The firm and its seminar are what the person sees before saving.
    expect(page.get_by_role("combobox", name="企業 *")).to_have_value(first_name)
    page.get_by_role("button", name="相談を記録").click()
    settle(page)
    expect(page.get_by_text(f"{first_name} の相談")).to_be_visible()
    screenshot(page, "events-03-consultation-saved")

    with Session(db_engine) as s:
        saved = s.exec(select(Consultation).where(Consultation.company_id == first_id)).all()
        assert [(c.event_id, c.introduction_id) for c in saved] == [(event.id, None)]
