"""Imports report likely duplicate firms as warnings (the rows are still imported)."""

from sqlmodel import func, select

from crm.csvio.importer import import_files
from crm.models import Company
from crm.services import companies


def _csv(*names: str) -> bytes:
    return ("企業名,都道府県コード\n" + "".join(f"{n},01\n" for n in names)).encode()


def test_firms_like_registered_ones_or_earlier_rows_are_warned_about(session, actors):
    kept = companies.create_company(
        session, actors.manager01, {"name": "株式会社山形ビルメンテナンス", "prefecture_code": "01"}
    )
    other_hub = companies.create_company(
        session, actors.manager02, {"name": "株式会社庄内ビルメンテナンス", "prefecture_code": "02"}
    )
    session.commit()
    files = [
        (
            "companies.csv",
            _csv(
                "(株)山形ビルメンテナンス",  # row 2: like the hub's firm
                "新庄精機株式会社",  # row 3: new
                "㈱新庄精機",  # row 4: like row 3
                "株式会社庄内ビルメンテナンス",  # row 5: only another hub has it
            ),
        )
    ]
    report = import_files(session, actors.manager01, files, hub="01", dry_run=True)
    assert report.errors == []
    assert [(w.row, w.column, w.reason) for w in report.warnings] == [
        (
            2,
            "企業名",
            f"同じ企業と思われる企業が登録されています: {kept.name}（企業ID {kept.id}）",
        ),
        (4, "企業名", "このファイルの 3 行目と同じ企業と思われます"),
    ]
    assert other_hub.id is not None

    written = import_files(session, actors.manager01, files, hub="01", dry_run=False)
    assert written.written and len(written.warnings) == 2
    count = session.exec(
        select(func.count()).select_from(Company).where(Company.hub_code == "01")
    ).one()
    assert count == 5  # warnings do not stop the import
