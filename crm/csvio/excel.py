"""CSV that Excel in Japan opens safely, and reading back what Excel (or people) saved.

Writing:
- UTF-8 with a byte-order mark by default (Excel reads UTF-8 correctly only with it), or CP932
  (Windows Shift_JIS) on request; CRLF line ends.
- A text cell that a spreadsheet would run as a formula (first character ``= + - @``, tab, CR,
  LF, or their full-width forms) gets a leading apostrophe; a text cell that already starts
  with an apostrophe gets one more, so that reading strips exactly one and every value comes
  back unchanged. Numbers are written as bare numbers and never touched.
- CP932: the few characters that JIS and Microsoft's CP932 table give different Unicode code
  points (WAVE DASH 〜 vs FULLWIDTH TILDE ～, …) are written as the CP932 byte for the same JIS
  character, as Windows itself does. Any other character CP932 cannot hold is refused and
  reported by file, record and column; nothing is replaced.

Reading: UTF-8 with or without BOM, else CP932; anything else is refused with the reason.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from crm.errors import CrmError

ENCODINGS = {"utf-8-sig": "UTF-8（BOM付き）", "cp932": "Shift_JIS（CP932）"}
DEFAULT_ENCODING = "utf-8-sig"
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n＝＋－＠")
GUARD = "'"

# JIS X 0208 characters whose Unicode code point differs between the JIS mapping (left) and
# Microsoft's CP932 table (right); Python's cp932 codec knows only the right-hand ones.
CP932_VARIANTS = str.maketrans(
    {
        "\u301c": "\uff5e",  # 〜 WAVE DASH -> ～ FULLWIDTH TILDE
        "\u2016": "\u2225",  # ‖ DOUBLE VERTICAL LINE -> ∥ PARALLEL TO
        "\u2212": "\uff0d",  # − MINUS SIGN -> － FULLWIDTH HYPHEN-MINUS
        "\u00a2": "\uffe0",  # ¢
        "\u00a3": "\uffe1",  # £
        "\u00ac": "\uffe2",  # ¬
        "\u2014": "\u2015",  # — EM DASH -> ― HORIZONTAL BAR
    }
)


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will show as text, never evaluate."""
    if text and (text[0] in FORMULA_TRIGGERS or text[0] == GUARD):
        return GUARD + text
    return text


def unneutralise(text: str) -> str:
    """Undo ``neutralise`` (a hand-typed leading apostrophe before other text is kept)."""
    if len(text) >= 2 and text[0] == GUARD and (text[1] in FORMULA_TRIGGERS or text[1] == GUARD):
        return text[1:]
    return text


@dataclass(frozen=True)
class Unencodable:
    file: str
    record: str  # the record's id (or row number when it has none)
    column: str
    character: str

    @property
    def codepoint(self) -> str:
        return f"U+{ord(self.character):04X}"

    def __str__(self) -> str:
        return (
            f"{self.file} ID {self.record} の「{self.column}」: 文字「{self.character}」"
            f"（{self.codepoint}）は Shift_JIS（CP932）で表せません"
        )


class EncodingRefused(CrmError):
    """Some values cannot be written in the requested encoding; ``problems`` lists each."""

    def __init__(self, problems: list[Unencodable]):
        self.problems = problems
        shown = "\n".join(str(p) for p in problems[:20])
        more = f"\n…ほか {len(problems) - 20} 件" if len(problems) > 20 else ""
        super().__init__(
            f"Shift_JIS（CP932）で出力できない文字が {len(problems)} 件あります。"
            f"UTF-8 で出力するか、該当の記録を修正してください。\n{shown}{more}"
        )


def _cell(value) -> str | int:
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    return neutralise(str(value))


def render_csv(
    headers: Sequence[str],
    rows: Iterable[tuple[str, Sequence]],
    *,
    encoding: str,
    file_name: str,
    problems: list[Unencodable],
) -> tuple[bytes, int]:
    """CSV bytes for ``rows`` (each ``(record id, values)``) and the number of rows.

    Unencodable characters are appended to ``problems``; the caller refuses the export then.
    """
    if encoding not in ENCODINGS:
        raise CrmError(f"文字コードは {' / '.join(ENCODINGS)} のいずれかです: {encoding}")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in headers])
    count = 0
    for record, values in rows:
        cells = [_cell(v) for v in values]
        if encoding == "cp932":
            cells = [c.translate(CP932_VARIANTS) if isinstance(c, str) else c for c in cells]
            for header, cell in zip(headers, cells, strict=True):
                if isinstance(cell, str) and not _fits_cp932(cell):
                    problems.extend(
                        Unencodable(file_name, str(record), header, char)
                        for char in dict.fromkeys(cell)
                        if not _fits_cp932(char)
                    )
        writer.writerow(cells)
        count += 1
    text = buffer.getvalue()
    if encoding == "cp932":
        return text.encode("cp932", errors="replace"), count  # only used when problems is empty
    return text.encode("utf-8-sig"), count


def _fits_cp932(text: str) -> bool:
    try:
        text.encode("cp932")
    except UnicodeEncodeError:
        return False
    return True


# --- reading --------------------------------------------------------------------------------


class UnreadableFile(CrmError):
    pass


def decode(data: bytes) -> tuple[str, str]:
    """The text of an uploaded CSV and the encoding it was in ('utf-8-sig', 'utf-8', 'cp932')."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as error:
            raise UnreadableFile(_undecodable("UTF-8", data[3:], error)) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile(
            "UTF-16 のファイルは読めません。Excel では「CSV UTF-8（コンマ区切り）」"
            "または「CSV（コンマ区切り）」で保存してください。"
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            _undecodable("UTF-8 でも Shift_JIS（CP932）でも", data, error)
        ) from None


def _undecodable(what: str, data: bytes, error: UnicodeDecodeError) -> str:
    line = data[: error.start].count(b"\n") + 1
    return f"{what}読めないバイトがあります（{line} 行目付近）。文字コードを確認してください。"


def read_rows(text: str) -> list[tuple[int, list[str]]]:
    """Every non-blank record of a CSV text with its spreadsheet row number (header = 1).

    Row numbers count records, as a spreadsheet shows them, so a cell with line breaks still
    occupies one row."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows = []
    try:
        for number, row in enumerate(reader, start=1):
            if any(cell.strip() for cell in row):
                rows.append((number, row))
    except csv.Error as error:
        raise UnreadableFile(
            f"CSV の形式が正しくありません（{reader.line_num} 行目付近）: {error}"
        ) from None
    return rows
