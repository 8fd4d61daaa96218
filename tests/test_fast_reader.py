"""The fast reader (engines/fast_reader.py) returns exactly what the openpyxl reader returns —
same sheets, rows, value *types*, errors and notes — on both of its paths (calamine, pure
Python), and refuses what openpyxl refuses, with the same sentences.

Compared with ``openpyxl_engine.read(openpyxl_engine.load(p))`` on the example, the template,
a validated + summarised workbook, every corpus file (tests/corpus), hand-written packages
that exercise each place calamine and openpyxl disagree, and seeded mutations of the example.
"""

from __future__ import annotations

import io
import random
import time
import warnings
import zipfile
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import pytest

from cqcxl.engines import fast_reader as fr
from cqcxl.engines import openpyxl_engine as ox
from cqcxl.errors import BookError
from cqcxl.grid import BookGrid, CellError

from .conftest import EXAMPLE, TEMPLATE
from .corpus import make_corpus as mc

pytestmark = pytest.mark.filterwarnings("ignore")

_NO_CALAMINE = pytest.mark.skipif(not fr.HAVE_CALAMINE, reason="python-calamine is not installed")
#: the calamine path (strict, the default), the same with strict=False, the pure-Python path
ENGINES = [pytest.param("calamine", marks=_NO_CALAMINE),
           pytest.param("lenient", marks=_NO_CALAMINE), "pure"]
AS_OF = "2018-11-15"
LOADS = [n for n, c in mc.CORPUS.items() if c.loads]
REFUSED = [n for n, c in mc.CORPUS.items() if not c.loads]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml."


# --- comparing grids, types included ---------------------------------------------------------

def _typed(v):
    return (type(v).__name__, v)


def assert_same(want: BookGrid, got: BookGrid) -> None:
    assert got.name == want.name
    assert got.names == want.names
    for a, b in zip(want.sheets, got.sheets, strict=True):
        assert b.hidden == a.hidden, a.name
        assert b.notes == a.notes, a.name
        assert len(b.rows) == len(a.rows), (a.name, len(a.rows), len(b.rows))
        for i, (ra, rb) in enumerate(zip(a.rows, b.rows, strict=True), start=1):
            assert [_typed(v) for v in rb] == [_typed(v) for v in ra], (a.name, i, ra, rb)


def openpyxl_grid(path: Path) -> BookGrid:
    return ox.read(ox.load(path))


def fast_grid(path: Path, engine: str, report: list | None = None) -> BookGrid:
    if engine == "lenient":
        return fr._read_book(path, "calamine", report, strict=False)
    return fr._read_book(path, engine, report)


def same_outcome(path: Path, engine: str) -> None:
    """Both read it alike, or both refuse it with the same sentence. (With strict=False a
    file openpyxl refuses as damaged may be read instead.)"""
    try:
        want = openpyxl_grid(path)
    except BookError as exc:
        try:
            fast_grid(path, engine)
        except BookError as got:
            assert _kind(str(got)) == _kind(str(exc)), (str(exc), str(got))
        else:
            assert engine == "lenient", f"openpyxl refuses it: {exc}"
        return
    assert_same(want, fast_grid(path, engine))


def _kind(message: str) -> str:
    """The sentence without its detail in brackets (which library said what differs)."""
    head = message.split(" (")[0]
    return head + (" [sheet named]" if "The damage is in" in message else "")


# --- the workbooks cqcxl makes -----------------------------------------------------------------

@pytest.fixture(scope="session")
def validated(tmp_path_factory) -> Path:
    from cqcxl.cli import main

    out = tmp_path_factory.mktemp("validated") / "validated.xlsx"
    code = main(["validate", str(EXAMPLE), "--as-of", AS_OF, "--summary", "-o", str(out)])
    assert code in (0, 1) and out.exists()
    return out


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("which", ["example", "template", "validated"])
def test_same_grid_as_openpyxl(which, engine, validated):
    path = {"example": EXAMPLE, "template": TEMPLATE, "validated": validated}[which]
    report: list = []
    assert_same(openpyxl_grid(path), fast_grid(path, engine, report))
    if engine != "pure":  # no sheet of cqcxl's own workbooks needs the slow path
        assert all(how == "calamine" for _, how in report), report


def test_read_book_picks_calamine_when_it_can():
    grid = fr.read_book(EXAMPLE)
    assert_same(openpyxl_grid(EXAMPLE), grid)


def _as_shared_strings(src: Path, dst: Path) -> Path:
    """``src`` with every inline string moved to a shared-strings part, as Excel and
    LibreOffice write text (cqcxl and openpyxl write it inline)."""
    import re

    members = mc._read_zip(src)
    strings: list[bytes] = []

    def share(m: re.Match) -> bytes:
        strings.append(m[3])
        return m[1] + b't="s"' + m[2] + b"><v>" + str(len(strings) - 1).encode() + b"</v></c>"
    for name in list(members):
        if name.startswith("xl/worksheets/sheet"):
            members[name] = re.sub(rb'(<c [^>]*?)t="inlineStr"([^>]*)><is>(.*?)</is></c>', share,
                                   members[name], flags=re.S)
    members["xl/sharedStrings.xml"] = (f'<sst xmlns="{MAIN}">'.encode() + b"".join(
        b"<si>" + x + b"</si>" for x in strings) + b"</sst>")
    mc._add_content_type(members, mc._override("xl/sharedStrings.xml", f"{_CT}sharedStrings+xml"))
    mc._add_rel(members, "xl/workbook.xml", "rIdFastSst", mc._R + "sharedStrings",
                "sharedStrings.xml")
    return mc._write_zip(dst, members)


@pytest.mark.parametrize("engine", ENGINES)
def test_shared_strings_read_as_openpyxl_reads_them(engine, validated, tmp_path):
    path = _as_shared_strings(validated, tmp_path / "shared.xlsx")
    with zipfile.ZipFile(path) as zf:
        assert zf.read("xl/sharedStrings.xml").count(b"<si>") > 1000
    report: list = []
    assert_same(openpyxl_grid(path), fast_grid(path, engine, report))
    if engine != "pure":
        assert all(how == "calamine" for _, how in report), report


# --- the reliability corpus ----------------------------------------------------------------------

@pytest.fixture(scope="session")
def corpus_file(tmp_path_factory):
    base = tmp_path_factory.mktemp("fast-corpus")
    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            built[name] = mc.build(name, base / name)
        return built[name]
    return get


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", LOADS)
def test_corpus_file_reads_as_openpyxl_reads_it(name, engine, corpus_file):
    path = corpus_file(name)
    assert_same(openpyxl_grid(path), fast_grid(path, engine))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", REFUSED)
def test_corpus_file_is_refused_as_openpyxl_refuses_it(name, engine, corpus_file):
    path = corpus_file(name)
    case = mc.CORPUS[name]
    t0 = time.monotonic()
    with pytest.raises(BookError) as got:
        fast_grid(path, engine)
    took = time.monotonic() - t0
    message = str(got.value)
    for word in (str(path), *case.message):
        assert word.lower() in message.lower(), (word, message)
    if case.hostile:
        assert took < 2, f"{name}: {took:.1f} s"
        assert "root:" not in message
    with pytest.raises(BookError) as want:
        openpyxl_grid(path)
    assert _kind(message) == _kind(str(want.value))
    assert got.value.sheet == want.value.sheet


# --- hand-written packages: every place the two libraries part ---------------------------------

STYLES = (
    f'<styleSheet xmlns="{MAIN}"><numFmts count="4">'
    '<numFmt numFmtId="164" formatCode="d mmm yyyy"/>'
    '<numFmt numFmtId="165" formatCode="[h]:mm"/><numFmt numFmtId="166" formatCode="0.0"/>'
    '<numFmt numFmtId="167" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="1"><font/></fonts><fills count="4">'
    '<fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid">'
    '<fgColor rgb="FF00B050"/></patternFill></fill><fill><patternFill patternType="solid">'
    '<fgColor theme="4"/></patternFill></fill></fills><borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="9"><xf numFmtId="0"/>'
    '<xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="166"/>'
    '<xf numFmtId="30"/><xf numFmtId="167"/><xf numFmtId="0" fillId="2"/>'
    '<xf numFmtId="0" fillId="3"/>'
    '</cellXfs></styleSheet>')


def package(path: Path, sheets: list[tuple[str, str]], *, sst: str | None = None,
            wbpr: str = "", states: dict[int, str] | None = None,
            comments: dict[int, str] | None = None) -> Path:
    """A minimal .xlsx from raw sheet XML (what Excel, LibreOffice or a script may write)."""
    ct = [f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}sheet.main+xml"/>',
          f'<Override PartName="/xl/styles.xml" ContentType="{_CT}styles+xml"/>']
    rels = [f'<Relationship Id="rIdSt" Type="{REL}/styles" Target="styles.xml"/>']
    parts: dict[str, str] = {"xl/styles.xml": STYLES}
    entries = []
    for i, (name, xml) in enumerate(sheets, start=1):
        ct.append(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                  f'ContentType="{_CT}worksheet+xml"/>')
        rels.append(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" '
                    f'Target="worksheets/sheet{i}.xml"/>')
        state = f' state="{states[i]}"' if states and i in states else ""
        entries.append(f'<sheet name="{name}" sheetId="{i}"{state} r:id="rId{i}"/>')
        parts[f"xl/worksheets/sheet{i}.xml"] = (
            f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">{xml}</worksheet>')
        if comments and i in comments:
            ct.append(f'<Override PartName="/xl/comments{i}.xml" ContentType="{_CT}comments+xml"/>')
            parts[f"xl/worksheets/_rels/sheet{i}.xml.rels"] = (
                f'<Relationships xmlns="{PKG}"><Relationship Id="rIdC" Type="{REL}/comments" '
                f'Target="../comments{i}.xml"/></Relationships>')
            parts[f"xl/comments{i}.xml"] = comments[i]
    if sst is not None:
        ct.append('<Override PartName="/xl/sharedStrings.xml" '
                  f'ContentType="{_CT}sharedStrings+xml"/>')
        rels.append(f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" '
                    'Target="sharedStrings.xml"/>')
        parts["xl/sharedStrings.xml"] = f'<sst xmlns="{MAIN}">{sst}</sst>'
    parts["[Content_Types].xml"] = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        + "".join(ct) + "</Types>")
    parts["_rels/.rels"] = (f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
                            f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
                            "</Relationships>")
    parts["xl/workbook.xml"] = (f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><workbookPr{wbpr}/>'
                                f'<sheets>{"".join(entries)}</sheets></workbook>')
    parts["xl/_rels/workbook.xml.rels"] = (f'<Relationships xmlns="{PKG}">{"".join(rels)}'
                                           "</Relationships>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text.encode("utf-8"))
    return path


def rows(cells: list[tuple[str, str]]) -> str:
    """One cell per row in column B (attributes, content), a number beside it in C."""
    return "<sheetData>" + "".join(
        f'<row r="{i}"><c r="B{i}"{a}>{inner}</c><c r="C{i}"><v>{i}</v></c></row>'
        for i, (a, inner) in enumerate(cells, start=1)) + "</sheetData>"


VALUES = [
    ("", "<v>5</v>"), ("", "<v>5.0</v>"), ("", "<v>1E3</v>"), ("", "<v>0.25</v>"),
    ("", "<v>-0</v>"),
    ("", "<v>1e400</v>"), ("", "<v></v>"), ("", "<v> 7 </v>"), ("", "<v>007</v>"),
    ("", "<v>12345678901234567890</v>"), (' s="4"', "<v>3</v>"), (' s="4"', "<v>3.5</v>"),
    (' t="b"', "<v>1</v>"), (' t="b"', "<v>0</v>"), (' t="b"', "<v>2</v>"),
    (' t="e"', "<v>#REF!</v>"), (' t="e"', "<v>#N/A</v>"), (' t="e"', "<v>#SPILL!</v>"),
    (' t="e"', "<v>#GETTING_DATA</v>"), (' t="e"', "<v>#WHAT</v>"),
    (' t="d"', "<v>2018-09-01T00:00:00</v>"), (' t="d"', "<v>2018-09-01</v>"),
    (' t="d"', "<v>12:30:00</v>"), (' t="d"', "<v></v>"),
    ("", "<f>1+1</f>"), ("", "<f>1+1</f><v></v>"), ("", "<f>1+1</f><v>2</v>"),
    ("", "<f>1+1</f><v>2.0</v>"), (' t="str"', '<f>"a"</f><v>a</v>'),
    (' t="str"', '<f>"a"</f><v></v>'), (' t="e"', "<f>1/0</f><v>#DIV/0!</v>"),
    (' t="b"', "<f>TRUE</f><v>1</v>"), (' t="s"', "<f>A1</f><v>0</v>"),
    (' t="str"', "<v>plain</v>"), (' t="str"', "<v>123</v>"), (' t="str"', "<v></v>"),
    (' t="inlineStr"', "<is><t>inline</t></is>"), (' t="inlineStr"', "<is><t/></is>"),
    (' t="inlineStr"', "<is/>"), (' t="inlineStr"', "<is></is>"),
    (' t="inlineStr"', "<is><t>  spaced  </t></is>"),
    (' t="inlineStr"', '<is><t xml:space="preserve">  kept  </t></is>'),
    (' t="inlineStr"', "<is><t>\ttab\n</t></is>"), (' t="inlineStr"', "<is><t>   </t></is>"),
    (' t="inlineStr"', "<is><t>a_x0001_b_x000D_c</t></is>"),
    (' t="inlineStr"', "<is><t>x_x005F_x0041_y</t></is>"),
    (' t="inlineStr"', '<is><r><t>ri</t></r><r><rPr><b/></rPr><t>ch</t></r>'
                       '<rPh sb="0" eb="1"><t>PH</t></rPh></is>'),
    (' t="inlineStr"', "<is><r><t>a </t></r><r><t> b</t></r></is>"),
    (' t="inlineStr"', "<is><r><t>a</t></r><t>b</t></is>"),
    (' t="inlineStr"', "<is><r><t>a</t><t>b</t></r></is>"),
    (' t="inlineStr"', "<is><t>line1\nline2&#13;x</t></is>"),
    (' t="inlineStr"', "<is><t><![CDATA[ a<b ]]></t></is>"),
    (' t="inlineStr"', "<is><t>a<!-- note -->b</t></is>"),
    (' t="inlineStr"', "<is><t>#N/A</t></is>"),
    (' t="inlineStr"', "<v>5</v>"), (' t="n"', "<is><t>x</t></is>"),
    ("", "<v>1</v><v>2</v>"),
    (' t="s"', "<v>0</v>"), (' t="s"', "<v>1</v>"), (' t="s"', "<v>2</v>"), (' t="s"', "<v>3</v>"),
    (' t="s"', "<v>4</v>"), (' t="s"', "<v>5</v>"), (' t="s"', "<v>6</v>"), (' t="s"', "<v>7</v>"),
    ("", ""), (' s="1"', ""), (' t="zz"', "<v>odd</v>"),
]
SST = ("<si><t>shared</t></si><si><t/></si><si><t>a_x000D_b x005F_ c</t></si>"
       '<si><r><t>r1</t></r><r><t>r2</t></r><rPh sb="0" eb="1"><t>PH</t></rPh></si>'
       "<si><t> lead</t></si><si><t>_x005F_x0041_</t></si><si><t>#DIV/0!</t></si>"
       '<si><t xml:space="preserve">trail </t></si>')


def _serials(epoch: str) -> str:
    cells = []
    for i, serial in enumerate([*range(0, 70), 1000, 43466, 43466.5, 43466.123456789, 999999,
                                2958465, 2958466, -5], start=1):
        cells.append(f'<row r="{i}">' + "".join(
            f'<c r="{"ABCDEFG"[k]}{i}" s="{k}"><v>{serial}</v></c>' for k in range(7)) + "</row>")
    return "<sheetData>" + "".join(cells) + "</sheetData>"


STRUCTURE = {
    "merged": ('<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>top</t></is></c>'
               '<c r="B1"><v>2</v></c><c r="C1"><f>1+1</f><v>2</v></c></row><row r="2">'
               '<c r="A2"><v>3</v></c><c r="D2"><v>4</v></c></row></sheetData>'
               '<mergeCells count="2"><mergeCell ref="A1:C1"/><mergeCell ref="A2:A3"/>'
               "</mergeCells>"),
    "no-refs": ('<sheetData><row r="2"><c><v>1</v></c><c r="C2"><v>2</v></c><c><v>3</v></c>'
                '</row><row><c><v>4</v></c></row></sheetData>'),
    "out-of-order": ('<sheetData><row r="3"><c r="B3"><v>1</v></c></row><row r="1">'
                     '<c r="A1" t="e"><v>#N/A</v></c></row></sheetData>'),
    "duplicate": ('<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="A1"><v>2</v></c></row>'
                  "</sheetData>"),
    "sparse": ('<sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="400000">'
               '<c r="A400000"><v>2</v></c></row></sheetData>'),
    "newline-attrs": ('<sheetData><row r="1"><c r="A1" s="4"\nt="e"><v>#N/A</v></c></row>'
                      "</sheetData>"),
    "single-quotes": "<sheetData><row r='1'><c r='A1' t='e'><v>#N/A</v></c></row></sheetData>",
    "empty": "<sheetData/>",
}


@pytest.mark.parametrize("engine", ENGINES)
def test_every_value_kind_reads_as_openpyxl_reads_it(engine, tmp_path):
    path = package(tmp_path / "values.xlsx", [("Values", rows(VALUES))], sst=SST)
    same_outcome(path, engine)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("wbpr", ["", ' date1904="1"', ' date1904="true"', ' date1904="TRUE"'])
def test_dates_durations_times_and_both_epochs(engine, wbpr, tmp_path):
    path = package(tmp_path / "dates.xlsx", [("Dates", _serials(wbpr))], wbpr=wbpr)
    same_outcome(path, engine)
    grid = fast_grid(path, engine).sheets[0]
    kinds = {type(v) for row in grid.rows for v in row}
    assert {datetime, dtime, timedelta, int, float, CellError} <= kinds
    assert date not in kinds  # openpyxl gives datetimes, never bare dates


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", sorted(STRUCTURE))
def test_sheet_structure_reads_as_openpyxl_reads_it(engine, case, tmp_path):
    path = package(tmp_path / f"{case}.xlsx", [("S", STRUCTURE[case]), ("T", rows(VALUES[:6]))],
                   sst=SST)
    same_outcome(path, engine)


COMMENTS = (
    f'<comments xmlns="{MAIN}"><authors><author>Jane Lead</author><author/></authors><commentList>'
    '<comment ref="A1" authorId="0"><text><r><rPr><b/></rPr><t>Jane Lead:</t></r>'
    '<r><t xml:space="preserve">\nCheck with Aaron</t></r></text></comment>'
    '<comment ref="B1" authorId="1"><text><t>covered by a merge</t></text></comment>'
    '<comment ref="D9" authorId="1"><text><t>on an empty cell</t></text></comment>'
    '<comment ref="A1:B2" authorId="0"><text><t>a range: dropped</t></text></comment>'
    "</commentList></comments>")


@pytest.mark.parametrize("engine", ENGINES)
def test_notes_sheet_states_and_names(engine, tmp_path):
    sheet = ('<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
             '</sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>')
    path = package(tmp_path / "notes.xlsx",
                   [("Notes", sheet), ("Hidden", "<sheetData/>"), ("Very", "<sheetData/>"),
                    ("notes", "<sheetData/>")],
                   states={2: "hidden", 3: "veryHidden"}, comments={1: COMMENTS})
    same_outcome(path, engine)
    grid = fast_grid(path, engine)
    assert grid.names == ["Notes", "Hidden", "Very", "notes1"]
    assert [s.hidden for s in grid.sheets] == [False, True, True, False]
    assert grid.sheets[0].notes["A1"].text == "Jane Lead:\nCheck with Aaron"
    assert grid.sheets[0].notes["D9"].author == "None"  # openpyxl's str(None)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("bad", [
    '<row r="1"><c r="A1" s="99"><v>1</v></c></row>',         # a style that does not exist
    '<row r="1"><c r="A1" t="s"><v>40</v></c></row>',         # a shared string that does not
    '<row r="1"><c r="A1" t="b"><v>TRUE</v></c></row>',       # a bool openpyxl cannot read
    '<row r="1"><c r="A1"><v>1,5</v></c></row>',              # not a number
    '<row r="1"><c r="A1" t="d"><v>2018-13-45</v></c></row>',  # not a date
    '<row r="1"><c r="XFE1"><v>1</v></c></row>',              # beyond column XFD
    '<row r="1"><c r="A1048577"><v>1</v></c></row>',          # beyond the last row
    '<row r="1"><c r="A1"><v>1</v></c>',                      # not well formed
    '<row r="1"><c r="A1" t="inlineStr"><is><t>\x01</t></is></c></row>',  # a raw control char
])
def test_damaged_sheets_are_refused_alike(engine, bad, tmp_path):
    path = package(tmp_path / "bad.xlsx", [("Bad", f"<sheetData>{bad}</sheetData>")], sst=SST)
    same_outcome(path, engine)


@_NO_CALAMINE
@pytest.mark.parametrize("bad", [
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>\x01</t></is></c></row></sheetData>',
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>\xff\xfe</t></is></c></row></sheetData>',
    b'<row r="1"><c r="A1"><v>1</v></c></row></sheetData></work',
])
def test_strict_false_still_refuses_bad_bytes_and_short_sheets(bad, tmp_path):
    path = package(tmp_path / "bad.xlsx", [("Bad", "<sheetData>@@</sheetData>")])
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    xml = members["xl/worksheets/sheet1.xml"]
    members["xl/worksheets/sheet1.xml"] = xml[:xml.index(b"<sheetData>") + 11] + bad + (
        b"</worksheet>" if bad.endswith(b"</sheetData>") else b"")
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    with pytest.raises(BookError):
        openpyxl_grid(path)
    with pytest.raises(BookError, match="damaged or not a normal workbook"):
        fast_grid(path, "lenient")


@pytest.mark.parametrize("engine", ENGINES)
def test_entities_are_refused_in_any_part_quickly(engine, tmp_path):
    bomb = ('<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>')
    for part in ("xl/worksheets/sheet1.xml", "xl/styles.xml", "xl/comments1.xml",
                 "xl/workbook.xml", "[Content_Types].xml"):
        path = package(tmp_path / "plain.xlsx", [("S", rows(VALUES[:3]))], comments={1: COMMENTS})
        with zipfile.ZipFile(path) as zf:
            members = {n: zf.read(n) for n in zf.namelist()}
        members[part] = bomb.encode() + members[part]
        hostile = tmp_path / "hostile.xlsx"
        with zipfile.ZipFile(hostile, "w") as zf:
            for n, data in members.items():
                zf.writestr(n, data)
        t0 = time.monotonic()
        with pytest.raises(BookError, match="not a normal workbook"):
            fast_grid(hostile, engine)
        assert time.monotonic() - t0 < 2


# --- fills --------------------------------------------------------------------------------------

def _openpyxl_fill(cell) -> str:
    """What the package engine compares today: ``fill.fgColor.rgb`` when there is a pattern."""
    fill = cell.fill
    rgb = fill.fgColor.rgb if fill is not None and fill.fill_type else ""
    return rgb[-6:].upper() if isinstance(rgb, str) and len(rgb) in (6, 8) else ""


def test_fills_match_openpyxl_on_every_cell(validated):
    import openpyxl

    wb = openpyxl.load_workbook(validated)
    data = validated.read_bytes()
    for ws in wb.worksheets:
        refs = [c.coordinate for c in ws._cells.values()] + ["Z999"]
        want = {ref: _openpyxl_fill(ws[ref]) for ref in refs}
        assert fr.fills(validated, ws.title, refs) == want, ws.title
        assert fr.fills(data, ws.title, refs) == want, ws.title
    assert any(v for v in fr.fills(validated, "WS1 ICT",
                                   [c.coordinate for c in wb["WS1 ICT"]._cells.values()]).values())


def test_fills_of_a_written_package(tmp_path):
    sheet = ('<sheetData><row r="1"><c r="A1" s="7"><v>1</v></c><c r="B1" s="8"/>'
             '<c r="C1" s="1"><v>2</v></c></row></sheetData>')
    path = package(tmp_path / "fills.xlsx", [("S", sheet)])
    assert fr.fills(path, "S", ["A1", "B1", "C1", "D1"]) == {
        "A1": "00B050", "B1": "", "C1": "", "D1": ""}
    with pytest.raises(BookError, match="no sheet"):
        fr.fills(path, "Nope", ["A1"])


# --- mutations of the example (as tests/test_corpus.py's fuzz makes them) ------------------------

#: The calamine path leaves the XML to calamine where it follows the schema; these seeds break
#: it in ways the scan does not look for (see the module's limits): duplicate cell addresses.
CALAMINE_LIMITS = {176}


@pytest.mark.parametrize("engine", ENGINES)
def test_mutated_workbooks_read_or_refused_alike(engine, tmp_path):
    from .test_corpus import _mutate

    members = mc._read_zip(EXAMPLE)
    sheet = mc._sheet_parts(members)[mc.WS1]
    others = ["xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml",
              mc._sheet_parts(members)[mc.L.PLAN]]
    seeds = range(160, 185)
    for seed in seeds:
        if engine != "pure" and seed in CALAMINE_LIMITS:
            continue
        rng = random.Random(seed)
        part = sheet if rng.random() < 0.75 else rng.choice(others)
        m = dict(members)
        m[part] = _mutate(m[part], rng)
        path = mc._write_zip(tmp_path / f"fuzz{seed}.xlsx", m)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            same_outcome(path, engine)


def test_bytes_checks_refuse_a_zip_bomb():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/big.xml", b" " * 20_000_000)  # 20 MB from ~20 kB
    with pytest.raises(BookError, match="zip bomb"):
        fr.fills(buf.getvalue(), "S", ["A1"])
