"""都道府県比較: the うち副業・兼業 and 県外からの人材 columns against an independent count, and
the monthly report made from the page."""

import pytest

from crm.presentation.labels import prefecture_label

OUTSIDE = {"tokyo_area", "other_region"}


@pytest.fixture
def engine(known_engine):
    return known_engine


@pytest.fixture
def data(known_template):
    return known_template[1]


def test_side_jobs_and_people_from_outside_per_hub(open_page, data):
    at = open_page(data.secretariat, "pages/prefectures.py")
    at.sidebar.radio(key="af_period").set_value("全期間").run()
    assert not at.exception
    table = at.dataframe[0].value
    for _, row in table.iterrows():
        placed = [p for p in data.placements if prefecture_label(p.hub) == row["拠点"]]
        assert row["うち副業・兼業"] == sum(p.engagement == "side_job" for p in placed)
        assert row["県外からの人材"] == sum(p.residence in OUTSIDE for p in placed)
        assert row["累計 県外からの人材"] == row["県外からの人材"]  # all time: the same
    assert table["うち副業・兼業"].sum() > 0 and table["県外からの人材"].sum() > 0


def test_the_monthly_report_is_made_from_the_page(open_page, data):
    at = open_page(data.secretariat, "pages/prefectures.py", timeout=120)
    month = at.selectbox(key="pref_monthly_month")
    assert month.index == 1  # the last closed month by default (the first is the current one)
    at.button(key="pref_monthly_make").click().run()
    assert not at.exception
    message = at.success[0].value
    assert "月末現在の月次報告を作成しました" in message
    assert f"相談 {len(data.consultations):,} 件" in message
    assert f"成約 {len(data.placements):,} 件" in message
    names = [b.proto.label for b in at.get("download_button")]
    assert len(names) == 2 and names[0].endswith("_月次報告.xlsx をダウンロード")
    assert names[1].endswith("_月次報告.pdf をダウンロード")
