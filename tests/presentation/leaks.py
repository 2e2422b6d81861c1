"""What a page must never show (issue 13, item 7): `None`, `null` or `NaN`, an ISO timestamp
with a time zone, a number of four or more digits without thousands separators, or a decimal
with three or more places.

Dates (2026/12/02, 2026年12月, 2026年度), times, phone numbers and the 13-digit 法人番号 are
not amounts and are allowed; so is a year before 年 or 年度."""

import re

WORDS = re.compile(r"(?<![A-Za-z])(None|null|NaN|undefined)(?![A-Za-z])")
ISO_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})"
)
DIGITS = re.compile(r"\d{4,}")
LONG_DECIMAL = re.compile(r"(?<![\d.])\d+\.\d{3,}(?![\d.])")  # 181.9726: one decimal is enough
CORPORATE_NUMBER_LENGTH = 13
# Characters that make a run of digits part of a date, time, phone number or code.
JOINED = set("/-:.,#_")
YEAR_WORDS = ("年", "年度")


def _is_amount(text: str, match: re.Match) -> bool:
    # The nearest characters other than spaces: a date field draws "2026 / 12 / 02".
    head, tail = text[: match.start()].rstrip(), text[match.end() :].lstrip()
    before, after = head[-1:], tail[:1]
    if before in JOINED or after in JOINED:
        return False
    if before.isascii() and before.isalpha() or after.isascii() and after.isalpha():
        return False  # part of a code or reference (E12345, v1234)
    if len(match.group()) == CORPORATE_NUMBER_LENGTH:
        return False
    return not tail.startswith(YEAR_WORDS)


def leaks(text: str) -> list[str]:
    """Each leak found in ``text``, quoted with a little of its context."""
    found = []

    def quote(match: re.Match) -> str:
        return text[max(0, match.start() - 12) : match.end() + 12].replace("\n", " ")

    found += [f"raw value: {quote(m)}" for m in WORDS.finditer(text)]
    found += [f"ISO timestamp: {quote(m)}" for m in ISO_TIMESTAMP.finditer(text)]
    found += [f"long decimal: {quote(m)}" for m in LONG_DECIMAL.finditer(text)]
    found += [
        f"number without separators: {quote(m)}"
        for m in DIGITS.finditer(text)
        if _is_amount(text, m) and not ISO_TIMESTAMP.search(quote(m))
    ]
    return found


# --- what an office document never shows (issue 24, item 3) --------------------------------

ISO_DATE = re.compile(r"(?<![\w/-])\d{4}-\d{2}-\d{2}(?![\w-])")  # not inside a file name
ISO_WEEK = re.compile(r"\d{4}-W\d{2}")
RAW_ID = re.compile(r"[（(]#\d+[)）]|(?<![\w&])#\d{2,}")  # 「（#38896）」, 「#38896」
HUB_CODE = re.compile(r"拠点\s?\d{2}(?!\d)")  # 「拠点 06」 instead of the prefecture's name
# A run of Latin letters; one joined with digits or . _ @ / - is a name, a file, an address
# or a reference (manager01, companies.csv, a@b.jp, E-1A2B), not an English word.
LATIN = re.compile(r"[A-Za-z][A-Za-z0-9._@/+-]*")
# Latin words an office reads in Japanese text: formats, programs and abbreviations.
ALLOWED_WORDS = frozenset(
    {
        "api",
        "csv",
        "excel",
        "ja",  # the headers' language code on the export page
        "en",
        "id",
        "ok",
        "pdf",
        "url",
        "utf",
        "xlsx",
        "zip",
        "cp",
        "shift",
        "jis",
        "bom",
        "crlf",
        "lf",
        "json",
        "totp",
        "kpi",
        "fy",
        "ng",
        "http",
        "https",
        "token",
        "bearer",
        # A date field's format hint while it is empty (the date the list filters by).
        "yyyy",
        "mm",
        "dd",
    }
)


def english_words(text: str) -> list[str]:
    """English words outside ``ALLOWED_WORDS``, each once, in the order they appear."""
    found: dict[str, None] = {}
    for match in LATIN.finditer(text):
        word = match.group()
        if any(c in word for c in "0123456789._@/+-"):
            continue
        if word.lower() not in ALLOWED_WORDS:
            found.setdefault(word, None)
    return list(found)


def office_problems(text: str) -> list[str]:
    """``leaks`` plus what an office document never shows: an ISO date or week, a raw id or
    hub code, an English word."""
    found = leaks(text)

    def quote(match: re.Match) -> str:
        return text[max(0, match.start() - 12) : match.end() + 12].replace("\n", " ")

    found += [f"ISO date: {quote(m)}" for m in ISO_DATE.finditer(text)]
    found += [f"ISO week: {quote(m)}" for m in ISO_WEEK.finditer(text)]
    found += [f"raw id: {quote(m)}" for m in RAW_ID.finditer(text)]
    found += [f"hub code: {quote(m)}" for m in HUB_CODE.finditer(text)]
    found += [f"English: {word}" for word in english_words(text)]
    return found
