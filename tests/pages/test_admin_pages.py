"""利用者管理, 監査ログ, 拠点・人材区分・パートナー and 自分のアカウント under AppTest."""

import datetime as dt

import pytest
from sqlmodel import func, select

from crm.auth.signin import authenticate
from crm.models import AuditLog, Hub, Partner, TalentCategory, UserAccount
from crm.services import reference_data, users
from tests.auth.audit_check import snapshot, unaudited
from tests.pages.hub_helpers import grid_rows, open_panel, open_saving
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


def column(at, title: str) -> list[str]:
    return [row.get(title, "") for row in grid_rows(at)]


def by_user(at) -> dict[str, dict[str, str]]:
    return {row["利用者名"]: row for row in grid_rows(at)}


def total(at) -> int:
    """The count the pager states (「全 N 件中 …」), 0 when the list is empty."""
    for caption in at.caption:
        if caption.value.startswith("全 "):
            return int(caption.value.split()[1].replace(",", ""))
    return 0


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
    rows = by_user(at)
    assert rows["yamagata"]["ロック"].startswith("ロック中（")  # until a moment in words
    assert "T" not in rows["yamagata"]["ロック"] and "（" in rows["yamagata"]["ロック"][5:]
    assert rows["yamagata"]["状態"] == "ロック中" and rows["yamagata"]["拠点"] == "山形県"
    assert rows["manager01"]["ロック"] == "—" and rows["manager01"]["状態"] == "有効"
    assert "yamagata" in at.warning[0].value
    open_panel(at, "accounts")
    at.multiselect(key="accounts.view.state").select("locked").run()
    assert list(by_user(at)) == ["yamagata"]
    at.multiselect(key="accounts.view.state").set_value([]).run()
    at.selectbox(key="admin_user_pick").select("yamagata").run()
    click(at, "ロックを解除")
    assert not at.exception
    assert by_user(at)["yamagata"]["ロック"] == "—"
    assert by_user(at)["yamagata"]["状態"] == "有効"
    session.expire_all()
    assert authenticate(session, "yamagata", PASSWORD).ok


def test_admin_creates_disables_and_resets_password(open_page, session, actors):
    before = snapshot(session)
    # Only the open tab is built: the form to add an account is opened by its address.
    at = open_page(actors.admin, "pages/admin_users.py", query={"panel": "利用者を追加"})
    assert not [w for w in at.selectbox if w.key == "admin_user_pick"]  # the other tab: not built
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
    assert "akita" in by_user(at)

    at = open_page(actors.admin, "pages/admin_users.py")  # the first tab: an account's forms
    assert not [w for w in at.text_input if w.key == "new_user.username"]  # not built now
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


def _entries(session, *where) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(AuditLog).where(*where)).one()


# What the list component draws beside every list (saved views and the export of the view):
# none of it changes an entry of the trail.
VIEW_MENU_BUTTONS = {"保存", "ファイルを作成"}


def test_audit_log_filters_and_offers_no_edit(open_page, session, actors):
    make_company(session, actors.manager01, name="一号の会社")
    make_company(session, actors.manager02, name="二号の会社")
    authenticate(session, "manager01", "no password set")
    session.commit()
    at = open_page(actors.admin, "pages/audit.py")
    assert not at.exception
    assert total(at) == _entries(session)  # every entry, of every hub
    assert {"サインイン失敗", "作成"} <= set(column(at, "操作"))
    # The test accounts were made by the app itself: its name in Japanese, not "system".
    assert "システム" in column(at, "利用者") and "system" not in column(at, "利用者")
    assert any("企業名: （なし） → 一号の会社" in c for c in column(at, "内容"))
    assert all(moment[4] == "/" and "（" in moment for moment in column(at, "日時"))

    open_panel(at, "audit")
    at.multiselect(key="audit.view.hub_code").select("02").run()
    assert not at.exception
    assert set(column(at, "拠点")) == {"青森県"} and "manager01" not in column(at, "利用者")
    assert any("二号の会社" in c for c in column(at, "内容"))
    assert total(at) == _entries(session, AuditLog.hub_code == "02")
    assert at.query_params["hub_code"] in ("02", ["02"])  # the view is in the address
    at.multiselect(key="audit.view.hub_code").set_value([])
    at.multiselect(key="audit.view.action").select("sign_in_failed").run()
    assert column(at, "利用者") == ["manager01"]
    assert column(at, "内容") == ["パスワードの誤り"]
    at.multiselect(key="audit.view.action").set_value([])
    at.text_input(key="audit.view.q").input("manager02").run()
    assert set(column(at, "利用者")) == {"manager02"}
    assert total(at) == _entries(session, AuditLog.username == "manager02")
    at.date_input(key="audit.view.from").set_value(dt.date(2020, 1, 1))
    at.date_input(key="audit.view.to").set_value(dt.date(2020, 1, 31)).run()
    assert any("条件に合う記録はありません" in i.value for i in at.info)
    # Read-only: filters only, nothing that could change an entry.
    assert {b.label for b in at.main.button} <= VIEW_MENU_BUTTONS
    assert not at.data_editor
    open_saving(at, "audit")  # the one form: saving the view, built when its popover opens
    assert [f.proto.form.form_id for f in at.get("form")] == ["audit.view.save.form"]


def test_audit_log_deep_link_to_one_record(open_page, session, actors):
    company = make_company(session, actors.manager01, name="履歴を見る会社")
    make_company(session, actors.manager01, name="別の会社")
    session.commit()
    at = open_page(
        actors.admin, "pages/audit.py", query={"entity": "company", "entity_id": str(company.id)}
    )
    assert not at.exception
    assert column(at, "対象") == [f"企業（記録ID {company.id}）"]
    assert any("記録だけを表示しています" in i.value for i in at.info)
    # Without the record, the list keeps the kind the link named (its 対象 filter).
    click(at, "絞り込みを解除")
    assert not at.exception and "entity_id" not in at.query_params
    assert len(column(at, "対象")) == _entries(session, AuditLog.entity == "company") == 2


def test_audit_log_older_links_still_filter(open_page, session, actors):
    make_company(session, actors.manager01, name="一号の会社")
    make_company(session, actors.manager02, name="二号の会社")
    session.commit()
    at = open_page(actors.admin, "pages/audit.py", query={"hub": "02", "user": "manager02"})
    assert not at.exception
    assert set(column(at, "拠点")) == {"青森県"} and set(column(at, "利用者")) == {"manager02"}
    assert total(at) == _entries(
        session, AuditLog.hub_code == "02", AuditLog.username == "manager02"
    )


def test_the_accounts_list_sorted_filtered_and_searched(open_page, session, actors):
    users.create_user(session, actors.admin, username="yamagata", role="hub_manager", hub_code="06")
    users.create_user(session, actors.admin, username="akita", role="hub_manager", hub_code="05")
    users.set_active(session, actors.admin, "akita", False)
    signed_in = session.exec(select(UserAccount).where(UserAccount.username == "manager02")).one()
    signed_in.last_sign_in_at = dt.datetime(2026, 12, 7, 11, 27, tzinfo=dt.UTC)
    session.commit()
    at = open_page(actors.admin, "pages/admin_users.py")
    assert not at.exception
    every = session.exec(select(UserAccount.username).order_by(UserAccount.username)).all()
    assert column(at, "利用者名") == list(every)  # by name, ア to ン (A to Z)
    assert by_user(at)["manager02"]["最終サインイン"] == "2026/12/07（月） 20:27"
    assert by_user(at)["akita"]["状態"] == "停止"

    open_panel(at, "accounts")
    at.selectbox(key="accounts.view.sort").set_value("last_sign_in_at")
    at.selectbox(key="accounts.view.order").set_value("desc").run()
    assert column(at, "利用者名")[0] == "manager02"  # the one who signed in, then the rest
    at.multiselect(key="accounts.view.role").select("hub_manager")
    at.multiselect(key="accounts.view.hub_code").select("05").select("06").run()
    assert sorted(column(at, "利用者名")) == ["akita", "yamagata"]
    at.multiselect(key="accounts.view.state").select("disabled").run()
    assert column(at, "利用者名") == ["akita"]
    at.multiselect(key="accounts.view.state").set_value([])
    at.text_input(key="accounts.view.q").input("YAMA").run()
    assert column(at, "利用者名") == ["yamagata"]
    assert at.query_params["q"] in ("YAMA", ["YAMA"])


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
    at = open_page(actors.admin, "pages/admin_reference.py", query={"tab": "人材区分"})
    assert not [s for s in at.selectbox if s.key == "ref.hub"]  # only the open tab is built
    at.text_input(key="new_category.code").input("digital")
    at.text_input(key="new_category.name_ja").input("DX人材")
    click(at, "追加", "new_category")
    assert not at.exception
    at.query_params["tab"] = "パートナー"
    at.run()
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
