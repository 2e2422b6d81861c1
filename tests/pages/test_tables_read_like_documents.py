"""The tables of numbers on the 目標 and 都道府県比較 pages read like an office document: names
instead of codes, the name frozen, the columns an analyst reads first beside it, rates with one
decimal and %, numbers with separators (ui.tables: the same rule on every page)."""

import json

from sqlmodel import Session

from crm.services import targets
from crm.timeutil import fiscal_year, today_jst

FY = fiscal_year(today_jst())


def _columns(element) -> dict:
    return json.loads(element.proto.columns)


def _formats(element) -> dict[str, str]:
    return {
        name: config["type_config"].get("format", "")
        for name, config in _columns(element).items()
        if name != "_index"
    }


def test_the_hub_managers_target_table_shows_rates_as_the_secretariats_does(
    open_page, actors, app_env
):
    with Session(app_env) as s:
        targets.set_target(
            s,
            actors.secretariat,
            {"hub_code": "01", "fiscal_year": FY, "consultations": 300, "placements": 40},
        )
        s.commit()
    mine = open_page(actors.manager01, "pages/targets.py")
    national = open_page(actors.secretariat, "pages/targets.py")
    assert not mine.exception and not national.exception
    for at in (mine, national):
        table = at.dataframe[-1]
        formats = _formats(table)
        assert "コード" not in formats
        assert formats["相談進捗率"] == formats["成約進捗率"] == "%.1f%%"
        assert formats["相談（按分目標）"] == formats["相談実績"] == "localized"
        assert _columns(table)["拠点"]["pinned"] is True
        expected = table.value["相談（按分目標）"].dropna()
        assert all(round(v, 1) == v for v in expected)  # one decimal, never 158.1644
    assert _formats(mine.dataframe[-1]) == _formats(national.dataframe[-1])


def test_the_prefecture_comparison_puts_targets_progress_delay_and_outlook_beside_the_name(
    open_page, actors
):
    at = open_page(actors.secretariat, "pages/prefectures.py")
    assert not at.exception
    table = at.dataframe[0]
    names = list(table.value.columns)
    assert names[:9] == [
        "拠点",
        "状況",
        "相談目標",
        "成約目標",
        "相談進捗率",
        "成約進捗率",
        "年度末成約見込み",
        "成約見込みの幅",
        "成約目標の見通し",
    ]
    assert "コード" not in names and len(table.value) == 46
    formats = _formats(table)
    assert {formats[n] for n in names if n.endswith("率")} == {"%.1f%%"}
    assert formats["累計相談"] == "localized"
    assert _columns(table)["拠点"]["pinned"] is True
