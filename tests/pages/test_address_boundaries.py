"""The pages' address parameters at their boundaries (issue 22, item 7): a hub code, fiscal
year, month range, period, category, block or audit filter in a link that is out of range, not
a number or simply unknown is not used, and the page says so in Japanese; nothing fails. (Ids
in deep links: tests/pages/test_no_traceback.py.)"""

import pytest

from tests.pages.test_no_traceback import assert_no_trace

LONG = "9" * 5000
UNREADABLE = "は読み取れないため使いません"

# (page or None for the landing page, the link's parameters, the parameter reported).
# The secretariat's filter panel reads its parameters on the page a link opens: the landing
# page (the national dashboard) here.
CASES = [
    (None, {"fy": "99999"}, "fy"),
    (None, {"fy": "2014"}, "fy"),  # before the programme's first fiscal year
    (None, {"fy": LONG}, "fy"),
    (None, {"fy": "-1"}, "fy"),
    (None, {"period": "months", "months": "9999-12,0001-01"}, "months"),
    (None, {"period": "months", "months": "2016-01"}, "months"),  # one month, not a range
    (None, {"period": "forever"}, "period"),
    (None, {"categories": str(2**70)}, "categories"),
    (None, {"categories": "-1"}, "categories"),
    (None, {"hubs": "99"}, "hubs"),
    (None, {"blocks": "火星"}, "blocks"),
    (None, {"engagements": "x" * 3000}, "engagements"),
    ("pages/hub_dashboard.py", {"hub": "99"}, "hub"),
    ("pages/hub_dashboard.py", {"hub": "-1"}, "hub"),
    ("pages/hub_dashboard.py", {"hub": LONG}, "hub"),
    ("pages/flows.py", {"hub": "1e9"}, "hub"),
    ("pages/audit.py", {"hub": "99"}, "hub"),
    ("pages/audit.py", {"action": "drop table"}, "action"),
]


def notes(at) -> list[str]:
    return [c.value for c in [*at.caption, *at.sidebar.caption]]


@pytest.mark.parametrize(("page", "query", "param"), CASES, ids=repr)
def test_an_unusable_link_value_is_named_and_not_used(open_page, actors, page, query, param):
    reader = actors.admin if page == "pages/audit.py" else actors.secretariat
    at = open_page(reader, page, query=query)
    assert_no_trace(at)
    said = [note for note in notes(at) if UNREADABLE in note]
    assert any(f"「{param}=" in note for note in said), notes(at)
    assert all(len(note) < 120 for note in said), said  # a long value is shortened


def test_a_usable_link_value_is_used_without_a_note(open_page, actors):
    """The control: the checks above refuse bad values, not values."""
    at = open_page(actors.secretariat, "pages/hub_dashboard.py", query={"hub": "02"})
    assert_no_trace(at)
    assert at.title[0].value.startswith("青森県")
    assert not [note for note in notes(at) if UNREADABLE in note]
    wrong = open_page(actors.secretariat, "pages/hub_dashboard.py", query={"hub": "99"})
    assert wrong.title[0].value.startswith("北海道")  # the first hub, as without a link
