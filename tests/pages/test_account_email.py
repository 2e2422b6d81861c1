"""利用者管理: an e-mail address that ``crm remind`` could not send to is refused on the page,
with the reason under the field, and no account is made (issue 23, item 4)."""

import pytest
from sqlmodel import func, select

from crm.models import UserAccount
from tests.pages.hub_helpers import message_under

PASSWORD = "correct horse battery"
NEW = "new_user"


@pytest.fixture(autouse=True)
def _cheap_hashes(fast_password_hashing):
    pass


def _create(at):
    next(b for b in at.button if b.label == "利用者を追加").click()
    return at.run()


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("<yama@example.jp>", "メールアドレスだけを入力"),
        ("山田 <yama@example.jp>", "名前や"),
        ("山田@example.jp", "@ より前"),
        ("yama@example.jp, hana@example.jp", "1件だけ"),
    ],
)
def test_the_admin_page_refuses_an_address_that_cannot_be_sent_to(
    open_page, session, actors, typed, reason
):
    before = session.exec(select(func.count()).select_from(UserAccount)).one()
    at = open_page(actors.admin, "pages/admin_users.py", query={"panel": "利用者を追加"})
    at.text_input(key=f"{NEW}.username").input("yama")
    at.selectbox(key=f"{NEW}.role").select("secretariat")
    at.text_input(key=f"{NEW}.email").input(typed)
    at.text_input(key=f"{NEW}.password").input(PASSWORD)
    at.text_input(key=f"{NEW}.password_again").input(PASSWORD)
    _create(at)
    assert not at.exception
    shown = message_under(at, f"{NEW}.email")
    assert shown is not None and reason in shown
    session.expire_all()
    assert session.exec(select(func.count()).select_from(UserAccount)).one() == before

    at.text_input(key=f"{NEW}.email").input("yama@example.jp")  # corrected: saved
    at.text_input(key=f"{NEW}.password").input(PASSWORD)
    at.text_input(key=f"{NEW}.password_again").input(PASSWORD)
    _create(at)
    assert not at.exception and not at.error
    session.expire_all()
    stored = session.exec(select(UserAccount.email).where(UserAccount.username == "yama")).one()
    assert stored == "yama@example.jp"
