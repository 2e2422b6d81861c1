"""Small .xlsx files written part by part, so that a test can damage exactly one part: a far
cell, a sheet cut short, a shared-string index out of range, an undeclared entity, a DTD.

Every workbook holds one sheet 「企業」 with a header row and two ordinary firms of hub 06;
what makes it hostile is added to that sheet or to its shared strings."""

import io
import zipfile
from pathlib import Path

SHEET_PART = "xl/worksheets/sheet1.xml"
STRINGS_PART = "xl/sharedStrings.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _override(part: str, kind: str) -> str:
    return f'<Override PartName="/{part}" ContentType="{TYPE}.{kind}+xml"/>'


def _relationship(rel: str, kind: str, target: str) -> str:
    return f'<Relationship Id="{rel}" Type="{OFFICE}/{kind}" Target="{target}"/>'


CONTENT_TYPES = (
    f'{HEAD}<Types xmlns="{PACKAGE}/content-types">'
    f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    + _override("xl/workbook.xml", "sheet.main")
    + _override("xl/worksheets/sheet1.xml", "worksheet")
    + _override("xl/sharedStrings.xml", "sharedStrings")
    + "</Types>"
)
ROOT_RELS = (
    f'{HEAD}<Relationships xmlns="{PACKAGE}/relationships">'
    + _relationship("rId1", "officeDocument", "xl/workbook.xml")
    + "</Relationships>"
)
WORKBOOK = (
    f'{HEAD}<workbook xmlns="{MAIN}" xmlns:r="{RELS}">'
    '<sheets><sheet name="企業" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'{HEAD}<Relationships xmlns="{PACKAGE}/relationships">'
    + _relationship("rId1", "worksheet", "worksheets/sheet1.xml")
    + _relationship("rId2", "sharedStrings", "sharedStrings.xml")
    + "</Relationships>"
)
# Shared strings 0..5: the two headers, two firm names; 都道府県コード is a text cell "06".
STRINGS = ["企業名", "都道府県コード", "山形精工株式会社", "庄内食品株式会社", "06"]


def shared_strings(strings: list[str] = STRINGS, doctype: str = "") -> str:
    items = "".join(f"<si><t>{text}</t></si>" for text in strings)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'{doctype}<sst xmlns="{MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">'
        f"{items}</sst>"
    )


def sheet(
    extra_cells: str = "", dimension: str = "A1:B3", doctype: str = "", name_index: int = 2
) -> str:
    """The sheet's XML: header, two firms (the first firm's name is shared string
    ``name_index``) and ``extra_cells`` (whole ``<row>`` elements) after them."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'{doctype}<worksheet xmlns="{MAIN}" xmlns:r="{RELS}">'
        f'<dimension ref="{dimension}"/><sheetData>'
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        f'<row r="2"><c r="A2" t="s"><v>{name_index}</v></c><c r="B2" t="s"><v>4</v></c></row>'
        '<row r="3"><c r="A3" t="s"><v>3</v></c><c r="B3" t="s"><v>4</v></c></row>'
        f"{extra_cells}</sheetData></worksheet>"
    )


def workbook(sheet_xml: str | bytes | None = None, strings_xml: str | None = None) -> bytes:
    """The .xlsx bytes with the given sheet and shared-strings parts (default: ordinary)."""
    parts = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        SHEET_PART: sheet() if sheet_xml is None else sheet_xml,
        STRINGS_PART: shared_strings() if strings_xml is None else strings_xml,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text.encode() if isinstance(text, str) else text)
    return buffer.getvalue()


def far_cell(reference: str) -> bytes:
    """Two ordinary rows and one cell at ``reference`` (e.g. XFD1048576): 1.6 KB on disk."""
    row = int("".join(ch for ch in reference if ch.isdigit()))
    cell = f'<row r="{row}"><c r="{reference}"><v>1</v></c></row>'
    return workbook(sheet(cell, dimension=f"A1:{reference}"))


def truncated() -> bytes:
    """The sheet's XML cut off in the middle of its second row."""
    text = sheet()
    return workbook(text[: text.index('<c r="B2"')])


def bad_shared_string() -> bytes:
    """A cell naming shared string 999 of the five the workbook holds."""
    return workbook(sheet(name_index=999))


def undeclared_entity() -> bytes:
    """A shared string with ``&bomb;``, an entity no DTD declares."""
    return workbook(strings_xml=shared_strings([*STRINGS[:2], "&bomb;", *STRINGS[3:]]))


LAUGHS = (
    '<!DOCTYPE sst [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    )
    + "]>\n"
)


def entity_bomb() -> bytes:
    """The billion laughs: nine levels of entities, each ten of the one below, in the shared
    strings (a few hundred bytes that expand to gigabytes where entities are expanded)."""
    strings = [*STRINGS[:2], "&lol9;", *STRINGS[3:]]
    return workbook(strings_xml=shared_strings(strings, doctype=LAUGHS))


HOSTILE = {
    "far cell XFD1048576": lambda: far_cell("XFD1048576"),
    "far cell Z1048576": lambda: far_cell("Z1048576"),
    "truncated sheet": truncated,
    "bad shared-string index": bad_shared_string,
    "undeclared entity": undeclared_entity,
    "entity bomb": entity_bomb,
}


# --- a python_calamine that misbehaves ---------------------------------------------------------

STUB_BEHAVIOUR = {
    # what opening a workbook does in the stub
    "abort": "os.abort()",
    "exhaust memory": "blocks = [bytearray(64 << 20) for _ in iter(int, 1)]",
    "hang": "time.sleep(3600)",
    "report its memory limit": (
        "raise CalamineError(f'RLIMIT_AS={resource.getrlimit(resource.RLIMIT_AS)[0]}')"
    ),
}


def stub_calamine(folder: Path, behaviour: str) -> Path:
    """A package ``python_calamine`` in ``folder`` (put it first on PYTHONPATH) whose workbook
    does ``behaviour`` when opened; it writes its process id to ``folder/pid`` first."""
    package = folder / "python_calamine"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text(
        "import os, resource, time\n"
        "\n\n"
        "class CalamineError(Exception):\n"
        "    pass\n"
        "\n\n"
        "class CalamineWorkbook:\n"
        "    @classmethod\n"
        "    def from_filelike(cls, stream):\n"
        f"        open({str(folder / 'pid')!r}, 'w').write(str(os.getpid()))\n"
        f"        {STUB_BEHAVIOUR[behaviour]}\n"
    )
    return folder
