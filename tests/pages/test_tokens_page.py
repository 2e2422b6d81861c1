"""APIトークン under AppTest (issue 26, part 4): a hub manager sees and makes their hub's
tokens only, the value is shown once, revoking asks first; an administrator sees every token;
the page is in the navigation of exactly those two roles."""

import datetime as dt

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from crm.actor import SYSTEM
from crm.auth import api_tokens
from crm.models import ApiToken, AuditLog
from crm.timeutil import today_jst
from tests.pages.conftest import ROOT
from tests.pages.hub_helpers import grid_rows, message_under
from ui.views.token_admin import NEVER_USED, NEW

PAGE = "pages/tokens.py"

pytestmark = pytest.mark.usefixtures("writes_are_audited")


@pytest.fixture
def tokens(session, actors):
    made = {}
    for who, name in (
        ("manager01", "拠点の集計"),
        ("manager02", "二号の集計"),
        ("admin", "管理用"),
    ):
        made[who] = api_tokens.create_token(session, SYSTEM, who, name=name)[0].id
    session.commit()
    return made


def nav_titles(at) -> set[str]:
    # As tests/pages/test_sign_in.py reads them: what the last st.navigation registered.
    return {info["page_name"] for info in at._registered_pages.values()}


def click(at, label: str):
    next(b for b in at.button if b.label == label).click()
    return at.run()


def test_a_hub_manager_sees_only_their_hubs_tokens(open_page, actors, tokens):
    at = open_page(actors.manager01, PAGE)
    assert not at.exception
    rows = grid_rows(at)
    assert [row["用途"] for row in rows] == ["拠点の集計"]
    assert rows[0]["利用者"] == "manager01" and "拠点" not in rows[0]
    assert rows[0]["最終利用"] == NEVER_USED and rows[0]["状態"] == "有効"
    assert rows[0]["有効期限"] == "無期限"
    assert list(at.selectbox(key=f"{NEW}.username").options) == ["manager01"]


def test_an_administrator_sees_every_token(open_page, actors, tokens, session):
    api_tokens.revoke_token(session, SYSTEM, tokens["manager02"])
    session.commit()
    at = open_page(actors.admin, PAGE)
    assert not at.exception
    states = {row["用途"]: (row["状態"], row.get("拠点")) for row in grid_rows(at)}
    assert states == {
        "拠点の集計": ("有効", "北海道"),
        "二号の集計": ("失効", "青森県"),
        "管理用": ("有効", None),
    }


@pytest.mark.parametrize(
    ("who", "listed"), [("manager01", True), ("admin", True), ("secretariat", False)]
)
def test_the_page_is_in_the_navigation_of_hub_managers_and_administrators(
    open_page, actors, who, listed
):
    at = open_page(getattr(actors, who))
    assert ("APIトークン" in nav_titles(at)) is listed


def test_the_page_run_directly_refuses_the_secretariat(app_env, actors, tokens):
    """Bypassing the navigation, the page itself refuses (and the service would too)."""
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=30)
    at.session_state["actor"] = actors.secretariat
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["このページを開く権限がありません。"]
    assert not grid_rows(at) and not at.button


def test_a_made_token_is_shown_once_and_works(open_page, actors, tokens, session):
    at = open_page(actors.manager01, PAGE)
    at.text_input(key=f"{NEW}.name").input("山形県報告シート")
    expires = at.date_input(key=f"{NEW}.expires").value
    assert expires == today_jst() + dt.timedelta(days=api_tokens.DEFAULT_DAYS)
    at = click(at, "トークンを発行")
    assert not at.exception and not at.error
    shown = [c.value for c in at.code]
    assert len(shown) == 1 and shown[0].startswith(api_tokens.PREFIX)
    session.expire_all()
    row = session.exec(select(ApiToken).where(ApiToken.name == "山形県報告シート")).one()
    assert row.token_hash != shown[0] and shown[0] not in row.token_hash
    assert api_tokens.identify(session, shown[0]).id == row.id
    assert row.expires_at == api_tokens.expiry_of(expires)
    listed = {r["用途"]: r for r in grid_rows(at)}
    assert listed["山形県報告シート"]["状態"] == "有効"
    assert listed["山形県報告シート"]["有効期限"].startswith(f"{expires:%Y/%m/%d}（")
    at.run()  # any next run: the value is gone
    assert not at.code
    assert "山形県報告シート" in {r["用途"] for r in grid_rows(at)}


def test_a_purpose_is_required(open_page, actors, tokens, session):
    at = open_page(actors.manager01, PAGE)
    at = click(at, "トークンを発行")
    assert "必須項目です" in (message_under(at, f"{NEW}.name") or "")
    assert not at.code
    assert len(session.exec(select(ApiToken)).all()) == 3


def test_revoking_asks_first_then_revokes_and_audits(open_page, actors, tokens, session):
    at = open_page(actors.manager01, PAGE, query={"panel": "トークンを失効"})
    assert list(at.selectbox(key="revoke_token_pick").options) == [
        f"ID {tokens['manager01']}・拠点の集計（manager01）"
    ]
    at = click(at, "失効させる…")
    assert not session.exec(select(AuditLog).where(AuditLog.action == "token_revoke")).all()
    assert any("元に戻せません" in w.value for w in at.warning)
    at = click(at, "キャンセル")
    assert not at.warning
    session.expire_all()
    assert session.get(ApiToken, tokens["manager01"]).revoked_at is None
    at = click(at, "失効させる…")
    at = click(at, "失効を確定")
    assert not at.exception
    session.expire_all()
    assert session.get(ApiToken, tokens["manager01"]).revoked_at is not None
    entry = session.exec(select(AuditLog).where(AuditLog.action == "token_revoke")).one()
    assert (entry.username, entry.entity_id) == ("manager01", str(tokens["manager01"]))
    assert {r["用途"]: r["状態"] for r in grid_rows(at)} == {"拠点の集計": "失効"}
