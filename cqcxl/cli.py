"""The command line: the same jobs as the Excel buttons, headless, on any OS.

Exit codes: 0 done (no errors found), 1 done but the plan has errors, 2 the workbook could
not be read or the command was wrong (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from . import __version__
from .errors import BookError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


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


def _out_args(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("-o", "--output", type=Path, help="write the result to this new file")
    g.add_argument("--in-place", action="store_true",
                   help="write into BOOK itself (the previous version is kept as NAME.bak.xlsx)")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="cqcxl", description="Check and report a CQC action plan kept in Excel.")
    p.add_argument("--version", action="version", version=f"cqcxl {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    t = sub.add_parser("template", help="write the blank plan workbook")
    t.add_argument("-o", "--output", type=Path, default=None,
                   help="file to write (default: workbook_template.xlsx, or .xlsm with --xlsm)")
    t.add_argument("--xlsm", action="store_true",
                   help="the macro-enabled workbook: the buttons (Validate, Build summary "
                        "sheet, Close period), the ribbon tab and the xlwings settings")
    t.add_argument("--interpreter-win", metavar="PATH",
                   help="with --xlsm: the python.exe the buttons run on Windows")
    t.add_argument("--interpreter-mac", metavar="PATH",
                   help="with --xlsm: the python the buttons run on macOS")

    x = sub.add_parser("xlwings-config",
                       help="set which Python the buttons of a .xlsm run (its xlwings.conf sheet)")
    x.add_argument("book", type=Path, help="the macro-enabled workbook (.xlsm)")
    x.add_argument("--interpreter-win", metavar="PATH",
                   help="python.exe on Windows, e.g. C:\\cqcxl\\.venv\\Scripts\\python.exe "
                        "('' removes the setting)")
    x.add_argument("--interpreter-mac", metavar="PATH",
                   help="python on macOS, e.g. /Users/me/cqcxl/.venv/bin/python")

    e = sub.add_parser("export", help="write the plan as JSON (valid against schemas/)")
    e.add_argument("book", type=Path)
    e.add_argument("--json", action="store_true", help="JSON (the only format so far)")
    e.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")

    v = sub.add_parser("validate", help="check every entry; colour RAGs; note problems")
    v.add_argument("book", type=Path)
    v.add_argument("--as-of", type=_day, help="reporting date (default: the Plan sheet's)")
    _out_args(v)
    v.add_argument("--summary", action="store_true",
                   help="also build the Summary sheet, in the same save")
    v.add_argument("--json", action="store_true", help="print the findings as JSON")
    v.add_argument("--csv", type=Path, metavar="FILE",
                   help="also write the findings to a CSV file (safe to open in Excel)")

    s = sub.add_parser("summary", help="build the Summary cover sheet")
    s.add_argument("book", type=Path)
    s.add_argument("--as-of", type=_day)
    _out_args(s)

    c = sub.add_parser("close-period", help="store this period's RAGs in the History sheet")
    c.add_argument("book", type=Path)
    c.add_argument("--as-of", type=_day)
    _out_args(c)

    ch = sub.add_parser("chase", help="print, per task owner, the key tasks to chase")
    ch.add_argument("book", type=Path)
    ch.add_argument("--as-of", type=_day)
    ch.add_argument("--json", action="store_true", help="print the chase list as JSON")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
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


def _template(args) -> int:
    import tempfile

    from .engines import openpyxl_engine
    from .sheets import template

    out = args.output or Path("workbook_template.xlsm" if args.xlsm else
                              "workbook_template.xlsx")
    want = ".xlsm" if args.xlsm else ".xlsx"
    if out.suffix.lower() != want:
        raise BookError(f"{out}: the {'macro-enabled workbook' if args.xlsm else 'template'} "
                        f"must be saved as {want}" + ("" if args.xlsm else
                                                      " (use --xlsm for the buttons)"))
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


def _export(args) -> int:
    from .engines.openpyxl_engine import FileBook
    from .sheets.read import read_plan

    doc = read_plan(FileBook(args.book).read()).plan.to_json()
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    if args.output:
        _write_text(args.output, text + "\n", "utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text + "\n")
    return EXIT_OK


def _write_text(path: Path, text: str, encoding: str) -> None:
    """A report file (JSON, CSV): a clear one-line message when it cannot be written."""
    if path.is_dir():
        raise BookError(f"{path}: this is a folder; give a file name.")
    if not path.parent.resolve().is_dir():
        raise BookError(f"{path}: the folder {path.parent} does not exist. Create it first, or "
                        "give another folder.")
    try:
        with open(path, "w", encoding=encoding, newline="") as fh:
            fh.write(text)
    except OSError as exc:
        raise BookError(f"{path}: cannot write the file ({exc.strerror or exc}). Choose a "
                        "folder you can write to.") from exc


def _target(args) -> Path | None:
    if args.output:
        if args.output.resolve() == args.book.resolve():
            return None
        return args.output
    return args.book if args.in_place else None


def _write(book, args) -> Path | None:
    """Save to -o OUT or in place. The package engine keeps every part of the workbook that
    cqcxl does not own, byte for byte (checked before the file is replaced)."""
    target = _target(args)
    if args.output and target is None:
        raise BookError(f"{args.output}: -o names the workbook itself; use --in-place for "
                        "that.")
    if target is None:
        return None
    if book.has_vba and target.suffix.lower() not in (".xlsm", ".xltm"):
        raise BookError(f"{target}: {args.book.name} holds macros (the buttons), which an "
                        f"{target.suffix or 'extensionless'} file cannot keep. Save the copy "
                        "with the .xlsm extension.")
    return book.save(target, backup=target == args.book)


def _run(args, names: list[str]):
    """Read the file once, run the jobs, apply every edit, save once (or not at all)."""
    from .engines.package_engine import PackageBook
    from .jobs import run_jobs

    book = PackageBook(args.book)
    results = run_jobs(names, book.read(), args.as_of)
    for r in results:
        book.apply(r.edits)
    return results, _write(book, args)


def _validate(args) -> int:
    names = ["validate", "summary"] if args.summary else ["validate"]
    results, written = _run(args, names)
    result = results[0]
    if args.csv:
        from .export import findings_csv

        _write_text(args.csv, findings_csv(result.findings), "utf-8-sig")
    if args.json:
        json.dump([f.to_json() for f in result.findings], sys.stdout, ensure_ascii=False,
                  indent=1)
        sys.stdout.write("\n")
    else:
        _print_findings(result)
    for r in results[1:]:
        print(r.message, file=sys.stderr)
    _print_written(written)
    return EXIT_FINDINGS if result.errors else EXIT_OK


def _print_findings(result) -> None:
    from .core.findings import counts

    c = counts(result.findings)
    out = sys.stderr
    for f in result.findings:
        flag = " [OVERDUE, NO MITIGATION]" if f.overdue_no_mitigation else ""
        print(f"{f.severity.upper():7} {f.sheet}!{f.cell} {f.code}{flag}: {f.message}",
              file=out)
    print(f"{len(result.plan.tasks)} key tasks checked as at {result.as_of.isoformat()} "
          f"({result.as_of_source}): {c['error']} errors, {c['warning']} warnings, "
          f"{c['info']} notes; {len(result.headline)} overdue with no mitigation.", file=out)


def _print_written(written: Path | None) -> None:
    if written:
        print(f"wrote {written}", file=sys.stderr)
    else:
        print("nothing written (use -o OUT.xlsx or --in-place to write the result)",
              file=sys.stderr)


def _summary(args) -> int:
    (result,), written = _run(args, ["summary"])
    print(result.message, file=sys.stderr)
    _print_written(written)
    return EXIT_OK


def _close(args) -> int:
    (result,), written = _run(args, ["close-period"])
    print(result.message, file=sys.stderr)
    _print_written(written)
    return EXIT_OK


def _chase(args) -> int:
    """One block per task owner, for the coordinator to paste into an e-mail."""
    from .core.chase import chase_text
    from .engines.openpyxl_engine import FileBook
    from .jobs import Run

    run = Run(FileBook(args.book).read(), args.as_of)
    if args.json:
        doc = {"as_of": run.when[0].isoformat(), "owners": [c.to_json() for c in run.chase]}
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write(chase_text(run.chase, run.when[0]))
    print(f"{len(run.chase)} task owners to chase as at {run.when[0].isoformat()}.",
          file=sys.stderr)
    return EXIT_OK


_COMMANDS = {
    "template": _template,
    "xlwings-config": _xlwings_config,
    "export": _export,
    "validate": _validate,
    "summary": _summary,
    "close-period": _close,
    "chase": _chase,
}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
