"""Assemble the macro-enabled workbook: ``workbook_template.xlsx`` + ``macros/*.bas``.

Two ways, the same result (a ``.xlsm`` whose VBA project holds xlwings' standalone VBA
module, its ``Dictionary`` class and the ``cqcxl`` module of ``macros/cqcxl.bas``):

- :func:`assemble` — anywhere, no Excel: pyOpenVBA (PyPI, MIT, pure Python) writes the VBA
  project (``xl/vbaProject.bin``) into a copy of the workbook, with a document module for
  the workbook and one for each sheet, as Excel makes them. XlsxWriter can only embed a
  ``vbaProject.bin`` taken from a file Excel saved, and olefile cannot create one, so
  pyOpenVBA is the one maintained library found that builds it from ``.bas`` text.
  Buttons are not drawn: Excel adds them in two clicks (macros/README.md), and the one
  library that can draw them (pyOpenVBA's Excel model) rewrote every sheet of the
  template into XML that openpyxl could not parse when tried.
- :func:`assemble_with_excel` — Windows with Excel: xlwings opens the workbook in Excel,
  imports the same modules through Excel's own VBA import, adds the buttons and saves it
  as ``.xlsm``. Needs "Trust access to the VBA project object model" (Trust Center).

Command line: ``python -m cqcxl.xlsm workbook_template.xlsx -o workbook_template.xlsm
[--with-excel]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import zipfile
from pathlib import Path

from . import layout as L
from .errors import BookError

MACROS = Path(__file__).resolve().parents[1] / "macros"
_XLSX_CT = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_XLSM_CT = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
#: (macro, caption) of the buttons, in the order they stand on a sheet
BUTTONS = (("ValidateWorkbook", "Validate"), ("BuildSummarySheet", "Build summary sheet"),
           ("ClosePeriod", "Close period"))


def xlwings_vba() -> tuple[Path, Path]:
    """xlwings' own VBA, shipped in its package: the standalone module and its class."""
    import xlwings

    folder = Path(xlwings.__file__).resolve().parent
    return folder / "xlwings.bas", folder / "addin" / "Dictionary.cls"


def modules(macros: Path = MACROS) -> list[tuple[str, Path]]:
    """(VBA name, file) of every module the workbook gets, xlwings' first."""
    bas, cls = xlwings_vba()
    out = [("xlwings", bas), ("Dictionary", cls)]
    out += [(p.stem, p) for p in sorted(macros.glob("*.bas"))]
    return out


def _read(path: Path) -> str:
    # VBA source files are ANSI (cp1252) as Excel exports them; ours are ASCII.
    return path.read_bytes().decode("cp1252", errors="replace")


def _check(xlsx: Path, out: Path) -> None:
    if xlsx.suffix.lower() != ".xlsx" or not xlsx.is_file():
        raise BookError(f"{xlsx}: give the workbook as an existing .xlsx file.")
    if out.suffix.lower() != ".xlsm":
        raise BookError(f"{out}: a workbook with macros must be saved as .xlsm.")


def assemble(xlsx: str | os.PathLike, out: str | os.PathLike, macros: Path = MACROS) -> Path:
    """Write ``out`` (.xlsm): ``xlsx`` with a VBA project holding the modules. No Excel."""
    try:
        from pyopenvba import ExcelFile, VBAModuleKind
    except ImportError as exc:
        raise BookError("building the .xlsm without Excel needs pyOpenVBA: "
                        "pip install pyOpenVBA (or use --with-excel on Windows).") from exc
    src, dst = Path(xlsx), Path(out)
    _check(src, dst)
    fd, tmp_name = tempfile.mkstemp(prefix=".cqcxl-", suffix=".xlsm", dir=dst.resolve().parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        # The same package with the macro-enabled main content type (what Excel's
        # "Save as .xlsm" changes), then the VBA project.
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            for item in zin.infolist():
                data = zin.read(item.filename)
                if item.filename == "[Content_Types].xml":
                    data = data.replace(_XLSX_CT, _XLSM_CT)
                z.writestr(item, data)
        book = ExcelFile(tmp)
        try:
            project = book.add_vba_project()
            for name, path in modules(macros):
                kind = VBAModuleKind.other if path.suffix.lower() == ".cls" else \
                    VBAModuleKind.standard
                project.add_module(name, _read(path), kind=kind)
            book.save()
        finally:
            book.close()
        os.replace(tmp, dst)
    finally:
        if tmp.exists():
            tmp.unlink()
    return dst


def assemble_with_excel(xlsx: str | os.PathLike, out: str | os.PathLike,
                        macros: Path = MACROS) -> Path:  # pragma: no cover - needs Excel
    """Write ``out`` (.xlsm) with Excel itself (Windows): import the modules, add a row of
    buttons on the Plan sheet and on each workstream sheet, save as .xlsm."""
    import xlwings as xw

    from ..parse import read_plan
    from . import xlwings_book

    src, dst = Path(xlsx).resolve(), Path(out).resolve()
    _check(src, dst)
    with xw.App(visible=False, add_book=False) as app:
        book = app.books.open(src)
        try:
            components = book.api.VBProject.VBComponents
        except Exception as exc:
            raise BookError("Excel refused access to the VBA project: turn on File > "
                            "Options > Trust Center > Trust Center Settings > Macro "
                            "Settings > 'Trust access to the VBA project object model', "
                            "then try again.") from exc
        for _name, path in modules(macros):
            components.Import(str(path))
        plan = read_plan(xlwings_book.read(book)).plan
        sheets = [L.PLAN] + [ws.sheet for ws in plan.workstreams]
        for name in sheets:
            sheet = book.sheets[name]
            # Right of the sheet's table, on row 1: no button covers a cell in use.
            left = sheet.range((1, sheet.used_range.last_cell.column + 2)).left
            for macro, caption in BUTTONS:
                button = sheet.api.Buttons().Add(left, 2, 120, 24)
                button.OnAction = macro
                button.Caption = caption
                left += 128
        book.api.SaveAs(str(dst), FileFormat=52)  # xlOpenXMLWorkbookMacroEnabled
        book.close()
    return dst


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m cqcxl.xlsm",
                                description="Assemble the macro-enabled workbook (.xlsm).")
    p.add_argument("xlsx", type=Path, help="the workbook, e.g. workbook_template.xlsx")
    p.add_argument("-o", "--output", type=Path, help="default: the same name, .xlsm")
    p.add_argument("--with-excel", action="store_true",
                   help="use Excel through xlwings (Windows): also adds the buttons")
    args = p.parse_args(argv)
    out = args.output or args.xlsx.with_suffix(".xlsm")
    try:
        job = assemble_with_excel if args.with_excel else assemble
        job(args.xlsx, out)
    except BookError as exc:
        print(f"cqcxl: {exc}", file=sys.stderr)
        return 2
    names = ", ".join(name for name, _ in modules())
    print(f"wrote {out} (VBA modules: {names})", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
