"""Excel safety: BOM, CRLF, formula neutralisation, numbers, CP932 and reading back."""

import csv
import io

import pytest

from crm.csvio.excel import (
    EncodingRefused,
    Unencodable,
    UnreadableFile,
    decode,
    neutralise,
    read_rows,
    unneutralise,
    write_csv,
)

# A table of hostile values: each would run as a formula (or DDE call) if a cell began with it.
HOSTILE = [
    ("=1+2", "'=1+2"),
    ('=HYPERLINK("http://evil.example","click")', '\'=HYPERLINK("http://evil.example","click")'),
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("+81-3-1234-5678", "'+81-3-1234-5678"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=1+2", "'\t=1+2"),
    ("\r=1+2", "'\r=1+2"),
    ("\n=1+2", "'\n=1+2"),
    ("＝1+2", "'＝1+2"),
    ("'=1+2", "''=1+2"),  # an existing apostrophe is doubled so reading strips exactly one
    ("'", "''"),
]
HARMLESS = ["株式会社テスト", "1+2=3", "a=b", "", "営業部長 (40代)", "'quoted"]


@pytest.mark.parametrize(("value", "expected"), HOSTILE)
def test_hostile_text_cells_are_neutralised_and_read_back_unchanged(value, expected):
    assert neutralise(value) == expected
    assert unneutralise(neutralise(value)) == value


@pytest.mark.parametrize("value", HARMLESS)
def test_harmless_text_is_left_alone(value):
    expected = "''quoted" if value == "'quoted" else value
    assert neutralise(value) == expected
    assert unneutralise(neutralise(value)) == value


def _render(rows, encoding="utf-8-sig"):
    problems: list[Unencodable] = []
    buffer = io.BytesIO()
    count = write_csv(
        buffer,
        ["名前", "人数", "備考"],
        rows,
        encoding=encoding,
        file_name="t.csv",
        problems=problems,
    )
    return buffer.getvalue(), count, problems


def test_utf8_output_has_a_bom_crlf_line_ends_and_bare_numbers():
    data, count, problems = _render([(1, ["=1+2", -5, "行1\n行2"]), (2, ["普通", 1200, None])])
    assert count == 2 and problems == []
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert text.endswith("\r\n")
    # Every record ends with CRLF; the line break inside a quoted cell is the cell's own.
    assert text.split("\r\n") == ["名前,人数,備考", '\'=1+2,-5,"行1\n行2"', "普通,1200,", ""]
    # A negative number is a number, not a text cell: it is not neutralised.
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1][1] == "-5" and rows[2][1] == "1200"


def test_cp932_output_opens_as_cp932():
    data, _, problems = _render([(7, ["株式会社髙橋〜テスト①", 3, "＝全角"])], encoding="cp932")
    assert problems == []
    assert not data.startswith(b"\xef\xbb\xbf")
    text = data.decode("cp932")
    # WAVE DASH is written as the CP932 byte of the same JIS character (read back as ～).
    assert text == "名前,人数,備考\r\n株式会社髙橋～テスト①,3,'＝全角\r\n"


def test_characters_cp932_cannot_hold_are_reported_by_record_and_field():
    rows = [(11, ["𠮷野家", 1, "ok"]), (12, ["ok", 2, "絵文字😀と한글"])]
    _, _, problems = _render(rows, encoding="cp932")
    assert [(p.record, p.column, p.character) for p in problems] == [
        ("11", "名前", "𠮷"),
        ("12", "備考", "😀"),
        ("12", "備考", "한"),
        ("12", "備考", "글"),
    ]
    message = str(EncodingRefused(problems))
    assert "t.csv ID 11 の「名前」" in message and "U+20BB7" in message


def test_decode_detects_utf8_with_and_without_bom_and_cp932():
    text = "企業名,従業員数\r\n山形精密,50\r\n"
    assert decode(b"\xef\xbb\xbf" + text.encode("utf-8")) == (text, "utf-8-sig")
    assert decode(text.encode("utf-8")) == (text, "utf-8")
    assert decode(text.encode("cp932")) == (text, "cp932")


def test_decode_refuses_utf16_and_undecodable_bytes():
    with pytest.raises(UnreadableFile, match="UTF-16"):
        decode("a,b".encode("utf-16"))
    with pytest.raises(UnreadableFile, match="2 行目付近"):
        decode(b"name\n\x85\x40")


def test_read_rows_numbers_records_as_a_spreadsheet_does():
    rows = read_rows('a,b\r\n1,"x\ny"\r\n\r\n3,z\r\n')
    assert rows == [(1, ["a", "b"]), (2, ["1", "x\ny"]), (4, ["3", "z"])]
