"""CSV取込 page: upload, detection and preview, every error listed, confirm to write."""

import pytest
from sqlalchemy import func
from sqlmodel import select

from crm.models import AuditLog, Company, Consultation
from tests.utils.factories import make_company

PAGE = "pages/import.py"


def _csv(lines, encoding="utf-8-sig"):
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def _count(session, model):
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def _upload(at, name, data):
    at.file_uploader(key="import.file").set_value((name, data, "text/csv")).run()
    assert not at.exception
    return at


def test_a_valid_file_is_checked_first_then_written_on_confirmation(open_page, session, actors):
    firm = make_company(session, actors.manager01)
    session.commit()
    at = open_page(actors.manager01, PAGE)
    assert not at.exception
    data = _csv(
        [
            "企業ID,相談日,相談経路,相談内容",
            f"{firm.id},令和6年4月1日,企業訪問,和暦の行",
            f"{firm.id},２０２４／５／１,セミナー,全角の行",
        ],
        encoding="cp932",
    )
    _upload(at, "相談.csv", data)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["文字コード"] == "cp932" and metrics["見出し"] == "日本語"
    assert metrics["行数"] == "2" and metrics["新規"] == "2"
    preview = at.dataframe[0].value
    assert list(preview["相談日"]) == ["令和6年4月1日", "２０２４／５／１"]
    assert any("まだ書き込んでいません" in i.value for i in at.info)
    assert _count(session, Consultation) == 0  # the check wrote nothing
    bars = at.get("progress")
    assert [b.proto.value for b in bars] == [100]
    assert "確認が終わりました（誤り 0 件、書き込みなし）" in bars[0].proto.text

    at.button(key="import.write").click().run()
    assert not at.exception
    assert any("取り込みました: 新規 2 件" in s.value for s in at.success)
    assert _count(session, Consultation) == 2
    audit = session.exec(select(AuditLog).where(AuditLog.action == "import")).all()
    assert [(a.username, a.hub_code) for a in audit] == [("manager01", "01")]
    # The same file again: its rows are recognised, nothing new would be written.
    at.file_uploader(key="import.file").set_value(None).run()
    _upload(at, "相談.csv", data)
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["新規"], metrics["更新／変更なし"]) == ("0", "0／2")
    at.button(key="import.write").click().run()
    assert _count(session, Consultation) == 2


def test_every_error_is_listed_and_nothing_can_be_written(open_page, session, actors):
    at = open_page(actors.manager01, PAGE)
    _upload(
        at,
        "companies.csv",
        _csv(
            [
                "企業名,法人番号,都道府県コード,従業員数",
                ",,01,10",
                "チェックデジット違い,7000012050003,01,10",
                "正しい会社,7000012050002,01,10",
                "県コード違い,,99,多い",
            ]
        ),
    )
    errors = at.dataframe[-1].value  # after the preview
    assert errors[["行", "列"]].values.tolist() == [
        [2, "企業名"],
        [3, "法人番号"],
        [5, "都道府県コード"],
        [5, "従業員数"],
    ]
    assert any("4 件の誤り" in e.value for e in at.error)
    assert [b for b in at.button if b.key == "import.write"] == []
    assert _count(session, Company) == 0


def test_reimporting_an_exported_file_changes_nothing(open_page, session, actors):
    from crm.csvio.export import full_export

    make_company(session, actors.manager01, name="既存の会社", corporate_number="7000012050002")
    session.commit()
    exported = next(
        f for f in full_export(session, actors.manager01).files if f.name == "companies.csv"
    ).data
    session.commit()
    at = open_page(actors.manager01, PAGE)
    _upload(at, "companies.csv", exported)
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["新規"], metrics["更新／変更なし"]) == ("0", "0／1")
    at.button(key="import.write").click().run()
    assert _count(session, Company) == 1


def test_the_import_page_is_for_hub_managers_only(open_page, actors):
    at = open_page(actors.secretariat)
    with pytest.raises(ValueError, match="Could not find a navigation page") as missing:
        at.switch_page(PAGE)
    assert "pages/export.py" in str(missing.value)  # the secretariat has CSV出力 only
    at = open_page(actors.admin)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/export.py")
