"""Dates as Japanese offices write them in spreadsheets.

Accepted (after NFKC, so full-width digits and letters work too):

- ISO: ``2016-04-01`` (also ``2016-4-1``), optionally followed by a time, which is ignored;
- slashes or dots: ``2016/4/1``, ``2016/04/01``, ``2016.4.1``; ``2016年4月1日``;
- Japanese eras: ``令和6年4月1日``, ``令和元年5月1日``, ``平成28年4月1日``, and the
  abbreviations ``R6.4.1``, ``H28.4.1``, ``S64.1.7``, ``T``/``M`` (also with ``/`` or ``-``);
- Excel serial dates (``44137`` = 2020-11-02, also ``44137.0`` or with a time fraction), as a
  spreadsheet saves a date cell whose format was lost: five digits, 1954 … 2119.

The era arithmetic and the era boundaries (平成 ends 2019-04-30, 令和 starts 2019-05-01) come
from the ``japanera`` package; this module only recognises the spellings and words the reasons.
"""

import datetime as dt
import re
import unicodedata
import warnings
from functools import lru_cache

from japanera import ERA_DATA_GENERAL, EraDate

from crm.timeutil import JST

# Eras an office document of this programme can carry, by the letter used in abbreviations.
MODERN_ERAS = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}

_WESTERN = re.compile(
    r"^(?P<y>\d{4})(?:[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})|年(?P<m2>\d{1,2})月(?P<d2>\d{1,2})日)"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_ERA = re.compile(
    r"^(?P<era>明治|大正|昭和|平成|令和|[MTSHR])\.?(?P<y>\d{1,2}|元)"
    r"(?:年(?P<m>\d{1,2})月(?P<d>\d{1,2})日|[-/.](?P<m2>\d{1,2})[-/.](?P<d2>\d{1,2}))$",
    re.IGNORECASE,
)
EXAMPLES = "2016-04-01、2016/4/1、令和6年4月1日、R6.4.1"
_SERIAL = re.compile(r"^(?P<days>[2-7]\d{4})(?:\.\d+)?$")
# Day 0 of Excel's 1900 date system for every serial after February 1900 (Excel counts the
# non-existent 1900-02-29, so the epoch is 1899-12-30, not 12-31).
EXCEL_EPOCH = dt.date(1899, 12, 30)


@lru_cache(maxsize=8)
def _era_span(kanji: str) -> tuple[dt.date, dt.date | None]:
    era = next(e for e in ERA_DATA_GENERAL if e.kanji == kanji)
    return era.since, era.until


def parse_date(text: str | None) -> dt.date | None:
    """The date ``text`` names, None when blank; ValueError with a Japanese reason otherwise."""
    if text is None:
        return None
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    return _parse_text(str(text))


@lru_cache(maxsize=65536)  # a file repeats the same dates many times; era look-ups are slow
def _parse_text(text: str) -> dt.date | None:
    value = unicodedata.normalize("NFKC", text).strip()
    if not value:
        return None
    compact = re.sub(r"\s+", "", value)
    if match := _WESTERN.match(value) or _WESTERN.match(compact):
        year, month = int(match["y"]), int(match["m"] or match["m2"])
        day = int(match["d"] or match["d2"])
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise ValueError(f"存在しない日付です: {text}") from None
    if match := _ERA.match(compact):
        return _era_date(text, match)
    if match := _SERIAL.match(compact):
        return EXCEL_EPOCH + dt.timedelta(days=int(match["days"]))
    raise ValueError(f"日付の形式が正しくありません（例: {EXAMPLES}）: {text}")


def _era_date(original: str, match: re.Match) -> dt.date:
    era = match["era"]
    kanji = MODERN_ERAS.get(era.upper(), era)
    year = 1 if match["y"] == "元" else int(match["y"])
    month, day = int(match["m"] or match["m2"]), int(match["d"] or match["d2"])
    if year < 1:
        raise ValueError(f"{kanji}0年はありません: {original}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            found = EraDate.strptime(f"{kanji}{year}年{month}月{day}日", "%-K%-y年%m月%d日")
        except ValueError:
            found = []
    for candidate in found:
        if candidate.era.kanji == kanji:
            return candidate.to_date()
    since, until = _era_span(kanji)
    try:
        western = dt.date(since.year + year - 1, month, day)
    except ValueError:
        raise ValueError(f"存在しない日付です: {original}") from None
    last = f"{until - dt.timedelta(days=1):%Y年%-m月%-d日}まで" if until else "現在まで"
    raise ValueError(
        f"{kanji}{year}年{month}月{day}日（{western:%Y年%-m月%-d日}）は{kanji}の期間外です"
        f"（{kanji}は{since:%Y年%-m月%-d日}から{last}）: {original}"
    )


_STAMP = re.compile(
    r"^(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})[ T]"
    r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?$"
)


def parse_stamp(text: str | None) -> dt.datetime | None:
    """A timestamp as an export writes it (``2026-11-02 09:30:00``, Japan time; also the
    ``2026/11/2 9:30`` a spreadsheet saves), as an aware UTC datetime like the stored ones."""
    if text is None:
        return None
    match = _STAMP.match(unicodedata.normalize("NFKC", text).strip())
    if match is None:
        raise ValueError(f"日時は 2026-11-02 09:30:00 の形で入力してください: {text}")
    try:
        local = dt.datetime(
            int(match["y"]),
            int(match["m"]),
            int(match["d"]),
            int(match["H"]),
            int(match["M"]),
            int(match["S"] or 0),
            tzinfo=JST,
        )
    except ValueError:
        raise ValueError(f"存在しない日時です: {text}") from None
    return local.astimezone(dt.UTC)
