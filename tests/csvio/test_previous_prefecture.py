"""前居住地（都道府県） through CSV: a name or a code is accepted, the coarse residence follows
from it, an unknown prefecture is refused with its row, and the export carries the code."""

import datetime as dt

from sqlmodel import select

from crm.csvio.importer import import_files
from crm.models import Placement
from tests.csvio.helpers import csv_bytes
from tests.utils.factories import make_company, make_consultation, make_need

D = dt.date


def test_prefecture_by_name_or_code_and_the_residence_follows(session, actors):
    m = actors.manager01
    need = make_need(
        session,
        m,
        make_consultation(session, m, make_company(session, m), on=D(2025, 4, 1)),
        headcount=3,
    )
    session.commit()
    data = csv_bytes(
        [
            "ニーズID,成約日,前居住地（都道府県）,前居住地",
            f"{need.id},2025/5/1,東京都,",
            f"{need.id},2025/5/2,1,東京圏",  # the prefecture wins: 北海道 is the hub's own
            f"{need.id},2025/5/3,,",
        ]
    )
    report = import_files(session, m, [("placements.csv", data)], dry_run=False)
    assert report.ok, report.errors
    session.commit()
    rows = session.exec(select(Placement).order_by(Placement.placed_on)).all()
    assert [(p.previous_prefecture, p.previous_residence) for p in rows] == [
        ("13", "tokyo_area"),
        ("01", "same_prefecture"),
        (None, None),
    ]


def test_an_unknown_prefecture_is_refused_with_its_row(session, actors):
    m = actors.manager01
    need = make_need(
        session, m, make_consultation(session, m, make_company(session, m), on=D(2025, 4, 1))
    )
    session.commit()
    data = csv_bytes(["ニーズID,成約日,前居住地（都道府県）", f"{need.id},2025/5/1,99"])
    report = import_files(session, m, [("placements.csv", data)], dry_run=False)
    assert not report.ok
    assert "都道府県コードが正しくありません" in str(report.errors)
    assert session.exec(select(Placement)).all() == []
