"""The command line: the same jobs as the Excel buttons, headless, on any OS.

Exit codes: 0 done (no errors found), 1 done but the plan has errors, 2 the workbook could
not be read or the command was wrong (one line on stderr, never a traceback).

It never surprises: reports (findings, the chase list, exports to the screen) go to
stdout, so they can be piped; what cqcxl did or would do ("wrote X", "Dry run — …") goes
to stderr. Nothing is replaced without being asked: ``-o`` onto an existing file needs
``--force``; ``-o`` must carry the extension of what is written; a file that is not an
Excel workbook (an old .xls, an .ods, a CSV, a renamed file) is named for what it is,
with what to do, before any job runs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from datetime import date
from pathlib import Path

from . import __version__
from .core.words import n_of as _n
from .errors import BookError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

#: The extension an Excel package must carry, by its workbook part's content type.
_MAIN_TYPES = {
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": ".xlsx",
    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml": ".xlsm",
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": ".xltx",
    b"application/vnd.ms-excel.template.macroEnabled.main+xml": ".xltm",
}
_WORKBOOK_EXTS = (".xlsx", ".xlsm", ".xltx", ".xltm")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS = b"application/vnd.oasis.opendocument.spreadsheet"
#: What each extension cqcxl writes holds, for "write to NAME.xlsx: the result is …".
_WHAT = {
    ".xlsx": "an Excel workbook (.xlsx)",
    ".xlsm": "a macro-enabled Excel workbook (.xlsm), so its macros and buttons stay",
    ".xltx": "an Excel template (.xltx)",
    ".xltm": "a macro-enabled Excel template (.xltm)",
    ".json": "JSON (.json)",
    ".csv": "a CSV file (.csv)",
    ".parquet": "a Parquet file (.parquet)",
    ".pdf": "a PDF (.pdf)",
}
#: Extensions replaced (not appended to) when cqcxl names the right file.
_KNOWN_EXTS = frozenset({*_WHAT, ".xls", ".xlt", ".ods", ".txt", ".tsv", ".xlsb", ".zip"})
_FORCE_HELP = "replace the -o file if it already exists (without it, cqcxl refuses)"
_DAY_HELP = "YYYY-MM-DD"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would exit 2 with usage: keep it short
        self.print_usage(sys.stderr)
        print(f"cqcxl: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a date: write it as YYYY-MM-DD, e.g. 2018-11-15") from None


def _book_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("book", type=Path, metavar="BOOK",
                   help="the plan workbook (.xlsx, or .xlsm with the buttons)")


def _as_of_arg(p: argparse.ArgumentParser, help: str | None = None) -> None:
    p.add_argument("--as-of", type=_day, metavar=_DAY_HELP, help=help or (
        "the reporting date, YYYY-MM-DD (default: the Plan sheet's Reporting date, else "
        "today)"))


def _out_args(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("-o", "--output", type=Path, metavar="OUT",
                   help="write the result to this file, with the workbook's own extension "
                        "(.xlsx, or .xlsm for a macro-enabled workbook)")
    g.add_argument("--in-place", action="store_true",
                   help="write into BOOK itself (the previous version is kept as NAME.bak.xlsx)")
    p.add_argument("--force", action="store_true", help=_FORCE_HELP)


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="cqcxl", description="Check and report a CQC action plan kept in Excel. "
                "Reports go to stdout; what cqcxl did goes to stderr. Exit codes: 0 done, "
                "1 done but the plan has errors, 2 the workbook could not be read or the "
                "command was wrong.")
    p.add_argument("--version", action="version", version=f"cqcxl {__version__}",
                   help="print cqcxl's version and stop")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser,
                           metavar="COMMAND")

    t = sub.add_parser("template", help="write the blank plan workbook")
    t.add_argument("-o", "--output", type=Path, default=None, metavar="OUT",
                   help="file to write (default: workbook_template.xlsx, or .xlsm with --xlsm)")
    t.add_argument("--force", action="store_true", help=_FORCE_HELP)
    t.add_argument("--xlsm", action="store_true",
                   help="the macro-enabled workbook: the buttons (Validate, Build summary "
                        "sheet, Close period), the ribbon tab and the xlwings settings")
    t.add_argument("--interpreter-win", metavar="PATH",
                   help="with --xlsm: the python.exe the buttons run on Windows")
    t.add_argument("--interpreter-mac", metavar="PATH",
                   help="with --xlsm: the python the buttons run on macOS")

    x = sub.add_parser("xlwings-config",
                       help="set which Python the buttons of a .xlsm run (its xlwings.conf sheet)")
    x.add_argument("book", type=Path, metavar="BOOK",
                   help="the macro-enabled workbook (.xlsm); changed in place")
    x.add_argument("--interpreter-win", metavar="PATH",
                   help="python.exe on Windows, e.g. C:\\cqcxl\\.venv\\Scripts\\python.exe "
                        "('' removes the setting)")
    x.add_argument("--interpreter-mac", metavar="PATH",
                   help="python on macOS, e.g. /Users/me/cqcxl/.venv/bin/python")

    e = sub.add_parser("export", help="write the plan as JSON, or one long table as JSON, CSV "
                                      "or Parquet (for Power BI)")
    _book_arg(e)
    e.add_argument("--format", choices=("json", "csv", "parquet"), default=None,
                   help="json (default: the whole plan, valid against schemas/), csv or "
                        "parquet (these two need --table; parquet needs -o and "
                        "pip install 'cqcxl[pandas]')")
    e.add_argument("--json", action="store_true", help="the same as --format json")
    e.add_argument("--table", choices=("tasks", "findings", "history"),
                   help="one long table instead of the whole plan: tasks (one row per key "
                        "task), findings (one row per problem Validate finds) or history "
                        "(one row per task per closed period)")
    _as_of_arg(e, "with --table findings: the reporting date, YYYY-MM-DD (default: the "
                  "Plan sheet's Reporting date, else today)")
    e.add_argument("-o", "--output", type=Path, metavar="OUT",
                   help="file to write, ending .json, .csv or .parquet as --format says "
                        "(default: the screen)")
    e.add_argument("--force", action="store_true", help=_FORCE_HELP)

    v = sub.add_parser("validate", help="check every entry; colour RAGs; note problems")
    _book_arg(v)
    _as_of_arg(v)
    _out_args(v)
    v.add_argument("--summary", action="store_true",
                   help="also build the Summary sheet, in the same save")
    v.add_argument("--json", action="store_true",
                   help="print the findings as JSON (only JSON on stdout)")
    v.add_argument("--csv", type=Path, metavar="FILE",
                   help="also write the findings to FILE.csv (safe to open in Excel)")

    s = sub.add_parser("summary", help="build the Summary cover sheet")
    _book_arg(s)
    _as_of_arg(s)
    _out_args(s)

    c = sub.add_parser("close-period", help="store this period's RAGs in the History sheet "
                                            "(without -o or --in-place: a dry run)")
    _book_arg(c)
    _as_of_arg(c, "the reporting date of the period to close, YYYY-MM-DD (default: the "
                  "Plan sheet's Reporting date); later than the last closed period")
    _out_args(c)

    ch = sub.add_parser("chase", help="print, per task owner, the key tasks to chase")
    _book_arg(ch)
    _as_of_arg(ch)
    ch.add_argument("--json", action="store_true", help="print the chase list as JSON")

    pk = sub.add_parser("pack", help="build the Board pack (a PDF: the cover and the plan) "
                                     "with LibreOffice")
    _book_arg(pk)
    pk.add_argument("-o", "--output", type=Path, metavar="PACK.pdf",
                    help="the PDF to write (default: BOOK-board-pack.pdf beside the book)")
    pk.add_argument("--soffice", metavar="PATH",
                    help="LibreOffice's soffice program (default: found on the PATH)")
    _as_of_arg(pk)
    pk.add_argument("--force", action="store_true", help=_FORCE_HELP)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        book = getattr(args, "book", None)
        if book is not None:
            args.kind = _check_book(book)
        return _COMMANDS[args.command](args)
    except BookError as exc:
        book = getattr(args, "book", None)
        msg = str(exc)
        if book is not None and not msg.startswith(str(book)):
            msg = f"{book}: {msg}"
        print(f"cqcxl: {msg}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("cqcxl: stopped; nothing was written.", file=sys.stderr)
        return EXIT_USAGE


# --- what the input is -----------------------------------------------------------------------

def _zip_kind(path: Path) -> str:
    """What a zip file holds, from its member list and two small parts: '.xlsx', '.xlsm',
    '.xltx', '.xltm' (by the workbook's content type), 'ods', 'odf', 'word', 'powerpoint',
    or '' (not known: the engine's own checks say what is wrong)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = {i.filename: i for i in zf.infolist()}
            mime = infos.get("mimetype")
            if mime is not None and mime.file_size < 256:
                m = zf.read(mime)
                if m.startswith(_ODS):
                    return "ods"
                if m.startswith(b"application/vnd.oasis.opendocument"):
                    return "odf"
            types = infos.get("[Content_Types].xml")
            if types is None or types.file_size > 1_000_000:
                return ""
            data = zf.read(types)
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError,
            NotImplementedError, zlib.error):
        return ""
    for content_type, ext in _MAIN_TYPES.items():
        if content_type in data:
            return ext
    if b"wordprocessingml" in data:
        return "word"
    if b"presentationml" in data:
        return "powerpoint"
    return ""


def _check_book(path: Path) -> str:
    """Name what ``path`` is when it is not an Excel workbook, with what to do (one line);
    else return the extension its content calls for (.xlsx, .xlsm, .xltx or .xltm)."""
    from .engines.safety import check_file

    suffix = path.suffix.lower()
    save_as = "Open it in Excel and use Save As > Excel Workbook (.xlsx), then run cqcxl on " \
              "the .xlsx file."
    kind = ""
    if path.is_file():
        try:
            with path.open("rb") as fh:
                head = fh.read(8)
        except OSError:
            head = b""  # the engine says why it cannot be opened
        if head.startswith(b"PK\x03\x04"):
            kind = _zip_kind(path)
            if kind == "ods":
                raise BookError(f"{path}: this is an OpenDocument spreadsheet (.ods, from "
                                "LibreOffice or OpenOffice), not an Excel workbook. Open it "
                                "in LibreOffice Calc or Excel and use Save As > Excel "
                                "Workbook (.xlsx), then run cqcxl on the .xlsx file.")
            if kind in ("odf", "word", "powerpoint"):
                what = {"odf": "an OpenDocument file", "word": "a Word document",
                        "powerpoint": "a PowerPoint file"}[kind]
                raise BookError(f"{path}: this is {what}, not an Excel workbook. Give the "
                                "plan workbook (.xlsx).")
            if kind in _WORKBOOK_EXTS and suffix not in _WORKBOOK_EXTS:
                raise BookError(f"{path}: this is an Excel workbook ({kind}) saved with the "
                                f"wrong extension ({suffix or 'none'}). Rename it to "
                                f"{_right_name(path, kind)} and try again.")
        elif head == _OLE and suffix in (".xls", ".xlt"):
            raise BookError(f"{path}: this is an old Excel 97-2003 workbook ({suffix}), which "
                            f"cqcxl cannot read. {save_as}")
        elif suffix in (".csv", ".tsv", ".txt"):
            raise BookError(f"{path}: this is a CSV or text file, not an Excel workbook: it "
                            f"has no sheets for cqcxl to check. {save_as}")
        elif suffix in (".xls", ".xlt") and head.lstrip().startswith(b"<"):
            raise BookError(f"{path}: this is a web page or XML file saved with an {suffix} "
                            f"name (some systems export like this), not an Excel workbook. "
                            f"{save_as}")
    check_file(path)  # missing, empty, encrypted, damaged, a zip bomb: one line each
    if kind in _WORKBOOK_EXTS:
        return kind
    return suffix if suffix in _WORKBOOK_EXTS else ".xlsx"


# --- where the output goes -------------------------------------------------------------------

def _right_name(path: Path, ext: str) -> str:
    stem = path.stem if path.suffix.lower() in _KNOWN_EXTS else path.name
    return stem + ext


def _check_out(out: Path, ext: str, *, force: bool, book: Path | None = None,
               flag: str = "-o", hint: str = "") -> None:
    """Refuse, before any work, an output that would surprise: a folder, the wrong
    extension for what is written, the input workbook itself, or an existing file
    without --force."""
    if out.is_dir():
        raise BookError(f"{flag} {out}: this is a folder; give a file name ending {ext}.")
    if out.suffix.lower() != ext:
        raise BookError(f"{flag} {out}: write to {_right_name(out, ext)} instead: the result "
                        f"is {_WHAT.get(ext, ext)}.{hint}")
    if book is not None and _same_file(out, book):
        raise BookError(f"{flag} {out} names the workbook itself; use --in-place for that "
                        f"(the previous version is kept as {book.stem}.bak{book.suffix}).")
    if not out.parent.resolve().is_dir():
        raise BookError(f"{flag} {out}: the folder {out.parent} does not exist. Create it "
                        "first, or give another folder.")
    if out.exists() and not force:
        raise BookError(f"{flag} {out}: the file already exists; add --force to replace it, "
                        "or give another name.")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def _check_book_out(args) -> None:
    """-o for validate, summary and close-period: a workbook like BOOK, never BOOK itself."""
    if args.output is None:
        return
    hint = ""
    if args.output.suffix.lower() == ".xlsm" and args.kind == ".xlsx":
        hint = (" The plan has no macros; 'cqcxl template --xlsm' makes the workbook with "
                "the buttons.")
    elif args.output.suffix.lower() == ".csv" and args.command == "validate":
        hint = " For the findings as CSV, use --csv FILE.csv."
    _check_out(args.output, args.kind, force=args.force, book=args.book, hint=hint)


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder and one rename: a failure leaves
    no half-written file (and the old one, with --force, as it was)."""
    if path.is_dir():
        raise BookError(f"{path}: this is a folder; give a file name.")
    folder = path.parent.resolve()
    if not folder.is_dir():
        raise BookError(f"{path}: the folder {path.parent} does not exist. Create it first, "
                        "or give another folder.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".cqcxl-", suffix=path.suffix, dir=folder)
        os.close(fd)
    except OSError as exc:
        raise BookError(f"{path}: cannot write in the folder {folder} ({exc.strerror or exc})."
                        " Choose a folder you can write to.") from exc
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except OSError as exc:
        raise BookError(f"{path}: cannot write the file ({exc.strerror or exc}). Choose a "
                        "folder you can write to.") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _write_text(path: Path, text: str, encoding: str) -> None:
    """A report file (JSON, CSV): a clear one-line message when it cannot be written."""
    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding=encoding, newline="") as fh:
            fh.write(text)
    _atomic(path, write)


def _target(args) -> Path | None:
    return args.output or (args.book if args.in_place else None)


def _write(book, args) -> Path | None:
    """Save to -o OUT or in place. The package engine keeps every part of the workbook that
    cqcxl does not own, byte for byte (checked before the file is replaced)."""
    target = _target(args)
    if target is None:
        return None
    if book.has_vba and target.suffix.lower() not in (".xlsm", ".xltm"):
        raise BookError(f"{target}: {args.book.name} holds macros (the buttons), which an "
                        f"{target.suffix or 'extensionless'} file cannot keep. Save the copy "
                        "with the .xlsm extension.")
    return book.save(target, backup=target == args.book)


def _print_written(written: Path | None, args) -> None:
    if written:
        print(f"wrote {written}", file=sys.stderr)
    else:
        print(f"nothing written (use -o OUT{args.kind} or --in-place to write the result)",
              file=sys.stderr)


# --- the commands ----------------------------------------------------------------------------

def _template(args) -> int:
    from .engines import openpyxl_engine
    from .sheets import template

    out = args.output or Path("workbook_template.xlsm" if args.xlsm else
                              "workbook_template.xlsx")
    want = ".xlsm" if args.xlsm else ".xlsx"
    hint = " Add --xlsm for the workbook with the buttons." if (
        out.suffix.lower() == ".xlsm" and not args.xlsm) else ""
    _check_out(out, want, force=args.force, hint=hint)
    if (args.interpreter_win or args.interpreter_mac) and not args.xlsm:
        raise BookError("--interpreter-win/--interpreter-mac go with --xlsm")
    from .sheets.theme import THEME_ACCENTS

    wb = openpyxl_engine.new_workbook(template.plan_sheets(template.template_data()),
                                      accents=THEME_ACCENTS)
    if not args.xlsm:
        openpyxl_engine.save(openpyxl_engine.LoadedBook(out, wb), out)
    else:
        from .xlsm import build_xlsm

        with tempfile.TemporaryDirectory() as d:
            src = Path(d) / "template.xlsx"
            wb.save(src)
            build_xlsm(out, source_xlsx=src, interpreter_win=args.interpreter_win,
                       interpreter_mac=args.interpreter_mac)
    print(f"wrote {out}", file=sys.stderr)
    return EXIT_OK


def _xlwings_config(args) -> int:
    from .xlsm import read_config, set_interpreter

    if args.book.suffix.lower() != ".xlsm":
        raise BookError(f"{args.book}: give the macro-enabled workbook (.xlsm).")
    if args.interpreter_win is None and args.interpreter_mac is None:
        raise BookError("say which Python: --interpreter-win PATH and/or "
                        "--interpreter-mac PATH")
    set_interpreter(args.book, win=args.interpreter_win, mac=args.interpreter_mac)
    for key, value in read_config(args.book):
        print(f"{key} = {value}")
    return EXIT_OK


_EXT = {"json": ".json", "csv": ".csv", "parquet": ".parquet"}


def _export(args) -> int:
    """The plan as JSON (as always), or one long table as JSON, CSV or Parquet."""
    fmt = args.format or "json"
    if args.json and fmt != "json":
        raise BookError(f"--json and --format {fmt} ask for two formats: give one.")
    if fmt != "json" and not args.table:
        raise BookError(f"--format {fmt} writes one table: add --table tasks, --table "
                        "findings or --table history.")
    if args.as_of is not None and args.table != "findings":
        raise BookError("--as-of goes with --table findings (the date the findings are "
                        "worked out at); the other exports do not depend on a date.")
    if fmt == "parquet":
        if args.output is None:
            raise BookError("Parquet is a binary file, not for the screen: give -o "
                            "FILE.parquet.")
        from .frames import _pandas

        _pandas()  # one line saying what to install, before any work
    if args.output is not None:
        _check_out(args.output, _EXT[fmt], force=args.force, book=args.book)
    if not args.table:
        return _export_plan(args)

    from .export import TABLES, table_csv, table_json
    from .frames import open_run, write_parquet

    columns, rows_of = TABLES[args.table]
    rows = rows_of(open_run(args.book, args.as_of))
    if fmt == "parquet":
        _atomic(args.output, lambda tmp: write_parquet(columns, rows, tmp))
    elif fmt == "csv" and args.output:
        _write_text(args.output, table_csv(columns, rows), "utf-8-sig")  # Excel reads UTF-8
    elif fmt == "csv":
        sys.stdout.write(table_csv(columns, rows, lineterminator="\n"))
    else:
        text = json.dumps(table_json(columns, rows), ensure_ascii=False, indent=1) + "\n"
        if args.output:
            _write_text(args.output, text, "utf-8")
        else:
            sys.stdout.write(text)
    if args.output:
        print(f"wrote {args.output} ({_n(len(rows), 'row')} of {args.table})",
              file=sys.stderr)
    return EXIT_OK


def _export_plan(args) -> int:
    from .engines.package_engine import PackageBook
    from .sheets.read import read_plan

    plan = read_plan(PackageBook(args.book).read()).plan
    doc = plan.to_json()
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    if args.output:
        _write_text(args.output, text + "\n", "utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text + "\n")
    return EXIT_OK


def _open(args):
    """Read the workbook once: the package engine (for the save) and the run's facts."""
    from .engines.package_engine import PackageBook
    from .jobs import Run

    book = PackageBook(args.book)
    return book, Run(book.read(), args.as_of)


def _validate(args) -> int:
    from .jobs import JOBS

    _check_book_out(args)
    if args.csv is not None:
        _check_out(args.csv, ".csv", force=args.force, book=args.book, flag="--csv")
    book, run = _open(args)
    results = [JOBS[name](run) for name in (["validate", "summary"] if args.summary
                                            else ["validate"])]
    for r in results:
        book.apply(r.edits)
    written = _write(book, args)
    result = results[0]
    if args.csv:
        from .export import findings_csv

        _write_text(args.csv, findings_csv(result.findings), "utf-8-sig")
    if args.json:
        json.dump([f.to_json() for f in result.findings], sys.stdout, ensure_ascii=False,
                  indent=1)
        sys.stdout.write("\n")
        print(_tally(result), file=sys.stderr)
    else:
        _print_findings(result, run.grid.names)
        print(_tally(result))
    for r in results[1:]:
        print(r.message, file=sys.stderr)
    if args.csv:
        print(f"wrote {args.csv}", file=sys.stderr)
    _print_written(written, args)
    return EXIT_FINDINGS if result.errors else EXIT_OK


_ALARM = "OVERDUE WITH NO MITIGATION"


def _counts(findings, *, all_three: bool = True) -> str:
    """'2 errors, 1 warning, 0 notes' (or only those there are)."""
    from .core.findings import counts

    c = counts(findings)
    parts = [(c["error"], "error"), (c["warning"], "warning"), (c["info"], "note")]
    return ", ".join(_n(k, word) for k, word in parts if k or all_three)


def _tally(result) -> str:
    return (f"{_n(len(result.plan.tasks), 'key task')} checked as at "
            f"{result.as_of.isoformat()} ({result.as_of_source}): {_counts(result.findings)}; "
            f"{len(result.headline)} overdue with no mitigation.")


def _print_findings(result, sheet_order: list[str]) -> None:
    """The findings on stdout, grouped by sheet in workbook order: a heading line per
    sheet, then its findings (errors and the alarm first), each line still naming its
    sheet and cell so ``grep WS4`` finds them. The alarm's tag is added only where the
    message does not already say it."""
    by_sheet: dict[str, list] = {}
    for f in result.findings:
        by_sheet.setdefault(f.sheet, []).append(f)
    order = {name: i for i, name in enumerate(sheet_order)}
    sheets = sorted(by_sheet, key=lambda s: order.get(s, len(order)))
    for i, sheet in enumerate(sheets):
        found = by_sheet[sheet]
        alarm = sum(f.overdue_no_mitigation for f in found)
        if i:
            print()
        print(f"{sheet or '(the workbook)'}: {_counts(found, all_three=False)}"
              + (f"; {alarm} overdue with no mitigation" if alarm else ""))
        for f in found:
            tag = f"{_ALARM}. " if (f.overdue_no_mitigation
                                    and _ALARM not in f.message.upper()) else ""
            where = f"{f.sheet}!{f.cell}" if f.sheet else f.cell
            print(f"  {f.severity.upper():7} {where} {f.code}: {tag}{f.message}")
    if sheets:
        print()


def _summary(args) -> int:
    from .jobs import JOBS

    _check_book_out(args)
    book, run = _open(args)
    result = JOBS["summary"](run)
    book.apply(result.edits)
    written = _write(book, args)
    print(result.message, file=sys.stderr)
    _print_written(written, args)
    return EXIT_OK


def _close(args) -> int:
    """Close period. History is only ever added to, so a period on or before the last
    closed one is refused, naming both dates. Without -o/--in-place: a dry run, said first."""
    from .core.history import reporting_date
    from .jobs import JOBS
    from .sheets.history import history_sheet

    _check_book_out(args)
    book, run = _open(args)
    when, source = reporting_date(run.plan, run.given, None)
    closed = sorted(s.when for s in run.snapshots)
    if when is not None and closed and when <= closed[-1]:
        sheet = history_sheet(run.grid)
        last = closed[-1].isoformat()
        said = f"the period ending {when.isoformat()} ({source})"
        if when == closed[-1]:
            raise BookError(f"{said} is already closed, and closed periods are never "
                            "replaced. To close the next period, give its reporting date "
                            f"(YYYY-MM-DD, after {last}) with --as-of or on the Plan sheet.",
                            sheet=sheet.name if sheet else "")
        raise BookError(f"{said} is earlier than the last closed period, {last}; periods are "
                        "only ever added after it. Give the reporting date of the period to "
                        f"close (YYYY-MM-DD, after {last}) with --as-of or on the Plan sheet.",
                        sheet=sheet.name if sheet else "")
    result = JOBS["close-period"](run)  # no reporting date at all: one line, from the job
    book.apply(result.edits)
    written = _write(book, args)
    what = (f"the period ending {result.as_of.isoformat()}: {_n(len(run.plan.tasks), 'key task')}"
            f" of {_n(len(run.plan.workstreams), 'workstream')} into the History sheet "
            f"({_n(len(closed) + 1, 'period')} in all)")
    if written is None:
        print(f"Dry run — nothing will be written. Add --in-place (or -o OUT{args.kind}) to "
              "close the period.", file=sys.stderr)
        print(f"would close {what}.", file=sys.stderr)
        return EXIT_OK
    print(f"closed {what}.", file=sys.stderr)
    _print_written(written, args)
    return EXIT_OK


def _chase(args) -> int:
    """One block per task owner, for the coordinator to paste into an e-mail."""
    from .core.chase import chase_text
    from .engines.package_engine import PackageBook
    from .jobs import Run

    run = Run(PackageBook(args.book).read(), args.as_of)
    if args.json:
        doc = {"as_of": run.when[0].isoformat(), "owners": [c.to_json() for c in run.chase]}
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write(chase_text(run.chase, run.when[0]))
    print(f"{_n(len(run.chase), 'task owner')} to chase as at {run.when[0].isoformat()}.",
          file=sys.stderr)
    return EXIT_OK


def _pack(args) -> int:
    """The Board pack as a PDF (cqcxl/pack.py builds it; imported here, when asked for)."""
    out = args.output or args.book.with_name(args.book.stem + "-board-pack.pdf")
    _check_out(out, ".pdf", force=args.force, book=args.book)
    try:
        from .pack import build_pack
    except ModuleNotFoundError as exc:
        if exc.name in ("cqcxl.pack", __package__ + ".pack"):
            raise BookError("this version of cqcxl cannot build the Board pack yet (no "
                            "cqcxl.pack); update cqcxl.") from None
        raise BookError(f"the Board pack needs the Python package '{exc.name}', which is not "
                        "installed. Install it and try again.") from None
    result = build_pack(args.book, out, soffice=args.soffice, as_of=args.as_of,
                        progress=lambda line: print(line, file=sys.stderr, flush=True))
    print(f"wrote {result.path} ({_n(result.pages, 'page')})", file=sys.stderr)
    return EXIT_OK


_COMMANDS = {
    "template": _template,
    "xlwings-config": _xlwings_config,
    "export": _export,
    "validate": _validate,
    "summary": _summary,
    "close-period": _close,
    "chase": _chase,
    "pack": _pack,
}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
