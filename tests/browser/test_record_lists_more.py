"""企業 and フォローアップ through the one list component in Chromium: each list searched or
narrowed, filtered and sorted with its controls, the rows and count checked against the
server's database, and the view carried in the address."""

import datetime as dt
import re

from playwright.sync_api import Page, expect
from sqlalchemy import func
from sqlmodel import Session, col, select

from crm.actor import actor_for
from crm.db import session_scope
from crm.models import Company, FollowUp
from crm.services import followups, users
from crm.timeutil import today_jst
from tests.browser.helpers import choose, first_row, screenshot, settle, sign_in
from tests.utils.factories import make_company

FIRMS = "並べ替え確認"
KANA = ("ナラベカクニンア", "ナラベカクニンカ", "ナラベカクニンサ", "ナラベカクニンタ")


def _shows(page: Page, total: int, first: str) -> None:
    expect(page.get_by_text(f"全 {total:,} 件中 1〜", exact=False)).to_be_visible()
    expect(first_row(page)).to_contain_text(first)


def _firms(engine, hub: str, industry: str, *, by: str, descending: bool) -> tuple[int, str]:
    """(how many, the first name) of the hub's test firms of ``industry`` in the view's order."""
    with Session(engine) as s:
        chosen = (
            Company.hub_code == hub,
            Company.industry == industry,
            col(Company.name).startswith(FIRMS),
            col(Company.merged_into).is_(None),
        )
        total = s.exec(select(func.count()).select_from(Company).where(*chosen)).one()
        column, ident = col(getattr(Company, by)), col(Company.id)
        order = (column.desc(), ident.desc()) if descending else (column.asc(), ident.asc())
        first = s.exec(select(Company.name).where(*chosen).order_by(*order)).first()
    return total, str(first)


def test_the_firm_list_searched_filtered_and_sorted(page, app_server, seed, db_engine):
    with session_scope(db_engine) as s:
        manager = actor_for(users.get_user(s, seed.manager.username))
        for n, kana in enumerate(KANA):
            make_company(
                s, manager, name=f"{FIRMS}{n}株式会社", kana=kana, industry="E" if n < 3 else "D"
            )
    hub = seed.manager.hub_code
    sign_in(page, app_server, seed.manager)
    page.goto(f"{app_server}/companies?industry=E")
    settle(page)
    page.get_by_role("textbox", name="検索", exact=True).fill(FIRMS)
    page.keyboard.press("Enter")
    settle(page)
    _shows(page, *_firms(db_engine, hub, "E", by="kana_key", descending=False))
    expect(page).to_have_url(re.compile(r"industry=E"))
    screenshot(page, "record-lists-more-01-firms")

    choose(page, "順序", "降順（ン→ア）", reruns=True)
    expect(page).to_have_url(re.compile(r"order=desc"))
    _shows(page, *_firms(db_engine, hub, "E", by="kana_key", descending=True))

    choose(page, "並べ替え", "登録日時", reruns=True)
    expect(page).to_have_url(re.compile(r"sort=created_at"))
    _shows(page, *_firms(db_engine, hub, "E", by="created_at", descending=True))

    # Another division, from the filter's menu: 建設業 as well as 製造業.
    choose(page, "業種", "建設業", reruns=True, many=True)
    expect(page).to_have_url(re.compile(r"industry=E(,|%2C)D"))
    total, _ = _firms(db_engine, hub, "E", by="created_at", descending=True)
    construction, newest = _firms(db_engine, hub, "D", by="created_at", descending=True)
    _shows(page, total + construction, newest)  # the D firm was registered last

    page.reload()
    settle(page)
    _shows(page, total + construction, newest)


def _follow_ups(engine, company: int, *, done: bool | None, descending: bool) -> tuple[int, str]:
    """(how many, the first notes) of the firm's follow-ups (done, open or all) in order."""
    with Session(engine) as s:
        chosen = [FollowUp.company_id == company]
        if done is not None:
            finished = col(FollowUp.done_on)
            chosen.append(finished.is_not(None) if done else finished.is_(None))
        total = s.exec(select(func.count()).select_from(FollowUp).where(*chosen)).one()
        due, ident = col(FollowUp.due_on), col(FollowUp.id)
        order = (due.desc(), ident.desc()) if descending else (due.asc(), ident.asc())
        first = s.exec(select(FollowUp.notes).where(*chosen).order_by(*order)).first()
    return total, str(first)


def test_the_follow_up_list_filtered_and_sorted(page, app_server, seed, db_engine):
    today = today_jst()
    with session_scope(db_engine) as s:
        manager = actor_for(users.get_user(s, seed.manager.username))
        firm = make_company(s, manager, name="フォロー並べ確認株式会社")
        for n, days in enumerate((-20, -5, 3, 30, -60, -40)):
            made = followups.schedule_follow_up(
                s,
                manager,
                {
                    "company_id": firm.id,
                    "due_on": today + dt.timedelta(days=days),
                    "notes": f"並べ確認{n}",
                },
            )
            if n >= 4:
                followups.complete_follow_up(s, manager, made.id, made.version, done_on=today)
        company = firm.id
    sign_in(page, app_server, seed.manager)
    page.goto(f"{app_server}/followups?company={company}")
    settle(page)
    # Open ones by default, the most overdue first.
    _shows(page, *_follow_ups(db_engine, company, done=False, descending=False))

    page.get_by_text("並べ替え・絞り込み・表示する列").click()  # closed: the default view
    choose(page, "順序", "新しい順", reruns=True)
    expect(page).to_have_url(re.compile(r"order=desc"))
    _shows(page, *_follow_ups(db_engine, company, done=False, descending=True))
    screenshot(page, "record-lists-more-02-follow-ups")

    # Every state (from the address), then only the done ones (from the filter's menu).
    page.goto(f"{app_server}/followups?company={company}&state=all&order=desc")
    settle(page)
    _shows(page, *_follow_ups(db_engine, company, done=None, descending=True))
    choose(page, "状態", "完了", reruns=True, many=True)
    expect(page).to_have_url(re.compile(r"state=done"))
    _shows(page, *_follow_ups(db_engine, company, done=True, descending=True))
