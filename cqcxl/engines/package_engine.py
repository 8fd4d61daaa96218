"""The file engine that keeps everything: patch the package, never rebuild it.

openpyxl rebuilds a whole workbook from its object model, so whatever the model lacks
(rich text, protected ranges, sensitivity labels, pinned notes, buttons, x14 drop-downs,
dynamic arrays…) is lost on save. This engine instead opens the ``.xlsx``/``.xlsm`` as a zip
and changes only what cqcxl owns (:mod:`.xlsxpatch` does the surgery):

- the ``s`` attribute of the cells it colours (new cell formats appended to ``styles.xml``,
  cloned from each cell's own format: borders, number format, alignment kept);
- its own notes, merged into the sheet's comments part and legacy VML drawing (the user's
  notes and buttons untouched);
- its own sheets (Summary, Validation, Chase list, History), written whole as worksheet
  XML straight from their specs (:func:`sheet_xml`: cells, formats appended to styles.xml,
  merges, widths, heights, panes, page set-up, pies as chart parts) -- the sheets openpyxl
  wrote for them before, cell for cell, ten times faster -- and History's later periods
  appended below its rows. A spec with something that writer does not know goes through a
  scratch openpyxl workbook, transplanted, and so does a History laid out otherwise than
  Close period sets it; openpyxl serialises cqcxl's parts only, never the user's, and is
  imported only then (and for the cover's trend chart, one part).

Every other part is copied byte for byte, and after every save that is checked, not
assumed: the new package is compared with the original (every part not owned identical,
every owned part well-formed, every relationship resolving) before it replaces anything.
One writer at a time: a lock file beside the workbook while it is replaced, and a check
that the file did not change since it was read. A sheet's edits are applied together and
its finished parts held deflated, so a 20,000-task plan is written in a few seconds and
some 30 MB above what the jobs themselves hold.

Reading goes through :mod:`.fast_reader` (python-calamine, or a pure-Python stream where
the Rust wheel is missing): the same grid openpyxl's reader gives, without openpyxl's full
parse.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import itertools
import os
import re
import tempfile
import time
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import TYPE_CHECKING

from ..edits import (
    AppendRows,
    Block,
    Edit,
    FitRows,
    Formula,
    LineChart,
    LineSeries,
    PageSetup,
    PieChart,
    ReplaceSheet,
    SetCellColours,
    SetNotes,
    SheetSpec,
    Style,
    Value,
)
from ..errors import BookError
from ..grid import BookGrid, col_letter, parse_a1, quote_sheet
from . import fast_reader
from . import xlsxpatch as xp
from .base import Report
from .rowpatch import set_row_heights
from .safety import check_file, copy_atomic, fsync_dir, lock_file, remove_quietly, umask
from .sheet_layout import read_layout

if TYPE_CHECKING:
    from .openpyxl_engine import LoadedBook

#: A lock older than this is left over from a crash and is taken over.
STALE_LOCK_S = 600


class PackageBook:
    """A workbook file, read through openpyxl, written by patching its package."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        check_file(self.path)  # BookError, one line, for what is not a workbook
        try:
            self.original = self.path.read_bytes()
        except PermissionError as exc:
            raise BookError(f"{self.path}: cannot open the file ({exc.strerror}). If it is "
                            "open in Excel, close it and try again.") from exc
        self._loaded: LoadedBook | None = None
        self.digest = hashlib.sha256(self.original).hexdigest()
        try:
            self.pkg = xp.Package.open(self.original)
        except xp.XlsxPatchError as exc:
            raise BookError(f"{self.path}: cqcxl cannot edit this workbook safely ({exc}). "
                            "Open it in Excel, save it again as .xlsx, and retry.") from exc
        self.report = Report()

    @property
    def has_vba(self) -> bool:
        return self.pkg.has("xl/vbaProject.bin")

    @property
    def loaded(self) -> LoadedBook:
        """openpyxl's model of the workbook, loaded on first use (only to append to a History
        sheet laid out otherwise than Close period sets it)."""
        if self._loaded is None:
            from . import openpyxl_engine as ox  # only here: openpyxl is big to import

            self._loaded = ox.load(self.path)
        return self._loaded

    def read(self) -> BookGrid:
        grid = fast_reader.read_book(self.path)
        for sheet in grid.sheets:  # the layout, for Validate's FitRows
            try:
                lay = read_layout(self.pkg.read(self.pkg._worksheet_part(sheet.name)))
            except (xp.XlsxPatchError, KeyError):
                continue  # a sheet the patcher cannot address: no rows grown there
            sheet.col_widths, sheet.row_heights = lay.col_widths, lay.row_heights
            sheet.default_col_width, sheet.default_row_pt = (lay.default_col_width,
                                                             lay.default_row_pt)
        return grid

    # --- applying edits ----------------------------------------------------------------------

    def apply(self, edits: Iterable[Edit]) -> Report:
        # Edits of one sheet stay in their order; a sheet's edits are applied together
        # (edits of different sheets touch different parts: the order between them changes
        # no result), so each sheet is finished, and packed, before the next is started.
        given = list(edits)
        first: dict[str, int] = {}
        for i, e in enumerate(given):
            first.setdefault(_sheet_of(e), i)
        edits = sorted(given, key=lambda e: first[_sheet_of(e)])  # stable: in order per sheet
        last = {_sheet_of(e): i for i, e in enumerate(edits)}
        written: dict[str, set[str]] = {}
        for i, e in enumerate(edits):
            before = self.pkg.values()
            try:
                if isinstance(e, SetCellColours):
                    self._colours(e)
                elif isinstance(e, SetNotes):
                    self._notes(e)
                elif isinstance(e, ReplaceSheet):
                    self._replace(e)
                elif isinstance(e, AppendRows):
                    self._append(e)
                elif isinstance(e, FitRows):
                    set_row_heights(self.pkg, e.sheet, e.heights)
                else:  # pragma: no cover - a programming error, not a user's
                    raise TypeError(f"unknown edit {e!r}")
            except xp.XlsxPatchError as exc:
                raise BookError(f"{self.path}: cqcxl cannot edit this workbook safely "
                                f"({exc}); nothing was changed. Open it in Excel, save it "
                                "again, and retry.") from exc
            # a sheet's last edit done: its parts are final, so hold them deflated (a
            # 20,000-task plan's patched sheets and notes are 30 MB as text)
            sheet = _sheet_of(e)
            mine = written.setdefault(sheet, set())
            mine.update(self.pkg.written_since(before))
            if last[sheet] == i:
                self.pkg.pack(written.pop(sheet))
        return self.report

    def _colours(self, edit: SetCellColours) -> None:
        colours: dict[str, tuple[str | None, str | None]] = {
            ref: (c.fill, c.font) for ref, c in edit.cells.items() if c is not None}
        off = [ref for ref, c in edit.cells.items() if c is None]
        if off:
            current = fast_reader.fills(self.original, edit.sheet, off)
            for ref in off:
                if edit.is_removable(current.get(ref, "")):  # only a colour cqcxl put there
                    colours[ref] = (None, None)
        self.pkg.set_cell_colours(edit.sheet, colours)

    def _notes(self, edit: SetNotes) -> None:
        self.pkg.set_notes(edit.sheet, {ref: n.text for ref, n in edit.notes.items()},
                           author=edit.author,
                           size={ref: (n.width_pt, n.height_pt) for ref, n in edit.notes.items()},
                           fill=next((n.fill for n in edit.notes.values() if n.fill), None))

    def _replace(self, edit: ReplaceSheet) -> None:
        """Write one of cqcxl's sheets whole, straight into the package."""
        spec = edit.spec
        if not direct_writable(spec):
            self._replace_scratch(edit)
            return
        xml, parts, names = sheet_xml(self.pkg, spec)
        self.pkg.put_sheet_xml(spec.name, spec.position, xml, activate=spec.activate,
                               parts=parts, defined_names=names)

    def _replace_scratch(self, edit: ReplaceSheet) -> None:
        """The same through a scratch openpyxl workbook, transplanted: for a spec with
        drop-downs or Tables (new workbooks only) or a field :func:`sheet_xml` does not
        know."""
        from openpyxl import Workbook

        from . import openpyxl_engine as ox

        scratch = Workbook()
        first = scratch.active
        ox.write_sheet(scratch, edit.spec)
        scratch.remove(first)
        buf = io.BytesIO()
        scratch.save(buf)
        self.pkg.put_sheet(edit.spec.name, edit.spec.position, buf.getvalue(),
                           activate=edit.spec.activate)

    def _append(self, edit: AppendRows) -> None:
        """History is cqcxl's sheet: its first block writes it whole, each later one is
        appended below its rows, straight into the package."""
        if not self._append_direct(edit):
            self._append_openpyxl(edit)

    def _append_direct(self, edit: AppendRows) -> bool:
        """Write ``edit`` without openpyxl where the result is the same: a new sheet (as
        :func:`sheet_xml` writes it), or rows below an existing sheet's last row when its
        column widths and page set-up already are what the edit sets (as cqcxl wrote them)
        and every style is on the new rows. False: not done, nothing changed."""
        b = edit.block
        if edit.page is None or any(_bounds(ref)[0] < b.row for ref, _ in edit.styles):
            return False
        old = next((s for s in self.pkg.sheets() if s.name.lower() == edit.sheet.lower()),
                   None)
        if old is None:
            spec = SheetSpec(edit.sheet, blocks=[b], styles=list(edit.styles),
                             col_widths=dict(edit.col_widths), page=edit.page, gridlines=True)
            if not direct_writable(spec):
                return False
            xml, parts, names = sheet_xml(self.pkg, spec)
            self.pkg.put_sheet_xml(spec.name, None, xml, activate=False, parts=parts,
                                   defined_names=names)
            return True
        if old.kind != "worksheet" or any(_asks_more(x) for x in (edit.page, b)) or \
                any(_asks_more(st) for _, st in edit.styles) or \
                self.pkg.last_row(old.name) >= b.row or \
                not _laid_out(self.pkg.sheet_outline(old.name), edit):
            return False
        cells = _Cells(self.pkg, [b], edit.styles, {})
        self.pkg.append_rows(old.name, cells.rows(), cells.box)
        return True

    def _append_openpyxl(self, edit: AppendRows) -> None:
        """Append in openpyxl's model of the workbook and transplant that one sheet (a full
        openpyxl save of a scratch copy): for a sheet laid out otherwise than the edit
        asks."""
        from . import openpyxl_engine as ox

        ox.apply(self.loaded, [edit])
        buf = io.BytesIO()
        try:
            self.loaded.wb.save(buf)
        except Exception as exc:  # openpyxl could not serialise the scratch copy
            raise BookError(f"{self.path}: the History sheet could not be written "
                            f"({type(exc).__name__}); nothing was changed. Open the workbook "
                            "in Excel, save it again, and retry.") from exc
        self.pkg.put_sheet(edit.sheet, None, buf.getvalue(), activate=False)

    # --- saving --------------------------------------------------------------------------------

    def save(self, target: str | os.PathLike, *, backup: bool = False) -> Path:
        """Write the patched package to ``target`` atomically, after checking it: refuse
        (the original untouched) when a part cqcxl does not own would change."""
        out = Path(target)
        if out.is_symlink():
            out = Path(os.path.realpath(out))  # write the file the link points at; keep the link
        if out.is_dir():
            raise BookError(f"{target}: this is a folder; give a file name ending .xlsx.")
        folder = out.parent.resolve()
        if not folder.is_dir():
            raise BookError(f"{target}: the folder {folder} does not exist. Create it first, "
                            "or give another folder.")
        if out.exists() and (lock := lock_file(out)) is not None:
            raise BookError(f"{out}: the workbook is open in Excel (lock file {lock.name}). "
                            "Close the workbook in Excel and try again.")
        data = self.pkg.to_bytes()
        problems = xp.verify(self.original, data, self.pkg.owned())
        if problems:
            raise BookError(f"{self.path}: cqcxl stopped before saving, because the result "
                            f"would change something of yours ({problems[0]}). Nothing was "
                            "changed. Please report this with the workbook.")
        with _Lock(out):
            if out.resolve() == self.path.resolve() and self._changed():
                raise BookError(f"{out}: the workbook changed while cqcxl was working (someone "
                                "saved it, or another cqcxl job ran). Nothing was written; "
                                "run the job again.")
            try:
                fd, tmp = tempfile.mkstemp(prefix=".cqcxl-", suffix=out.suffix or ".xlsx",
                                           dir=folder)
            except PermissionError as exc:
                raise BookError(f"{out}: cannot write in the folder {folder} ({exc.strerror})."
                                " Choose a folder you can write to.") from exc
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                mode = out.stat().st_mode & 0o777 if out.exists() else 0o666 & ~umask()
                os.chmod(tmp, mode)
                if backup and out.exists():
                    copy_atomic(out, out.with_name(out.stem + ".bak" + out.suffix))
                os.replace(tmp, out)
            except PermissionError as exc:
                remove_quietly(tmp)
                raise BookError(f"{out}: cannot write the file ({exc.strerror}). If it is "
                                "open, close the workbook in Excel and try again.") from exc
            except OSError as exc:
                remove_quietly(tmp)
                raise BookError(f"{out}: the file could not be saved ({exc.strerror or exc});"
                                " the original is unchanged. Free some disk space and try "
                                "again.") from exc
            except BaseException:
                remove_quietly(tmp)
                raise
        fsync_dir(folder)
        return out

    def _changed(self) -> bool:
        try:
            now = self.path.read_bytes()
        except OSError:
            return True
        return hashlib.sha256(now).hexdigest() != self.digest


def _laid_out(outline: list, edit: AppendRows) -> bool:
    """Whether a sheet (its :meth:`xlsxpatch.Package.sheet_outline`) already has the column
    widths and page set-up ``edit`` sets, as openpyxl_engine._append sets them."""
    top = {name: (attrs, kids) for name, attrs, kids in outline}

    def num(a: dict, k: str) -> float | None:
        try:
            return float(a[k])
        except (KeyError, ValueError):
            return None
    cols = {}
    for name, a in top.get("cols", ({}, []))[1]:
        if name == "col" and a.get("min") == a.get("max"):
            cols[int(a["min"])] = num(a, "width")
    if any(cols.get(c) != w for c, w in edit.col_widths):
        return False
    page = edit.page
    if page is None or page.paper not in _PAPER:
        return False
    setup = top.get("pageSetup", ({}, []))[0]
    margins = top.get("pageMargins", ({}, []))[0]
    props = dict(top.get("sheetPr", ({}, []))[1])
    if setup.get("orientation") != ("landscape" if page.landscape else "portrait") or \
            setup.get("paperSize") != str(_PAPER[page.paper]):
        return False
    if page.fit_width and (setup.get("fitToWidth") != "1" or setup.get("fitToHeight") != "0"
                           or props.get("pageSetUpPr", {}).get("fitToPage") not in ("1",
                                                                                    "true")):
        return False
    return [num(margins, k) for k in ("left", "right", "top", "bottom")] == list(page.margins)


def _sheet_of(edit: Edit) -> str:
    return edit.spec.name if isinstance(edit, ReplaceSheet) else edit.sheet


class _Lock:
    """``~cqcxl-NAME.lock`` beside the workbook, created with O_EXCL: one writer at a time."""

    def __init__(self, target: Path) -> None:
        self.path = target.with_name(f".~cqcxl-{target.name}.lock")

    def __enter__(self) -> _Lock:
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                try:
                    age = time.time() - self.path.stat().st_mtime
                except OSError:
                    continue
                if age > STALE_LOCK_S:
                    self.path.unlink(missing_ok=True)
                    continue
                raise BookError(f"{self.path.parent / self.path.name[8:-5]}: another cqcxl "
                                "job is saving this workbook right now. Wait a moment and "
                                "run the job again.") from None
            except PermissionError as exc:
                raise BookError(f"{self.path.parent}: cannot write in this folder "
                                f"({exc.strerror}). Choose a folder you can write to.") from exc
            with os.fdopen(fd, "w") as fh:
                fh.write(f"{os.getpid()}\n")
            return self
        raise BookError(f"{self.path}: could not take the lock; run the job again.")

    def __exit__(self, *exc) -> None:
        self.path.unlink(missing_ok=True)


# --- cqcxl's own sheets, written straight into the package ------------------------------------
#
# A sheet cqcxl owns (Validation, Summary, Chase list) is written as worksheet XML from its
# SheetSpec, with its cell formats appended to the user's styles.xml and its pies as chart
# parts: no scratch workbook, no openpyxl save, no transplant. The XML is what openpyxl's
# writer gave for the same spec (the same cells, formats, widths, heights, panes, page
# set-up, defined names and chart XML), so the sheet looks exactly as before; a spec using
# something this writer does not know (drop-downs, Tables, or a field added later) goes
# through the scratch workbook instead.

_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")  # openpyxl's: XML cannot hold them
_OPENPYXL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!",
                              "#N/A"})  # text openpyxl writes as an error cell
_DATE_FORMATS = {datetime: "yyyy-mm-dd h:mm:ss", date: "yyyy-mm-dd", dtime: "h:mm:ss",
                 timedelta: "[hh]:mm:ss"}
_BUILTIN_IDS = {code: i for i, code in fast_reader.BUILTIN_FORMATS.items()}
_BUILTIN_IDS["General"] = 0
_DEFAULT_FONT = ('<font><name val="Calibri"/><family val="2"/><color theme="1"/>'
                 '<sz val="11"/><scheme val="minor"/></font>')
_DEFAULT_FILL = "<fill><patternFill/></fill>"
_DEFAULT_BORDER = "<border><left/><right/><top/><bottom/><diagonal/></border>"
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_NS_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_NS_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
_RT_DRAWING = f"{_NS_R}/drawing"
_RT_CHART = f"{_NS_R}/chart"
_CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
_CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
_EMU_PT = 12700
_PAPER = {"A4": 9, "A3": 8}  # OOXML paper size codes (openpyxl_engine.PAPER)
_WINDOWS_EPOCH = datetime(1899, 12, 30)
_MAC_EPOCH = datetime(1904, 1, 1)

#: the fields of each part of the contract this writer knows; a spec that sets any other
#: goes through the scratch workbook (a field added to edits.py is never dropped silently)
_KNOWN = {
    SheetSpec: {"name", "position", "blocks", "styles", "merges", "col_widths", "row_heights",
                "freeze", "charts", "autofilter", "page", "print_area", "print_title_rows",
                "row_breaks", "gridlines", "tab_color", "activate", "default_row_pt"},
    Style: {"fill", "font_color", "bold", "italic", "size", "wrap", "halign", "valign",
            "border", "number_format"},
    PieChart: {"title", "row", "x_pt", "y_pt", "categories", "values", "colors", "outline",
               "width_pt", "height_pt", "legend"},
    LineChart: {"title", "row", "x_pt", "y_pt", "categories", "series", "width_pt",
                "height_pt", "y_title", "table"},
    LineSeries: {"name", "values", "color"},
    PageSetup: {"landscape", "fit_width", "paper", "margins", "footer", "footer_margin"},
    Block: {"row", "col", "values"},
}


def _asks_more(obj: object) -> bool:
    """Whether ``obj`` sets a field :func:`sheet_xml` does not know to anything but its
    default."""
    known = _KNOWN.get(type(obj))
    if known is None:  # a kind of chart (or part) this writer does not write
        return True
    for f in dataclasses.fields(obj):
        if f.name in known:
            continue
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            return True
        if getattr(obj, f.name) != default:
            return True
    return False


def direct_writable(spec: SheetSpec) -> bool:
    """Whether :func:`sheet_xml` writes everything ``spec`` asks for (drop-downs and Tables
    are for new workbooks only, written by openpyxl)."""
    return not (_asks_more(spec) or _asks_more(spec.page) or spec.page.paper not in _PAPER
                or any(_asks_more(st) for st in {st for _, st in spec.styles})
                or any(_asks_more(c) for c in spec.charts)
                or any(_asks_more(s) for c in spec.charts if isinstance(c, LineChart)
                       for s in c.series)
                or any(_asks_more(b) for b in spec.blocks))


def _num(x: float) -> str:
    """A number as openpyxl writes it (``%.16g``: 48.0 -> "48")."""
    return f"{x:.16g}"


def _argb(rgb: str) -> str:
    """An RGB colour as openpyxl stores it (six digits get alpha "00")."""
    return rgb if len(rgb) == 8 else "00" + rgb


def _bounds(ref: str) -> tuple[int, int, int, int]:
    a, _, b = ref.partition(":")
    r1, c1 = parse_a1(a)
    r2, c2 = parse_a1(b) if b else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def _absolute(ref: str) -> str:
    """'A1:O129' -> '$A$1:$O$129'; '7:7' -> '$7:$7' (openpyxl's absolute_coordinate)."""
    out = []
    for part in ref.split(":"):
        m = re.fullmatch(r"\$?([A-Za-z]*)\$?(\d*)", part)
        if m is None:
            raise ValueError(f"not a range: {ref!r}")
        out.append((f"${m[1]}" if m[1] else "") + (f"${m[2]}" if m[2] else ""))
    return ":".join(out)


def _excel_serial(v: date | datetime | dtime | timedelta, date1904: bool) -> float:
    """openpyxl's to_excel, in the workbook's own date system."""
    if isinstance(v, timedelta):
        return v.total_seconds() / 86400
    if isinstance(v, dtime):
        return (v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6) / 86400
    if not isinstance(v, datetime):
        v = datetime(v.year, v.month, v.day)
    epoch = _MAC_EPOCH if date1904 else _WINDOWS_EPOCH
    days = (v - epoch).days
    if 0 < days <= 60 and not date1904:
        days -= 1
    t = v.time()
    return days + (t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6) / 86400


#: a cell's format as openpyxl's writer would build it: (fill, font, alignment, border,
#: number format), each None for openpyxl's default
_Fmt = tuple


def _restyle(fmt: _Fmt, st: Style) -> _Fmt:
    """openpyxl_engine._apply_style_slow on a format: fill, border and number format only
    when given, the font when any font property is, the alignment always."""
    fill, font, _align, border, numfmt = fmt
    if st.fill:
        fill = st.fill
    if st.font_color or st.bold or st.italic or st.size:
        font = (st.bold, st.italic, st.font_color, st.size or 11)
    if st.border:
        border = st.border
    if st.number_format:
        numfmt = st.number_format
    return (fill, font, (st.wrap, st.halign, st.valign), border, numfmt)


def _format_index(pkg: xp.Package, fmt: _Fmt) -> int:
    fill, font, align, border, numfmt = fmt
    if font is None:
        font_xml = _DEFAULT_FONT
    else:
        bold, italic, color, size = font
        font_xml = ('<font><name val="Calibri"/>' + ('<b val="1"/>' if bold else "")
                    + ('<i val="1"/>' if italic else "")
                    + (f'<color rgb="{_argb(color)}"/>' if color else "")
                    + f'<sz val="{_num(size)}"/></font>')
    fill_xml = _DEFAULT_FILL if fill is None else (
        f'<fill><patternFill patternType="solid"><fgColor rgb="{_argb(fill)}"/></patternFill>'
        "</fill>")
    if border is None:
        border_xml = _DEFAULT_BORDER
    else:
        side = f'style="thin"><color rgb="{_argb(border)}"/>'
        border_xml = ("<border>" + "".join(f"<{s} {side}</{s}>" for s in
                                          ("left", "right", "top", "bottom")) + "</border>")
    align_xml = None
    if align is not None:
        wrap, h, v = align
        attrs = (f' horizontal="{h}"' if h else "") + (f' vertical="{v}"' if v else "") \
            + (' wrapText="1"' if wrap else "")
        align_xml = f"<alignment{attrs}/>" if attrs else None
    num: int | str = 0 if numfmt is None else _BUILTIN_IDS.get(numfmt, numfmt)
    return pkg.cell_format(font=font_xml, fill=fill_xml, border=border_xml, num_fmt=num,
                           alignment=align_xml)


def _cell_xml(ref: str, s: int | None, v: Value, date1904: bool) -> str:
    """One cell as openpyxl writes it (inline strings, ``t="n"`` numbers, a formula with an
    empty ``<v/>``)."""
    sa = f' s="{s}"' if s is not None else ""
    if v is None:
        return f'<c r="{ref}"{sa}/>'
    if isinstance(v, Formula):
        return f'<c r="{ref}"{sa}><f>{_xesc(str(v)[1:])}</f><v/></c>'
    if isinstance(v, str):
        v = _ILLEGAL.sub("", v)
        if not v:
            return f'<c r="{ref}"{sa}/>'
        if v in _OPENPYXL_ERRORS:
            return f'<c r="{ref}"{sa} t="e"><v>{v}</v></c>'
        space = ' xml:space="preserve"' if v.strip() and v != v.strip() else ""
        return f'<c r="{ref}"{sa} t="inlineStr"><is><t{space}>{_xesc(v)}</t></is></c>'
    if isinstance(v, bool):
        return f'<c r="{ref}"{sa} t="b"><v>{int(v)}</v></c>'
    if isinstance(v, date | dtime | timedelta):
        return f'<c r="{ref}"{sa} t="n"><v>{_num(_excel_serial(v, date1904))}</v></c>'
    if isinstance(v, int | float):
        if v != v or v in (float("inf"), float("-inf")):
            return f'<c r="{ref}"{sa} t="n"><v></v></c>'
        return f'<c r="{ref}"{sa} t="n"><v>{_num(v)}</v></c>'
    raise TypeError(f"cannot write {type(v).__name__} in a cell")


def _xesc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xesca(s: str) -> str:
    return _xesc(s).replace('"', "&quot;")


class _Cells:
    """Blocks of values with styles laid over them, as openpyxl_engine writes them (a value
    first, then each style in order on every cell of its range, covered cells of merges
    too); each cell's format added to the package's styles.xml once per distinct format."""

    def __init__(self, pkg: xp.Package, blocks: Iterable[Block],
                 styles: Iterable[tuple[str, Style]], row_heights: dict[int, float]) -> None:
        self.date1904 = pkg.date1904()
        self.row_heights = row_heights
        # each distinct format once, as a small int; a cell holds the int (a Validation
        # sheet of a 20,000-task plan has 140,000 formatted cells and a dozen formats)
        formats: list[_Fmt] = [(None, None, None, None, None)]
        known: dict[_Fmt, int] = {formats[0]: 0}

        def intern(f: _Fmt) -> int:
            i = known.get(f)
            if i is None:
                i = known[f] = len(formats)
                formats.append(f)
            return i

        values: dict[int, dict[int, Value]] = {}
        fmts: dict[int, dict[int, int]] = {}
        for b in blocks:
            for i, row in enumerate(b.values):
                r = b.row + i
                vrow = values.setdefault(r, {})
                for j, v in enumerate(row):
                    if v is None:
                        continue
                    vrow[b.col + j] = v
                    if isinstance(v, date | dtime | timedelta):  # openpyxl: a date format
                        code = _DATE_FORMATS.get(type(v), _DATE_FORMATS[datetime])
                        fmts.setdefault(r, {})[b.col + j] = intern((None, None, None, None,
                                                                    code))
        for ref, st in styles:
            r1, c1, r2, c2 = _bounds(ref)
            step: dict[int, int] = {}  # format before -> after this style
            span = range(c1, c2 + 1)
            for r in range(r1, r2 + 1):
                frow = fmts.setdefault(r, {})
                if not frow or frow.keys().isdisjoint(span):  # all unformatted: one update
                    new = step.get(0)
                    if new is None:
                        new = step[0] = intern(_restyle(formats[0], st))
                    frow.update(dict.fromkeys(span, new))
                    continue
                get = frow.get
                for c in span:
                    old = get(c, 0)
                    new = step.get(old)
                    if new is None:
                        new = step[old] = intern(_restyle(formats[old], st))
                    frow[c] = new
        self.xf: list[int | None] = [None] + [_format_index(pkg, f) for f in formats[1:]]
        self.values, self.fmts = values, fmts
        self.order = sorted(values.keys() | fmts.keys() | row_heights.keys())
        filled = [r for r in self.order if values.get(r) or fmts.get(r)]
        cols = [c for r in filled for c in (*(values.get(r) or ()), *(fmts.get(r) or ()))]
        #: the cells' extent (min col, min row, max col, max row), None when there are none
        self.box = (min(cols), filled[0], max(cols), filled[-1]) if filled else None

    def rows(self) -> Iterator[bytes]:
        """The rows, as UTF-8, a few hundred at a time (deflated as they come)."""
        letters: list[str] = [""]
        batch: list[str] = []
        values, fmts, xf, date1904 = self.values, self.fmts, self.xf, self.date1904
        for r in self.order:
            vrow = values.get(r) or {}
            frow = fmts.get(r) or {}
            parts = []
            for c in sorted(vrow.keys() | frow.keys()):
                while len(letters) <= c:
                    letters.append(col_letter(len(letters)))
                v = vrow.get(c)
                s = xf[frow.get(c, 0)]
                if v.__class__ is str and v and v not in _OPENPYXL_ERRORS and \
                        _ILLEGAL.search(v) is None and v.strip() == v:  # the common cell
                    sa = f' s="{s}"' if s is not None else ""
                    parts.append(f'<c r="{letters[c]}{r}"{sa} t="inlineStr"><is><t>'
                                 f"{_xesc(v)}</t></is></c>")
                else:
                    parts.append(_cell_xml(f"{letters[c]}{r}", s, v, date1904))
            h = self.row_heights.get(r)
            head = f'<row r="{r}"' + (f' ht="{_num(h)}" customHeight="1"' if h is not None
                                      else "")
            batch.append(f"{head}>{''.join(parts)}</row>" if parts else f"{head}/>")
            if len(batch) >= 256:
                yield "".join(batch).encode()
                batch = []
        if batch:
            yield "".join(batch).encode()


def sheet_xml(pkg: xp.Package, spec: SheetSpec
              ) -> tuple[Iterable[bytes], list[xp.NewPart], list[tuple[str, str, bool]]]:
    """The worksheet XML of ``spec`` (cell formats added to ``pkg``'s styles.xml), its
    drawing and chart parts, and its defined names: what ``openpyxl_engine.write_sheet``
    followed by an openpyxl save gave for the same spec. The XML comes as UTF-8 chunks, the
    first everything before the cells (see :meth:`xlsxpatch.Package.put_sheet_xml`)."""
    cells = _Cells(pkg, spec.blocks, spec.styles, spec.row_heights)
    quoted = quote_sheet(spec.name)
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           f'<worksheet xmlns="{_NS_MAIN}" xmlns:r="{_NS_R}"><sheetPr>']
    if spec.tab_color:
        out.append(f'<tabColor rgb="{_argb(spec.tab_color)}"/>')
    out.append('<outlinePr summaryBelow="1" summaryRight="1"/>')
    if spec.page.fit_width:
        out.append('<pageSetUpPr fitToPage="1"/>')
    out.append("</sheetPr>")
    if cells.box is not None:
        c1, r1, c2, r2 = cells.box
        out.append(f'<dimension ref="{col_letter(c1)}{r1}:{col_letter(c2)}{r2}"/>')
    else:
        out.append('<dimension ref="A1:A1"/>')
    out.append(f'<sheetViews><sheetView showGridLines="{int(spec.gridlines)}"'
               + (' tabSelected="1"' if spec.activate else "") + ' workbookViewId="0">'
               + _panes(spec.freeze) + "</sheetView></sheetViews>")
    out.append('<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>')
    if spec.col_widths:
        out.append("<cols>" + "".join(
            f'<col width="{_num(w)}" customWidth="1" min="{c}" max="{c}"/>'
            for c, w in sorted(spec.col_widths.items())) + "</cols>")
    head = "".join(out)  # the rows go after this, made as they are deflated
    out = []
    if spec.autofilter:
        out.append(f'<autoFilter ref="{spec.autofilter}"/>')
    if spec.merges:
        out.append(f'<mergeCells count="{len(spec.merges)}">'
                   + "".join(f'<mergeCell ref="{m}"/>' for m in spec.merges) + "</mergeCells>")
    page = spec.page
    left, right, top, bottom = page.margins
    out.append('<printOptions gridLines="0"/>'
               f'<pageMargins left="{_num(left)}" right="{_num(right)}" top="{_num(top)}" '
               f'bottom="{_num(bottom)}" header="0.5" '
               f'footer="{_num(page.footer_margin) if page.footer else "0.5"}"/>'
               f'<pageSetup orientation="{"landscape" if page.landscape else "portrait"}"'
               + f' paperSize="{_PAPER[page.paper]}"'
               + (' fitToHeight="0" fitToWidth="1"' if page.fit_width else "") + "/>")
    if page.footer:
        out.append(f"<headerFooter><oddFooter>{_xesc(page.footer)}</oddFooter></headerFooter>")
    if spec.row_breaks:
        n = len(spec.row_breaks)
        out.append(f'<rowBreaks count="{n}" manualBreakCount="{n}">' + "".join(
            f'<brk id="{r}" min="0" max="16383" man="1"/>' for r in spec.row_breaks)
            + "</rowBreaks>")
    parts: list[xp.NewPart] = []
    if spec.charts:
        out.append('<drawing r:id="rId1"/>')
        parts.append(_drawing(spec))
    out.append("</worksheet>")

    names: list[tuple[str, str, bool]] = []
    if spec.autofilter:
        names.append(("_xlnm._FilterDatabase", f"{quoted}!{_absolute(spec.autofilter)}", True))
    if spec.print_title_rows:
        names.append(("_xlnm.Print_Titles", f"{quoted}!{_absolute(spec.print_title_rows)}",
                      False))
    if spec.print_area:
        names.append(("_xlnm.Print_Area", f"{quoted}!{_absolute(spec.print_area)}", False))
    tail = "".join(out).encode()
    if not cells.order:
        return [head.encode(), b"<sheetData/>", tail], parts, names
    return itertools.chain([head.encode(), b"<sheetData>"], cells.rows(),
                           [b"</sheetData>", tail]), parts, names


def _panes(freeze: str | None) -> str:
    """The pane and selections openpyxl's ``freeze_panes`` makes."""
    if not freeze or freeze == "A1":
        return '<selection activeCell="A1" sqref="A1"/>'
    row, col = parse_a1(freeze)
    split = (f' xSplit="{col - 1}"' if col > 1 else "") + (f' ySplit="{row - 1}"' if row > 1
                                                             else "")
    active = "bottomRight" if row > 1 and col > 1 else "bottomLeft" if row > 1 else "topRight"
    pane = (f'<pane{split} topLeftCell="{freeze}" activePane="{active}" state="frozen"/>')
    sel = f'<selection pane="{active}" activeCell="A1" sqref="A1"/>'
    if row > 1 and col > 1:
        sel = '<selection pane="topRight"/><selection pane="bottomLeft"/>' + sel
    return pane + sel


def _drawing(spec: SheetSpec) -> xp.NewPart:
    """The sheet's drawing (each pie at an absolute position) and its chart parts."""
    anchors, charts = [], []
    for i, ch in enumerate(spec.charts, start=1):
        x, y = int(ch.x_pt * _EMU_PT), int(spec.chart_top(ch) * _EMU_PT)
        cx, cy = int(ch.width_pt * _EMU_PT), int(ch.height_pt * _EMU_PT)
        anchors.append(
            f'<absoluteAnchor><pos x="{x}" y="{y}"/><ext cx="{cx}" cy="{cy}"/><graphicFrame>'
            f'<nvGraphicFramePr><cNvPr id="{i}" name="Chart {i}"/><cNvGraphicFramePr/>'
            f'</nvGraphicFramePr><xfrm/><a:graphic><a:graphicData uri="{_NS_C}"><c:chart '
            f'r:id="rId{i}"/></a:graphicData></a:graphic></graphicFrame><clientData/>'
            "</absoluteAnchor>")
        xml = _pie_xml(spec.name, ch).encode() if isinstance(ch, PieChart) else \
            _line_xml(spec.name, ch)
        charts.append(xp.NewPart(f"rId{i}", _RT_CHART, "xl/charts/chart1.xml", _CT_CHART, xml))
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           f'<wsDr xmlns:a="{_NS_A}" xmlns:c="{_NS_C}" xmlns:r="{_NS_R}" xmlns="{_NS_XDR}">'
           + "".join(anchors) + "</wsDr>")
    return xp.NewPart("rId1", _RT_DRAWING, "xl/drawings/drawing1.xml", _CT_DRAWING,
                      xml.encode("utf-8"), charts)


def _line_xml(sheet: str, ch: LineChart) -> bytes:
    """The cover's trend chart, serialised by openpyxl's chart classes (one part from a
    library's serializer, as the scratch path wrote it; openpyxl is imported only for a
    cover that has one)."""
    from openpyxl import Workbook
    from openpyxl.xml.functions import tostring

    from .openpyxl_engine import _line

    ws = Workbook().active
    ws.title = sheet
    return tostring(_line(ws, ch)._write())


def _pie_xml(sheet: str, ch: PieChart) -> str:
    """A pie chart part as openpyxl_engine._pie serialises it: bold 10pt title, a slice
    colour (and outline) per point, percentages as labels, legend at the bottom or none."""
    quoted = _xesc(quote_sheet(sheet))
    line = (f'<a:ln><a:solidFill><a:srgbClr val="{ch.outline}"/></a:solidFill>'
            '<a:prstDash val="solid"/></a:ln>') if ch.outline else \
        '<a:ln><a:prstDash val="solid"/></a:ln>'
    points = "".join(f'<dPt><idx val="{i}"/><spPr><a:solidFill><a:srgbClr val="{c}"/>'
                     f"</a:solidFill>{line}</spPr></dPt>" for i, c in enumerate(ch.colors))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<chartSpace xmlns:a="{_NS_A}" xmlns="{_NS_C}"><chart><title><tx><rich>'
            '<a:bodyPr/><a:p><a:pPr><a:defRPr sz="1000" b="1"/></a:pPr><a:r><a:rPr sz="1000" '
            f'b="1"/><a:t>{_xesc(ch.title)}</a:t></a:r></a:p></rich></tx><overlay val="0"/>'
            '</title><plotArea><pieChart><varyColors val="1"/><ser><idx val="0"/><order '
            'val="0"/><spPr><a:ln><a:prstDash val="solid"/></a:ln></spPr>' + points +
            '<dLbls><showLegendKey val="0"/><showVal val="0"/><showCatName val="0"/>'
            '<showSerName val="0"/><showPercent val="1"/><showLeaderLines val="0"/></dLbls>'
            f"<cat><numRef><f>{quoted}!{_absolute(ch.categories)}</f></numRef></cat>"
            f"<val><numRef><f>{quoted}!{_absolute(ch.values)}</f></numRef></val></ser>"
            '<firstSliceAng val="0"/></pieChart></plotArea>'
            + ('<legend><legendPos val="b"/></legend>' if ch.legend else "")
            + '<plotVisOnly val="1"/><dispBlanksAs val="gap"/></chart></chartSpace>')
