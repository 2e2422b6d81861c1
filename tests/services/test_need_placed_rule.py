"""A need becomes 成約 only by recording a placement: the service decides, whoever calls it."""

import datetime as dt

import pytest
from sqlalchemy import func
from sqlmodel import select

from crm.errors import ValidationError
from crm.models import NeedStatusChange, TalentNeed
from crm.services import needs
from tests.utils.factories import make_company, make_consultation, make_need, make_placement

D = dt.date
REFUSAL = "成約にするには、このニーズの成約を登録してください（成約の記録がありません）"


def test_moving_a_need_to_placed_without_a_placement_is_refused(session, actors):
    m = actors.manager01
    need = make_need(session, m, make_consultation(session, m, make_company(session, m)))
    session.commit()
    changes = session.exec(select(func.count()).select_from(NeedStatusChange)).one()
    for status_before in ("open", "referred"):
        if status_before == "referred":
            need = needs.move_need(session, m, need.id, "referred", need.version)
            session.commit()
            changes += 1
        with pytest.raises(ValidationError) as refused:
            needs.move_need(session, m, need.id, "placed", need.version)
        assert refused.value.fields == {"status": REFUSAL}
        session.rollback()
        stored = session.get(TalentNeed, need.id)
        assert stored.status == status_before
        assert session.exec(select(func.count()).select_from(NeedStatusChange)).one() == changes


def test_recording_the_placement_places_the_need(session, actors):
    m = actors.manager01
    need = make_need(session, m, make_consultation(session, m, make_company(session, m)))
    make_placement(session, m, need)
    assert needs.get_need(session, m, need.id).status == "placed"


def test_a_need_with_a_placement_may_be_placed_again_by_hand(session, actors):
    """Headcount 2, one hire recorded, the search ends: 成約 is allowed (it has its record);
    so is placing again after a step back to 紹介中."""
    m = actors.manager01
    consultation = make_consultation(session, m, make_company(session, m), on=D(2025, 4, 1))
    need = make_need(session, m, consultation, headcount=2)
    make_placement(session, m, need, on=D(2025, 5, 1))
    need = needs.get_need(session, m, need.id)
    assert need.status == "open"
    need = needs.move_need(session, m, need.id, "placed", need.version, on=D(2025, 5, 2))
    need = needs.move_need(session, m, need.id, "referred", need.version, on=D(2025, 5, 3))
    need = needs.move_need(session, m, need.id, "placed", need.version, on=D(2025, 5, 4))
    assert need.status == "placed"
