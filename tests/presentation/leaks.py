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
