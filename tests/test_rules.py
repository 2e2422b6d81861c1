"""The rule functions on their own: plain values in, refused fields out."""

import datetime as dt

import pytest

from crm import rules
from crm.errors import ValidationError

D = dt.date


@pytest.mark.parametrize(
    ("current", "target", "placements", "refused"),
    [
        ("open", "referred", 0, False),
        ("open", "withdrawn", 0, False),
        ("open", "placed", 0, True),  # 成約 only with a placement
        ("open", "placed", 1, False),
        ("referred", "placed", 0, True),
        ("placed", "referred", 0, False),
        ("placed", "open", 1, True),  # not a pipeline move
        ("withdrawn", "referred", 0, True),
        ("withdrawn", "open", 0, False),
        ("open", "open", 0, True),
        (None, "placed", 0, True),  # a new need recorded as placed needs its placement
        (None, "placed", 2, False),
        (None, "open", 0, False),
    ],
)
def test_need_moves(current, target, placements, refused):
    result = rules.need_move(current, target, placements)
    assert bool(result) == refused
    assert set(result) <= {"status"}


@pytest.mark.parametrize(
    ("value", "ok"), [(1, True), (rules.MAX_ID, True), (0, False), (-1, False), (2**31, False)]
)
def test_record_ids_fit_the_database(value, ok):
    assert (rules.record_id(value) == {}) == ok


def test_follow_up_targets():
    assert rules.follow_up_target(None, None) == {"company_id": "企業または成約を選んでください"}
    assert rules.follow_up_target(5, None) == {}
    assert rules.follow_up_target(None, 7, 5) == {}
    assert rules.follow_up_target(5, 7, 5) == {}
    assert rules.follow_up_target(6, 7, 5) == {"placement_id": "別の企業の成約です"}


def test_corporate_number_owner():
    assert rules.corporate_number_free(None, (1, "01"), "01") == {}
    assert rules.corporate_number_free("7000012050002", None, "01") == {}
    assert rules.corporate_number_free("7000012050002", (1, "01"), "01", company_id=1) == {}
    assert (
        "企業ID 1"
        in rules.corporate_number_free("7000012050002", (1, "01"), "01")["corporate_number"]
    )
    assert (
        "他の拠点"
        in rules.corporate_number_free("7000012050002", (1, "02"), "01")["corporate_number"]
    )


def test_date_order_both_ways():
    assert rules.need_consultation(1, D(2025, 4, 1), 1, D(2025, 4, 1)) == {}
    assert set(rules.need_consultation(1, D(2025, 3, 31), 1, D(2025, 4, 1))) == {"opened_on"}
    assert set(rules.need_consultation(2, D(2025, 4, 1), 1, D(2025, 4, 1))) == {"consultation_id"}
    assert rules.consultation_of_needs(1, D(2025, 4, 1), [1, 1], D(2025, 4, 1)) == {}
    assert set(rules.consultation_of_needs(1, D(2025, 4, 2), [1], D(2025, 4, 1))) == {
        "consulted_on"
    }
    assert set(rules.consultation_of_needs(2, D(2025, 4, 1), [1], D(2025, 4, 1))) == {"company_id"}
    assert rules.after_need_opened("placed_on", D(2025, 4, 1), D(2025, 4, 1)) == {}
    assert set(rules.after_need_opened("placed_on", D(2025, 3, 1), D(2025, 4, 1))) == {"placed_on"}
    assert rules.need_before_its_records(D(2025, 4, 1), None, None) == {}
    assert set(rules.need_before_its_records(D(2025, 4, 3), D(2025, 4, 5), D(2025, 4, 2))) == {
        "opened_on"
    }


def test_require_merges_and_keeps_the_first_reason():
    rules.require({}, {})
    with pytest.raises(ValidationError) as refused:
        rules.require({"a": "first"}, {"a": "second", "b": "other"})
    assert refused.value.fields == {"a": "first", "b": "other"}
