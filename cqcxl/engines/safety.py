"""Look at a file before anything parses it, and name what is damaged.

A workbook travels by e-mail: it may be an old ``.xls``, password-protected, a renamed
CSV, truncated, hostile (a zip bomb), or far bigger than an action plan (a sheet of pasted
data: more than :data:`MAX_CELL_DATA` of cells and text). Each gets one clear sentence
instead of a traceback, before anything is parsed (:func:`check_file`); :func:`broken_part`
names the damaged part. (What an openpyxl save would lose is no longer listed here: the
command line saves through the package engine, which keeps every part it does not own and
checks that it did.) Also the small file-system helpers of a safe save (Excel's lock file,
an atomic copy, a durable rename), so that writing never needs openpyxl.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

from ..errors import BookError

#: Unzipped size we are willing to parse (the 20,000-task plan is ~15 MB unzipped).
MAX_UNZIPPED = 400 * 1024 * 1024
#: Smallest compressed/uncompressed ratio accepted (Apache POI's default).
MIN_RATIO = 0.01
#: Cells and their text (worksheets and shared strings, unzipped) cqcxl reads: 2.5 times
#: a 20,000-task plan (about 20 MB). More is not an action plan (a sheet of pasted data, an
#: export); reading it would take minutes and gigabytes, so it is refused up front, in a
#: second and a few MB, with a sentence saying what to do.
MAX_CELL_DATA = 50_000_000
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_file(path: Path) -> None:
    """Raise BookError with a plain message when ``path`` cannot be a workbook we read."""
    name = path.name
    if not path.exists():
        raise BookError(f"{path}: no such file. Check the name and the folder.")
    if path.is_dir():
        raise BookError(f"{path}: this is a folder, not a workbook.")
    if name.startswith("~$"):
        raise BookError(f"{path}: this is Excel's lock file, not the workbook. Open the "
                        f"file without '~$' at the start of its name.")
    size = path.stat().st_size
    if size == 0:
        raise BookError(f"{path}: the file is empty (0 bytes). Use the saved workbook.")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head == _OLE:
        if path.suffix.lower() == ".xls":
            raise BookError(f"{path}: this is an old Excel 97-2003 (.xls) workbook. Open it "
                            "in Excel and save it as an Excel Workbook (.xlsx), then try again.")
        raise BookError(f"{path}: the workbook is password-protected (encrypted), so cqcxl "
                        "cannot read it. Remove the password (File > Info > Protect Workbook)"
                        " or use an unprotected copy.")
    if head.startswith(b"%PDF"):
        raise BookError(f"{path}: this is a PDF, not an Excel workbook.")
    if not zipfile.is_zipfile(path):
        raise BookError(f"{path}: this is not an Excel workbook (.xlsx) — it may be a CSV or "
                        "text file renamed, or a download that did not finish. Save it from "
                        "Excel as an Excel Workbook (.xlsx).")
    try:
        with zipfile.ZipFile(path) as zf:
            check_members(zf.infolist(), f"{path}: ", zf)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BookError(f"{path}: the file is damaged ({exc}). Use an earlier copy.") from exc


def check_members(infos: list[zipfile.ZipInfo], where: str = "",
                  zf: zipfile.ZipFile | None = None) -> None:
    """The zip's member list as a workbook's: a content-types part, no repeated or unsafe
    names, no 'zip bomb', no more cells than cqcxl reads (:data:`MAX_CELL_DATA`). ``where``
    starts each message (the file's name); ``zf`` lets the message count the texts."""
    names = [i.filename for i in infos]
    if "[Content_Types].xml" not in names:
        raise BookError(f"{where}this zip file is not an Excel workbook.")
    if len(set(names)) != len(names) or any(".." in n.split("/") for n in names):
        raise BookError(f"{where}the file's contents are malformed (repeated or unsafe "
                        "parts), so cqcxl will not open it.")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > MAX_UNZIPPED or (total > 10_000_000 and packed / total < MIN_RATIO):
        raise BookError(f"{where}the file unpacks to {total / 1e6:,.0f} MB, far more than "
                        "an action plan; cqcxl will not open it (it may be a 'zip bomb').")
    cells = [i for i in infos if _holds_cells(i.filename)]
    size = sum(i.file_size for i in cells)
    if size > MAX_CELL_DATA:
        raise BookError(
            f"{where}the workbook holds {size / 1e6:,.0f} MB of cells and text, far more than "
            f"an action plan (a 20,000-task plan has about 20 MB; cqcxl reads up to "
            f"{MAX_CELL_DATA / 1e6:,.0f} MB){_biggest(cells, zf)}. Move the sheets of other "
            "data to another workbook, save this one, and try again.")


def _holds_cells(name: str) -> bool:
    """A worksheet or the shared strings (the parts whose size is the number of cells)."""
    low = name.lower()
    return (low.startswith("xl/worksheets/") and low.endswith(".xml")) or \
        low.rpartition("/")[2].startswith("sharedstrings")


def _biggest(cells: list[zipfile.ZipInfo], zf: zipfile.ZipFile | None) -> str:
    """'; the largest is sheet 'Data' (254 MB), and 6,000,000 shared texts' for the
    message (what can be read of it cheaply)."""
    sheets = [i for i in cells if i.filename.lower().startswith("xl/worksheets/")]
    strings = [i for i in cells if i not in sheets]
    out = ""
    if sheets:
        big = max(sheets, key=lambda i: i.file_size)
        name = _sheet_parts(zf).get(big.filename) if zf is not None else None
        out = (f"; the largest is sheet '{name}'" if name else f"; the largest is "
               f"{big.filename}") + f" ({big.file_size / 1e6:,.0f} MB)"
    n = sum(_strings_count(zf, i) or 0 for i in strings) if zf is not None else 0
    if n:
        out += f"{',' if out else ';'} and {n:,} shared texts"
    return out


def _strings_count(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> int | None:
    """How many texts a shared-strings part says it holds (its root's uniqueCount), read
    from its first few kB; None when it does not say."""
    import re

    try:
        with zf.open(info) as fh:
            head = fh.read(4096)
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
        return None
    m = re.search(rb'<(?:\w+:)?sst\b[^>]*?\suniqueCount="(\d+)"', head)
    return int(m[1]) if m else None


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part -> sheet name, from workbook.xml and its rels ({} when unreadable)."""
    try:
        from defusedxml.ElementTree import fromstring
    except ImportError:  # pragma: no cover - defusedxml is a dependency
        from xml.etree.ElementTree import fromstring
    names: dict[str, str] = {}
    try:
        wb = fromstring(zf.read("xl/workbook.xml"))
        rels = fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        target = {r.get("Id"): r.get("Target", "") for r in rels}
        for sh in wb.iter(f"{_NS_MAIN}sheet"):
            t = target.get(sh.get(f"{_NS_REL}id"), "").lstrip("/")
            names["xl/" + t if not t.startswith("xl/") else t] = sh.get("name")
    except Exception:  # noqa: BLE001 - a name for a message; the part name does instead
        return {}
    return names


_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def broken_part(path: Path) -> str:
    """Which part of the package is not well-formed XML, named for a person: "sheet 'WS1
    ICT'" or the part's name; '' when every part parses."""
    try:
        from defusedxml.ElementTree import fromstring
    except ImportError:  # pragma: no cover - defusedxml is a dependency
        from xml.etree.ElementTree import fromstring
    try:
        with zipfile.ZipFile(path) as zf:
            names = _sheet_parts(zf)  # {} when the workbook part itself is the broken one
            for n in zf.namelist():
                if not (n.endswith(".xml") or n.endswith(".rels")):
                    continue
                try:
                    fromstring(zf.read(n))
                except Exception:  # noqa: BLE001 - any parse failure names the part
                    return f"sheet '{names[n]}'" if n in names else f"part {n}"
    except (zipfile.BadZipFile, OSError):
        return ""
    return ""


# --- writing a file safely ---------------------------------------------------------------------
# The package engine's saving helpers, here rather than in openpyxl_engine so that writing a
# workbook never imports openpyxl (a fifth of the writer's memory on a 20,000-task plan).

def lock_file(path: Path) -> Path | None:
    """Excel's owner file ``~$Name.xlsx`` beside an open workbook, when there is one."""
    for name in (f"~${path.name}", f"~${path.name[2:]}"):
        p = path.with_name(name)
        if p.exists():
            return p
    return None


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; a no-op where folders cannot be opened)."""
    if hasattr(os, "O_DIRECTORY"):
        try:
            dfd = os.open(folder, os.O_DIRECTORY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError:
            pass


def umask() -> int:
    """The process's file-creation mask (read without changing it for good)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def copy_atomic(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst`` atomically, keeping ``src``'s permissions (the backup)."""
    fd, tmp = tempfile.mkstemp(prefix=".cqcxl-", dir=dst.parent)
    with os.fdopen(fd, "wb") as fh:
        fh.write(src.read_bytes())
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, src.stat().st_mode & 0o777)
    os.replace(tmp, dst)


def remove_quietly(p: str) -> None:
    try:
        os.unlink(p)
    except OSError:
        pass
