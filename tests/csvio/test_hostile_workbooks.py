"""Hostile workbooks: a sheet reaching beyond what a hub's file holds, or a damaged part, is
refused with the limit or the part named, before any reader allocates; the native reader runs
in a child process whose crash, memory exhaustion or hang is a refusal too, and the process
that asked (app server, CLI) never loads it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crm.cli import app
from crm.csvio.excel import UnreadableFile
from crm.csvio.reading import files_in, parse_file
from crm.csvio.workbook_scan import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    DamagedWorkbook,
    WorkbookTooLarge,
    scan_workbook,
)
from tests.csvio.hostile_workbooks import (
    HOSTILE,
    SHEET_PART,
    STRINGS_PART,
    far_cell,
    sheet,
    stub_calamine,
    workbook,
)

ROOT = Path(__file__).resolve().parents[2]
LIMITS = f"{MAX_ROWS:,} 行・{MAX_COLUMNS:,} 列・{MAX_CELLS:,} セル"
# kind -> (exception, what the message must name besides the workbook)
EXPECTED = {
    "far cell XFD1048576": (WorkbookTooLarge, ["XFD1048576", "16,384 列", LIMITS, SHEET_PART]),
    "far cell Z1048576": (WorkbookTooLarge, ["Z1048576", "1,048,576 行", LIMITS, SHEET_PART]),
    "truncated sheet": (DamagedWorkbook, [SHEET_PART, "シート「企業」", "途中で終わっています"]),
    "bad shared-string index": (DamagedWorkbook, [SHEET_PART, "999 番", "5 件"]),
    "undeclared entity": (DamagedWorkbook, [STRINGS_PART, "定義されていない実体参照"]),
    "entity bomb": (DamagedWorkbook, [STRINGS_PART, "DTD"]),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_hostile_workbook_is_refused_naming_the_limit_or_the_part(kind):
    data = HOSTILE[kind]()
    assert len(data) < 3_000  # small on disk, whatever it claims
    expected, fragments = EXPECTED[kind]
    with pytest.raises(expected) as raised:
        files_in(data, "敵意.xlsx")
    message = str(raised.value)
    assert message.startswith("敵意.xlsx: "), message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert "予期しない" not in message and "\n" not in message


@pytest.mark.parametrize(
    ("reference", "admitted"),
    [
        (f"A{MAX_ROWS}", True),
        (f"A{MAX_ROWS + 1}", False),
        ("IV1", True),  # column 256
        ("IW1", False),
        ("CV100000", True),  # 100 columns × 100,000 rows = MAX_CELLS
        ("CV100001", False),
        ("CW100000", False),
    ],
)
def test_the_limits_admit_a_sheet_at_the_limit_and_refuse_one_beyond(reference, admitted):
    data = far_cell(reference)
    if admitted:
        scan_workbook(data, "境界.xlsx")
    else:
        with pytest.raises(WorkbookTooLarge, match=f"{reference} まで"):
            scan_workbook(data, "境界.xlsx")


def test_the_declared_dimension_alone_is_refused():
    data = workbook(sheet(dimension="A1:XFD1048576"))
    with pytest.raises(WorkbookTooLarge, match="XFD1048576 まで"):
        scan_workbook(data, "宣言.xlsx")


def test_rows_and_cells_without_references_count_by_position():
    wide = "<row>" + "<c><v>1</v></c>" * (MAX_COLUMNS + 1) + "</row>"
    with pytest.raises(WorkbookTooLarge, match=f"{MAX_COLUMNS + 1:,} 列"):
        scan_workbook(workbook(sheet(wide)), "横長.xlsx")
    tall = "<row><c><v>1</v></c></row>" * (MAX_ROWS - 3 + 1)  # after the 3 written rows
    with pytest.raises(WorkbookTooLarge, match=f"{MAX_ROWS + 1:,} 行"):
        scan_workbook(workbook(sheet(tall)), "縦長.xlsx")
    # a shared string named by a cell without a reference is checked as well
    positional = '<row><c t="s"><v>7</v></c></row>'
    with pytest.raises(DamagedWorkbook, match="セル A4 が共有文字列の 7 番"):
        scan_workbook(workbook(sheet(positional)), "位置.xlsx")


def test_any_dtd_is_refused_even_without_entities():
    data = workbook(sheet(doctype="<!DOCTYPE worksheet>\n"))
    with pytest.raises(DamagedWorkbook, match=r"シート「企業」（xl/worksheets/sheet1.xml）.*DTD"):
        files_in(data, "型宣言.xlsx")


def test_an_ordinary_workbook_reads_in_the_child_and_calamine_stays_out_of_this_process():
    # A fresh interpreter: this test process may have loaded calamine through openpyxl tests.
    script = (
        "import json, sys\n"
        "import crm.cli, crm.csvio.importer\n"
        "from crm.csvio.reading import files_in, parse_file\n"
        "from tests.csvio.hostile_workbooks import workbook\n"
        "[(name, data)] = files_in(workbook(), 'ふつう.xlsx')\n"
        "parsed = parse_file(name, data)\n"
        "print(json.dumps({'name': name, 'records': list(parsed.records),\n"
        "                  'calamine': 'python_calamine' in sys.modules}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["name"] == "ふつう.xlsx[企業]"
    assert found["records"] == [
        [2, {"name": "山形精工株式会社", "prefecture_code": "06"}],
        [3, {"name": "庄内食品株式会社", "prefecture_code": "06"}],
    ]
    assert found["calamine"] is False


def test_the_sheets_are_read_once_for_every_entry_of_the_workbook(monkeypatch):
    from crm.csvio import reading

    calls = []
    real = reading.read_workbook
    monkeypatch.setattr(reading, "read_workbook", lambda *a: calls.append(a) or real(*a))
    entries = files_in(workbook(), "一度.xlsx")
    for name, data in entries:
        parse_file(name, data)
    assert len(calls) == 1


# --- the child process -------------------------------------------------------------------------


@pytest.fixture
def stub(tmp_path, monkeypatch):
    """Put a misbehaving python_calamine first on the child's PYTHONPATH."""

    def install(behaviour: str) -> Path:
        folder = stub_calamine(tmp_path / "stub", behaviour)
        monkeypatch.setenv("PYTHONPATH", str(folder))
        return folder

    return install


def test_a_reader_that_aborts_is_a_refusal(stub):
    stub("abort")
    with pytest.raises(UnreadableFile) as raised:
        files_in(workbook(), "落ちる.xlsx")
    message = str(raised.value)
    assert message.startswith("落ちる.xlsx: Excel ファイルを読み取る処理が異常終了しました")
    assert "SIGABRT" in message


def test_a_reader_that_exhausts_its_memory_is_a_refusal(stub, monkeypatch):
    stub("exhaust memory")
    monkeypatch.setenv("CRM_WORKBOOK_READER_MEMORY_MB", "300")
    with pytest.raises(UnreadableFile, match=r"大きい.xlsx: .*使えるメモリ（300 MB）を超えた"):
        files_in(workbook(), "大きい.xlsx")


def test_a_reader_past_its_time_is_killed_and_refused(stub, monkeypatch):
    folder = stub("hang")
    monkeypatch.setenv("CRM_WORKBOOK_READER_SECONDS", "3")
    with pytest.raises(UnreadableFile, match=r"止まる.xlsx: .*制限時間（3 秒）"):
        files_in(workbook(), "止まる.xlsx")
    pid = int((folder / "pid").read_text())
    assert not Path(f"/proc/{pid}").exists()  # killed and reaped, not left running


def test_the_child_limits_its_own_address_space(stub, monkeypatch):
    stub("report its memory limit")
    monkeypatch.setenv("CRM_WORKBOOK_READER_MEMORY_MB", "321")
    with pytest.raises(UnreadableFile, match=f"RLIMIT_AS={321 * 1024 * 1024}"):
        files_in(workbook(), "上限.xlsx")


# --- the command line -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_the_cli_refuses_a_hostile_workbook_in_one_line(kind, sqlite_engine, tmp_path, monkeypatch):
    path = tmp_path / "敵意.xlsx"
    path.write_bytes(HOSTILE[kind]())
    monkeypatch.setenv("CRM_DATABASE_URL", sqlite_engine.url.render_as_string(False))
    monkeypatch.delenv("CRM_DEBUG", raising=False)
    result = CliRunner().invoke(app, ["import", "companies", str(path), "--hub", "06"])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("エラー: 敵意.xlsx: "), lines
    for fragment in EXPECTED[kind][1]:
        assert fragment in lines[0], (fragment, lines[0])
    assert "予期しない" not in lines[0] and "Traceback" not in result.output


def test_the_cli_process_survives_the_far_cell_that_used_to_abort_it(sqlite_engine, tmp_path):
    """The file that made ``crm import`` die with exit 134 (549 GB asked of the allocator)."""
    path = tmp_path / "far.xlsx"
    path.write_bytes(far_cell("XFD1048576"))
    env = {**os.environ, "CRM_DATABASE_URL": sqlite_engine.url.render_as_string(False)}
    env.pop("CRM_DEBUG", None)
    crm = Path(sys.executable).with_name("crm")
    done = subprocess.run(
        [crm, "import", "all", str(path), "--hub", "06"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, (done.returncode, done.stderr)
    assert done.stdout == ""
    assert (
        done.stderr.startswith("エラー: far.xlsx: シート「企業」")
        and "Traceback" not in done.stderr
    )
    assert done.stderr.count("\n") == 1


# --- what a refusal costs ---------------------------------------------------------------------

MEASURE = """
import json, resource, sys, time
from crm.csvio.reading import files_in
from crm.errors import CrmError
from tests.csvio.hostile_workbooks import far_cell
data = far_cell(sys.argv[1])
started = time.monotonic()
try:
    files_in(data, "far.xlsx")
    outcome = "accepted"
except CrmError as error:
    outcome = str(error)
seconds = time.monotonic() - started
with open("/proc/self/status") as status:
    hwm_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
child_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"outcome": outcome, "bytes": len(data), "seconds": seconds,
                  "parent_mib": hwm_kib / 1024, "child_mib": child_kib / 1024}))
"""


@pytest.mark.parametrize("reference", ["Z1048576", "XFD1048576"])
def test_a_far_cell_is_refused_in_memory_proportional_to_the_file(reference):
    """The figures (printed; run with -s) for the report: the file's size, the refusal's wall
    time, the peak memory of the process that asked and of the reader child. The extent the
    file claims would take 1.28 GiB (Z) and 549 GB (XFD) laid out as a grid."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, reference],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    print(f"{reference}: {found}")
    assert "の範囲が大きすぎます" in found["outcome"]
    assert found["parent_mib"] < 200 and found["child_mib"] < 200, found
