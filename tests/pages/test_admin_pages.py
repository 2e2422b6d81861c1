"""利用者管理, 監査ログ, 拠点・人材区分・パートナー and 自分のアカウント under AppTest."""

import datetime as dt

import pytest
from sqlmodel import select

from crm.auth.signin import authenticate
from crm.models import AuditLog, Hub, Partner, TalentCategory, UserAccount
from crm.services import reference_data, users
from tests.auth.audit_check import snapshot, unaudited
from tests.utils.factories import make_company

# Every write these tests make (through the pages) leaves its audit entries.
pytestmark = pytest.mark.usefixtures("writes_are_audited")

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _cheap_hashes(fast_password_hashing):
    pass


def click(at, label: str, form: str | None = None):
    next(b for b in at.button if b.label == label and (form is None or b.form_id == form)).click()
    return at.run()


def table(at, column: str):
    """The first dataframe that has ``column``, as a pandas frame."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_admin_sees_lock_state_and_unlocks(open_page, session, actors):
    users.create_user(
        session,
        actors.admin,
        username="yamagata",
        role="hub_manager",
        hub_code="06",
        password=PASSWORD,
    )
    for _ in range(5):
        authenticate(session, "yamagata", "wrong guess!")
    session.commit()
    at = open_page(actors.admin, "pages/admin_users.py")
    assert not at.exception
    frame = table(at, "ロック").set_index("利用者名")
    assert frame.loc["yamagata", "ロック"].startswith("ロック中")
    assert frame.loc["manager01", "ロック"] == "—"
    assert "yamagata" in at.warning[0].value
    at.selectbox(key="admin_user_pick").select("yamagata").run()
    click(at, "ロックを解除")
    assert not at.exception
    assert table(at, "ロック").set_index("利用者名").loc["yamagata", "ロック"] == "—"
    session.expire_all()
    assert authenticate(session, "yamagata", PASSWORD).ok


def test_admin_creates_disables_and_resets_password(open_page, session, actors):
    before = snapshot(session)
    at = open_page(actors.admin, "pages/admin_users.py")
    at.text_input(key="new_user.username").input("akita")
    at.text_input(key="new_user.display_name").input("秋田 次郎")
    at.selectbox(key="new_user.role").select("hub_manager")
    at.selectbox(key="new_user.hub_code").select("05")
    at.text_input(key="new_user.password").input("short")
    at.text_input(key="new_user.password_again").input("short")
    click(at, "利用者を追加")
    assert any("10文字以上" in e.value for e in at.error)
    assert at.text_input(key="new_user.username").value == "akita"  # input kept …
    assert at.text_input(key="new_user.password").value == ""  # … but never the password
    at.text_input(key="new_user.password").input(PASSWORD)
    at.text_input(key="new_user.password_again").input(PASSWORD)
    click(at, "利用者を追加")
    assert not at.exception and not at.error
    assert "akita" in list(table(at, "ロック")["利用者名"])

    at.selectbox(key="admin_user_pick").select("akita").run()
    click(at, "利用停止にする")
    session.expire_all()
    assert not users.get_user(session, "akita").active
    assert not authenticate(session, "akita", PASSWORD).ok
    click(at, "利用を再開")

    new_pw, again = [t for t in at.text_input if t.form_id == "reset_password"]
    new_pw.input("a different password")
    again.input("a different password")
    click(at, "パスワードを再設定", "reset_password")
    assert not at.exception and not at.error
    session.expire_all()
    assert authenticate(session, "akita", "a different password").ok
    session.rollback()
    assert unaudited(session, before) == []
    actions = session.exec(
        select(AuditLog.action).where(AuditLog.username == "admin").order_by(AuditLog.id)
    ).all()
    assert actions[-4:] == ["create", "disable", "enable", "password_reset"]


def test_audit_log_filters_and_offers_no_edit(open_page, session, actors):
    make_company(session, actors.manager01, name="一号の会社")
    make_company(session, actors.manager02, name="二号の会社")
    authenticate(session, "manager01", "no password set")
    session.commit()
    at = open_page(actors.admin, "pages/audit.py")
    assert not at.exception
    frame = table(at, "操作")
    assert {"サインイン失敗", "作成"} <= set(frame["操作"])
    assert any("一号の会社" in c for c in frame["変更内容（変更前 → 変更後）"])

    at.selectbox(key="audit.hub").select("02").run()
    frame = table(at, "操作")
    assert set(frame["拠点"]) == {"02"} and "manager01" not in set(frame["利用者"])
    assert any("二号の会社" in c for c in frame["変更内容（変更前 → 変更後）"])
    at.selectbox(key="audit.hub").select(None)
    at.selectbox(key="audit.action").select("sign_in_failed").run()
    assert list(table(at, "操作")["利用者"]) == ["manager01"]
    at.date_input(key="audit.period").set_value((dt.date(2020, 1, 1), dt.date(2020, 1, 31))).run()
    assert any("条件に合う記録はありません" in i.value for i in at.info)
    # Read-only: filters only, nothing that could change an entry.
    assert not at.main.button and not at.data_editor and not at.get("form")


def test_audit_log_deep_link_to_one_record(open_page, session, actors):
    company = make_company(session, actors.manager01, name="履歴を見る会社")
    make_company(session, actors.manager01, name="別の会社")
    session.commit()
    at = open_page(
        actors.admin, "pages/audit.py", query={"entity": "company", "entity_id": str(company.id)}
    )
    frame = table(at, "操作")
    assert list(frame["記録ID"]) == [str(company.id)]


def test_reference_data_hub_switch_and_stale_edit(open_page, session, actors):
    at = open_page(actors.admin, "pages/admin_reference.py")
    assert not at.exception
    at.selectbox(key="ref.hub").select("47").run()
    at.checkbox(key="hub.47.active").uncheck()
    # Another administrator switches it off first: this save is refused, the input kept.
    reference_data.set_hub_active(session, actors.admin, "47", False, 1)
    reference_data.set_hub_active(session, actors.admin, "47", True, 2)
    session.commit()
    click(at, "保存", "hub.47")
    assert any("他の利用者" in e.value for e in at.error)
    assert at.checkbox(key="hub.47.active").value is False
    session.expire_all()
    assert session.get(Hub, "47").active
    # Having seen it, saving again applies.
    click(at, "保存", "hub.47")
    session.expire_all()
    assert not session.get(Hub, "47").active


def test_reference_data_category_and_partner_are_added(open_page, session, actors):
    at = open_page(actors.admin, "pages/admin_reference.py")
    at.text_input(key="new_category.code").input("digital")
    at.text_input(key="new_category.name_ja").input("DX人材")
    click(at, "追加", "new_category")
    assert not at.exception
    at.text_input(key="new_partner.name").input("みちのく銀行")
    at.selectbox(key="new_partner.kind").select("regional_bank")
    click(at, "追加", "new_partner")
    assert not at.exception
    session.expire_all()
    assert (
        session.exec(select(TalentCategory.name_ja).where(TalentCategory.code == "digital")).one()
        == "DX人材"
    )
    assert (
        session.exec(select(Partner.kind).where(Partner.name == "みちのく銀行")).one()
        == "regional_bank"
    )


def test_own_account_password_change(open_page, session, actors):
    users.reset_password(session, actors.admin, "manager01", PASSWORD)
    session.commit()
    at = open_page(actors.manager01, "pages/account.py")
    assert not at.exception
    current, new, again = [t for t in at.text_input if t.form_id == "change_password"]
    current.input("wrong current password")
    new.input("my new password 1")
    again.input("my new password 1")
    click(at, "パスワードを変更")
    assert any("現在のパスワードが正しくありません" in e.value for e in at.error)
    current, new, again = [t for t in at.text_input if t.form_id == "change_password"]
    assert (current.value, new.value, again.value) == ("", "", "")  # never kept
    current.input(PASSWORD)
    new.input("my new password 1")
    again.input("my new password 1")
    click(at, "パスワードを変更")
    assert any("パスワードを変更しました" in s.value for s in at.success)
    at.run()  # this session stays signed in under the new epoch
    assert at.title[0].value == "自分のアカウント"
    session.expire_all()
    assert authenticate(session, "manager01", "my new password 1").ok
    assert (
        session.exec(
            select(UserAccount.session_epoch).where(UserAccount.username == "manager01")
        ).one()
        == 2
    )  # reset, then change


def test_admin_edits_an_account_and_a_bad_edit_writes_nothing(open_page, session, actors):
    before = snapshot(session)
    at = open_page(actors.admin, "pages/admin_users.py")
    at.selectbox(key="admin_user_pick").select("manager02").run()
    version = users.get_user(session, "manager02").version
    prefix = "edit_user.manager02"
    at.selectbox(key=f"{prefix}.role").select("secretariat")  # still has hub 02: refused
    click(at, "変更を保存")
    assert any("拠点" in e.value for e in at.error)
    session.expire_all()
    assert users.get_user(session, "manager02").role == "hub_manager"

    at.selectbox(key=f"{prefix}.role").select("hub_manager")
    at.selectbox(key=f"{prefix}.hub_code").select("06")
    at.text_input(key=f"{prefix}.display_name").input("山形 花子")
    at.text_input(key=f"{prefix}.email").input("hanako@example.jp")
    click(at, "変更を保存")
    assert not at.exception and not at.error
    session.expire_all()
    edited = users.get_user(session, "manager02")
    assert (edited.hub_code, edited.display_name, edited.email) == (
        "06",
        "山形 花子",
        "hanako@example.jp",
    )
    assert edited.version == version + 1
    session.rollback()
    assert unaudited(session, before) == []
