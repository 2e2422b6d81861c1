"""The checker the page screenshots test uses finds every kind of leak, and only leaks."""

import pytest

from tests.presentation.leaks import leaks


@pytest.mark.parametrize(
    "shown",
    [
        "従業員数 None",
        "前居住地: null",
        "成約率 NaN%",
        "更新日時 2026-12-02T09:15:00+09:00",
        "更新日時 2026-12-02 09:15:00.123456+0900",
        "登録日時 2026-12-02T00:15:00Z",
        "相談件数 4539 件",
        "資本金 30000000円",
        "達成率 181.9726",
    ],
)
def test_a_leak_is_found(shown):
    assert leaks(shown), shown


@pytest.mark.parametrize(
    "shown",
    [
        "相談件数 4,539 件",
        "2026/12/02（水）",
        "相談日\n2026\n/\n12\n/\n02",  # a date field's segments
        "2026年12月",
        "2026年度の目標",
        "12/02 現在",
        "法人番号 7000012050002",
        "電話 0235-22-1234",
        "参照番号「E-1A2B3C4D」",
        "資本金 30,000,000円",
        "達成率 96.3%",
        "Nonetheless",  # a word that merely contains None
    ],
)
def test_what_an_office_expects_is_no_leak(shown):
    assert leaks(shown) == []
