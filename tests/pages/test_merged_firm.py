"""A form left open on a firm that is merged meanwhile saves nothing and names the firm it was
merged into (issue 23, item 4): the consultation form and the firm's edit form."""

import pytest
from sqlmodel import func, select

from crm.models import Company, Consultation
from crm.services import merge
from tests.pages.forms import fkey
from tests.pages.hub_helpers import message_under, submit
from tests.utils.factories import make_company
from ui.form_state import ERRORS_KEY

pytestmark = pytest.mark.usefixtures("writes_are_audited")


def _firms(session, actors):
    kept = make_company(session, actors.manager01, name="山形ビルメンテナンス株式会社")
    merged = make_company(session, actors.manager01, name="山形ビルメン株式会社")
    session.commit()
    return kept, merged


def _merge(session, actors, kept, merged):
    """What the manager's second tab does meanwhile."""
    session.refresh(kept)
    session.refresh(merged)
    merge.merge_companies(
        session,
        actors.manager01,
        keep_id=kept.id,
        keep_version=kept.version,
        merge_id=merged.id,
        merge_version=merged.version,
    )
    session.commit()


def _refusal(kept) -> str:
    return (
        f"は「{kept.name}」（企業ID {kept.id}）に統合されています。統合先の企業に記録してください。"
    )


def test_a_consultation_form_open_on_a_firm_merged_meanwhile_saves_nothing(
    open_page, session, actors
):
    kept, merged = _firms(session, actors)
    at = open_page(actors.manager01, "pages/consultations.py", query={"company": str(merged.id)})
    assert at.selectbox(key=fkey(at, "consult", "company_id")).value == merged.id
    at.text_area(key=fkey(at, "consult", "summary")).input("社長と面談。営業部長を検討。")

    _merge(session, actors, kept, merged)
    submit(at, "相談を記録")

    assert not at.exception
    shown = message_under(at, fkey(at, "consult", "company_id"))
    assert shown is not None
    assert f"企業「{merged.name}」{_refusal(kept)}" in shown
    session.expire_all()
    assert session.exec(select(func.count()).select_from(Consultation)).one() == 0
    # The typed summary stays for the firm it belongs to now.
    assert at.text_area(key=fkey(at, "consult", "summary")).value == "社長と面談。営業部長を検討。"


def test_an_edit_of_a_firm_merged_meanwhile_saves_nothing(open_page, session, actors):
    kept, merged = _firms(session, actors)
    form = f"company_edit.{merged.id}"
    at = open_page(
        actors.manager01, "pages/companies.py", query={"company": str(merged.id), "tab": "編集"}
    )
    at.text_input(key=fkey(at, form, "city")).input("酒田市")

    _merge(session, actors, kept, merged)
    submit(at, "変更を保存")

    assert not at.exception
    # The service refused the edit (nothing saved below); the page now follows B's address
    # to A and says so, rather than drawing B's form with the refusal under it.
    assert any(f"企業ID {merged.id} はこの企業に統合されました" in info.value for info in at.info)
    refused = at.session_state[ERRORS_KEY][form]  # why it was refused: the merge, not a version
    assert refused == {"company_id": f"企業「{merged.name}」{_refusal(kept)}"}
    session.expire_all()
    assert session.get(Company, merged.id).city is None
    assert session.get(Company, kept.id).city is None
