"""How fast, how big: times validate, summary and close-period on synthetic plans.

    python benchmarks/run.py [--scales 1 10 100 165] [--repeat 3]

Plans are made from the example's own rows (real text lengths, date forms, RAG mix),
repeated to 1x, 10x, 100x and 165x its 121 key tasks, spread over up to 50 workstreams.
Each job is timed end to end on a file (load, read, check, apply, atomic save), median of
``--repeat`` runs, next to the floor for any file tool: a bare openpyxl load + save of the
same file. Peak memory is measured in a fresh process per job (ru_maxrss). Prints a table;
nothing here asserts on time.
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
    from cqcxl.engines.openpyxl_engine import FileBook
    from cqcxl.engines.package_engine import PackageBook
    from cqcxl.jobs import run_jobs

    book = PackageBook(src) if engine == "package" else FileBook(src)
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
    """Peak resident memory of one job in a fresh process."""
    code = (f"import sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import run; "
            f"from pathlib import Path; import tempfile; d = tempfile.mkdtemp(); "
            f"run.JOBS[{name!r}](Path({str(src)!r}), Path(d) / 'o.xlsx')")
    proc = subprocess.Popen([sys.executable, "-c", code])
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        return float("nan")
    return usage.ru_maxrss / 1024  # kB on Linux


def count_tasks(src: Path) -> int:
    from cqcxl.engines import openpyxl_engine as ob
    from cqcxl.sheets.read import read_plan

    return len(read_plan(ob.read(ob.load(src))).plan.tasks)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100, 165])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--no-memory", action="store_true")
    args = p.parse_args(argv)
    print(f"cqcxl benchmark — {date.today().isoformat()}, Python {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}")
    head = f"{'plan':>6} {'tasks':>7} {'sheets':>6} {'file MB':>7} " + " ".join(
        f"{n:>19}" for n in JOBS) + "   ratios to the floor: report, validate, both"
    print(head)
    with tempfile.TemporaryDirectory() as d:
        for scale in args.scales:
            src = make_file(scale, Path(d))
            n = count_tasks(src)
            sheets = min(50, 9 * scale)
            cells = []
            secs = {}
            for name, job in JOBS.items():
                secs[name] = timed(job, src, args.repeat)
                mem = "" if args.no_memory else f" {peak_mb(name, src):5.0f}MB"
                cells.append(f"{secs[name]:8.2f}s{mem:>8}")
            floor = secs["openpyxl load+save"]
            ratio = "  ".join(f"{secs[k] / floor:4.2f}" for k in
                              ("validate (report)", "validate", "validate+summary"))
            print(f"{str(scale) + 'x':>6} {n:>7} {sheets:>6} {src.stat().st_size / 1e6:7.2f} "
                  + " ".join(f"{c:>19}" for c in cells) + f"   {ratio}")
            sys.stdout.flush()
    try:
        from cqcxl.engines import xlwings_engine  # noqa: F401
    except ImportError:
        return
    com = com_counts(args.scales)
    if com:
        print("\nCOM calls on desktop Excel for Windows (xlwings' real engine, stand-in Excel "
              "of tests/fakecom.py):")
        print(f"{'plan':>6} {'sheets':>6} {'validate':>9} {'notes':>6} {'summary':>8}")
        for scale, sheets, v, n, s in com:
            print(f"{str(scale) + 'x':>6} {sheets:>6} {v:>9} {n:>6} {s:>8}")
    counts = xlwings_counts(args.scales)
    if counts:
        print("\nExcel operations (recorded actions on xlwings' remote engine):")
        print(f"{'plan':>6} {'sheets':>6} {'validate':>9} {'per sheet':>9} {'summary':>8}")
        for scale, sheets, v, s in counts:
            print(f"{str(scale) + 'x':>6} {sheets:>6} {v:>9} {v / sheets:>9.1f} {s:>8}")


def com_counts(scales: list[int]) -> list[tuple[int, int, int, int, int]]:
    """COM round trips per Validate and per Build summary on xlwings' Windows engine driving
    the stand-in Excel of tests/fakecom.py, for plans up to 100x."""
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
                for job in (excel.validate, excel.build_summary):
                    fake.reset_calls()
                    with win.platform_win32():
                        job(book, today=AS_OF)
                    counts.append((fake.total_calls, fake.calls["Range.AddComment"]))
            out.append((scale, min(50, 9 * scale), counts[0][0], counts[0][1], counts[1][0]))
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
