"""Build the second period of the example, December 2018, from the first (run from the repo
root, after build_example.py):

    python examples/build_december.py [--render]

1. copy cumbria-2018-11.xlsx and close the November period on it (cqcxl close-period, as
   the coordinator would after the Board meeting of 29 November 2018);
2. make the edits the leads and the coordinator make in December, cell by cell, as a person
   would type them (listed in CHANGES below);
3. save cumbria-2018-12.xlsx (and cumbria-2018-12.json, the export);
4. with --render: build its cover (as at 13 December 2018), print it with LibreOffice and
   keep every page as docs/december-cover-pageN.png.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path

import openpyxl

from cqcxl.engines.openpyxl_engine import FileBook
from cqcxl.jobs import run_jobs
from cqcxl.sheets.read import read_plan

HERE = Path(__file__).resolve().parent
NOVEMBER = HERE / "cumbria-2018-11.xlsx"
TARGET = HERE / "cumbria-2018-12.xlsx"
TARGET_JSON = HERE / "cumbria-2018-12.json"
DOCS = HERE.parent / "docs"
CLOSED = date(2018, 11, 15)
AS_OF = date(2018, 12, 13)
BOARD = "Agreed 29-Nov-18"
UPDATED = datetime(2018, 12, 10)

#: (sheet, task ID, {column header: value}, why) — what people typed in December.
CHANGES: list[tuple[str, str, dict, str]] = [
    ("WS3 Communication & Engagement", "C4",
     {"RAG": "Blue", "Narrative / update": (
         "Completed: ICC communication and engagement plans are in place in the north and "
         "south; signed off by the ICC leadership group on 28 November 2018.")},
     "a Blue completed, with evidence"),
    ("WS8 Reablement", "A / B1",
     {"RAG": "Blue", "Narrative / update": (
         "Completed: the reablement improvement plan was agreed and signed off at the "
         "Reablement Board on 27 November 2018; improvements are being cascaded.")},
     "a Blue completed, with evidence"),
    ("WS6 CHC", "A3",
     {"Date to complete": "March 2019"},
     "the date moved later with no change request: slippage"),
    ("WS2 Workforce", "B12",
     {"Revised date": datetime(2019, 12, 1), "Decision": BOARD},
     "the Board agreed the change of timescale to 2019"),
    ("WS5 System Development", "D1",
     {"Decision": BOARD},
     "the Board agreed the removal: D1 leaves the counts"),
    ("WS9 Cumberland Infirmary", "A3",
     {"RAG": "Amber", "Narrative / update": (
         "Full rollout is at risk: the red bag pilot showed gaps in care home returns. A "
         "recovery plan with the care home forum is being drafted for January.")},
     "a downturn: Green to Amber"),
    ("WS4 Commissioning", "A2",
     {"Mitigation": "Refreshed terms of reference agreed at the November JCB; governance "
                    "structure to the January JCB for sign off.",
      "Revised date": datetime(2019, 1, 1),
      "Narrative / update": (
          "The November JCB agreed the refreshed terms of reference and the change in focus; "
          "the governance and performance arrangements go to the January JCB.")},
     "a Red updated with mitigation and a revised date"),
]


def _close(path: Path) -> None:
    book = FileBook(path)
    (result,) = run_jobs(["close-period"], book.read(), CLOSED)
    book.apply(result.edits)
    book.save(path, backup=False)


def _edit(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    plan = wb["Plan"]
    for row in plan.iter_rows(min_col=1, max_col=1):
        label = row[0]
        if label.value == "Reporting date":
            plan.cell(label.row, 2).value = datetime.combine(AS_OF, datetime.min.time())
        elif label.value == "Previous reporting date":
            plan.cell(label.row, 2).value = datetime.combine(CLOSED, datetime.min.time())
    for sheet, task_id, values, _why in CHANGES:
        ws = wb[sheet]
        head = next(c.row for row in ws.iter_rows() for c in row if c.value == "Task ID")
        col = {ws.cell(head, c).value: c for c in range(1, ws.max_column + 1)}
        row = next(r for r in range(head + 1, ws.max_row + 1)
                   if ws.cell(r, col["Task ID"]).value == task_id)
        for header, value in {**values, "Last updated": UPDATED}.items():
            ws.cell(row, col[header]).value = value
    wb.save(path)


def render(book: Path) -> list[Path]:
    """The cover of ``book`` as PNG pages in docs/ (LibreOffice and poppler needed)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftoppm") is None:
        raise SystemExit("rendering needs LibreOffice (soffice) and pdftoppm")
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        cover = tmpd / "december-cover.xlsx"
        fb = FileBook(book)
        (result,) = run_jobs(["summary"], fb.read(), AS_OF)
        fb.apply(result.edits)
        fb.save(cover, backup=False)
        wb = openpyxl.load_workbook(cover)  # print the cover only
        for name in wb.sheetnames:
            if name != "Summary":  # removed, not hidden: LibreOffice printed the hidden
                wb.remove(wb[name])   # Progress by period (cause not pinned down)
        wb.active = 0
        wb.save(cover)
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmpd / 'lo'}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(tmpd), str(cover)],
                       check=True, capture_output=True, timeout=600)
        for old in DOCS.glob("december-cover-page*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-png", "-r", "70", str(tmpd / "december-cover.pdf"),
                        str(DOCS / "december-cover-page")], check=True)
        for png in DOCS.glob("december-cover-page-0*.png"):  # pdftoppm pads: -01 -> -1
            png.rename(png.with_name(f"december-cover-page-{int(png.stem.rsplit('-', 1)[1])}.png"))
    return sorted(DOCS.glob("december-cover-page*.png"))


def main(target: Path = TARGET) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "plan.xlsx"
        shutil.copy(NOVEMBER, work)
        _close(work)
        _edit(work)
        shutil.copy(work, target)
    doc = read_plan(FileBook(target).read()).plan.to_json()
    TARGET_JSON.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n",
                           encoding="utf-8")
    return target


if __name__ == "__main__":
    out = main()
    print(out)
    if "--render" in sys.argv[1:]:
        for png in render(out):
            print(png)
