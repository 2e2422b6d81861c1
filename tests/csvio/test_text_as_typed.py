"""Text is kept as typed, and a hub's own CP932 export re-imports with no change.

Names and notes are stored exactly as entered (①, ㈱, full-width letters and spaces, the
characters with two Unicode forms); only matching folds them. A CP932 file cannot tell 〜 from
～ (one byte each), so the importer keeps the stored character when that is the only
difference: re-importing the export reports 0 changes.
"""

import pytest
from sqlmodel import Session, select

from crm.csvio.export import full_export
from crm.csvio.importer import import_files
from crm.models import Company, Consultation
from crm.search import search_everything
from crm.services import companies, consultations
from tests.utils.factories import make_actors

# Each character with two Unicode forms, in the form Windows does not use (the JIS mapping),
# and in the form it does; plus characters NFKC would change.
TWO_FORMS = "〜−‖—¢£¬～－∥―"
NAME = "①株式会社テスト㈱ ＡＢＣ　〜−‖—"
KANA = "ｶﾌﾞｼｷｶﾞｲｼｬﾃｽﾄ"
SUMMARY = f"売上１０％増〜２０％増を目標に ①工程改善 ②人材 {TWO_FORMS} ¢£¬"


@pytest.fixture
def firm(session: Session):
    manager = make_actors(session).manager01
    company = companies.create_company(
        session,
        manager,
        {"name": NAME, "kana": KANA, "prefecture_code": "０１", "city": "札幌市　中央区"},
    )
    consultations.log_consultation(
        session,
        manager,
        {
            "company_id": company.id,
            "consulted_on": "2025-04-10",
            "channel": "visit",
            "summary": SUMMARY,
            "next_action": "見積〜提案",
        },
    )
    session.commit()
    return manager, company


def test_names_and_notes_are_stored_as_typed_and_codes_are_normalised(session, firm):
    manager, company = firm
    stored = session.exec(select(Company).where(Company.id == company.id)).one()
    assert (stored.name, stored.kana, stored.city) == (NAME, KANA, "札幌市　中央区")
    assert stored.prefecture_code == "01"  # a code: full-width digits folded
    consultation = session.exec(select(Consultation)).one()
    assert (consultation.summary, consultation.next_action) == (SUMMARY, "見積〜提案")


def test_matching_still_folds(session, firm):
    manager, company = firm
    found = search_everything(session, manager, "かぶしきがいしゃてすと")
    assert [f.company_id for f in found.firms] == [company.id]
    assert [c.summary for c in search_everything(session, manager, "工程改善").consultations] == [
        SUMMARY
    ]


@pytest.mark.parametrize("encoding", ["cp932", "utf-8-sig"])
def test_reimporting_the_hubs_own_export_changes_nothing(session, firm, encoding):
    manager, _ = firm
    bundle = full_export(session, manager, hub="01", encoding=encoding)
    files = [
        (f.name, f.data)
        for f in bundle.files
        if f.name.endswith(".csv") and f.name not in ("partners.csv", "summary.csv")
    ]
    assert any("companies" in name for name, _ in files)
    report = import_files(session, manager, files, dry_run=False)
    assert report.ok, report.errors
    totals = report.totals()
    assert totals.get("update", 0) == 0 and totals.get("create", 0) == 0, report.summary_lines()
    assert totals.get("unchanged", 0) >= 2
    session.commit()
    stored = session.exec(select(Company)).one()
    assert stored.name == NAME
    assert session.exec(select(Consultation)).one().summary == SUMMARY
