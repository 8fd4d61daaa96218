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
