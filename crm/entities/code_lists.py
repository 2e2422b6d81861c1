"""Lists of codes a field holds (not ``LabelledEnum`` choices): JIS prefecture codes and the
JSIC major divisions, each with the name a person reads."""

from crm.entities.declare import CodeList
from crm.reference import JSIC_DIVISIONS, PREFECTURES


def prefecture_name(code: str) -> str:
    return PREFECTURES[code][0]


def industry_name(code: str) -> str:
    return f"{code} {JSIC_DIVISIONS.get(code, '')}".strip()


PREFECTURE = CodeList(tuple(PREFECTURES), prefecture_name)
# A firm's or partner's own prefecture: the form asks for 都道府県 and needs no note on codes.
LOCATION = CodeList(tuple(PREFECTURES), prefecture_name, term="都道府県", note="")
INDUSTRY = CodeList(tuple(JSIC_DIVISIONS), industry_name)
