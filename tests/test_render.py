"""LibreOffice opens what we write and renders it: a file Excel would 'repair' is caught
here. The cover's first page is kept as docs/summary-page1.png for the README."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from .conftest import EXAMPLE, ROOT, TEMPLATE, run_cli

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed "
                                "(.ci/run installs libreoffice-calc-nogui)")


def to_pdf(files, outdir, profile):
    r = subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(outdir), *map(str, files)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return [outdir / (f.stem + ".pdf") for f in files]


def pdf_text(pdf, first=1, last=3) -> str:
    return subprocess.run(["pdftotext", "-f", str(first), "-l", str(last), str(pdf),
                           "-"], capture_output=True, text=True, check=True).stdout


def test_template_example_and_outputs_render(tmp_path):
    plan = tmp_path / "plan.xlsx"
    shutil.copy(EXAMPLE, plan)
    assert run_cli("validate", plan, "--as-of", "2018-11-15", "--in-place").returncode == 1
    assert run_cli("summary", plan, "--as-of", "2018-11-15", "--in-place").returncode == 0
    out = tmp_path / "pdf"
    out.mkdir()
    tpl = tmp_path / "template.xlsx"
    ex = tmp_path / "example.xlsx"
    shutil.copy(TEMPLATE, tpl)
    shutil.copy(EXAMPLE, ex)
    pdfs = to_pdf([tpl, ex, plan], out, tmp_path / "lo-profile")
    for pdf in pdfs:
        assert pdf.exists() and pdf.stat().st_size > 10_000, pdf
    # page 1 holds the headline, the alarm and the whole table with its total (issue 16);
    # page 2 is the pies
    page1, page2 = pdf_text(pdfs[2], 1, 1), pdf_text(pdfs[2], 2, 2)
    for words in ("121 Actions", "overdue action", "Cumberland Infirmary", "All workstreams",
                  "Direction"):
        assert words in page1, words
    assert page2.lstrip().startswith("RAG share: all workstreams and each workstream")
    assert "Exceptions\n" not in page1 + page2  # the banner mentions them; no heading
    cover = pdf_text(pdfs[2], 1, 3)
    assert "121 Actions" in cover
    assert "43% (52) actions completed" in cover
    # the pies' titles and percentage labels are drawn after the section heading
    pies = cover.split("RAG share: all workstreams and each workstream", 1)[1]
    pies = pies.split("Exceptions", 1)[0]
    for words in ("All workstreams", "1 ICT", "6 CHC", "43%", "67%"):
        assert words in pies, words
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "2", str(pdfs[2]),
                        str(tmp_path / "cover")], check=True)
        pngs = sorted(tmp_path.glob("cover*.png"))
        assert len(pngs) == 2 and all(p.stat().st_size > 20_000 for p in pngs)
        docs = ROOT / "docs"
        for i, p in enumerate(pngs, start=1):
            shutil.copy(p, docs / f"summary-page{i}.png")


def _ppm_pixels(path) -> list[tuple[int, int, int]]:
    """The pixels of a binary PPM (what pdftoppm writes without -png)."""
    data = path.read_bytes()
    parts = data.split(maxsplit=4)
    assert parts[0] == b"P6" and parts[3] == b"255"
    w, h, raster = int(parts[1]), int(parts[2]), parts[4]
    return [tuple(raster[i:i + 3]) for i in range(0, 3 * w * h, 3)]


def test_pie_slices_take_the_theme_accents_where_no_slice_is_coloured(tmp_path):
    """The route the xlwings Lite / Office.js engine relies on: a pie whose slices are not
    coloured one by one takes the theme's accents 1-4, which workbooks cqcxl makes set to
    Blue, Green, Amber, Red. Checked in the chart XML and in LibreOffice's rendering."""
    import zipfile

    from cqcxl.edits import PieChart, SheetSpec, block
    from cqcxl.engines.openpyxl_engine import new_workbook
    from cqcxl.sheets.theme import RAG_FILL, THEME_ACCENTS

    spec = SheetSpec("Pie")
    spec.blocks.append(block(1, 1, [["Blue", 5], ["Green", 5], ["Amber", 5], ["Red", 5]]))
    spec.charts.append(PieChart("RAG", 6, 0, 0, "A1:A4", "B1:B4", colors=(), width_pt=300,
                                height_pt=300))
    wb = new_workbook([spec], accents=THEME_ACCENTS)
    path = tmp_path / "pie.xlsx"
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        chart = next(z.read(n) for n in z.namelist() if n.startswith("xl/charts/chart"))
    assert b"<dPt>" not in chart and b'<varyColors val="1" />' in chart
    pdf = to_pdf([path], tmp_path, tmp_path / "profile")[0]
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True)
    (ppm,) = tmp_path.glob("page*.ppm")
    pixels = _ppm_pixels(ppm)

    def near(rgb: str) -> int:
        want = tuple(int(rgb[i:i + 2], 16) for i in (0, 2, 4))
        return sum(1 for p in pixels if sum(abs(a - b) for a, b in zip(p, want, strict=True))
                   < 40)
    counts = {name: near(rgb) for name, rgb in RAG_FILL.items()}
    assert all(n > 200 for n in counts.values()), counts  # four equal slices, each visible
