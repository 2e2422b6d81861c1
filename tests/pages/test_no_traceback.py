"""No traceback ever reaches a user: bad or huge ids in deep links say 「見つかりません」, a NUL in
the sign-in name is an ordinary refusal, and an unexpected error shows a Japanese message with a
reference that the server log carries with the traceback. On SQLite and on PostgreSQL (which
rejects NUL in text and ids beyond 2^31-1 with SQL errors)."""

import logging
import re

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from crm.actor import SYSTEM
from crm.auth.signin import REFUSED
from crm.services import users
from tests.pages.conftest import ROOT
from tests.utils.factories import make_company
from ui import failures

NOT_FOUND = "見つかりません"
PASSWORD = "correct horse battery"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request):
    return request.getfixturevalue(f"{request.param}_engine")


def shown(at) -> list[str]:
    """Every text the page shows (Markdown bodies, labels, table cells)."""
    texts = []
    for kind in ("markdown", "title", "subheader", "caption", "info", "warning", "error", "toast"):
        texts += [str(e.value) for e in getattr(at, kind)]
    texts += [str(e.value) for e in at.exception]
    for frame in at.dataframe:
        texts += [str(c) for c in frame.value.to_numpy().ravel()]
    return texts


def assert_no_trace(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    for text in shown(at):
        assert "Traceback" not in text, text
        assert not re.search(r"\.py\b|/srv/|site-packages|sqlalchemy|psycopg|SELECT ", text), text


DEEP_LINKS = [
    ("pages/companies.py", "company", "99999999999999999999"),
    ("pages/companies.py", "company", "2147483648"),  # one beyond the largest id
    ("pages/companies.py", "company", "abc"),
    ("pages/companies.py", "company", "1\x00"),
    ("pages/companies.py", "company", "-1"),
    ("pages/companies.py", "company", "1e30"),
    ("pages/needs.py", "need", "-1"),
    ("pages/needs.py", "need", "0"),
    ("pages/needs.py", "need", "9" * 5000),
    ("pages/needs.py", "company", "99999999999999999999"),
    ("pages/needs.py", "consultation", "\x00"),
    ("pages/placements.py", "need", "99999999999999999999"),
    ("pages/consultations.py", "company", "abc"),
    ("pages/followups.py", "company", "-5"),
]


@pytest.mark.parametrize(("page", "param", "value"), DEEP_LINKS, ids=repr)
def test_a_bad_id_in_a_deep_link_says_not_found(open_page, actors, page, param, value):
    at = open_page(actors.manager01, page, query={param: value})
    assert_no_trace(at)
    assert any(NOT_FOUND in w.value for w in at.warning), [w.value for w in at.warning]


@pytest.mark.parametrize(
    ("page", "param"), [("pages/companies.py", "company"), ("pages/needs.py", "need")]
)
def test_the_largest_id_is_looked_up_and_not_found(open_page, actors, page, param):
    at = open_page(actors.manager01, page, query={param: str(2**31 - 1)})
    assert_no_trace(at)
    assert any(NOT_FOUND in e.value for e in at.error), [e.value for e in at.error]


def test_a_valid_deep_link_still_opens_the_record(open_page, session, actors):
    """The control: the checks above refuse bad ids, not ids."""
    firm = make_company(session, actors.manager01, name="山形精密株式会社")
    session.commit()
    at = open_page(actors.manager01, "pages/companies.py", query={"company": f" {firm.id} "})
    assert_no_trace(at)
    assert at.title[0].value == "山形精密株式会社"
    assert not at.warning


@pytest.fixture
def account(app_env, fast_password_hashing):
    with Session(app_env) as s:
        users.create_user(
            s, SYSTEM, username="m01", role="hub_manager", hub_code="01", password=PASSWORD
        )
        s.commit()


def sign_in(username: str, password: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30).run()
    fields = {t.label: t for t in at.text_input}
    fields["利用者名"].input(username)
    fields["パスワード"].input(password)
    next(b for b in at.button if b.label == "サインイン").click()
    return at.run()


@pytest.mark.parametrize(
    ("username", "password"),
    [("m0\x001", PASSWORD), ("\x00", "x"), ("m01\x00", PASSWORD), ("m01", "correct\x00horse")],
    ids=repr,
)
def test_a_nul_in_the_sign_in_form_is_an_ordinary_refusal(account, username, password):
    at = sign_in(username, password)
    assert_no_trace(at)
    assert [e.value for e in at.error] == [REFUSED]
    assert any(t.label == "パスワード" for t in at.text_input)  # still the sign-in form


def test_the_account_itself_still_signs_in(account):
    """The control: the form and the account work; only the NUL was refused."""
    at = sign_in("m01", PASSWORD)
    assert_no_trace(at)
    assert not at.error
    assert any(b.label == "サインアウト" for b in at.sidebar.button)


@pytest.fixture
def server_log(caplog):
    """What ui.failures writes to the server log."""
    failures.LOG.addHandler(caplog.handler)
    caplog.set_level(logging.ERROR, logger=failures.LOG.name)
    yield caplog
    failures.LOG.removeHandler(caplog.handler)


def test_an_unexpected_error_shows_a_reference_and_logs_the_traceback(
    open_page, actors, monkeypatch, server_log
):
    def broken(*args, **kwargs):
        raise RuntimeError("disk I/O error in /srv/crm/secret_module.py")

    # A fault the page does not expect, raised inside its first database read.
    monkeypatch.setattr("crm.services.lookups.find_companies", broken)
    at = open_page(actors.manager01, "pages/companies.py")
    assert_no_trace(at)
    assert "disk I/O error" not in " ".join(shown(at))
    [message] = [e.value for e in at.error]
    reference = re.search(r"参照番号「(E-[0-9A-F]{8})」", message)
    assert reference, message
    assert message.startswith("予期しないエラーが発生しました。")

    [record] = [r for r in server_log.records if reference.group(1) in r.getMessage()]
    logged = server_log.handler.format(record)
    assert "Traceback (most recent call last)" in logged
    assert "RuntimeError: disk I/O error in /srv/crm/secret_module.py" in logged
    assert "pages/companies.py" in logged


def test_each_error_gets_its_own_reference(open_page, actors, monkeypatch, server_log):
    monkeypatch.setattr(
        "crm.services.lookups.find_companies", lambda *a, **k: 1 / 0
    )  # ZeroDivisionError
    references = set()
    for _ in range(2):
        at = open_page(actors.manager01, "pages/companies.py")
        assert_no_trace(at)
        references |= set(re.findall(r"E-[0-9A-F]{8}", " ".join(e.value for e in at.error)))
    assert len(references) == 2
    assert {r for r in references if any(r in x.getMessage() for x in server_log.records)} == (
        references
    )
