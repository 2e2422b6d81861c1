"""Folding Japanese text so that what people type matches what was stored.

People type the same firm as 株式会社山形ビルメンテナンス, (株)山形ビルメンテナンス, ㈱山形 ビル…,
ｶﾌﾞｼｷｶﾞｲｼｬ or やまがた. Three keys come out of a name and its kana:

- ``fold``: NFKC (full-width letters and digits to half-width, half-width kana to full-width,
  ㈱ to (株)), hiragana to katakana (``jaconv``), lower case, no spaces of any width.
- ``search_key``: the folded name and kana with abbreviated legal forms spelled out
  ((株) → 株式会社), so ㈱山形 finds 株式会社山形…; stored on the firm (``company.search_key``).
- ``firm_name_key``: the folded name with every legal form removed, for spotting duplicates;
  ``kana_sort_key``: the folded kana without legal forms, for 五十音 order.
"""

import re
import unicodedata
from collections.abc import Callable
from typing import Any

import jaconv

# Legal forms (法人格), longest first so that 医療法人社団 wins over 医療法人.
LEGAL_FORMS = (
    "特定非営利活動法人",
    "一般社団法人",
    "一般財団法人",
    "公益社団法人",
    "公益財団法人",
    "社会福祉法人",
    "医療法人社団",
    "医療法人財団",
    "独立行政法人",
    "医療法人",
    "学校法人",
    "宗教法人",
    "社団法人",
    "財団法人",
    "npo法人",
    "株式会社",
    "有限会社",
    "合同会社",
    "合資会社",
    "合名会社",
    "協同組合",
)
# Abbreviations as they read after NFKC ((株), ㈱ and （株） all become "(株)").
ABBREVIATIONS = {
    "(株)": "株式会社",
    "(有)": "有限会社",
    "(同)": "合同会社",
    "(資)": "合資会社",
    "(名)": "合名会社",
    "(一社)": "一般社団法人",
    "(一財)": "一般財団法人",
    "(公社)": "公益社団法人",
    "(公財)": "公益財団法人",
    "(社)": "社団法人",
    "(財)": "財団法人",
    "(医)": "医療法人",
    "(福)": "社会福祉法人",
    "(特非)": "特定非営利活動法人",
    "(学)": "学校法人",
    "(協)": "協同組合",
}
# Legal forms as written in kana fields (after folding), e.g. カブシキガイシャ or カ).
KANA_LEGAL_FORMS = (
    "カブシキガイシャ",
    "カブシキカイシャ",
    "ユウゲンガイシャ",
    "ユウゲンカイシャ",
    "ゴウドウガイシャ",
    "ゴウドウカイシャ",
    "ゴウシガイシャ",
    "ゴウメイガイシャ",
    "イッパンシャダンホウジン",
    "イッパンザイダンホウジン",
    "カ)",
    "(カ",
    "ユ)",
    "(ユ",
    "ド)",
    "(ド",
)
_SPACES = re.compile(r"\s+")
_LEGAL = re.compile("|".join(re.escape(form) for form in LEGAL_FORMS))
_ABBREVIATED = re.compile("|".join(re.escape(form) for form in ABBREVIATIONS))
# Punctuation that does not tell firms apart: middle dots, dashes, commas, full stops.
_NOISE = re.compile(r"[・･.,、。'\"「」『』\-‐―]")


def fold(text: str | None) -> str:
    """NFKC, hiragana → katakana, lower case, without spaces (half- or full-width)."""
    if not text:
        return ""
    folded = jaconv.hira2kata(unicodedata.normalize("NFKC", text)).lower()
    return _SPACES.sub("", folded)


def expand_abbreviations(folded: str) -> str:
    """(株) → 株式会社 and the like, in already folded text."""
    return _ABBREVIATED.sub(lambda m: ABBREVIATIONS[m.group(0)], folded)


def search_text(text: str | None) -> str:
    """A search box's input in the form stored in ``search_key``."""
    return expand_abbreviations(fold(text))


def search_key(name: str | None, kana: str | None = None) -> str:
    """What a firm is found by: its folded name and kana, separated by a tab (which no query
    contains, so a match never spans the two)."""
    return "\t".join(part for part in (search_text(name), search_text(kana)) if part)


def firm_name_key(name: str | None) -> str:
    """The name without legal forms, spaces, width, kana style or punctuation: equal keys
    mean the same firm written differently (株式会社山形ビル = (株)山形ビル = 山形ビル（株）)."""
    without_forms = _LEGAL.sub("", expand_abbreviations(fold(name)))
    return _NOISE.sub("", without_forms)


def kana_sort_key(kana: str | None) -> str | None:
    """Full-width katakana without legal forms, which sorts in 五十音 order; None without kana."""
    folded = fold(kana)
    for form in KANA_LEGAL_FORMS:
        folded = folded.replace(form.lower(), "")
    folded = folded.replace("(", "").replace(")", "")
    return folded or None


def company_keys(name: str | None, kana: str | None) -> dict[str, str | None]:
    """The derived columns of a firm (``company.search_key``, ``name_key``, ``kana_key``)."""
    return {
        "search_key": search_key(name, kana) or None,
        "name_key": firm_name_key(name) or None,
        "kana_key": kana_sort_key(kana),
    }


def company_key_default(column: str) -> Callable[[Any], str | None]:
    """A column default computing ``column`` from the inserted row's name and kana, so every
    insert (a service's, the importer's bulk insert) stores the keys."""

    def compute(context: Any) -> str | None:
        row = context.get_current_parameters()
        return company_keys(row.get("name"), row.get("kana"))[column]

    return compute
