"""Sign-in through the real entry script under AppTest: refusals, lock-out, role navigation,
inactivity, sign-out and sign-out everywhere, single sign-on."""

import datetime as dt

import pytest
from sqlalchemy import update
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from crm.actor import SYSTEM, actor_for
from crm.auth import sessions
from crm.auth.signin import REFUSED
from crm.models import AuditLog, UserAccount
from crm.services import users
from crm.timeutil import utcnow
from tests.pages.conftest import ROOT
from tests.utils.factories import make_company

# Every write these tests make (through the pages) leaves its audit entries.
pytestmark = pytest.mark.usefixtures("writes_are_audited")

PASSWORD = "correct horse battery"
HUB_PAGES = {"拠点ダッシュボード", "企業", "相談記録", "人材ニーズ", "成約", "フォローアップ"}
ADMIN_PAGES = {"利用者管理", "監査ログ", "拠点・人材区分・パートナー"}


@pytest.fixture
def accounts(app_env, fast_password_hashing):
    with Session(app_env) as s:
        users.create_user(
            s,
            SYSTEM,
            username="m01",
            role="hub_manager",
            hub_code="01",
            display_name="北海道 一郎",
            email="m01@example.jp",
            password=PASSWORD,
        )
        users.create_user(s, SYSTEM, username="office", role="secretariat", password=PASSWORD)
        users.create_user(s, SYSTEM, username="boss", role="admin", password=PASSWORD)
        s.commit()
    return app_env


def new_app() -> AppTest:
    return AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30)


def submit(at: AppTest, username: str, password: str) -> AppTest:
    fields = {t.label: t for t in at.text_input}
    fields["利用者名"].input(username)
    fields["パスワード"].input(password)
    next(b for b in at.button if b.label == "サインイン").click()
    return at.run()


def signed_in_app(username: str) -> AppTest:
    at = new_app().run()
    return submit(at, username, PASSWORD)


def pages(at: AppTest) -> set[str]:
    # AppTest keeps the pages the last st.navigation call registered (no public accessor).
    return {info["page_name"] for info in at._registered_pages.values()}


def on_sign_in_page(at: AppTest) -> bool:
    return pages(at) == {"サインイン"} and any(t.label == "パスワード" for t in at.text_input)


def audit_actions(engine, username: str) -> list[str]:
    with Session(engine) as s:
        return list(
            s.exec(
                select(AuditLog.action).where(AuditLog.username == username).order_by(AuditLog.id)
            ).all()
        )


def test_wrong_password_lock_then_sign_in_and_sign_out(accounts):
    at = new_app().run()
    assert on_sign_in_page(at) and not at.exception
    submit(at, "m01", "not the password")
    assert [e.value for e in at.error] == [REFUSED]
    assert on_sign_in_page(at)
    for attempt in range(4):
        submit(at, "m01", f"still wrong {attempt}")
    # Locked now, but the page tells the person signing in nothing a stranger could not see …
    assert [e.value for e in at.error] == [REFUSED]
    submit(at, "m01", PASSWORD)  # … and the right password does not open a locked account
    assert [e.value for e in at.error] == [REFUSED] and on_sign_in_page(at)

    with Session(accounts) as s:  # fifteen minutes later
        s.execute(
            update(UserAccount)
            .where(UserAccount.username == "m01")
            .values(locked_until=utcnow() - dt.timedelta(seconds=1))
        )
        s.commit()
    submit(at, "m01", PASSWORD)
    assert not at.exception
    assert pages(at) >= HUB_PAGES | {"自分のアカウント"}
    assert not pages(at) & ADMIN_PAGES
    assert any("北海道 一郎（拠点マネージャー・北海道）" in c.value for c in at.sidebar.caption)

    next(b for b in at.sidebar.button if b.label == "サインアウト").click()
    at.run()
    assert on_sign_in_page(at)
    assert "サインアウトしました。" in [i.value for i in at.info]
    assert audit_actions(accounts, "m01") == [
        *["sign_in_failed"] * 5,
        "account_locked",
        "sign_in_failed",
        "sign_in",
        "sign_out",
    ]


@pytest.mark.parametrize(
    ("username", "present", "absent"),
    [
        ("m01", HUB_PAGES | {"自分のアカウント"}, ADMIN_PAGES),
        ("office", {"拠点ダッシュボード", "企業", "人材ニーズ", "自分のアカウント"}, ADMIN_PAGES),
        ("boss", ADMIN_PAGES | {"自分のアカウント"}, HUB_PAGES),
    ],
)
def test_navigation_shows_what_the_role_may_open(accounts, username, present, absent):
    at = signed_in_app(username)
    assert not at.exception
    assert pages(at) >= present
    assert not pages(at) & absent


def test_inactivity_ends_the_session(accounts, monkeypatch):
    monkeypatch.setenv("CRM_SESSION_IDLE_MINUTES", "20")
    at = signed_in_app("office")
    later = utcnow() + dt.timedelta(minutes=21)  # no interaction for 21 minutes
    monkeypatch.setattr(sessions, "utcnow", lambda: later)
    at.run()
    assert on_sign_in_page(at)
    assert any("一定時間操作がなかった" in i.value for i in at.info)


def test_sign_out_everywhere_ends_the_other_browser_too(accounts):
    laptop, phone = signed_in_app("m01"), signed_in_app("m01")
    next(b for b in laptop.sidebar.button if b.label == "全端末からサインアウト").click()
    laptop.run()
    assert on_sign_in_page(laptop)
    phone.run()
    assert on_sign_in_page(phone)
    assert any("全端末からのサインアウト" in i.value for i in phone.info)


def test_an_anonymous_deep_link_shows_only_the_sign_in_page(accounts):
    with Session(accounts, expire_on_commit=False) as s:
        company = make_company(s, actor_for(users.get_user(s, "m01")), name="秘密の取引先株式会社")
        s.commit()
    at = new_app()
    at.query_params["company"] = str(company.id)
    at.run()
    assert on_sign_in_page(at)
    assert "秘密の取引先" not in str(at._tree)


def test_pages_refuse_a_role_that_the_navigation_hides(app_env, actors):
    """The navigation is comfort; a page opened anyway refuses on its own."""
    for page in ("pages/admin_users.py", "pages/audit.py", "pages/admin_reference.py"):
        at = AppTest.from_file(str(ROOT / page), default_timeout=30)
        at.session_state["actor"] = actors.secretariat
        at.run()
        assert [e.value for e in at.error] == ["このページを開く権限がありません。"], page
        assert not at.dataframe


def test_demo_credentials_hint_is_shown_when_the_file_exists(accounts):
    path = accounts.url.database
    hint = __import__("pathlib").Path(path).parent / "demo-credentials.txt"
    assert not any("demo-credentials" in i.value for i in new_app().run().info)
    hint.write_text("admin / example\n", encoding="utf-8")
    at = new_app().run()
    assert any(str(hint) in i.value for i in at.info)
    assert "example" not in str(at._tree)  # the page says where, not what


SSO_SECRETS = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a test cookie secret that is long enough",
    "client_id": "crm",
    "client_secret": "s3cret",
    "server_metadata_url": "https://idp.example.jp/.well-known/openid-configuration",
}


def sso_app(user: dict) -> AppTest:
    at = new_app()
    at.secrets["auth"] = SSO_SECRETS
    at.user = user
    return at.run()


def test_sso_signs_in_the_account_with_that_email(accounts):
    at = sso_app({"is_logged_in": True, "email": "M01@example.jp", "email_verified": True})
    assert not at.exception
    assert pages(at) >= HUB_PAGES
    assert at.session_state["actor"].username == "m01"
    assert audit_actions(accounts, "m01")[-1] == "sign_in"


def test_sso_with_an_unknown_email_gets_no_access(accounts):
    at = sso_app({"is_logged_in": True, "email": "someone@else.example", "email_verified": True})
    assert on_sign_in_page(at)
    # (shown as text: a zero-width space keeps the address from becoming a link)
    assert any("someone@else.example" in e.value.replace("\u200b", "") for e in at.error)
    assert "actor" not in at.session_state or at.session_state["actor"] is None


def test_sso_button_is_offered_when_configured(accounts):
    at = sso_app({"is_logged_in": False})
    assert any(b.label == "シングルサインオン（SSO）でサインイン" for b in at.button)
    plain = new_app().run()
    assert not any("シングルサインオン" in b.label for b in plain.button)


def test_sso_misconfiguration_is_a_message_not_a_trace(accounts):
    # AppTest's secrets do not reach st.login's own check of .streamlit/secrets.toml, so the
    # click meets "no provider configured", as a server with an incomplete [auth] would.
    at = sso_app({"is_logged_in": False})
    next(b for b in at.button if b.label == "シングルサインオン（SSO）でサインイン").click()
    at.run()
    assert not at.exception
    assert any("シングルサインオンの設定が不完全" in e.value for e in at.error)
