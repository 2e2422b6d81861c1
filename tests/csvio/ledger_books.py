"""A hub's own Excel ledger, as offices keep them (not written by the product): a title row
above the header, a two-row header with merged cells, the hub's own words (会社名, 所在地,
相談日, 相談内容, 担当), era dates with full-width digits, firms named only by name (one with
its 法人番号). Shared by the import tests and the browser test."""

import io

from openpyxl import Workbook

# Existing firms of hub 06 the ledger's rows meet (created by the tests).
BY_NAME = {"name": "株式会社山形精機", "prefecture_code": "06", "city": "山形市"}
BY_NUMBER = {
    "name": "米沢織物株式会社",
    "prefecture_code": "06",
    "corporate_number": "2000013070004",  # not a number other tests register in hub 06,
}
NEAR = {"name": "株式会社庄内フーズ", "prefecture_code": "06", "city": "酒田市"}

TITLE = "令和３年度　相談記録台帳（山形県プロフェッショナル人材戦略拠点）"
# Row 3 and 4 form the header: 「企業」 is merged over 会社名 and 所在地 (C3:D3), No. and the
# other headers are merged over both rows (A3:A4 …).
UPPER = ["No.", "法人番号", "企業", None, "相談日", "相談方法", "相談内容", "担当"]
LOWER = [None, None, "会社名", "所在地", None, None, None, None]
ROWS = [
    # No, 法人番号, 会社名, 所在地, 相談日, 方法, 内容, 担当
    [
        1,
        None,
        "株式会社山形精機",
        "山形県山形市旅篭町２－３－２５",
        "Ｈ２８．４．１",
        "訪問",
        "後継者の育成について相談",
        "佐藤",
    ],
    [
        2,
        "２００００１３０７０００４",
        "米沢織物㈱",
        "米沢市金池3-1-39",
        "R3.5.10",
        "電話",
        "営業部長の採用を検討",
        "鈴木",
    ],
    [
        3,
        None,
        "㈱新庄テック",
        "山形県新庄市沖の町10-37",
        "令和3年5月10日",
        "セミナー",
        "DX人材の確保",
        "佐藤",
    ],
    [
        4,
        None,
        "㈱庄内フーズ",
        "山形県鶴岡市馬場町9-25",
        "R3.6.1",
        "金融機関",
        "販路開拓の人材について",
        "鈴木",
    ],
    [5, None, "㈱新庄テック", "山形県新庄市沖の町10-37", "R3.7.15", "訪問", "求人票の確認", "佐藤"],
]


def ledger_workbook(rows: list[list] | None = None, sheet: str = "相談台帳") -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append([TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=8)
    ws.append([])
    ws.append(UPPER)
    ws.append(LOWER)
    ws.merge_cells("C3:D3")
    for column in "ABEFGH":
        ws.merge_cells(f"{column}3:{column}4")
    for row in rows if rows is not None else ROWS:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# A second ledger of the next year with the same headers, for a saved template.
SECOND_ROWS = [
    [
        1,
        None,
        "株式会社山形精機",
        "山形県山形市旅篭町２－３－２５",
        "R4.4.12",
        "訪問",
        "採用後のフォロー",
        "佐藤",
    ],
    [
        2,
        None,
        "㈱天童木工所",
        "山形県天童市乱川1-3-10",
        "R4.5.9",
        "問合せ",
        "工場長候補の相談",
        "鈴木",
    ],
]
