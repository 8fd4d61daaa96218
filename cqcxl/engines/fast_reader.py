"""Read a workbook into grids without openpyxl: exactly what ``openpyxl_engine.read(load(p))``
returns (same sheets, names, hidden flags, rows, value types, errors, notes) in a fraction of
the time, and the same BookError sentences where that refuses the file.

Two paths give the same :class:`BookGrid`; :func:`read_book` takes calamine when it imports:

- **calamine** (python-calamine, Rust) reads each sheet's values. Where calamine and openpyxl
  part, the raw XML shows it, so one regular expression over the sheet's bytes (C speed)
  flags those cells and each is read again exactly, on its own: formulas (openpyxl: the saved
  value, or NOT_CALCULATED), values that are not small integers (error cells, ISO dates,
  decimals: openpyxl keeps int/float as written, calamine gives floats), text with spaces at
  either end that is not ``xml:space="preserve"`` and CDATA (calamine trims them), ``_xHHHH_``
  escapes (calamine decodes them, openpyxl does not), empty strings (calamine cannot tell ""
  from empty), odd rich text, ``<is>`` in a cell that is not an inline string, and cells in a
  number format one library reads as a date and the other not (found by asking calamine about
  each format, on a one-column probe workbook). Shared strings calamine reads differently are
  found and read the same way. Booleans other than 0/1, unknown cell types, shared-string
  indexes past the end, a stray cell far from the rest (calamine would fill the gap), and
  any sheet calamine refuses go to the pure path, which decides. ``strict`` (the default)
  also runs expat over each sheet, as openpyxl would, so a damaged file is refused alike.
- **pure Python** (xlwings Lite / Pyodide have no Rust wheel): expat streams the shared strings
  and each sheet, building one row at a time, and applies openpyxl 3.1's rules (parse_row,
  parse_cell, Text.content, merged cells, the data-only pass for saved formula values).

Both read notes from each sheet's comments part, refuse entity declarations in any part (as
defusedxml does: nothing is expanded), and keep :func:`safety.check_file` in front.
:func:`fills` gives the fill colour each cell shows today from its format, without openpyxl.

Known differences, all in files no spreadsheet program writes: a cell address used twice
(openpyxl keeps the last, even an empty one; calamine the last with a value) and a cell nested
in another element than its row, unless it holds something the scan flags, are read as
calamine reads them; openpyxl's deeper schema checks (e.g. a malformed formula, font or
hyperlink) are not repeated, so such a file is read where openpyxl refuses it.
"""

from __future__ import annotations

import datetime as _dt
import io
import os
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from string import digits as _DIGITS
from typing import Any
from xml.parsers import expat

from ..errors import BookError
from ..grid import (
    ERROR_VALUES,
    NOT_CALCULATED,
    BookGrid,
    CellError,
    Note,
    SheetGrid,
    rows_from_cells,
)
from .safety import broken_part, check_file, check_members

try:  # the Rust reader; absent on Pyodide (xlwings Lite)
    import python_calamine as _calamine
except ImportError:  # pragma: no cover - depends on the platform
    _calamine = None

HAVE_CALAMINE = _calamine is not None

__all__ = ["HAVE_CALAMINE", "fills", "read_book"]

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SEP = "}"  # expat's namespace separator: tags read "uri}local", as ElementTree without "{"

_ROW, _C, _V, _F, _IS, _SI = (f"{MAIN}{_SEP}{n}" for n in ("row", "c", "v", "f", "is", "si"))
_MERGECELLS = f"{MAIN}{_SEP}mergeCells"
_REL_ID = f"{REL}{_SEP}id"

_CT_WORKBOOK = ("application/vnd.ms-excel.template.macroEnabled.main+xml",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
                "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
_CT_SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_RT_COMMENTS = REL + "/comments"
_RT_SST = REL + "/sharedStrings"
_RT_STYLES = REL + "/styles"
_RT_OFFICE = REL + "/officeDocument"
_STYLES = "xl/styles.xml"  # openpyxl reads the styles from this path, whatever the rels say
_SUPPORTED = (".xlsx", ".xlsm", ".xltx", ".xltm")

MAX_ROW, MAX_COL = 1_048_576, 16_384
_CHUNK = 1 << 22


class _Hostile(ValueError):
    """The XML declares entities: refused before any is expanded (as defusedxml does)."""


class _Fallback(Exception):
    """The calamine path cannot vouch for this sheet (or book): read it with expat."""


def _refuse_entities(*_args) -> None:
    raise _Hostile("EntitiesForbidden: the XML declares entities")


def _expat() -> Any:
    p = expat.ParserCreate(namespace_separator=_SEP)
    p.EntityDeclHandler = _refuse_entities
    p.UnparsedEntityDeclHandler = _refuse_entities
    p.ExternalEntityRefHandler = _refuse_entities
    return p


# --- a small streaming tree builder --------------------------------------------------------
# An element is a list [tag, attrs, text parts, children]; the text kept is ElementTree's
# ``text`` (what comes before the first child). Only the elements asked for are built, one
# at a time, so a sheet never sits in memory as a tree.

def _local(tag: str) -> str:
    return tag.rpartition(_SEP)[2]


def _text(el: list) -> str | None:
    parts = el[2]
    return "".join(parts) if parts else None


class _Builder:
    """Expat handlers that build the ``wanted`` elements (a row, a shared string…) and hand
    each, complete, to its callback; then clear it, as openpyxl's iterparse loop does."""

    __slots__ = ("stack", "wanted", "parser", "root")

    def __init__(self, wanted: dict[str, Callable[[list], None]], *, whole: bool = False):
        self.stack: list[list] = []
        self.wanted = wanted
        self.root: list | None = None
        p = _expat()
        p.buffer_text = True
        p.buffer_size = 1 << 16
        p.StartElementHandler = self._start_all if whole else self._start
        p.EndElementHandler = self._end
        p.CharacterDataHandler = self._data
        self.parser = p

    def _start(self, tag, attrs):
        stack = self.stack
        if stack:
            el = [tag, attrs, [], []]
            stack[-1][3].append(el)
            stack.append(el)
        elif tag in self.wanted:
            stack.append([tag, attrs, [], []])

    def _start_all(self, tag, attrs):
        el = [tag, attrs, [], []]
        if self.stack:
            self.stack[-1][3].append(el)
        else:
            self.root = el
        self.stack.append(el)

    def _end(self, tag):
        stack = self.stack
        if stack:
            el = stack.pop()
            fn = self.wanted.get(tag)
            if fn is not None:
                fn(el)
                el[1], el[2], el[3] = {}, [], []

    def _data(self, text):
        stack = self.stack
        if stack:
            top = stack[-1]
            if not top[3]:
                top[2].append(text)

    def feed(self, data: bytes, final: bool = False) -> None:
        self.parser.Parse(data, final)

    def feed_stream(self, fh) -> None:
        while True:
            block = fh.read(_CHUNK)
            if not block:
                break
            self.parser.Parse(block, False)
        self.parser.Parse(b"", True)


def _tree(data: bytes) -> list:
    """A whole (small) part as a tree, entities refused."""
    b = _Builder({}, whole=True)
    b.feed(data, True)
    if b.root is None:  # pragma: no cover - expat refuses a document without a root
        raise ValueError("no root element")
    return b.root


def _children(el: list, local: str) -> list[list]:
    return [c for c in el[3] if _local(c[0]) == local]


def _check_attrs(el: list, allowed: Iterable[str]) -> None:
    for k in el[1]:
        if _SEP not in k and k not in allowed:
            raise TypeError(f"unexpected attribute {k!r} on {_local(el[0])}")


def _int_attr(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise TypeError(f"expected an integer, got {value!r}") from None


# --- openpyxl's value rules, mirrored -----------------------------------------------------

_WINDOWS_EPOCH = _dt.datetime(1899, 12, 30)
_MAC_EPOCH = _dt.datetime(1904, 1, 1)
_ISO_REGEX = re.compile(r'''
(?P<date>(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2}))?T?
(?P<time>(?P<hour>\d{2}):(?P<minute>\d{2})(:(?P<second>\d{2})(?P<microsecond>\.\d{1,3})?)?)?Z?''',
                        re.VERBOSE)
_ISO_DURATION = re.compile(
    r'PT((?P<hours>\d+)H)?((?P<minutes>\d+)M)?((?P<seconds>\d+(\.\d{1,3})?)S)?')
_STRIP_RE = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_CHAR = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_TIMEDELTA_RE = re.compile(r'\[hh?\](:mm(:ss(\.0*)?)?)?|\[mm?\](:ss(\.0*)?)?|\[ss?\](\.0*)?')
_BUILTIN_FORMATS = {
    0: 'General', 1: '0', 2: '0.00', 3: '#,##0', 4: '#,##0.00',
    5: '"$"#,##0_);("$"#,##0)', 6: '"$"#,##0_);[Red]("$"#,##0)',
    7: '"$"#,##0.00_);("$"#,##0.00)', 8: '"$"#,##0.00_);[Red]("$"#,##0.00)', 9: '0%',
    10: '0.00%', 11: '0.00E+00', 12: '# ?/?', 13: '# ??/??', 14: 'mm-dd-yy', 15: 'd-mmm-yy',
    16: 'd-mmm', 17: 'mmm-yy', 18: 'h:mm AM/PM', 19: 'h:mm:ss AM/PM', 20: 'h:mm',
    21: 'h:mm:ss', 22: 'm/d/yy h:mm', 37: '#,##0_);(#,##0)', 38: '#,##0_);[Red](#,##0)',
    39: '#,##0.00_);(#,##0.00)', 40: '#,##0.00_);[Red](#,##0.00)',
    41: '_(* #,##0_);_(* \\(#,##0\\);_(* "-"_);_(@_)',
    42: '_("$"* #,##0_);_("$"* \\(#,##0\\);_("$"* "-"_);_(@_)',
    43: '_(* #,##0.00_);_(* \\(#,##0.00\\);_(* "-"??_);_(@_)',
    44: '_("$"* #,##0.00_)_("$"* \\(#,##0.00\\)_("$"* "-"??_)_(@_)', 45: 'mm:ss',
    46: '[h]:mm:ss', 47: 'mmss.0', 48: '##0.0E+0', 49: '@'}

#: Excel's built-in number formats by id (what openpyxl calls BUILTIN_FORMATS)
BUILTIN_FORMATS = _BUILTIN_FORMATS

def _is_date_format(fmt: str | None) -> bool:
    if fmt is None:
        return False
    fmt = _STRIP_RE.sub("", fmt.split(";")[0])
    return _DATE_CHAR.search(fmt) is not None


def _is_timedelta_format(fmt: str | None) -> bool:
    if fmt is None:
        return False
    return _TIMEDELTA_RE.search(fmt.split(";")[0]) is not None


def _cast_number(value: str) -> int | float:
    if "." in value or "E" in value or "e" in value:
        return float(value)
    return int(value)


def _from_excel(value: float, epoch: _dt.datetime, timedelta: bool = False) -> Any:
    if timedelta:
        td = _dt.timedelta(days=value)
        if td.microseconds:
            td = _dt.timedelta(seconds=td.total_seconds() // 1,
                               microseconds=round(td.microseconds, -3))
        return td
    day, fraction = divmod(value, 1)
    diff = _dt.timedelta(milliseconds=round(fraction * 86400 * 1000))
    if 0 <= value < 1 and diff.days == 0:
        mins, seconds = divmod(diff.seconds, 60)
        hours, mins = divmod(mins, 60)
        return _dt.time(hours, mins, seconds, diff.microseconds)
    if 0 < value < 60 and epoch == _WINDOWS_EPOCH:
        day += 1
    return epoch + _dt.timedelta(days=day) + diff


def _from_iso8601(text: str) -> Any:
    if not text:
        return None
    match = _ISO_REGEX.match(text)
    if match and any(match.groups()):
        parts = match.groupdict(0)
        for key in ("year", "month", "day", "hour", "minute", "second"):
            if parts[key]:
                parts[key] = int(parts[key])
        if parts["microsecond"]:
            parts["microsecond"] = int(float(parts["microsecond"]) * 1_000_000)
        if not parts["date"]:
            return _dt.time(parts["hour"], parts["minute"], parts["second"],
                            parts["microsecond"])
        if not parts["time"]:
            return _dt.date(parts["year"], parts["month"], parts["day"])
        del parts["time"]
        del parts["date"]
        return _dt.datetime(**parts)
    match = _ISO_DURATION.match(text)
    if match and any(match.groups()):
        parts = match.groupdict(0)
        for key, val in parts.items():
            if val:
                parts[key] = float(val)
        return _dt.timedelta(**parts)
    raise ValueError(f"Invalid datetime value {text}")


_COLS: dict[str, int] = {}


def _column_index(col: str) -> int:
    idx = _COLS.get(col)
    if idx is not None:
        return idx
    error = f"'{col}' is not a valid column name. Column names are from A to ZZZ"
    if len(col) > 3:
        raise ValueError(error)
    idx, power = 0, 1
    for letter in reversed(col.upper()):
        pos = ord(letter) - 64
        if not 1 <= pos <= 26:
            raise ValueError(error)
        idx += pos * power
        power *= 26
    if not 0 < idx < 18279:
        raise ValueError(error)
    if len(_COLS) < 20_000 and col.isupper():
        _COLS[col] = idx
    return idx


_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _coordinate_to_tuple(coordinate: str) -> tuple[int, int]:
    """openpyxl.utils.cell.coordinate_to_tuple, quirks and all (fast for "AB12")."""
    row = coordinate.lstrip(_UPPER)
    col = _COLS.get(coordinate[:len(coordinate) - len(row)])
    if col is not None and row.isdigit() and row.isascii():
        return int(row), col
    idx = 0
    for idx, ch in enumerate(coordinate):  # noqa: B007 - the index is what we want
        if ch in _DIGITS:
            break
    return int(coordinate[idx:]), _column_index(coordinate[:idx])


_RANGE_RE = re.compile(r"^[$]?(?P<min_col>[A-Za-z]{1,3})?[$]?(?P<min_row>\d+)?"
                       r"(:[$]?(?P<max_col>[A-Za-z]{1,3})?[$]?(?P<max_row>\d+)?)?$")


def _range_boundaries(ref: str) -> tuple:
    m = _RANGE_RE.match(ref)
    if not m:
        raise ValueError(f"{ref} is not a valid coordinate or range")
    min_col, min_row, sep, max_col, max_row = m.groups()
    if sep:
        cols, rows = (min_col, max_col), (min_row, max_row)
        if not (all(cols + rows) or all(cols) and not any(rows)
                or all(rows) and not any(cols)):
            raise ValueError(f"{ref} is not a valid coordinate or range")
    min_col = _column_index(min_col) if min_col is not None else None
    min_row = int(min_row) if min_row is not None else None
    max_col = _column_index(max_col) if max_col is not None else min_col
    max_row = int(max_row) if max_row is not None else min_row
    return min_col, min_row, max_col, max_row


def _merge_bounds(ref: str | None) -> tuple[int, int, int, int]:
    """(min_row, min_col, max_row, max_col) of a merged range, or the error openpyxl
    raises for it (MergeCell is a CellRange: all four bounds, each at least 1)."""
    if ref is None:
        raise TypeError("mergeCell without ref")
    min_col, min_row, max_col, max_row = _range_boundaries(ref)
    if None in (min_col, min_row, max_col, max_row):
        raise TypeError(f"merged range {ref!r} is not a cell range")
    if min_col < 1 or min_row < 1:
        raise ValueError("Min value is 1")
    if min_col > max_col or min_row > max_row:
        raise ValueError(f"bad merged range {ref!r}")
    return min_row, min_col, max_row, max_col


def _cell_value(v: Any) -> Any:
    if v.__class__ is str and v in ERROR_VALUES:
        return CellError(v)
    return v


_TEXT_ATTRS = frozenset({"t", "r", "rPh", "phoneticPr"})
_RUN_ATTRS = frozenset({"rPr", "t"})
_PHONETIC_TYPES = frozenset({"halfwidthKatakana", "fullwidthKatakana", "Hiragana",
                             "noConversion", "none"})
_PHONETIC_ALIGN = frozenset({"noControl", "left", "center", "distributed", "none"})


_T = f"{MAIN}{_SEP}t"


def _rich_content(el: list) -> str:
    """openpyxl's ``Text.from_tree(el).content``: the last plain ``t``, then every run's
    last ``t``; phonetic runs left out (but checked as openpyxl checks them)."""
    kids = el[3]
    if len(kids) == 1 and not el[1]:  # the common <is><t>text</t></is>
        t = kids[0]
        if t[0] == _T:
            parts = t[2]
            return "".join(parts) if parts else ""
    _check_attrs(el, _TEXT_ATTRS)
    plain: str | None = None
    runs: list[str] = []
    for ch in el[3]:
        name = _local(ch[0])
        if name == "t":
            plain = _text(ch)
        elif name == "r":
            _check_attrs(ch, _RUN_ATTRS)
            t = None
            for g in ch[3]:
                if _local(g[0]) == "t":
                    t = _text(g)
            if t is not None:
                runs.append(t)
        elif name == "rPh":
            _check_attrs(ch, ("sb", "eb", "t"))
            _int_attr(ch[1].get("sb"))
            _int_attr(ch[1].get("eb"))
        elif name == "phoneticPr":
            _check_attrs(ch, ("fontId", "type", "alignment"))
            _int_attr(ch[1].get("fontId"))
            if ch[1].get("type", "none") not in _PHONETIC_TYPES or \
                    ch[1].get("alignment", "none") not in _PHONETIC_ALIGN:
                raise ValueError("bad phonetic properties")
    return (plain or "") + "".join(runs)


# --- the package ----------------------------------------------------------------------------

class _Formula:
    """A formula cell: the value Excel saved with it (None: none saved)."""

    __slots__ = ("cached",)

    def __init__(self, cached: Any) -> None:
        self.cached = cached


class _Keep:
    """A shared string calamine already reads as openpyxl does."""


_KEEP = _Keep()


class _Sheet:
    __slots__ = ("name", "title", "hidden", "part", "rels")

    def __init__(self, name: str, title: str, hidden: bool, part: str, rels: list[dict]):
        self.name, self.title, self.hidden, self.part, self.rels = (name, title, hidden,
                                                                    part, rels)


class _Styles:
    """What openpyxl takes from xl/styles.xml: how many cell formats, which of them are
    dates or durations; and each format's fill (for :func:`fills`)."""

    def __init__(self, data: bytes | None) -> None:
        self.count = 1
        self.dates: frozenset[int] = frozenset()
        self.timedeltas: frozenset[int] = frozenset()
        self.num_fmt_ids: list[int] = [0]
        self.fill_ids: list[int] = [0]
        self.fills: list[str | None] = ["", ""]  # openpyxl's defaults: none, gray125
        if data is None:
            return
        root = _tree(data)
        _check_style_attrs(root)
        custom: dict[int, str] = {}
        for nf in _children(root, "numFmts")[-1:]:
            for f in _children(nf, "numFmt"):
                custom[_int_attr(f[1].get("numFmtId"))] = f[1].get("formatCode")
        xfs: list[tuple[int, int]] = []
        for cx in _children(root, "cellXfs"):
            xfs = [(_int_attr(x[1].get("numFmtId", 0)), _int_attr(x[1].get("fillId", 0)))
                   for x in _children(cx, "xf")]
        fills: list[str | None] = []
        for fl in _children(root, "fills"):
            fills = [_fill_colour(f) for f in _children(fl, "fill")]
        if not xfs:  # openpyxl keeps its defaults: one format, no dates
            return
        self.count = len(xfs)
        self.num_fmt_ids = [n for n, _ in xfs]
        self.fill_ids = [f for _, f in xfs]
        self.fills = fills
        dates, tds = set(), set()
        for i, (num_fmt, _) in enumerate(xfs):
            fmt = custom[num_fmt] if num_fmt in custom else _BUILTIN_FORMATS.get(num_fmt)
            if _is_date_format(fmt):
                dates.add(i)
            if _is_timedelta_format(fmt):
                tds.add(i)
        self.dates, self.timedeltas = frozenset(dates), frozenset(tds)

    def kind(self, i: int) -> str:
        return "t" if i in self.timedeltas else "d" if i in self.dates else "n"


_ARGB = re.compile(r"^(?:[A-Fa-f0-9]{8}|[A-Fa-f0-9]{6})$")
_XF_ATTRS = frozenset({"numFmtId", "fontId", "fillId", "borderId", "xfId", "quotePrefix",
                       "pivotButton", "applyNumberFormat", "applyFont", "applyFill",
                       "applyBorder", "applyAlignment", "applyProtection"})


_COLOUR_ATTRS = ("rgb", "indexed", "auto", "theme", "tint", "index", "type")
#: attributes openpyxl's style classes accept (another one makes it refuse the stylesheet)
_STYLE_ATTRS = {
    "xf": _XF_ATTRS, "numFmt": ("numFmtId", "formatCode"),
    "alignment": ("horizontal", "vertical", "textRotation", "wrapText", "shrinkToFit",
                  "indent", "relativeIndent", "justifyLastLine", "readingOrder",
                  "text_rotation", "wrap_text", "shrink_to_fit", "mergeCell"),
    "protection": ("locked", "hidden"), "patternFill": ("patternType",),
    "fgColor": _COLOUR_ATTRS, "bgColor": _COLOUR_ATTRS, "color": _COLOUR_ATTRS,
}


def _check_style_attrs(el: list) -> None:
    """What openpyxl refuses in a stylesheet and a fuzzer finds first: an unknown attribute
    on a cell format, alignment, protection, number format, fill or colour; a colour that is
    not (a)RGB hex."""
    stack = [el]
    while stack:
        e = stack.pop()
        allowed = _STYLE_ATTRS.get(_local(e[0]))
        if allowed is not None:
            _check_attrs(e, allowed)
        rgb = e[1].get("rgb")
        if rgb is not None and not _ARGB.match(rgb):
            raise ValueError("Colors must be aRGB hex values")
        stack.extend(e[3])


_PATTERNS = frozenset({
    "none", "solid", "darkGray", "mediumGray", "lightGray", "gray125", "gray0625",
    "darkHorizontal", "darkVertical", "darkDown", "darkUp", "darkGrid", "darkTrellis",
    "lightHorizontal", "lightVertical", "lightDown", "lightUp", "lightGrid", "lightTrellis"})


def _fill_colour(fill: list) -> str | None:
    """RRGGBB of a pattern fill's foreground (openpyxl: ``fill.fgColor.rgb`` when the fill
    has a pattern); '' for no pattern, theme/indexed colours, gradients."""
    kids = fill[3]
    if not kids or "patternFill" not in kids[0][0]:
        return ""
    pf = kids[0]
    pattern = pf[1].get("patternType", "none")
    if pattern not in _PATTERNS:
        raise ValueError(f"patternType {pattern!r}")  # openpyxl refuses the stylesheet
    if pattern == "none":
        return ""
    fg = next((c for c in pf[3] if _local(c[0]) == "fgColor"), None)
    if fg is None:
        return "000000"  # openpyxl's default Color(): black
    rgb = fg[1].get("rgb")
    if any(k in fg[1] for k in ("indexed", "theme", "auto")) or rgb is None:
        return ""
    return rgb[-6:].upper() if _ARGB.match(rgb) else ""


class _Package:
    """The parts openpyxl reads, found the way openpyxl finds them."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.names = set(zf.namelist())
        ct = _tree(zf.read("[Content_Types].xml"))
        overrides: list[tuple[str, str]] = []
        defaults: set[str] = set()
        for el in ct[3]:
            name = _local(el[0])
            if name == "Override":
                part, ctype = el[1].get("PartName"), el[1].get("ContentType")
                if part is None or ctype is None:
                    raise TypeError("Override without PartName or ContentType")
                overrides.append((part, ctype))
            elif name == "Default":
                if el[1].get("Extension") is None or el[1].get("ContentType") is None:
                    raise TypeError("Default without Extension or ContentType")
                defaults.add(el[1]["ContentType"])

        def find(ctype: str) -> str | None:
            return next((p[1:] for p, c in overrides if c == ctype), None)

        self.sst_part = find(_CT_SST)
        self.workbook_part = next((p for p in map(find, _CT_WORKBOOK) if p), None)
        if self.workbook_part is None:
            if not defaults & set(_CT_WORKBOOK):
                raise OSError("File contains no valid workbook part")
            self.workbook_part = "xl/workbook.xml"

    def read(self, name: str) -> bytes:
        return self.zf.read(name)

    def rels(self, part: str) -> list[dict]:
        """openpyxl's get_dependents: targets made absolute; [] when malformed."""
        folder, obj = posixpath.split(part)
        name = posixpath.join(folder, "_rels", f"{obj}.rels")
        if name not in self.names:
            return []
        root = _tree(self.read(name))
        out: list[dict] = []
        parent = posixpath.split(posixpath.dirname(name))[0]
        for i, el in enumerate(root[3], start=1):
            a = el[1]
            if a.get("Type") is None or a.get("Target") is None:
                return []
            r = {"Id": a.get("Id") or f"rId{i}", "Type": a["Type"], "Target": a["Target"],
                 "TargetMode": a.get("TargetMode")}
            if r["TargetMode"] != "External":
                t = r["Target"]
                r["Target"] = t[1:] if t.startswith("/") else \
                    posixpath.normpath(posixpath.join(parent, t))
            out.append(r)
        return out

    def workbook(self) -> tuple[list[_Sheet], bool, dict[str, str]]:
        """Worksheets in tab order, the 1904 date system, and the workbook's rels by type."""
        root = _tree(self.read(self.workbook_part))
        wb_rels = self.rels(self.workbook_part)
        by_id = {r["Id"]: r for r in wb_rels}
        date1904 = False
        for pr in _children(root, "workbookPr"):
            v = pr[1].get("date1904")
            date1904 = bool(v) and v not in ("false", "f", "0")
        sheets: list[_Sheet] = []
        titles: list[str] = []
        for group in _children(root, "sheets"):
            for el in group[3]:
                a = el[1]
                _check_attrs(el, ("name", "sheetId", "state", "id"))
                name = a.get("name")
                if name is None:
                    raise TypeError("sheet without a name")
                _int_attr(a.get("sheetId"))
                state = a.get("state", "visible")
                if state not in ("visible", "hidden", "veryHidden"):
                    raise ValueError(f"sheet state {state!r}")
                rid = a.get(_REL_ID) or a.get("id")
                if not rid:
                    continue
                rel = by_id.get(rid)
                if rel is None:
                    raise KeyError(f"Unknown relationship: {rid}")
                if rel["Target"] not in self.names or "chartsheet" in rel["Type"]:
                    continue
                if not name:
                    raise ValueError("Title must have at least one character")
                bad = re.search(r"[\\*?:/\[\]]", name)
                if bad:
                    raise ValueError(f"Invalid character {bad[0]} found in sheet title")
                title = _avoid_duplicate_name(titles, name)
                titles.append(title)
                sheets.append(_Sheet(name, title, state != "visible", rel["Target"],
                                     self.rels(rel["Target"])))
        types = {r["Type"]: r["Target"] for r in wb_rels}
        return sheets, date1904, types

    def styles(self) -> _Styles:
        return _Styles(self.read(_STYLES) if _STYLES in self.names else None)


def _avoid_duplicate_name(names: list[str], value: str) -> str:
    if [n for n in names if n.lower() == value.lower()]:
        joined = ",".join(names)
        matches = re.compile(f"(?P<title>{re.escape(value)})(?P<count>\\d*),?",
                             re.I).findall(joined)
        if matches:
            counts = [int(idx) for (_, idx) in matches if idx.isdigit()]
            value = f"{value}{(max(counts) if counts else 0) + 1}"
    return value


# --- notes ---------------------------------------------------------------------------------

_CELL_REF = re.compile(r"^[$]?([A-Za-z]{1,3})[$]?(\d+)$")


def _notes(pkg: _Package, sheet: _Sheet) -> list[tuple[int, int, Note]]:
    """Each comment openpyxl would put on a cell: (row, col, note), in file order."""
    out: list[tuple[int, int, Note]] = []
    for rel in sheet.rels:
        if rel["Type"] != _RT_COMMENTS:
            continue
        root = _tree(pkg.read(rel["Target"]))
        authors_el = _children(root, "authors")
        if not authors_el:
            raise AttributeError("comments without authors")
        # openpyxl's AuthorList converts each author to str: an empty one reads "None"
        authors = [str(_text(a)) for a in _children(authors_el[-1], "author")]
        for lst in _children(root, "commentList")[-1:]:
            for c in lst[3]:
                _check_attrs(c, ("ref", "authorId", "guid", "shapeId"))
                ref = c[1].get("ref", "")
                author_id = _int_attr(c[1].get("authorId", 0))
                if "shapeId" in c[1]:
                    _int_attr(c[1]["shapeId"])
                texts = _children(c, "text")
                text = _rich_content(texts[-1]) if texts else ""
                author = authors[author_id]
                if not ref:
                    raise IndexError(f"{ref} is not a valid coordinate or range")
                m = _CELL_REF.match(ref)
                if m is None:
                    _range_boundaries(ref)  # a range, row or column: openpyxl drops it
                    continue
                row, col = int(m[2]), _column_index(m[1])
                if not 1 <= row <= MAX_ROW:
                    raise ValueError(f"Row numbers must be between 1 and {MAX_ROW}")
                out.append((row, col, Note(author or "", text or "")))
    return out


# --- the sheet, the pure way ---------------------------------------------------------------

class _Book:
    """What every sheet needs: shared strings, styles, epoch; and whether openpyxl's second
    (data-only) load would fail, which leaves every formula without its saved value."""

    def __init__(self, sst: Any, styles: _Styles, date1904: bool,
                 strict: bool = True) -> None:
        self.sst = sst
        self.styles = styles
        self.strict = strict
        self.epoch = _MAC_EPOCH if date1904 else _WINDOWS_EPOCH
        self.cached_failed = False


class _CellReader:
    """openpyxl's WorksheetReader.parse_row / parse_cell / bind_cells over built rows."""

    def __init__(self, book: _Book) -> None:
        self.book = book
        self.dates = book.styles.dates
        self.tds = book.styles.timedeltas
        self.nstyles = book.styles.count
        self.row_counter = 0
        self.col_counter = 0
        #: (row, col) -> value, or _Formula; insertion order as openpyxl's ws._cells
        self.cells: dict[tuple[int, int], Any] = {}
        self.merges: list | None = None

    def row(self, el: list) -> None:
        r = el[1].get("r")
        if r is not None:
            try:
                self.row_counter = int(r)
            except ValueError:
                val = float(r)
                if not val.is_integer():
                    raise ValueError(f"{r} is not a valid row number") from None
                self.row_counter = int(val)
        else:
            self.row_counter += 1
        self.col_counter = 0
        cell = self.cell
        for ch in el[3]:
            cell(ch)

    def merge_cells(self, el: list) -> None:
        _check_attrs(el, ("count",))
        refs = []
        for m in el[3]:
            if _local(m[0]) != "mergeCell":
                continue
            _check_attrs(m, ("ref",))
            refs.append(_merge_bounds(m[1].get("ref")))
        self.merges = refs

    def cell(self, el: list) -> None:
        row, col, entry = self.parse(el)
        self.cells[(row, col)] = entry

    def parse(self, el: list) -> tuple[int, int, Any]:
        get = el[1].get
        data_type = get("t", "n")
        coordinate = get("r")
        style_id = get("s", 0)
        if style_id:
            style_id = int(style_id)
        vtext = None
        has_f = False
        is_el = None
        kids = el[3]
        if len(kids) == 1:  # the common cell: one <v> or one <is>
            ch = kids[0]
            tag = ch[0]
            if tag == _V:
                parts = ch[2]
                vtext = "".join(parts) if parts else None
            elif tag == _IS:
                is_el = ch
            elif tag == _F:
                has_f = True
        elif kids:
            seen_v = False
            for ch in kids:
                tag = ch[0]
                if tag == _V:
                    if not seen_v:
                        seen_v = True
                        vtext = _text(ch)
                elif tag == _F:
                    has_f = True
                elif tag == _IS and is_el is None:
                    is_el = ch
        if coordinate:
            row, col = _coordinate_to_tuple(coordinate)
            self.col_counter = col
        else:
            self.col_counter += 1
            row, col = self.row_counter, self.col_counter
        if style_id.__class__ is not int:
            raise TypeError("list indices must be integers")
        if not -self.nstyles <= style_id < self.nstyles:
            raise IndexError("list index out of range")
        if has_f:
            try:
                cached = self.value(data_type, vtext, is_el, style_id)
            except _Fallback:
                raise
            except Exception:  # noqa: BLE001 - openpyxl's data-only load fails: no values
                self.book.cached_failed = True
                cached = None
            return row, col, _Formula(cached)
        if data_type == "inlineStr":  # the commonest cells, without a call
            return row, col, _rich_content(is_el) if is_el is not None else None
        if vtext and data_type == "n" and style_id not in self.dates:
            return row, col, _cast_number(vtext)
        return row, col, self.value(data_type, vtext, is_el, style_id)

    def value(self, data_type: str, vtext: str | None, is_el: list | None,
              style_id: int) -> Any:
        value = None if data_type == "inlineStr" else (vtext or None)
        if value is not None:
            if data_type == "n":
                value = _cast_number(value)
                if style_id in self.dates:
                    try:
                        value = _from_excel(value, self.book.epoch,
                                            timedelta=style_id in self.tds)
                    except (OverflowError, ValueError):
                        value = "#VALUE!"
            elif data_type == "s":
                value = self.book.sst[int(value)]
            elif data_type == "b":
                value = bool(int(value))
            elif data_type == "d":
                value = _from_iso8601(value)
        elif data_type == "inlineStr" and is_el is not None:
            value = _rich_content(is_el)
        return value


def _stream(pkg: _Package, part: str, builder: _Builder) -> None:
    with pkg.zf.open(part) as fh:
        builder.feed_stream(fh)


def _pure_sheet(pkg: _Package, sheet: _Sheet, book: _Book) -> _CellReader:
    reader = _CellReader(book)
    _stream(pkg, sheet.part, _Builder({_ROW: reader.row, _MERGECELLS: reader.merge_cells}))
    return reader


def _pure_sst(pkg: _Package) -> list[str]:
    strings: list[str] = []

    def si(el: list) -> None:
        strings.append(_rich_content(el).replace("x005F_", ""))
    _stream(pkg, pkg.sst_part, _Builder({_SI: si}))
    return strings


# --- assembling a sheet as openpyxl_engine.read does ----------------------------------------

class _Grid:
    """One sheet read: rows as openpyxl_engine.read makes them (formulas still
    NOT_CALCULATED), the formula cells, the notes; and the extent openpyxl's cell store has
    (for its check of Excel's limits)."""

    __slots__ = ("sheet", "rows", "formulas", "notes", "max_row", "max_col")

    def __init__(self, sheet: _Sheet) -> None:
        self.sheet = sheet
        self.rows: list[list] = []
        self.formulas: list[tuple[int, int, Any]] = []
        self.notes: dict[str, Note] = {}
        self.max_row = self.max_col = 0


_NOT_CALC = CellError(NOT_CALCULATED)


def _covered(merges: list[tuple[int, int, int, int]]) -> Callable[[int, int], bool]:
    def inside(r: int, c: int) -> bool:
        for r0, c0, r1, c1 in merges:
            if r0 <= r <= r1 and c0 <= c <= c1 and (r, c) != (r0, c0):
                return True
        return False
    return inside


def _merged_area(merges: list, grid: _Grid) -> None:
    for r0, c0, r1, c1 in merges:
        if (r1, c1) != (r0, c0):
            grid.max_row = max(grid.max_row, r1)
            grid.max_col = max(grid.max_col, c1)


def _grid_from_cells(sheet: _Sheet, reader: _CellReader, notes: list) -> _Grid:
    grid = _Grid(sheet)
    cells = reader.cells
    merges = reader.merges or []
    if merges:
        inside = _covered(merges)
        small = sum((r1 - r0 + 1) * (c1 - c0 + 1) for r0, c0, r1, c1 in merges) < 1_000_000
        if small:
            for r0, c0, r1, c1 in merges:
                for r in range(r0, r1 + 1):
                    for c in range(c0, c1 + 1):
                        if (r, c) != (r0, c0):
                            cells[(r, c)] = None
        else:  # a huge range: blank only the cells there are
            for rc in cells:
                if inside(*rc):
                    cells[rc] = None
        _merged_area(merges, grid)
    if cells:
        grid.max_row = max(grid.max_row, max(r for r, _ in cells))
        grid.max_col = max(grid.max_col, max(c for _, c in cells))
    values = []
    for (r, c), v in cells.items():
        if v is None:
            continue
        if v.__class__ is _Formula:
            grid.formulas.append((r, c, v.cached))
            values.append(((r, c), _NOT_CALC))
        else:
            values.append(((r, c), _cell_value(v)))
    grid.rows = rows_from_cells(values)
    _attach_notes(grid, notes, merges)
    return grid


def _attach_notes(grid: _Grid, notes: list, merges: list) -> None:
    inside = _covered(merges) if merges else None
    for r, c, note in notes:
        grid.max_row = max(grid.max_row, r)
        grid.max_col = max(grid.max_col, c)
        if inside is not None and inside(r, c):
            continue  # a merged cell cannot hold a comment: openpyxl drops it
        grid.notes[_a1(r, c)] = note


def _a1(row: int, col: int) -> str:
    out = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return f"{out}{row}"


# --- the calamine path ------------------------------------------------------------------------

# Where calamine reads a cell differently from openpyxl, the raw XML shows it. One pattern,
# anchored on "<" (the engine then jumps from tag to tag at C speed and gives up on most after
# a byte or two); a cell's tag is never matched as a whole (that costs half a microsecond a
# cell). Error and ISO-date cells need no branch: their values are not small integers.
# Booleans other than 0/1, unknown cell types and shared-string indexes past the end make
# calamine raise, and the pure path then decides (it refuses them, as openpyxl does).
_TEXT_ODD = rb"""
  t(?:>[ \t\r\n]|\s*/>|></t>|\s(?!xml:space="preserve">)        # spaces calamine trims; ""
     |\sxml:space="preserve"(?:\s*/>|></t>)
     |(?:>|\sxml:space="preserve">)[^<]*<(?!/t>))               # markup inside a text
 |/(?:t>(?:\s*<t[\s>/]|(?P<te>(?<=[ \t\r\n]</t>)))             # two texts; trailing spaces
     |r>\s*<t[\s>/])                                            # a text after runs
 |rPh(?!\ssb="\d+"\seb="\d+">)                                 # phonetics openpyxl checks
 |phoneticPr(?!\sfontId="\d+"
     (?:\stype="(?:halfwidthKatakana|fullwidthKatakana|Hiragana|noConversion)")?
     (?:\salignment="(?:noControl|left|center|distributed)")?\s*/>)
 |!\[CDATA\[|r\s                                                # CDATA, runs' attributes
"""
_SCAN_CELL = re.compile(rb"""<(?:
  f[\s>/]                                                       # a formula
 |v(?:>(?!\d{1,6}</v>)|[\s/])                                   # not a small integer
 |/v>\s*<v[\s>/]                                               # two values
 |is(?:\s*/>|></is>|\s|>(?<!"inlineStr"><is>))                 # "", or not a text cell
 |""" + _TEXT_ODD + rb")", re.X)
_SCAN_SST = re.compile(rb"<(?:si(?:\s*/>|></si>|\s)|" + _TEXT_ODD + rb")", re.X)
_ESCAPE = re.compile(rb"_x[0-9A-Fa-f]{4}_")  # calamine decodes these, openpyxl does not
_ISO_CELL = re.compile(rb'\st="d"')
_SST_ESCAPE = re.compile(rb"_x[0-9A-Fa-f]{4}_|x005F_")  # ... and it drops "x005F_" here
_MERGE = re.compile(rb"<mergeCell\b([^>]*)>")
_MERGES = re.compile(rb"<mergeCells\b[^>]*>")
_MERGES_OK = re.compile(rb'<mergeCells(?:\s+count="\d+")?\s*>$')
_MERGE_REF = re.compile(rb'^\s+ref="([^"<&]*)"\s*/$')
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?(worksheet|sst)[\s>/]")
_WS = b" \t\r\n"


#: bytes XML 1.0 allows (the C0 controls but tab, newline and return are not)
_XML_BYTES = bytes(b for b in range(256) if b >= 32 or b in (9, 10, 13))
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")


def _quick_check(chunk: bytes) -> None:
    """What is left of expat's check when the caller skips it (``strict=False``): UTF-8,
    and no control character XML forbids."""
    chunk.decode("utf-8")
    if chunk.translate(None, _XML_BYTES):
        raise ValueError("not well-formed (invalid token): a control character")


def _ge(n: int) -> bytes:
    """A regex for the decimal integers >= n, written without a leading zero."""
    t = str(n)
    k = len(t)
    alts = [rb"[1-9]\d{%d,}" % k]  # more digits
    for i in range(k):
        d = int(t[i])
        if d < 9:
            alts.append(t[:i].encode() + b"[%d-9]" % (d + 1)
                        + (rb"\d{%d}" % (k - i - 1) if k - i - 1 else b""))
    alts.append(t.encode())
    return b"(?:" + b"|".join(alts) + b")"


def _root_ns(head: bytes, local: bytes) -> bytes:
    """The namespace declarations of the root element (to parse a cell on its own)."""
    m = _ROOT.search(head)
    if m is None or m[1] is not None or m[2] != local:
        raise _Fallback("the root element is not what the scan expects")
    enc = _ENCODING.match(head)
    if enc is not None and enc[1].lower().replace(b"-", b"") != b"utf8":
        raise _Fallback("not UTF-8")
    if b"<!DOCTYPE" in head[:m.start()]:
        raise _Fallback("a document type declaration")
    end = head.find(b">", m.start())
    if end < 0:
        raise _Fallback("root start tag not found")
    if b'xmlns="' + MAIN.encode() + b'"' not in head[m.start():end]:
        raise _Fallback("the root is not in SpreadsheetML's namespace")
    return b" ".join(re.findall(rb'xmlns(?::[\w.-]+)?="[^"]*"', head[m.start():end]))


def _enclosing(buf: bytes, pos: int, tag: bytes, end_tag: bytes) -> tuple[int, int] | None:
    """(start, end) of the ``tag`` element that holds ``pos``; None when none does."""
    n = len(tag)
    s = buf.rfind(tag, 0, pos + n)
    while s >= 0 and buf[s + n:s + n + 1] not in (b" ", b">", b"/", b"\t", b"\r", b"\n"):
        s = buf.rfind(tag, 0, s)
    if s < 0:
        return None
    te = buf.find(b">", s)
    if te < 0:
        return None
    if buf[te - 1:te] == b"/":
        end = te + 1
    else:
        e = buf.find(end_tag, te)
        if e < 0:
            return None
        end = e + len(end_tag)
    if not s <= pos < end:
        return None
    return s, end


def _in_row(buf: bytes, s: int) -> bool:
    """Whether the cell starting at ``s`` sits directly in a row (what comes before it
    closes a sibling cell or opens the row), as openpyxl requires of a cell."""
    j = s
    while j > 0 and buf[j - 1] in _WS:
        j -= 1
    lt = buf.rfind(b"<", 0, j)
    if lt < 0:
        return False
    tag = buf[lt:j]
    if tag == b"</c>":
        return True
    if tag.endswith(b"/>"):
        return tag[:2] == b"<c" and tag[2:3] in b" \t\r\n/"
    return tag[:4] == b"<row" and tag[4:5] in b" \t\r\n>"


def _start_tag_has_preserve(buf: bytes, pos: int) -> bool:
    """Whether the ``t`` element closed at ``pos`` was opened as ``<t xml:space="preserve">``
    (calamine keeps its spaces then)."""
    s = buf.rfind(b"<t", 0, pos)
    while s >= 0 and buf[s + 2:s + 3] not in (b" ", b">", b"/", b"\t", b"\r", b"\n"):
        s = buf.rfind(b"<t", 0, s)
    return s >= 0 and buf.startswith(b'<t xml:space="preserve">', s)


class _Scan:
    """One sheet's XML read in chunks: checked by expat, searched for the cells calamine
    reads differently from openpyxl."""

    def __init__(self, book: _Book, probe_hits: frozenset[int], odd_sst: dict[int, str],
                 n_sst: int | None) -> None:
        self.book = book
        self.slices: dict[int, bytes] = {}  # absolute offset -> the cell's XML
        self.merges: list[tuple[int, int, int, int]] = []
        self.merge_elements = 0
        self.ns = b""
        self.odd_sst = odd_sst
        # cells in a format one library reads as a date and the other as a number; when
        # strict, also a format past the end of the styles (openpyxl refuses the file)
        bad = [b"(?:" + b"|".join(str(i).encode() for i in sorted(probe_hits)) + b')"'] \
            if probe_hits else []
        if book.strict:
            bad += [_ge(book.styles.count), rb"[^1-9]\d", rb"[^\d]"]
        self.s_attr = re.compile(rb' s="(?:' + b"|".join(bad) + b")") if bad else None
        self.sst_odd = re.compile(rb' t="s"[^>]*><v>(\d+)</v>') if odd_sst else None
        self.pending: list[int] = []  # hits outside any cell: fine only outside sheetData
        self.sheet_data: list[int] = []  # absolute offsets of <sheetData and </sheetData>

    def run(self, fh) -> None:
        check = _expat() if self.book.strict else None
        carry = b""
        offset = 0  # absolute offset of carry[0]
        first = True
        last = b""
        while True:
            block = fh.read(_CHUNK)
            if block and check is not None:
                check.Parse(block, False)
            buf = carry + block if carry else block
            if first:
                if not buf:
                    break
                self.ns = _root_ns(buf[:65536], b"worksheet")
                first = False
            if block:
                cut = buf.rfind(b"</row>")
                cut = cut + 6 if cut >= 0 else 0
                if cut == 0 and len(buf) < (64 << 20):
                    carry = buf
                    continue
                if cut == 0:
                    raise _Fallback("a row longer than the scan's buffer")
            else:
                cut = len(buf)
            chunk = buf[:cut] if cut < len(buf) else buf
            if check is None:
                _quick_check(chunk)
                last = chunk[-64:] if chunk else last
            self._chunk(chunk, offset)
            carry = buf[cut:]
            offset += cut
            if not block:
                break
        if check is not None:
            check.Parse(b"", True)
        elif not last.rstrip(_WS).endswith(b"</worksheet>"):
            raise ValueError("no element found: the sheet ends early")

    def _cell_at(self, buf: bytes, pos: int, offset: int) -> None:
        span = _enclosing(buf, pos, b"<c", b"</c>")
        if span is None:
            self.pending.append(offset + pos)
            return
        s, e = span
        if offset + s in self.slices:
            return
        if not _in_row(buf, s):
            raise _Fallback("a cell that is not directly in a row")
        self.slices[offset + s] = buf[s:e]

    def _chunk(self, buf: bytes, offset: int) -> None:
        if b"'" in buf and b"='" in buf:
            raise _Fallback("single-quoted attributes")
        i = buf.find(b"<sheetData")
        if i >= 0:
            self.sheet_data.append(offset + i)
        tail = max(buf.rfind(b"</sheetData>"), buf.rfind(b"<sheetData/>"))
        if tail >= 0:
            self.sheet_data.append(offset + tail)
        cell_at = self._cell_at
        for m in _SCAN_CELL.finditer(buf):
            pos = m.start()
            if m["te"] is not None and _start_tag_has_preserve(buf, pos):
                continue
            cell_at(buf, pos, offset)
        for m in _ESCAPE.finditer(buf):
            cell_at(buf, m.start(), offset)
        if self.book.strict and b't="d"' in buf:  # an ISO date openpyxl may refuse
            for m in _ISO_CELL.finditer(buf):
                cell_at(buf, m.start(), offset)
        if self.s_attr is not None:
            for m in self.s_attr.finditer(buf):
                pos = m.start()
                lt = buf.rfind(b"<", 0, pos)
                if buf[lt:lt + 3] != b"<c ":
                    continue  # a row's format, say
                val = buf[pos + 4:buf.find(b'"', pos + 4)]
                if not val.isdigit() or val[:1] == b"0" and val != b"0" or \
                        int(val) >= self.book.styles.count:
                    raise _Fallback("a cell format openpyxl would refuse")
                cell_at(buf, pos, offset)
        if self.sst_odd is not None:
            for m in self.sst_odd.finditer(buf):
                if int(m[1]) in self.odd_sst:
                    cell_at(buf, m.start(1), offset)
        if tail >= 0:
            end = buf[tail:]
            self.merge_elements += end.count(b"<mergeCells")
            for m in _MERGES.finditer(end):
                if not _MERGES_OK.match(m[0]):
                    raise _Fallback("a mergeCells element the scan does not expect")
            for m in _MERGE.finditer(end):
                ref = _MERGE_REF.match(m[1])
                if ref is None:
                    raise _Fallback("a merged range the scan does not expect")
                self.merges.append(_merge_bounds(ref[1].decode("ascii", "replace")))

    def finish(self) -> None:
        if self.merge_elements > 1:
            raise _Fallback("more than one mergeCells element")
        if self.pending:
            if len(self.sheet_data) < 2:
                raise _Fallback("hits outside cells")
            lo, hi = self.sheet_data[0], self.sheet_data[-1]
            if any(lo <= p <= hi for p in self.pending):
                raise _Fallback("a hit inside sheetData but outside a cell")


def _reparse(slices: Iterable[bytes], ns: bytes, local: bytes) -> list[list]:
    """Parse XML fragments (cells or shared strings) in one go, under the root's namespaces.
    """
    out: list[list] = []
    b = _Builder({}, whole=True)
    b.feed(b"<" + local + b" " + ns + b">", False)
    for s in slices:
        b.feed(s, False)
    b.feed(b"</" + local + b">", True)
    if b.root is not None:
        out = b.root[3]
    return out


class _SstLookup:
    """Shared strings as the calamine path knows them: the exact text where calamine reads
    it differently, 'keep calamine's' for the rest (IndexError past the end, like a list)."""

    def __init__(self, n: int, odd: dict[int, str]) -> None:
        self.n, self.odd = n, odd

    def __getitem__(self, i: int) -> Any:
        if not -self.n <= i < self.n:
            raise IndexError("list index out of range")
        if i < 0:  # openpyxl counts from the end (a Python list): calamine does not
            raise _Fallback("a negative shared string index")
        return self.odd.get(i, _KEEP)


_SI_TAGS = (b"<si>", b"<si ", b"<si/", b"<si\t", b"<si\n", b"<si\r")


def _count_si(data: bytes, lo: int, hi: int) -> int:
    """How many ``<si`` start tags begin in data[lo:hi - 3] (C-speed counting: no list of
    positions, which for millions of strings would cost more than the strings)."""
    return sum(data.count(t, lo, hi) for t in _SI_TAGS)


def _sst_scan(pkg: _Package) -> tuple[int, dict[int, str]]:
    """How many shared strings, and the exact text of those calamine reads differently."""
    data = pkg.read(pkg.sst_part)
    check = _expat()
    check.Parse(data, True)  # well formed, no entities (openpyxl parses it first)
    ns = _root_ns(data[:65536], b"sst")
    hits = [m.start() for m in _SCAN_SST.finditer(data)
            if m["te"] is None or not _start_tag_has_preserve(data, m.start())]
    hits += [m.start() for m in _SST_ESCAPE.finditer(data)]
    odd_at: dict[int, int] = {}  # index of an odd string -> where its <si starts
    seen, at = 0, 0
    for pos in sorted(set(hits)):
        seen += _count_si(data, at, pos + 4)  # the <si tags starting at or before pos
        at = pos + 1
        if seen < 1:
            raise _Fallback("text outside a shared string")
        odd_at.setdefault(seen - 1, max(data.rfind(t, 0, pos + 4) for t in _SI_TAGS))
    odd: dict[int, str] = {}
    if odd_at:
        order = sorted(odd_at)
        frags = []
        for i in order:
            span = _enclosing(data, odd_at[i] + 1, b"<si", b"</si>")
            if span is None:
                raise _Fallback("a shared string the scan cannot delimit")
            frags.append(data[span[0]:span[1]])
        els = _reparse(frags, ns, b"sst")
        if len(els) != len(order):
            raise _Fallback("shared strings re-read differently")
        for i, el in zip(order, els, strict=True):
            odd[i] = _rich_content(el).replace("x005F_", "")
    return _count_si(data, 0, len(data)), odd


_PROBE_CT = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
             'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/xl/workbook.xml" ContentType="' + _CT_WORKBOOK[3] + '"/>'
             '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
             'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName='
             '"/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             'spreadsheetml.styles+xml"/></Types>')


def _probe_kinds(styles_xml: bytes, n: int) -> list[str]:
    """How calamine reads a serial under each cell format: 'n', 'd' (date/time) or 't'
    (duration) — asked of calamine itself, on a one-column workbook with the same styles."""
    pkg_rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                'relationships">')
    rows = "".join(f'<row r="{i + 1}"><c r="A{i + 1}" s="{i}"><v>45000</v></c></row>'
                   for i in range(n))
    parts = {
        "[Content_Types].xml": _PROBE_CT,
        "_rels/.rels": pkg_rels + f'<Relationship Id="rId1" Type="{_RT_OFFICE}" '
                                  'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="P" '
                           'sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": pkg_rels + f'<Relationship Id="rId1" Type="{REL}/'
                                                 'worksheet" Target="worksheets/sheet1.xml"/>'
                                                 f'<Relationship Id="rId2" Type="{_RT_STYLES}"'
                                                 ' Target="styles.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}"><sheetData>{rows}'
                                    '</sheetData></worksheet>',
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
        zf.writestr("xl/styles.xml", styles_xml)
    buf.seek(0)
    wb = _calamine.CalamineWorkbook.from_filelike(buf)
    data = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    kinds = []
    for i in range(n):
        v = data[i][0] if i < len(data) and data[i] else None
        kinds.append("t" if isinstance(v, _dt.timedelta) else
                     "d" if isinstance(v, _dt.date | _dt.time) else "n")
    return kinds


def _conv(v: Any) -> Any:
    """A value as calamine gives it -> as openpyxl does, for a cell the scan did not flag."""
    t = v.__class__
    if t is str:
        if not v:
            return None
        return CellError(v) if v in ERROR_VALUES else v
    if t is float:
        # unflagged numbers are written as small integers (others are re-read anyway)
        return int(v) if v.is_integer() else v
    if t is _dt.date:
        return _dt.datetime(v.year, v.month, v.day)
    return v


def _calamine_rows(data: list[list]) -> list[list]:
    """calamine's rectangle -> openpyxl's rows: each row up to its last value, "" -> None,
    and the value types openpyxl gives (see :func:`_conv`)."""
    rows: list[list] = []
    append = rows.append
    conv = _conv
    errors = ERROR_VALUES
    for row in data:
        n = len(row)
        while n and row[n - 1] == "":
            n -= 1
        if n < len(row):
            row = row[:n]
        out = [v if v.__class__ is str and v else conv(v) for v in row]
        if not errors.isdisjoint(out):
            out = [_cell_value(v) for v in out]
        append(out)
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _calamine_sheet(pkg: _Package, sheet: _Sheet, book: _Book, cwb: Any, scan_args: tuple,
                    notes: list) -> _Grid:
    scan = _Scan(book, *scan_args)
    with pkg.zf.open(sheet.part) as fh:
        scan.run(fh)
    scan.finish()
    try:
        cs = cwb.get_sheet_by_name(sheet.name)
        end = cs.end
        if end is not None:
            if end[0] + 1 >= MAX_ROW or end[1] + 1 > MAX_COL:
                raise _Fallback("cells at or beyond Excel's last row or column")
            # a stray cell far below the rest: calamine would fill the gap cell by cell
            if (end[0] + 1) * (end[1] + 1) > pkg.zf.getinfo(sheet.part).file_size + 100_000:
                raise _Fallback("a sparse sheet")
        data = cs.to_python(skip_empty_area=False)
    except _Fallback:
        raise
    except Exception as exc:  # noqa: BLE001 - calamine cannot read it: the pure path can
        raise _Fallback(f"calamine: {exc}") from exc
    rows = _calamine_rows(data)
    grid = _Grid(sheet)
    touched: set[int] = set()
    if scan.slices:
        order = sorted(scan.slices)
        els = _reparse((scan.slices[k] for k in order), scan.ns, b"worksheet")
        if len(els) != len(order):
            raise _Fallback("cells re-read differently")
        reader = _CellReader(book)
        for el in els:
            if el[0] != _C or not el[1].get("r"):
                raise _Fallback("a flagged element is not a cell")
            r, c, entry = reader.parse(el)
            if entry is _KEEP:
                continue
            if entry.__class__ is _Formula:
                cached = entry.cached
                if cached is _KEEP:  # a saved shared string, which calamine reads right
                    cached = rows[r - 1][c - 1] if r <= len(rows) and c <= len(
                        rows[r - 1]) else None
                grid.formulas.append((r, c, cached))
                value = _NOT_CALC
            elif entry is None:
                value = None
            else:
                value = _cell_value(entry)
            _put(rows, r, c, value)
            touched.add(r)
    for r0, c0, r1, c1 in scan.merges:
        for r in range(r0, min(r1, len(rows)) + 1):
            row = rows[r - 1]
            for c in range(c0, min(c1, len(row)) + 1):
                if (r, c) != (r0, c0) and row[c - 1] is not None:
                    row[c - 1] = None
                    touched.add(r)
    if scan.merges:
        inside = _covered(scan.merges)
        grid.formulas = [(r, c, v) for r, c, v in grid.formulas if not inside(r, c)]
        _merged_area(scan.merges, grid)
    for r in touched:
        if r <= len(rows):
            row = rows[r - 1]
            while row and row[-1] is None:
                row.pop()
    while rows and not rows[-1]:
        rows.pop()
    grid.rows = rows
    grid.max_row = max(grid.max_row, len(rows))
    grid.max_col = max(grid.max_col, max((len(r) for r in rows), default=0))
    _attach_notes(grid, notes, scan.merges)
    return grid


def _put(rows: list[list], r: int, c: int, value: Any) -> None:
    while len(rows) < r:
        rows.append([])
    row = rows[r - 1]
    if len(row) < c:
        if value is None:
            return
        row.extend([None] * (c - len(row)))
    row[c - 1] = value


# --- reading a book ---------------------------------------------------------------------------

_DAMAGE = (ValueError, KeyError, IndexError, TypeError, AttributeError, OverflowError,
           zipfile.BadZipFile, EOFError, zlib.error, expat.ExpatError, RecursionError,
           UnicodeDecodeError, NotImplementedError)


def read_book(path: str | os.PathLike, *, engine: str = "auto",
              strict: bool = True) -> BookGrid:
    """Every sheet's values and notes, as ``openpyxl_engine.read(openpyxl_engine.load(path))``
    returns them; BookError (the same sentences) where that would refuse the file.

    ``engine``: "auto" (calamine when installed), "calamine" or "pure". ``strict=False``
    lets the calamine path skip two checks that only ever refuse a damaged file (a quarter of
    its time on a big plan): expat's check that each sheet is well-formed XML, and the check
    of each cell's format index. A sheet broken in the middle (a broken or mismatched tag) or
    a cell format past the end of the styles is then read as calamine reads it, where
    openpyxl refuses the file; bad bytes, control characters, a sheet cut short and entity
    declarations are still refused. Valid workbooks read the same either way."""
    return _read_book(path, engine, None, strict)


def _read_book(path: str | os.PathLike, engine: str, report: list | None,
               strict: bool = True) -> BookGrid:
    if engine not in ("auto", "calamine", "pure"):
        raise ValueError(f"engine must be 'auto', 'calamine' or 'pure', not {engine!r}")
    p = Path(path)
    check_file(p)
    if p.suffix.lower() not in _SUPPORTED:
        raise BookError(f"{p}: cqcxl reads Excel workbooks (.xlsx, .xlsm, .xltx, .xltm); "
                        "save it from Excel as an Excel Workbook (.xlsx) and try again.")
    if engine == "calamine" and _calamine is None:
        raise RuntimeError("python-calamine is not installed")
    use_calamine = engine in ("auto", "calamine") and _calamine is not None
    try:
        with zipfile.ZipFile(p) as zf:
            return _read_zip(p, zf, use_calamine, report, strict)
    except PermissionError as exc:
        raise BookError(f"{p}: cannot open the file ({exc.strerror}). If it is open in "
                        "Excel, close it and try again.") from exc
    except BookError:
        raise
    except (*_DAMAGE, OSError, _Hostile) as exc:
        detail = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        where = broken_part(p)
        where = f" The damage is in {where}." if where else ""
        raise BookError(f"{p}: the file is damaged or not a normal workbook, so cqcxl "
                        f"could not read it ({detail}).{where} Open it in Excel, save it "
                        "again as .xlsx, and retry.") from exc


def _check_other_parts(pkg: _Package, sheet_parts: set[str]) -> None:
    """Every other XML part openpyxl parses must be well formed and declare no entities."""
    for n in sorted(pkg.names):
        if n in sheet_parts or n == pkg.sst_part or not n.endswith((".xml", ".rels")):
            continue
        if n.startswith(("customXml/", "xl/theme/")) or not n.startswith(
                ("xl/", "docProps/", "_rels/", "[Content_Types]")):
            continue
        _expat().Parse(pkg.read(n), True)


def _read_zip(p: Path, zf: zipfile.ZipFile, use_calamine: bool, report: list | None,
              strict: bool) -> BookGrid:
    pkg = _Package(zf)
    strings: Any = []
    if pkg.sst_part is not None and pkg.sst_part not in pkg.names:
        raise KeyError(f"There is no item named '{pkg.sst_part}' in the archive")
    sheets, date1904, wb_types = pkg.workbook()
    styles = pkg.styles()
    _check_other_parts(pkg, {s.part for s in sheets})
    notes = {s.part: _notes(pkg, s) for s in sheets}

    cal = None
    if use_calamine:
        try:
            cal = _calamine_book(pkg, p, sheets, date1904, wb_types, styles)
        except _Fallback as why:
            if report is not None:
                report.append(("book", f"pure: {why}"))
    if cal is not None:
        cwb, scan_args, strings = cal
    elif pkg.sst_part is not None:
        strings = _pure_sst(pkg)
    book = _Book(strings, styles, date1904, strict)

    grids: list[_Grid] = []
    for sheet in sheets:
        grid = None
        if cal is not None:
            try:
                grid = _calamine_sheet(pkg, sheet, book, cwb, scan_args, notes[sheet.part])
                if report is not None:
                    report.append((sheet.title, "calamine"))
            except _Fallback as why:
                if report is not None:
                    report.append((sheet.title, f"pure: {why}"))
                if not isinstance(book.sst, list) and pkg.sst_part is not None:
                    book.sst = _pure_sst(pkg)
        if grid is None:
            reader = _pure_sheet(pkg, sheet, book)
            grid = _grid_from_cells(sheet, reader, notes[sheet.part])
            if report is not None and cal is None:
                report.append((sheet.title, "pure"))
        grids.append(grid)

    for g in grids:  # load's check, after the whole book is parsed
        if g.max_row > MAX_ROW or g.max_col > MAX_COL:
            title = g.sheet.title
            raise BookError(f"{p}: sheet '{title}' has cells beyond Excel's last row "
                            "(1,048,576) or column (XFD), so it was not made by Excel. Open "
                            "and save it in Excel, or use an earlier copy.", sheet=title)
    out: list[SheetGrid] = []
    for g in grids:
        if not book.cached_failed:
            for r, c, cached in g.formulas:
                if cached is not None:
                    g.rows[r - 1][c - 1] = _cell_value(cached)
        out.append(SheetGrid(g.sheet.title, g.rows, g.notes, g.sheet.hidden))
    return BookGrid(p.name, out)


def _calamine_book(pkg: _Package, p: Path, sheets: list[_Sheet], date1904: bool,
                   wb_types: dict[str, str], styles: _Styles) -> tuple:
    """Open the book with calamine when it reads the same parts as openpyxl would."""
    root = {r["Type"]: r["Target"] for r in pkg.rels("")} if "_rels/.rels" in pkg.names \
        else {}
    if root.get(_RT_OFFICE) != pkg.workbook_part:
        raise _Fallback("calamine would look for the workbook elsewhere")
    if wb_types.get(_RT_SST) != pkg.sst_part and (pkg.sst_part or _RT_SST in wb_types):
        raise _Fallback("the shared strings are named differently in the rels")
    if _RT_STYLES in wb_types and wb_types[_RT_STYLES] != _STYLES:
        raise _Fallback("the styles are not xl/styles.xml")
    lowered = [s.name.lower() for s in sheets]
    if len(set(lowered)) != len(lowered) or any(s.name != s.title for s in sheets):
        raise _Fallback("repeated sheet names")
    wb_xml = pkg.read(pkg.workbook_part)
    m = re.search(rb'date1904="([^"]*)"', wb_xml)
    if m is not None and (m[1] in (b"1", b"true")) != date1904:
        raise _Fallback("the 1904 flag is written in a way calamine reads differently")
    n_sst, odd = _sst_scan(pkg) if pkg.sst_part is not None else (None, {})
    probe: frozenset[int] = frozenset()
    if _STYLES in pkg.names and styles.count > 1 or styles.dates:
        try:
            kinds = _probe_kinds(pkg.read(_STYLES), styles.count)
        except Exception as exc:  # noqa: BLE001 - calamine cannot read the styles
            raise _Fallback(f"calamine and the styles: {exc}") from exc
        probe = frozenset(i for i, k in enumerate(kinds) if k != styles.kind(i))
        if len(probe) > 500:
            raise _Fallback("too many cell formats read differently")
    try:
        cwb = _calamine.CalamineWorkbook.from_path(str(p))
    except Exception as exc:  # noqa: BLE001 - calamine refuses it: the pure path decides
        raise _Fallback(f"calamine: {exc}") from exc
    names = set(cwb.sheet_names)
    if any(s.name not in names for s in sheets):
        raise _Fallback("calamine sees other sheets")
    sst = _SstLookup(n_sst or 0, odd) if n_sst is not None else _SstLookup(0, {})
    return cwb, (probe, odd, n_sst), sst


# --- fills ----------------------------------------------------------------------------------

def _check_bytes(data: bytes) -> None:
    """check_file's package checks, for a workbook given as bytes."""
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or not zipfile.is_zipfile(io.BytesIO(data)):
        raise BookError("the data is not an Excel workbook (.xlsx).")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        check_members(zf.infolist(), zf=zf)


def fills(path_or_bytes: str | os.PathLike | bytes, sheet: str,
          refs: Iterable[str]) -> dict[str, str]:
    """The fill colour each of ``refs`` on ``sheet`` shows today, from its cell format:
    ``"RRGGBB"`` for a patterned fill with an RGB colour, ``""`` for none, a theme or
    indexed colour, or a gradient (what openpyxl's ``cell.fill.fgColor.rgb`` is compared
    with today). A cell that is not in the file has format 0, as in openpyxl."""
    if isinstance(path_or_bytes, bytes | bytearray):
        data = bytes(path_or_bytes)
        _check_bytes(data)
        source: Any = io.BytesIO(data)
        label = "the workbook"
    else:
        label = str(path_or_bytes)
        check_file(Path(path_or_bytes))
        source = Path(path_or_bytes)
    wanted: dict[tuple[int, int], str] = {}
    for ref in refs:
        m = _CELL_REF.match(ref)
        if m is None:
            raise ValueError(f"not a cell address: {ref!r}")
        wanted[(int(m[2]), _column_index(m[1]))] = ref
    try:
        with zipfile.ZipFile(source) as zf:
            pkg = _Package(zf)
            sheets, _, _ = pkg.workbook()
            styles = pkg.styles()
            target = next((s for s in sheets if s.title == sheet), None)
            if target is None:
                raise BookError(f"{label}: there is no sheet '{sheet}'.", sheet=sheet)
            style_of = _cell_styles(pkg, target.part, wanted)
    except BookError:
        raise
    except (*_DAMAGE, OSError, _Hostile) as exc:
        raise BookError(f"{label}: the file is damaged or not a normal workbook, so cqcxl "
                        f"could not read its cell formats ({str(exc)[:160] or type(exc)}). "
                        "Open it in Excel, save it again as .xlsx, and retry.") from exc
    out: dict[str, str] = {}
    for rc, ref in wanted.items():
        s = style_of.get(rc, 0)
        try:
            fill_id = styles.fill_ids[s]
            colour = styles.fills[fill_id] if fill_id < len(styles.fills) else ""
        except IndexError:
            colour = ""
        out[ref] = colour or ""
    return out


def _cell_styles(pkg: _Package, part: str, wanted: dict) -> dict[tuple[int, int], int]:
    """The ``s`` of the wanted cells, streaming the sheet with only a start handler. A cell
    under a merged range (not its first) is openpyxl's MergedCell: format 0."""
    found: dict[tuple[int, int], int] = {}
    merges: list[tuple[int, int, int, int]] = []
    state = {"row": 0, "col": 0}
    p = _expat()
    merge_tag = f"{MAIN}{_SEP}mergeCell"

    def start(tag, attrs):
        if tag == _ROW:
            r = attrs.get("r")
            state["row"] = int(float(r)) if r is not None else state["row"] + 1
            state["col"] = 0
        elif tag == _C:
            ref = attrs.get("r")
            if ref:
                rc = _coordinate_to_tuple(ref)
                state["col"] = rc[1]
            else:
                state["col"] += 1
                rc = (state["row"], state["col"])
            if rc in wanted:
                s = attrs.get("s")
                found[rc] = int(s) if s else 0
        elif tag == merge_tag:
            merges.append(_merge_bounds(attrs.get("ref")))
    p.StartElementHandler = start
    with pkg.zf.open(part) as fh:
        while True:
            block = fh.read(_CHUNK)
            if not block:
                break
            p.Parse(block, False)
    p.Parse(b"", True)
    if merges:
        inside = _covered(merges)
        for rc in wanted:
            if inside(*rc):
                found[rc] = 0
    return found
