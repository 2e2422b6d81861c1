"""The readers of the counts kept on write (whole months from the summaries, partial months
from the rows) give what counting the rows themselves gives, for periods that start and end
anywhere in a month, with every filter and every grouping the pages use. The expected numbers
are counted here in Python from the raw rows."""

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import text

from crm.analytics import counted
from crm.analytics.filters import AnalyticsFilter

D = dt.date
PERIODS = [
    (None, None),
    (D(2019, 4, 1), D(2020, 3, 31)),  # a fiscal year: whole months only
    (D(2019, 4, 15), D(2020, 3, 10)),  # partial months at both ends
    (D(2019, 6, 3), D(2019, 6, 20)),  # inside one month
    (D(2019, 6, 30), D(2019, 7, 1)),  # two partial months, no whole one
    (None, D(2020, 1, 17)),  # cumulative to a day
    (D(2019, 11, 2), None),
]
FILTERS = [
    {},
    {"hubs": ("01",)},
    {"category_ids": (1, 2)},
    {"engagements": ("side_job",)},
    {"blocks": ("東北",), "category_ids": (1,)},
]
SQL = {
    "consultations": "SELECT c.hub_code, c.consulted_on, c.channel FROM consultation c",
    "needs": "SELECT n.hub_code, n.opened_on, n.category_id, n.engagement FROM talent_need n",
    "placements": (
        "SELECT p.hub_code, p.placed_on, n.category_id, p.engagement, p.age_band,"
        " p.previous_residence, p.partner_id, f.industry, p.previous_prefecture FROM placement p"
        " JOIN talent_need n ON n.id = p.need_id JOIN company f ON f.id = p.company_id"
    ),
}


def _rows(session, fact):
    found = []
    for row in session.execute(text(SQL[fact])).all():
        day = row[1] if isinstance(row[1], dt.date) else dt.date.fromisoformat(str(row[1]))
        found.append((row[0], day, *row[2:]))
    return found


def _expected(rows, fact, by, filters: AnalyticsFilter, scope):
    names = {
        "consultations": ("hub_code", "day", "channel"),
        "needs": ("hub_code", "day", "category_id", "engagement"),
        "placements": (
            "hub_code",
            "day",
            "category_id",
            "engagement",
            "age_band",
            "residence",
            "partner",
            "industry",
            "prefecture",
        ),
    }[fact]
    expected: Counter = Counter()
    for values in rows:
        row = dict(zip(names, values, strict=True))
        if scope is not None and row["hub_code"] not in scope:
            continue
        if filters.since and row["day"] < filters.since:
            continue
        if filters.until and row["day"] > filters.until:
            continue
        if fact != "consultations":
            if filters.category_ids and row["category_id"] not in filters.category_ids:
                continue
            if filters.engagements and row["engagement"] not in filters.engagements:
                continue
        row["month"] = row["day"].year * 100 + row["day"].month
        if fact == "placements":  # where the hire lived: the prefecture, else "r:" + residence
            row["origin"] = row["prefecture"] or (
                f"r:{row['residence']}" if row["residence"] else ""
            )
        key = []
        for name in by:
            value = row[name]
            if name in ("age_band", "residence", "partner", "industry"):
                value = "" if value is None else str(value)
            key.append(value)
        expected[tuple(key)] += 1
    return dict(expected)


GROUPINGS = {
    "consultations": [(), ("hub_code",), ("month",), ("channel",), ("hub_code", "month")],
    "needs": [(), ("hub_code",), ("category_id", "engagement")],
    "placements": [
        (),
        ("hub_code", "engagement", "residence"),
        ("month",),
        ("category_id",),
        ("age_band",),
        ("partner",),
        ("industry",),
        ("origin", "hub_code"),
    ],
}


@pytest.mark.parametrize("fact", list(SQL))
def test_counted_equals_a_count_of_the_rows(known_any, fact):
    session, _data = known_any
    if fact == "placements":
        # The known data records only the coarse residence; give some hires a prefecture (the
        # hub's own, or Tokyo) by a raw update, which the triggers count like any write.
        session.execute(
            text(
                "UPDATE placement SET previous_prefecture = CASE WHEN id % 3 = 0 THEN hub_code"
                " ELSE '13' END WHERE id % 5 < 2"
            )
        )
        session.commit()
    rows = _rows(session, fact)
    assert rows
    if fact == "placements":
        assert {r[-1] for r in rows} > {None, "13"}
    nonempty = 0
    for since, until in PERIODS:
        for extra in FILTERS:
            filters = AnalyticsFilter(since=since, until=until, **extra)
            scope = filters.hub_selection()
            for by in GROUPINGS[fact]:
                got = counted.count(session, fact, by, filters, scope)
                want = _expected(rows, fact, by, filters, scope)
                assert got == want, (fact, since, until, extra, by)
                nonempty += bool(want)
    # Most selections hold records (the known data runs from 2019 to mid-2021).
    assert nonempty > 0.6 * len(PERIODS) * len(FILTERS) * len(GROUPINGS[fact])


def test_periods_split_into_whole_and_partial_months():
    split = counted.split_period(D(2019, 4, 15), D(2020, 3, 10))
    assert (split.first, split.last, split.whole) == (201905, 202002, True)
    assert split.partial == ((D(2019, 4, 15), D(2019, 4, 30)), (D(2020, 3, 1), D(2020, 3, 10)))
    inside = counted.split_period(D(2019, 6, 3), D(2019, 6, 20))
    assert not inside.whole and inside.partial == ((D(2019, 6, 3), D(2019, 6, 20)),)
    fiscal = counted.split_period(D(2019, 4, 1), D(2020, 3, 31))
    assert (fiscal.first, fiscal.last, fiscal.partial) == (201904, 202003, ())
    assert counted.split_period(None, None) == counted.Split(None, None, True, ())
    with pytest.raises(ValueError):
        counted.count(None, "placements", ("age_band", "industry"), AnalyticsFilter(), None)  # type: ignore[arg-type]
