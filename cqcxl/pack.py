"""The Board pack: the cover and each workstream's pages, as one PDF.

The Board reads a printed pack, not a workbook. :func:`build_pack` reads the plan once, the
way the summary job does (:class:`cqcxl.jobs.Run`: the same plan, reporting date and cover
numbers), lays out a **scratch** workbook in a temporary folder — the cover
(:func:`cqcxl.sheets.cover.cover_sheet`) first, then one sheet per workstream
(:mod:`cqcxl.sheets.pages`) —, prints it to PDF with LibreOffice headless, and moves the
PDF into place with one rename. The user's workbook is only ever read: the scratch
workbook is ours, so openpyxl may write it whole.

LibreOffice runs with its own throw-away profile (``-env:UserInstallation``), so a
LibreOffice window the user has open, or a damaged profile, cannot block or change the
conversion, and it is stopped (with every process it started) when it takes too long.
Every problem the user can fix is a :class:`~cqcxl.errors.BookError` with one line saying
what happened and what to do; nothing is printed here (``progress`` is told each stage).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .engines.openpyxl_engine import fsync_dir, new_workbook
from .engines.package_engine import PackageBook
from .errors import BookError
from .jobs import Run
from .sheets.cover import cover_sheet
from .sheets.pages import workstream_sheets
from .sheets.theme import THEME_ACCENTS

SOFFICE_HINT = ("LibreOffice is needed to make the PDF: install it (Debian/Ubuntu: apt-get "
                "install libreoffice-calc-nogui; Windows/macOS: libreoffice.org) or pass "
                "--soffice PATH")
#: How long LibreOffice may take before it is stopped. A first start on a slow, shared PC
#: takes a minute; a pack of 20 workstreams a few seconds more.
TIMEOUT_S = 300.0

#: Where LibreOffice installs itself when it is not on PATH (nurse managers' PCs rarely
#: have it there).
_INSTALLED = {
    "win32": (r"C:\Program Files\LibreOffice\program\soffice.exe",
              r"C:\Program Files (x86)\LibreOffice\program\soffice.exe"),
    "darwin": ("/Applications/LibreOffice.app/Contents/MacOS/soffice",),
}
_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


@dataclass(frozen=True)
class PackResult:
    """The PDF written, and what the command line tells the user about it."""

    path: Path
    pages: int
    as_of: date
    workstreams: int


def build_pack(book: str | os.PathLike, out: str | os.PathLike, *, soffice: str | None = None,
               as_of: date | None = None, progress: Callable[[str], None] = lambda s: None,
               timeout: float = TIMEOUT_S) -> PackResult:
    """Write the Board pack of ``book`` to ``out`` (a PDF) and say how many pages it has.

    The output is checked first (its folder exists, it is not the workbook), so a typo costs
    nothing; then the plan is read, LibreOffice found, the pages laid out and printed."""
    book, out = Path(book), Path(out)
    _check_output(book, out)
    progress(f"Reading {book.name}…")
    run = Run(PackageBook(book).read(), as_of)
    summary = run.summary
    exe = find_soffice(soffice)
    n = len(summary.rows)
    progress(f"Laying out {n} workstream page{'s' if n != 1 else ''}…")
    specs = [cover_sheet(summary, run.progress)] + [p.spec for p in workstream_sheets(summary)]
    wb = new_workbook(specs, accents=THEME_ACCENTS)
    wb.properties.title = run.plan.title or "Action plan"
    wb.properties.creator = "cqcxl"
    with tempfile.TemporaryDirectory(prefix="cqcxl-pack-", ignore_cleanup_errors=True) as d:
        tmp = Path(d)
        scratch = tmp / "pack.xlsx"
        try:
            wb.save(scratch)
        except OSError as exc:
            raise BookError(f"could not write the scratch workbook in {tmp} "
                            f"({exc.strerror or exc}). Free some disk space and try "
                            "again.") from exc
        progress("Rendering with LibreOffice (this can take a minute)…")
        pdf = _convert(exe, scratch, tmp, timeout)
        pages = count_pages(pdf)
        progress(f"Saving {out.name}…")
        _place(pdf, out)
    return PackResult(out, pages, summary.as_of, n)


def _check_output(book: Path, out: Path) -> None:
    if out.is_dir():
        raise BookError(f"{out}: this is a folder; give a file name, such as "
                        f"{out / 'board-pack.pdf'}.")
    if out.suffix.lower() != ".pdf":
        raise BookError(f"{out}: the Board pack is a PDF; give a file name ending in .pdf.")
    folder = out.resolve().parent
    if not folder.is_dir():
        raise BookError(f"{out}: the folder {folder} does not exist. Create it first, or give "
                        "another folder.")
    if book.exists() and out.resolve() == book.resolve():
        raise BookError(f"{out}: this is the workbook itself; give another name for the PDF.")


def find_soffice(given: str | os.PathLike | None = None) -> str:
    """The LibreOffice program to run: ``given`` (a program, or the folder it is in), else
    ``soffice``/``libreoffice`` on PATH, else where the installer puts it on Windows and
    macOS. BookError with the install hint when there is none."""
    if given:
        p = Path(given)
        if p.is_dir():
            p = next((p / n for n in ("soffice", "soffice.exe") if (p / n).is_file()), p)
        if p.is_file() and os.access(p, os.X_OK):
            return str(p)
        raise BookError(f"--soffice {given}: no LibreOffice program there. {SOFFICE_HINT}.")
    for name in ("soffice", "libreoffice"):
        if found := shutil.which(name):
            return found
    for path in _INSTALLED.get(sys.platform, ()):
        if Path(path).is_file():
            return path
    raise BookError(f"{SOFFICE_HINT}.")


def _convert(exe: str, scratch: Path, tmp: Path, timeout: float) -> Path:
    """Print ``scratch`` to PDF with LibreOffice headless, in its own throw-away profile;
    stopped, with everything it started, after ``timeout`` seconds."""
    profile = (tmp / "profile").resolve().as_uri()
    cmd = [exe, "--headless", "--norestore", f"-env:UserInstallation={profile}",
           "--convert-to", "pdf", "--outdir", str(tmp), str(scratch)]
    windows = os.name == "nt"
    try:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=not windows,
            creationflags=subprocess.CREATE_NEW_PROCESS_GROUP if windows else 0)
    except OSError as exc:
        raise BookError(f"{exe}: LibreOffice could not be started ({exc.strerror or exc}). "
                        f"{SOFFICE_HINT}.") from exc
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(proc)
        raise BookError(f"LibreOffice took more than {timeout:.0f} seconds to make the PDF and "
                        "was stopped. Try again when the computer is less busy; if it keeps "
                        "happening, reinstall LibreOffice.") from None
    pdf = tmp / (scratch.stem + ".pdf")
    if proc.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        said = [s for s in (stderr + stdout).decode("utf-8", "replace").splitlines()
                if s.strip()]
        detail = f"exit code {proc.returncode}" + (f": {said[-1].strip()[:160]}" if said else "")
        raise BookError(f"LibreOffice could not make the PDF ({detail}). Try again; if it "
                        "keeps failing, reinstall LibreOffice or pass --soffice with another "
                        "copy.")
    return pdf


def _stop(proc: subprocess.Popen) -> None:
    """End LibreOffice and the processes it started (soffice starts soffice.bin): its own
    process group on POSIX, its process tree on Windows."""
    try:
        if os.name == "nt":
            subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)],
                           capture_output=True, timeout=30)
        else:
            os.killpg(proc.pid, signal.SIGKILL)
    except (OSError, subprocess.SubprocessError):
        proc.kill()
    try:
        proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        pass


def count_pages(pdf: Path) -> int:
    """Pages in ``pdf``: pdfinfo's count where poppler is installed, else the page
    objects in the file (LibreOffice writes each page as a plain ``/Type /Page`` object)."""
    if exe := shutil.which("pdfinfo"):
        try:
            info = subprocess.run([exe, str(pdf)], capture_output=True, text=True,
                                  timeout=60, check=True).stdout
            if m := re.search(r"^Pages:\s+(\d+)", info, re.M):
                return int(m[1])
        except (OSError, subprocess.SubprocessError):
            pass
    return count_page_objects(pdf.read_bytes())


def count_page_objects(data: bytes) -> int:
    """``/Type /Page`` objects in a PDF's bytes (not ``/Pages``, the tree above them)."""
    return len(_PAGE_OBJECT.findall(data))


def _place(pdf: Path, out: Path) -> None:
    """Copy the PDF beside ``out`` and rename it into place: a reader never sees half a
    file, and a PDF already there stays whole until the new one is complete."""
    folder = out.resolve().parent
    fd, tmp = tempfile.mkstemp(prefix=".cqcxl-", suffix=".pdf", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh, open(pdf, "rb") as src:
            shutil.copyfileobj(src, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, out)
    except PermissionError as exc:
        _remove(tmp)
        raise BookError(f"{out}: cannot write the PDF ({exc.strerror}). If it is open in a PDF "
                        "viewer, close it and try again.") from exc
    except OSError as exc:
        _remove(tmp)
        raise BookError(f"{out}: the PDF could not be saved ({exc.strerror or exc}). Free "
                        "some disk space and try again.") from exc
    fsync_dir(folder)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _remove(p: str) -> None:
    try:
        os.unlink(p)
    except OSError:
        pass
