"""The program that reads a workbook, run as a child process by ``crm.csvio.workbook_reader``.

    python -m crm.csvio.workbook_child BOOK_NAME MEMORY_MB  < workbook.xlsx  > rows.json

It limits its own address space to MEMORY_MB first (RLIMIT_AS), then checks the workbook part
by part (``crm.csvio.workbook_scan``: extent, damage, DTDs) and only then opens it with
calamine, a native library: whatever calamine does with a hostile file — allocate without
bound, abort, crash — happens in this process, never in the app server or the CLI.

Its answer on stdout is JSON, never pickle, so that nothing it says can run code in the parent:
one line per sheet as it is read, ``{"sheet": name, "rows": [[row number, [cell text, …]],
…]}`` with the sheet's non-blank rows as the spreadsheet numbers them (trailing blank cells
dropped), then ``{"done": true}``; or, at any point, ``{"refused": message, "kind":
"too_large" | "damaged" | "unreadable"}``. Exit status ``MEMORY_EXHAUSTED`` when Python ran
out of the memory it was allowed; no ``done`` line means the reading did not finish.
"""

import datetime as dt
import json
import resource
import sys
from collections.abc import Iterator, Sequence
from io import BytesIO

from crm.csvio.excel import UnreadableFile
from crm.csvio.workbook_scan import SAVE_AGAIN, DamagedWorkbook, WorkbookTooLarge, scan_workbook

MEMORY_EXHAUSTED = 3
KINDS: dict[str, type[UnreadableFile]] = {
    "too_large": WorkbookTooLarge,
    "damaged": DamagedWorkbook,
    "unreadable": UnreadableFile,
}


def cell_text(value: object) -> str:
    """A workbook cell as the text a CSV would carry."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _rows(cells: Sequence[Sequence[object]]) -> Iterator[list[object]]:
    """Every non-blank row as [row number, cell texts without trailing blanks]."""
    for number, row in enumerate(cells, start=1):
        texts = [cell_text(value) for value in row]
        while texts and not texts[-1].strip():
            texts.pop()
        if texts:
            yield [number, texts]


def _sheets(data: bytes, book: str) -> Iterator[bytes]:
    """Each sheet's line of JSON, read one after the other."""
    from python_calamine import CalamineWorkbook  # only ever imported in this process

    try:
        workbook = CalamineWorkbook.from_filelike(BytesIO(data))
    except MemoryError:
        raise
    except Exception as error:  # any failure of the reader is the file's
        raise UnreadableFile(
            f"{book}: Excel ファイルを開けません（{_short(error)}）。{SAVE_AGAIN}"
        ) from None
    for name in workbook.sheet_names:
        try:
            cells = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except MemoryError:
            raise
        except Exception as error:
            raise DamagedWorkbook(
                f"{book}: シート「{name}」を読めません（{_short(error)}）。{SAVE_AGAIN}"
            ) from None
        rows = list(_rows(cells))
        del cells
        yield _line({"sheet": name, "rows": rows})


def _short(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 200 else text[:199] + "…"


def _line(answer: dict) -> bytes:
    return json.dumps(answer, ensure_ascii=False).encode() + b"\n"


def _kind(error: UnreadableFile) -> str:
    return next(key for key, cls in KINDS.items() if isinstance(error, cls))


def main() -> int:
    book, memory_mb = sys.argv[1], int(sys.argv[2])
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    out = sys.stdout.buffer
    try:
        data = sys.stdin.buffer.read()
        scan_workbook(data, book)
        for line in _sheets(data, book):
            out.write(line)
        out.write(_line({"done": True}))
    except UnreadableFile as refused:
        out.write(_line({"refused": str(refused), "kind": _kind(refused)}))
    except MemoryError:
        return MEMORY_EXHAUSTED
    except BaseException as error:  # calamine's panics derive from BaseException
        if isinstance(error, KeyboardInterrupt | SystemExit):
            raise
        message = f"{book}: Excel ファイルを読めません（{_short(error)}）。{SAVE_AGAIN}"
        out.write(_line({"refused": message, "kind": "damaged"}))
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
