"""One word for the Tokyo area (prefecture codes 11–14): 首都圏, in 前居住地 as in 人材還流, on
every page, in every file, report and the README. 東京圏, the label 前居住地 had before, is
only read (a file written then still imports)."""

from pathlib import Path

import pytest

from crm.areas import METRO_AREAS, OriginArea, area_of
from crm.csvio.import_cells import read_choice
from crm.reference import Residence

ROOT = Path(__file__).resolve().parents[1]
FORMER = "東京圏"


def _sources() -> list[Path]:
    found = [ROOT / "README.md", ROOT / "streamlit_app.py"]
    for folder in ("crm", "ui", "pages"):
        found += sorted((ROOT / folder).rglob("*.py"))
    return [path for path in found if path.exists()]


def test_no_page_file_or_report_says_tokyo_ken():
    places = [
        str(path.relative_to(ROOT))
        for path in _sources()
        for line in path.read_text(encoding="utf-8").splitlines()
        if FORMER in line
    ]
    # Named only as the former label: the readers' table and the README's note on it.
    assert sorted(places) == ["README.md", "crm/reference.py"]


def test_residence_and_origin_area_use_the_same_word():
    assert Residence.TOKYO_AREA.label == OriginArea.TOKYO.value == "首都圏"
    for code in METRO_AREAS[OriginArea.TOKYO]:
        assert area_of(code, "06") == OriginArea.TOKYO
    assert area_of(None, "06", Residence.TOKYO_AREA.value) == OriginArea.TOKYO


@pytest.mark.parametrize("written", ["首都圏", "東京圏", "tokyo_area"])
def test_files_with_either_word_still_read(written):
    assert read_choice(Residence, written) == Residence.TOKYO_AREA.value
    assert Residence.from_label_or_code(written) is Residence.TOKYO_AREA
