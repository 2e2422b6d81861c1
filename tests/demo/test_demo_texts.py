"""The demo's texts read like a hub's (issue 27): thousands of different consultation summaries,
role titles composed by category and trade, short notes on some needs, referrals and
placements, and contact phone numbers in each prefecture's formats. Counted with plain SQL on
the demo database; the area codes are checked against a table written here from the national
numbering plan, not the generator's own."""

import random
import re
from collections import Counter

import pytest
from sqlalchemy import text

from crm.db import make_engine
from crm.demo import names, texts
from crm.entities.company import ContactInput


def rows(engine, sql: str, **params) -> list:
    with engine.connect() as connection:
        return connection.execute(text(sql), params).all()


def one(engine, sql: str, **params):
    return rows(engine, sql, **params)[0][0]


@pytest.fixture(scope="module")
def demo(demo_template):
    engine = make_engine(f"sqlite:///{demo_template}")
    yield engine
    engine.dispose()


def test_thousands_of_different_summaries(demo):
    total, distinct = rows(demo, "select count(*), count(distinct summary) from consultation")[0]
    assert total > 100_000
    assert distinct >= 2_000
    # No one summary stands out: the commonest is written for fewer than 1 in 500 visits.
    commonest = one(
        demo, "select max(n) from (select count(*) as n from consultation group by summary)"
    )
    assert commonest < total / 500


def test_summaries_follow_the_firm_s_trade(demo):
    """A maker's summary speaks of production, never of a care home's or a hotel's matters."""
    found = rows(
        demo,
        """select f.industry, c.summary from consultation c join company f on f.id = c.company_id
           where f.industry in ('E', 'P') limit 20000""",
    )
    makers = [summary for industry, summary in found if industry == "E"]
    care = [summary for industry, summary in found if industry == "P"]
    assert makers and care
    assert not any("介護職員" in s or "施設の新設" in s for s in makers)
    assert not any("工場長が来年" in s or "受注が増え" in s for s in care)


def test_role_titles_are_composed_by_category_and_trade(demo):
    titles = rows(
        demo,
        """select c.code, n.role_title, f.industry from talent_need n
           join talent_category c on c.id = n.category_id join company f on f.id = n.company_id""",
    )
    assert len({title for _, title, _ in titles}) >= 150
    per_category = Counter(category for category, _, _ in set(titles))
    assert all(n >= 20 for n in per_category.values()), per_category
    # A plant manager only where there is a plant.
    assert {industry for _, title, industry in titles if title.startswith("工場長")} == {"E"}
    assert any(re.fullmatch(r".+（.+）", title) for _, title, _ in titles)


@pytest.mark.parametrize(
    ("table", "low", "high"),
    [("talent_need", 30, 60), ("referral", 35, 65), ("placement", 40, 70)],
)
def test_some_records_carry_a_short_note(demo, table, low, high):
    total, noted, distinct, longest = rows(
        demo,
        f"select count(*), count(notes), count(distinct notes), max(length(notes)) from {table}",
    )[0]
    assert low <= 100 * noted / total <= high, table
    assert distinct >= 15 and longest <= 80, table


def test_referral_notes_fit_the_engagement_and_stay_as_made(demo):
    """A note says what the hub asked the partner for, when it referred: a side-job request
    for a side job; the outcome recorded later leaves it as it was (the audit has no note)."""
    found = rows(
        demo,
        """select n.engagement, r.notes from referral r join talent_need n on n.id = r.need_id
           where r.notes is not null group by 1, 2""",
    )
    side_job_notes = set(texts.REFERRAL_NOTES["side_job"])
    assert all(note not in side_job_notes for engagement, note in found if engagement != "side_job")
    assert any(note in side_job_notes for engagement, note in found if engagement == "side_job")
    noted_changes = one(
        demo,
        """select count(*) from audit_log where entity = 'referral' and changes like '%notes%'""",
    )
    assert noted_changes == 0


# 市外局番 by prefecture (総務省 市外局番の一覧), as the start of a number: enough to tell a
# prefecture's numbers from its neighbours'.
AREA_CODES = {
    "01": r"01",
    "02": r"017",
    "03": r"019",
    "04": r"022",
    "05": r"018",
    "06": r"023",
    "07": r"024",
    "08": r"029|0280",
    "09": r"028-|028[2-9]",
    "10": r"027",
    "11": r"048|049|04-2[89]",
    "12": r"043|047|04-7",
    "13": r"03-|042",
    "14": r"04[456]|042-7",
    "15": r"025",
    "16": r"076-4|076[3-6]",
    "17": r"076-2|076[178]",
    "18": r"077[06-9]",
    "19": r"055-2|055[1-6]",
    "20": r"026",
    "21": r"058[1-5]?-|057[3-7]",
    "22": r"05[34]|055-9|055[78]|053[78]",
    "23": r"052|053[1-3]|056|058[67]",
    "24": r"059",
    "25": r"077-5|074[089]",
    "26": r"075|077[1-4]",
    "27": r"06-|072",
    "28": r"07[89]|06-64",
    "29": r"074[2-7]",
    "30": r"073",
    "31": r"085[7-9]",
    "32": r"085[2-6]",
    "33": r"086",
    "34": r"08[24]",
    "35": r"083|082[07]",
    "36": r"088-6|088[3-5]",
    "37": r"087",
    "38": r"089",
    "39": r"088-8|088[079]",
    "40": r"09[23]|094",
    "41": r"095[245]|0942-8",
    "42": r"095|0920",
    "43": r"096",
    "44": r"097",
    "45": r"098[2-7]",
    "46": r"099",
    "47": r"098-|0980",
}
MOBILE = re.compile(r"0[789]0-[1-9]\d{3}-\d{4}")
# A landline: area code, exchange and four digits, ten digits in all.
LANDLINE = re.compile(r"0\d{1,4}-\d{1,4}-\d{4}")


def _is_landline(phone: str) -> bool:
    return bool(LANDLINE.fullmatch(phone)) and len(phone.replace("-", "")) == 10


def test_contact_phones_are_in_their_prefecture_s_formats(demo):
    found = rows(
        demo,
        """select f.prefecture_code, c.phone from contact c join company f on f.id = c.company_id
           where c.phone is not null""",
    )
    contacts = one(demo, "select count(*) from contact")
    assert 0.75 * contacts < len(found) < contacts  # most have a number, some none
    mobiles = [phone for _, phone in found if MOBILE.fullmatch(phone)]
    landlines = [(code, phone) for code, phone in found if not MOBILE.fullmatch(phone)]
    assert 0.05 < len(mobiles) / len(found) < 0.25
    assert all(_is_landline(phone) for _, phone in landlines)
    in_area = sum(bool(re.match(f"(?:{AREA_CODES[code]})", phone)) for code, phone in landlines)
    assert in_area >= 0.9 * len(landlines)
    # Varied: a firm's main line is shared by its people, otherwise numbers differ.
    assert len({phone for _, phone in found}) > 0.7 * len(found)
    # What a person could type: the contact form's own checks take them as they are.
    assert all(ContactInput(name="担当者", phone=phone).phone == phone for _, phone in found[:500])


def test_the_area_code_table_covers_every_demo_city_and_checks_itself():
    rng = random.Random(7)
    for code, cities in names.CITIES.items():
        for city, _, _ in cities:
            phone = texts.landline(rng, city)
            assert _is_landline(phone), (city, phone)
            assert re.match(f"(?:{AREA_CODES[code]})", phone), (city, phone)
    # The check can fail: a Sapporo number is not a Naha number.
    assert not re.match(f"(?:{AREA_CODES['47']})", texts.landline(rng, "札幌市"))
    assert all(MOBILE.fullmatch(texts.mobile(rng)) for _ in range(200))
