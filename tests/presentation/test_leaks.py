"""The checker the page screenshots test uses finds every kind of leak, and only leaks."""

import pytest

from tests.presentation.leaks import leaks, office_problems


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


@pytest.mark.parametrize(
    "shown",
    [
        "作成: 2026-12-07 12:08",
        "期間: 2026-11-30 〜",
        "週 2026-W49",
        "営業部長（#38896）",
        "拠点 06 の目標",
        "Choose an option",
        "Select all",
        "No results",
        "Drag and drop file here",
        "Limit 50MB per file",
    ],
)
def test_what_an_office_document_never_shows_is_found(shown):
    assert office_problems(shown), shown


@pytest.mark.parametrize(
    "shown",
    [
        "2026/12/07（月）",
        "CSV（Excel で開けます）",
        "full_2026-12-07.zip を作成しました",
        "担当: manager01",
        "companies.csv",
        "a.sato@example.jp",
        "参照番号「E-1A2B3C4D」",
        "山形県の目標",
        "API トークン",
        "UTF-8（BOM 付き）",
    ],
)
def test_what_an_office_document_may_show_passes(shown):
    assert office_problems(shown) == []
