"""How fast the fast reader reads a workbook, next to today's openpyxl reader.

    python benchmarks/read_speed.py [--scales 1 165] [--repeat N] [--no-memory]

For the example (1x, 121 key tasks) and a 20,000-task plan (165x, built as run.py builds it):
seconds for ``openpyxl_engine.read(openpyxl_engine.load(p))``, for the fast reader's calamine
path (strict, the default: it also refuses every damaged file openpyxl refuses; and
``strict=False``) and for its pure-Python path (median of N runs; N defaults to 3, 1 for
openpyxl on plans of 20x and more), each path's speed-up, and the peak resident memory of one
read in a fresh process (its high-water mark: the interpreter and imports included). Every
path's grid is checked equal to openpyxl's once. Prints a table; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

READERS = ("openpyxl load+read", "calamine path", "calamine, strict=False", "pure path")


def read(name: str, path: Path):
    if name == READERS[0]:
        from cqcxl.engines import openpyxl_engine as ox

        return ox.read(ox.load(path))
    from cqcxl.engines import fast_reader as fr

    if name == READERS[3]:
        return fr.read_book(path, engine="pure")
    return fr.read_book(path, engine="calamine", strict=name == READERS[1])


def timed(name: str, path: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        read(name, path)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def peak_mb(name: str, path: Path) -> float:
    """Peak resident memory of one read in a fresh process: its own high-water mark
    (VmHWM, Linux), not the parent's pages it shares until exec."""
    code = (f"import sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import read_speed; "
            f"from pathlib import Path; read_speed.read({name!r}, Path({str(path)!r})); "
            "import run; print(run.high_water_mb())")  # run.py's measure, after the read
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    try:
        return float(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return float("nan")




def same(a, b) -> bool:
    def typed(grid):
        return [(s.name, s.hidden, s.notes, [[(type(v), v) for v in r] for r in s.rows])
                for s in grid.sheets]
    return typed(a) == typed(b)


def main(argv: list[str] | None = None) -> None:
    from cqcxl.engines import fast_reader as fr

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scales", type=int, nargs="+", default=[1, 165])
    p.add_argument("--repeat", type=int, default=None)
    p.add_argument("--no-memory", action="store_true")
    args = p.parse_args(argv)
    if not fr.HAVE_CALAMINE:
        sys.exit("python-calamine is not installed: pip install python-calamine")
    from importlib.metadata import version

    print(f"fast reader vs openpyxl — Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} cores, python-calamine {version('python-calamine')}, "
          f"openpyxl {version('openpyxl')}")
    print(f"{'plan':>5} {'file MB':>7} {'XML MB':>6} " + " ".join(f"{n:>24}" for n in READERS)
          + "  same grid")
    import run  # benchmarks/run.py: the synthetic plans

    with tempfile.TemporaryDirectory() as d:
        for scale in args.scales:
            src = run.make_file(scale, Path(d))
            with zipfile.ZipFile(src) as zf:
                xml_mb = sum(i.file_size for i in zf.infolist()) / 1e6
            want = read(READERS[0], src)
            cells, secs = [], {}
            equal = all(same(want, read(name, src)) for name in READERS[1:])
            for name in READERS:
                n = args.repeat or (1 if scale >= 20 and name == READERS[0] else 3)
                secs[name] = timed(name, src, n)
                mem = "" if args.no_memory else f"{peak_mb(name, src):5.0f}MB"
                speed = "" if name == READERS[0] else f"({secs[READERS[0]] / secs[name]:4.1f}x)"
                cells.append(f"{secs[name]:7.2f}s {speed:>7} {mem:>7}")
            print(f"{str(scale) + 'x':>5} {src.stat().st_size / 1e6:7.2f} {xml_mb:6.1f} "
                  + " ".join(f"{c:>24}" for c in cells) + f"  {'yes' if equal else 'NO'}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
