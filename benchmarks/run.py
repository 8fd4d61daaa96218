"""How fast, how big: times validate, summary and close-period on synthetic plans.

    python benchmarks/run.py [--scales 1 10 100 165] [--repeat 3] [--no-memory]
                             [--big-strings N]

Plans are made from the example's own rows (real text lengths, date forms, RAG mix),
repeated to 1x, 10x, 100x and 165x its 121 key tasks, spread over up to 50 workstreams.
Each job is timed end to end on a file (load, read, check, apply, atomic save), median of
``--repeat`` runs, next to the floor for any file tool: a bare openpyxl load + save of the
same file. Peak memory is measured in a fresh interpreter per job, as that process's own
high-water mark (VmHWM; not ru_maxrss, which Linux carries over from the parent). With 165x
(or --big-strings N) a workbook of 6,000,000 shared strings (~58 MB) is built and answered
by ``cqcxl validate -o`` in a fresh process: time, peak memory and its first line. Prints
tables; nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_JSON = ROOT / "examples" / "cumbria-2018-11.json"
EXAMPLE = ROOT / "examples" / "cumbria-2018-11.xlsx"
AS_OF = date(2018, 11, 15)


def synthetic(scale: int) -> dict:
    """The example repeated to ``scale`` x 121 key tasks over min(50, 9 x scale) streams."""
    data = json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))
    if scale == 1:
        return data
    rows = [(w, t) for w in data["workstreams"] for t in w["tasks"]]
    n_tasks = 121 * scale
    n_ws = min(50, 9 * scale)
    out = copy.deepcopy(data)
    out["workstreams"] = []
    for i in range(n_ws):
        src = data["workstreams"][i % len(data["workstreams"])]
        ws = copy.deepcopy(src)
        ws["number"] = i + 1
        ws["name"] = f"{src['name']} {i // 9 + 1}" if i >= 9 else src["name"]
        ws["sheet"] = f"WS{i + 1}"
        ws["tasks"] = []
        out["workstreams"].append(ws)
    for k in range(n_tasks):
        w, t = rows[k % len(rows)]
        t = dict(t)
        t["task_id"] = f"{t['task_id']}.{k // len(rows)}" if k >= len(rows) else t["task_id"]
        out["workstreams"][k % n_ws]["tasks"].append(t)
    return out


def make_file(scale: int, folder: Path) -> Path:
    from cqcxl.engines import openpyxl_engine
    from cqcxl.sheets.template import plan_sheets

    if scale == 1:
        return EXAMPLE
    path = folder / f"plan-{scale}x.xlsx"
    from cqcxl.sheets.theme import THEME_ACCENTS

    wb = openpyxl_engine.new_workbook(plan_sheets(synthetic(scale)), accents=THEME_ACCENTS)
    openpyxl_engine.save(openpyxl_engine.LoadedBook(path, wb), path)
    return path


# --- the jobs, exactly as the CLI runs them --------------------------------------------

def job_bare(src: Path, out: Path) -> None:
    import openpyxl

    openpyxl.load_workbook(src).save(out)


def _job(src: Path, out: Path, *names: str, engine: str = "package") -> None:
    """Load once, run the jobs over one reading, apply their edits, save once — with the
    CLI's package-patching engine, or the openpyxl engine (which rebuilds the file)."""
    from cqcxl.engines.package_engine import PackageBook
    from cqcxl.jobs import run_jobs

    if engine == "package":
        book = PackageBook(src)
    else:  # imported only here: openpyxl alone is 25 MB of the package engine's peak
        from cqcxl.engines.openpyxl_engine import FileBook

        book = FileBook(src)
    for result in run_jobs(names, book.read(), AS_OF):
        book.apply(result.edits)
    book.save(out)


def job_report(src: Path, out: Path) -> None:
    """Validate report-only (no -o): read and check, write nothing."""
    from cqcxl.engines.package_engine import PackageBook
    from cqcxl.jobs import run_jobs

    run_jobs(["validate"], PackageBook(src).read(), AS_OF)


def job_validate_openpyxl(src: Path, out: Path) -> None:
    _job(src, out, "validate", engine="openpyxl")


def job_validate(src: Path, out: Path) -> None:
    _job(src, out, "validate")


def job_summary(src: Path, out: Path) -> None:
    _job(src, out, "summary")


def job_both(src: Path, out: Path) -> None:
    """Validate and Build summary in one load and one save (``cqcxl validate --summary``)."""
    _job(src, out, "validate", "summary")


def job_close(src: Path, out: Path) -> None:
    _job(src, out, "close-period")


JOBS = {"openpyxl load+save": job_bare, "validate (report)": job_report,
        "validate": job_validate, "validate (openpyxl)": job_validate_openpyxl,
        "summary": job_summary, "validate+summary": job_both, "close-period": job_close}


def timed(job, src: Path, repeat: int) -> float:
    times = []
    with tempfile.TemporaryDirectory() as d:
        for i in range(repeat):
            out = Path(d) / f"out{i}.xlsx"
            t0 = time.perf_counter()
            job(src, out)
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def peak_mb(name: str, src: Path) -> float:
    """Peak resident memory of one job in a fresh interpreter, reported by the job's own
    process: its high-water mark since it started. (The child's ru_maxrss, read by the
    parent with wait4 or by the child itself, is no use: Linux carries the maximum across
    fork and exec, so every job seemed to use what this benchmark process had grown to.)"""
    code = (f"import sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import run; "
            f"from pathlib import Path; import tempfile; d = tempfile.mkdtemp(); "
            f"run.JOBS[{name!r}](Path({str(src)!r}), Path(d) / 'o.xlsx'); "
            "print(run.high_water_mb())")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    try:
        return float(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return float("nan")


def high_water_mb() -> float:
    """This process's peak resident memory in MB: VmHWM (Linux: this process's own, reset
    by exec), else ru_maxrss (kB on Linux, bytes on macOS)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


# --- a workbook with millions of shared strings -------------------------------------------

def make_big_strings(folder: Path, n: int = 6_000_000, cols: int = 6) -> Path:
    """The example plan with a 'Data' sheet of ``n`` cells, each a different shared string
    (random text, so it hardly compresses): 6,000,000 make a ~58 MB file, the size that took
    57 s and 1 GB to refuse before. Written part by part with zipfile streaming; the XML is
    generated, never held whole."""
    import base64

    path = folder / f"big-strings-{n}.xlsx"
    sst_ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    ws_ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    with zipfile.ZipFile(EXAMPLE) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", (
                    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{sst_ct}"/>'
                    f'<Override PartName="/xl/worksheets/data.xml" ContentType="{ws_ct}"/>'
                    "</Types>").encode())
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", (
                    f'<Relationship Id="rIdS" Type="{rel}/sharedStrings" '
                    'Target="sharedStrings.xml"/>'
                    f'<Relationship Id="rIdD" Type="{rel}/worksheet" '
                    'Target="worksheets/data.xml"/></Relationships>').encode())
            elif info.filename == "xl/workbook.xml":
                data = data.replace(b"</sheets>", b'<sheet name="Data" sheetId="99" '
                                    b'r:id="rIdD"/></sheets>')
            out.writestr(info, data)
        step = 100_000
        with out.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst '
                     f'xmlns="{main}" count="{n}" uniqueCount="{n}">'.encode())
            for lo in range(0, n, step):
                k = min(step, n - lo)
                text = base64.b64encode(os.urandom(k * 6), b"-_")  # 6 random characters each
                fh.write(b"".join(b"<si><t>" + text[i * 8:i * 8 + 6] + b"</t></si>"
                                  for i in range(k)))
            fh.write(b"</sst>")
        letters = [chr(65 + c) for c in range(cols)]
        with out.open("xl/worksheets/data.xml", "w", force_zip64=True) as fh:
            fh.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                     f'<worksheet xmlns="{main}"><sheetData>'.encode())
            rows = -(-n // cols)
            for lo in range(1, rows + 1, step // cols):
                chunk = []
                for r in range(lo, min(lo + step // cols, rows + 1)):
                    cells = "".join(f'<c r="{letters[c]}{r}" t="s"><v>{(r - 1) * cols + c}</v></c>'
                                    for c in range(cols) if (r - 1) * cols + c < n)
                    chunk.append(f'<row r="{r}">{cells}</row>')
                fh.write("".join(chunk).encode())
            fh.write(b"</sheetData></worksheet>")
    return path


def answer(src: Path, timeout: float = 120.0) -> tuple[float, float, int, str]:
    """``cqcxl validate SRC -o OUT`` as a user runs it, in a fresh interpreter: wall seconds
    (interpreter start included), peak MB (the process's own high-water mark), exit code,
    and the first line it printed on stderr."""
    out = Path(tempfile.mkdtemp()) / "out.xlsx"
    code = ("import sys, io, contextlib\n"
            f"sys.path.insert(0, {str(ROOT / 'benchmarks')!r})\n"
            "from cqcxl.cli import main\n"
            "err = io.StringIO()\n"
            "with contextlib.redirect_stderr(err):\n"
            f"    rc = main(['validate', {str(src)!r}, '--as-of', '2018-11-15', "
            f"'-o', {str(out)!r}])\n"
            "import run\n"
            "print(run.high_water_mb(), rc)\n"
            "print((err.getvalue().strip().splitlines() or [''])[0])\n")
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - t0, float("nan"), -1, f"no answer within {timeout:.0f} s"
    secs = time.perf_counter() - t0
    lines = proc.stdout.strip().splitlines()
    try:
        mb, rc = lines[-2].split()
        return secs, float(mb), int(rc), lines[-1]
    except (IndexError, ValueError):
        return secs, float("nan"), proc.returncode, \
            (proc.stderr.strip().splitlines() or ["?"])[-1]


def count_tasks(src: Path) -> int:
    from cqcxl.engines import openpyxl_engine as ob
    from cqcxl.sheets.read import read_plan

    return len(read_plan(ob.read(ob.load(src))).plan.tasks)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100, 165])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--no-memory", action="store_true")
    p.add_argument("--big-strings", type=int, default=None, metavar="N",
                   help="also answer a workbook of N shared strings (default: 6,000,000 "
                        "when 165 is among the scales; 0: never)")
    args = p.parse_args(argv)
    print(f"cqcxl benchmark — {date.today().isoformat()}, Python {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}")
    head = f"{'plan':>6} {'tasks':>7} {'sheets':>6} {'file MB':>7} " + " ".join(
        f"{n:>19}" for n in JOBS) + "   ratios to the floor: report, validate, both"
    print(head)
    peaks: dict[tuple[int, str], float] = {}
    with tempfile.TemporaryDirectory() as d:
        for scale in args.scales:
            src = make_file(scale, Path(d))
            n = count_tasks(src)
            sheets = min(50, 9 * scale)
            cells = []
            secs = {}
            for name, job in JOBS.items():
                secs[name] = timed(job, src, args.repeat)
                if not args.no_memory:
                    peaks[(n, name)] = peak_mb(name, src)
                mem = "" if args.no_memory else f" {peaks[(n, name)]:5.0f}MB"
                cells.append(f"{secs[name]:8.2f}s{mem:>8}")
            floor = secs["openpyxl load+save"]
            ratio = "  ".join(f"{secs[k] / floor:4.2f}" for k in
                              ("validate (report)", "validate", "validate+summary"))
            print(f"{str(scale) + 'x':>6} {n:>7} {sheets:>6} {src.stat().st_size / 1e6:7.2f} "
                  + " ".join(f"{c:>19}" for c in cells) + f"   {ratio}")
            sys.stdout.flush()
        big = [k for k in peaks if k[0] >= 19_000]
        if big:
            n = max(k[0] for k in big)
            print(f"\nPeak memory at {n:,} key tasks (each job in a fresh interpreter, its own "
                  "high-water mark; target 150 MB): " + ", ".join(
                      f"{name} {peaks[(n, name)]:.0f} MB" for name in JOBS if (n, name) in peaks))
        strings = args.big_strings if args.big_strings is not None else (
            6_000_000 if 165 in args.scales else 0)
        if strings:
            src = make_big_strings(Path(d), strings)
            xml = sum(i.file_size for i in zipfile.ZipFile(src).infolist()) / 1e6
            secs, mb, rc, line = answer(src)
            print(f"\nA {src.stat().st_size / 1e6:.0f} MB workbook with {strings:,} shared "
                  f"strings ({xml:,.0f} MB of XML), validate -o in a fresh process "
                  f"(target < 10 s, < 500 MB): exit {rc} in {secs:.1f} s, peak {mb:.0f} MB\n"
                  f"  {line}")
    try:
        from cqcxl.engines import xlwings_engine  # noqa: F401
    except ImportError:
        return
    com = com_counts(args.scales)
    if com:
        print("\nCOM calls on desktop Excel for Windows (xlwings' real engine, stand-in Excel "
              "of tests/fakecom.py):")
        print(f"{'plan':>6} {'sheets':>6} {'validate':>9} {'notes':>6} {'again':>6} "
              f"{'summary':>8} {'batch':>6} {'again':>6}")
        for scale, sheets, v, n, again, s, batch, batch_again in com:
            print(f"{str(scale) + 'x':>6} {sheets:>6} {v:>9} {n:>6} {again:>6} {s:>8} "
                  f"{batch:>6} {batch_again:>6}")
        print("(batch: Validate, then again, in the macro-enabled workbook: its colour and "
              "note writes in one Application.Run of macros/cqcxl_batch.bas)")
    counts = xlwings_counts(args.scales)
    if counts:
        print("\nExcel operations (recorded actions on xlwings' remote engine):")
        print(f"{'plan':>6} {'sheets':>6} {'validate':>9} {'per sheet':>9} {'summary':>8}")
        for scale, sheets, v, s in counts:
            print(f"{str(scale) + 'x':>6} {sheets:>6} {v:>9} {v / sheets:>9.1f} {s:>8}")


def com_counts(scales: list[int]) -> list[tuple[int, int, int, int, int, int, int, int]]:
    """COM round trips per Validate (with the notes it adds), per Validate again (the notes
    are there: read, not written) and per Build summary on xlwings' Windows engine driving
    the stand-in Excel of tests/fakecom.py, for plans up to 100x; then Validate and Validate
    again on the same plan as a macro-enabled workbook (the batch procedure's module given
    to the stand-in: one Application.Run for the colour and note writes)."""
    sys.path.insert(0, str(ROOT))
    try:
        import openpyxl

        from cqcxl import excel
        from tests.fakecom import FakeExcel, load_workbook, windows_engine
    except Exception as exc:  # noqa: BLE001 - report, don't fail the timing table
        print(f"(COM counts unavailable: {exc})")
        return []
    out = []
    with tempfile.TemporaryDirectory() as d:
        for scale in [s for s in scales if s <= 100]:
            src = make_file(scale, Path(d))
            counts = []
            with windows_engine() as win:
                fake = FakeExcel(user_name="Lead")
                wb = load_workbook(fake, openpyxl.load_workbook(src), src.name)
                book = win.book(wb)
                for job in (excel.validate, excel.validate, excel.build_summary):
                    fake.reset_calls()
                    with win.platform_win32():
                        job(book, today=AS_OF)
                    counts.append((fake.total_calls, fake.calls["Range.AddComment"]))
                bas = (ROOT / "macros" / "cqcxl_batch.bas").read_text()
                wb = load_workbook(fake, openpyxl.load_workbook(src), src.stem + ".xlsm",
                                   vba={"cqcxl_batch": bas})
                book = win.book(wb)
                for job in (excel.validate, excel.validate):
                    fake.reset_calls()
                    with win.platform_win32():
                        job(book, today=AS_OF)
                    counts.append((fake.total_calls, fake.calls["Application.Run"]))
            out.append((scale, min(50, 9 * scale), counts[0][0], counts[0][1], counts[1][0],
                        counts[2][0], counts[3][0], counts[4][0]))
    return out


def xlwings_counts(scales: list[int]) -> list[tuple[int, int, int, int]]:
    """Recorded actions per Validate and per Build summary on xlwings' remote engine (each
    action is one Excel operation), for plans up to 100x."""
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # benchmark only
    sys.path.insert(0, str(ROOT))
    try:
        import openpyxl
        import xlwings as xw

        from cqcxl import excel
        from tests.replay import book_json
    except Exception as exc:  # noqa: BLE001 - report, don't fail the timing table
        print(f"(xlwings operation counts unavailable: {exc})")
        return []
    if "remote" not in [e.name for e in xw.engines]:
        from xlwings.main import Engine
        from xlwings.pro import _xlremote

        xw.engines.add(Engine(impl=_xlremote.engine))
    out = []
    with tempfile.TemporaryDirectory() as d:
        for scale in [s for s in scales if s <= 100]:
            src = make_file(scale, Path(d))
            payload = book_json(openpyxl.load_workbook(src), src.name)
            counts = []
            for job in (excel.validate, excel.build_summary):
                book = xw.Book(json=copy.deepcopy(payload))
                job(book, today=AS_OF)
                counts.append(len(book.json()["actions"]))
            out.append((scale, min(50, 9 * scale), counts[0], counts[1]))
    return out


if __name__ == "__main__":
    main()
