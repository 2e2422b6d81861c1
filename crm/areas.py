"""Origin areas of a hire (人材還流): the coarse area derived from the previous prefecture.

A placement records, optionally, the prefecture (JIS code) the hired person lived in before;
the area is never typed, it is derived here: 県内 (the hub's own prefecture), 首都圏, 大阪圏,
名古屋圏 or その他の地域, and 不明 when nothing is known. Rows recorded before the prefecture
existed keep their coarse ``previous_residence`` (県内 / 首都圏 / その他の地域), which maps onto
the same areas (a file with its former label still imports: ``crm.reference.FORMER_LABELS``).
"""

from enum import StrEnum

from crm.reference import PREFECTURES, Residence
from crm.validation import hub_code


class OriginArea(StrEnum):
    SAME_PREFECTURE = "県内"
    TOKYO = "首都圏"
    OSAKA = "大阪圏"
    NAGOYA = "名古屋圏"
    OTHER = "その他の地域"
    UNKNOWN = "不明"


# The metropolitan areas by prefecture code (the hub's own prefecture is 県内 first).
METRO_AREAS: dict[OriginArea, frozenset[str]] = {
    OriginArea.TOKYO: frozenset({"11", "12", "13", "14"}),
    OriginArea.OSAKA: frozenset({"26", "27", "28", "29"}),
    OriginArea.NAGOYA: frozenset({"21", "23", "24"}),
}

# The coarse answers of rows recorded before the prefecture, in the same areas.
_FROM_RESIDENCE = {
    Residence.SAME_PREFECTURE.value: OriginArea.SAME_PREFECTURE,
    Residence.TOKYO_AREA.value: OriginArea.TOKYO,
    Residence.OTHER_REGION.value: OriginArea.OTHER,
}


def area_of(
    previous_prefecture: str | None, hub_code: str, previous_residence: str | None = None
) -> OriginArea:
    """The origin area of one hire into ``hub_code``'s prefecture."""
    if previous_prefecture:
        if previous_prefecture == hub_code:
            return OriginArea.SAME_PREFECTURE
        for area, codes in METRO_AREAS.items():
            if previous_prefecture in codes:
                return area
        return OriginArea.OTHER
    if previous_residence in _FROM_RESIDENCE:
        return _FROM_RESIDENCE[previous_residence]
    return OriginArea.UNKNOWN


def residence_of(previous_prefecture: str, hub_code: str) -> str:
    """The coarse ``previous_residence`` a prefecture implies (kept for the older breakdowns)."""
    if previous_prefecture == hub_code:
        return Residence.SAME_PREFECTURE.value
    if previous_prefecture in METRO_AREAS[OriginArea.TOKYO]:
        return Residence.TOKYO_AREA.value
    return Residence.OTHER_REGION.value


def prefecture_code(value: str | None) -> str | None:
    """A prefecture given as JIS code (1 or 01), Japanese or English name, as its code."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if text.isdigit():  # a JIS code is read as a hub code is, everywhere (6 is 06)
        try:
            return hub_code(text)
        except ValueError:
            raise ValueError(f"都道府県コードが正しくありません: {value}") from None
    for code, (ja, en) in PREFECTURES.items():
        if text in (code, ja, en) or text.lower() == en.lower():
            return code
    raise ValueError(f"都道府県コードが正しくありません: {value}")
