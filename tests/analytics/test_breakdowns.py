"""Every breakdown against the test's own Counter over the same records."""

from collections import Counter

from crm.analytics.breakdowns import NOT_RECORDED, Dimension, all_breakdowns, breakdown
from crm.analytics.filters import AnalyticsFilter
from crm.analytics.national import headline_figures
from crm.reference import JSIC_DIVISIONS, AgeBand, Channel, Engagement, Residence
from tests.analytics.test_headline import FILTERS


def _counts(result) -> dict:
    return {row.key: row.count for row in result.rows if row.count}


def _expected(data, dimension: Dimension, filters: AnalyticsFilter) -> dict:
    if dimension == Dimension.CHANNEL:
        return dict(Counter(c.channel for c in data.c_in(filters)))
    attribute = {
        Dimension.CATEGORY: lambda p: str(p.category),
        Dimension.ENGAGEMENT: lambda p: p.engagement,
        Dimension.INDUSTRY: lambda p: p.industry,
        Dimension.AGE_BAND: lambda p: p.age_band,
        Dimension.RESIDENCE: lambda p: p.residence,
        Dimension.PARTNER: lambda p: None if p.partner is None else str(p.partner),
    }[dimension]
    return dict(Counter(attribute(p) for p in data.p_in(filters)))


def test_every_breakdown_matches_an_independent_count(known_any):
    session, data = known_any
    for filters in FILTERS:
        for dimension in Dimension:
            result = breakdown(session, data.secretariat, dimension, filters)
            assert _counts(result) == _expected(data, dimension, filters), (dimension, filters)


def test_placement_breakdowns_add_up_to_the_headline(known):
    session, data = known
    for filters in FILTERS:
        figures = headline_figures(session, data.secretariat, filters)
        for result in all_breakdowns(session, data.secretariat, filters):
            expected = (
                figures.consultations
                if result.dimension == Dimension.CHANNEL
                else figures.placements
            )
            assert result.total == expected, (result.dimension, filters)


def test_labels_are_japanese_and_enumerations_list_every_choice(known):
    session, data = known
    engagement = breakdown(session, data.secretariat, Dimension.ENGAGEMENT)
    assert [row.label for row in engagement.rows] == ["中途採用", "出向・研修", "副業・兼業"]
    assert engagement.title == "採用形態別の成約件数"
    residence = breakdown(session, data.secretariat, Dimension.RESIDENCE)
    assert [r.label for r in residence.rows][:3] == list(Residence.labels().values())
    assert residence.rows[-1].label == NOT_RECORDED  # the data set leaves some unrecorded
    age = breakdown(session, data.secretariat, Dimension.AGE_BAND)
    assert [r.key for r in age.rows][:5] == list(AgeBand.labels())
    channel = breakdown(session, data.secretariat, Dimension.CHANNEL)
    assert [r.label for r in channel.rows] == list(Channel.labels().values())
    category = breakdown(session, data.secretariat, Dimension.CATEGORY)
    assert [r.label for r in category.rows] == [
        "経営人材",
        "経営サポート人材",
        "専門人材",
        "販路開拓人材",
    ]
    industry = breakdown(session, data.secretariat, Dimension.INDUSTRY)
    # Named as an office reads them (製造業), the JSIC letter stays the row's key.
    assert {r.key: r.label for r in industry.rows if r.key} == {
        r.key: JSIC_DIVISIONS[r.key] for r in industry.rows if r.key
    }
    partner = breakdown(session, data.secretariat, Dimension.PARTNER)
    named = [r for r in partner.rows if r.key is not None]
    assert {r.label for r in named} <= set(data.partners.values())
    assert [r.count for r in named] == sorted((r.count for r in named), reverse=True)
    assert set(Engagement.labels()) == {r.key for r in engagement.rows}


def test_hub_manager_breakdowns_cover_only_their_hub(known):
    session, data = known
    mine = breakdown(session, data.managers["40"], Dimension.ENGAGEMENT)
    assert _counts(mine) == _expected(data, Dimension.ENGAGEMENT, AnalyticsFilter(hubs=("40",)))
