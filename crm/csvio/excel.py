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

Reading: UTF-8 with or without BOM, else CP932; anything else is refused with the reason and
how to save the file. Text that decodes but is not Japanese as written (mojibake: UTF-8 that
was opened as Shift_JIS or as a Western code page and saved again, EUC-JP, characters already
replaced by ``�``) is refused the same way. Comma, tab and semicolon separators are detected
from the header line.
"""

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Protocol

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


_FLUSH_ROWS = 2_000  # rows encoded and written at a time: memory stays flat in the file's size


class Writable(Protocol):
    def write(self, data: bytes, /) -> object: ...


def write_csv(
    target: Writable,
    headers: Sequence[str],
    rows: Iterable[tuple[object, Sequence]],
    *,
    encoding: str,
    file_name: str,
    problems: list[Unencodable],
) -> int:
    """Write the CSV for ``rows`` (each ``(record id, values)``) to ``target`` as they come;
    return the number of rows.

    A UTF-8 BOM (``utf-8-sig``) once, CRLF line ends, formula-like text neutralised, CP932
    variants folded; characters CP932 cannot hold are appended to ``problems`` (the caller
    then refuses the export).
    """
    if encoding not in ENCODINGS:
        raise CrmError(f"文字コードは {' / '.join(ENCODINGS)} のいずれかです: {encoding}")
    codec = "cp932" if encoding == "cp932" else "utf-8"
    if encoding != "cp932":
        target.write(codecs.BOM_UTF8)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> None:
        # errors="replace" is only ever used when problems is non-empty (the export is refused)
        target.write(buffer.getvalue().encode(codec, errors="replace"))
        buffer.seek(0)
        buffer.truncate()

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
        if count % _FLUSH_ROWS == 0:
            flush()
    flush()
    return count


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
            return _checked(data[3:].decode("utf-8"), "utf-8-sig")
        except UnicodeDecodeError as error:
            raise UnreadableFile(_undecodable("UTF-8", data[3:], error)) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile(
            "UTF-16 のファイルは読めません。Excel では「CSV UTF-8（コンマ区切り）」"
            "または「CSV（コンマ区切り）」で保存してください。"
        )
    try:
        return _checked(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return _checked(data.decode("cp932"), "cp932")
    except UnicodeDecodeError as error:
        what = "UTF-8 でも Shift_JIS（CP932）でも"
        try:
            if _japanese(data.decode("euc_jp")) >= 2:
                what = f"EUC-JP のファイルと思われます。{what}"
        except UnicodeDecodeError:
            pass
        raise UnreadableFile(_undecodable(what, data, error)) from None


HOW_TO_SAVE = (
    "Excel では「名前を付けて保存」で「CSV UTF-8（コンマ区切り）(*.csv)」または"
    "「Excel ブック（*.xlsx）」を選んで保存し直してください（メモ帳では文字コード「UTF-8」）。"
    "文字化けしたまま保存されたファイルは元に戻せないため、元のファイルから保存し直してください。"
)


def _undecodable(what: str, data: bytes, error: UnicodeDecodeError) -> str:
    line = data[: error.start].count(b"\n") + 1
    return f"{what}読めないバイトがあります（{line} 行目付近）。{HOW_TO_SAVE}"


_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_HALFWIDTH_KANA = re.compile(r"[\uff61-\uff9f]")


def _japanese(text: str) -> int:
    """How many hiragana, katakana and kanji ``text`` holds (counted by a regular expression:
    a 100,000-row file is scanned in a fraction of a second)."""
    return len(_JAPANESE.findall(text))


_BEYOND_ASCII = re.compile(r"[^\x00-\x7f]+")
SAMPLE_CHARACTERS = 200_000


def _beyond_ascii(text: str) -> str:
    """Up to ``SAMPLE_CHARACTERS`` of the characters beyond ASCII, in order: enough to tell how
    a file was garbled, without copying the whole of a large file."""
    parts: list[str] = []
    size = 0
    for match in _BEYOND_ASCII.finditer(text):
        parts.append(match.group())
        size += len(parts[-1])
        if size >= SAMPLE_CHARACTERS:
            break
    return "".join(parts)[:SAMPLE_CHARACTERS]


def _line_of(text: str, fragment: str) -> int:
    return text[: max(text.find(fragment), 0)].count("\n") + 1


def mojibake(text: str, encoding: str) -> str | None:
    """Why ``text`` (decoded as ``encoding``) is garbled, or None when it reads as written."""
    if "\ufffd" in text:
        line = _line_of(text, "\ufffd")
        return (
            f"文字化け（置き換え文字「\ufffd」）があります（{line} 行目付近）: 保存したときに"
            f"文字が失われています。{HOW_TO_SAVE}"
        )
    sample = _beyond_ascii(text)
    if not sample:
        return None
    # UTF-8 that a program read as Shift_JIS (or a Western code page) and saved again: its
    # characters turn back into UTF-8 Japanese when re-encoded that way.
    # (Bytes the wrong code page has no character for were lost, hence "ignore"/"replace" and
    # the condition that recovered Japanese clearly outnumbers what stays unreadable.)
    for wrong, label in (("cp932", "Shift_JIS"), ("cp1252", "欧文（Windows-1252）")):
        original = sample.encode(wrong, errors="ignore").decode("utf-8", errors="replace")
        recovered = _japanese(original)
        if recovered >= 2 and recovered > 2 * original.count("\ufffd"):
            return (
                f"文字化けしています: UTF-8 のファイルが {label} として開かれ、そのまま"
                f"保存されています（例: 「{sample[:12]}」は本来「{original[:6]}」）。"
                f"{HOW_TO_SAVE}"
            )
    # EUC-JP read as Shift_JIS: mostly half-width katakana, and the bytes read as EUC-JP.
    halfwidth = len(_HALFWIDTH_KANA.findall(sample))
    if encoding == "cp932" and halfwidth * 2 > len(sample):
        try:
            original = text.encode("cp932").decode("euc_jp")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return None
        if _japanese(original) >= 2:
            return (
                "UTF-8 としても Shift_JIS（CP932）としても日本語として読めません（EUC-JP の"
                f"ファイルと思われます）。{HOW_TO_SAVE}"
            )
    return None


def _checked(text: str, encoding: str) -> tuple[str, str]:
    problem = mojibake(text, encoding)
    if problem is not None:
        raise UnreadableFile(problem)
    return text, encoding


DELIMITERS = {",": "コンマ区切り", "\t": "タブ区切り", ";": "セミコロン区切り"}


def detect_delimiter(text: str) -> str:
    """The separator of a CSV text, from its header line: a comma unless the header has none
    and has tabs or semicolons (as spreadsheets save "text" files in some locales)."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    if "," in header:
        return ","
    counts = {d: header.count(d) for d in ("\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_rows(text: str, delimiter: str = ",") -> list[tuple[int, list[str]]]:
    """Every non-blank record of a CSV text with its spreadsheet row number (header = 1)."""
    return list(iter_rows(text, delimiter))


def iter_rows(text: str | IO[str], delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """Every non-blank record of a CSV text with its spreadsheet row number (header = 1), one
    at a time.

    Row numbers count records, as a spreadsheet shows them, so a cell with line breaks still
    occupies one row."""
    stream = io.StringIO(text, newline="") if isinstance(text, str) else text
    reader = csv.reader(stream, delimiter=delimiter, strict=True)
    try:
        for number, row in enumerate(reader, start=1):
            if any(cell.strip() for cell in row):
                yield number, row
    except csv.Error as error:
        raise UnreadableFile(
            f"CSV の形式が正しくありません（{reader.line_num} 行目付近）: {error}"
        ) from None
