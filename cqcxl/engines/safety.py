"""Look at a file before anything parses it, and name what is damaged.

A workbook travels by e-mail: it may be an old ``.xls``, password-protected, a renamed
CSV, truncated, or hostile (a zip bomb). Each gets one clear sentence instead of a
traceback (:func:`check_file`); :func:`broken_part` names the damaged part. (What an
openpyxl save would lose is no longer listed here: the command line saves through the
package engine, which keeps every part it does not own and checks that it did.)
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from ..errors import BookError

#: Unzipped size we are willing to parse (the 20,000-task plan is ~15 MB unzipped).
MAX_UNZIPPED = 400 * 1024 * 1024
#: Smallest compressed/uncompressed ratio accepted (Apache POI's default).
MIN_RATIO = 0.01
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
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise BookError(f"{path}: the file is damaged ({exc}). Use an earlier copy.") from exc
    check_members(infos, f"{path}: ")


def check_members(infos: list[zipfile.ZipInfo], where: str = "") -> None:
    """The zip's member list as a workbook's: a content-types part, no repeated or unsafe
    names, no 'zip bomb'. ``where`` starts each message (the file's name)."""
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
            names = {}
            try:
                wb = fromstring(zf.read("xl/workbook.xml"))
                rels = fromstring(zf.read("xl/_rels/workbook.xml.rels"))
                target = {r.get("Id"): r.get("Target", "") for r in rels}
                for sh in wb.iter(f"{_NS_MAIN}sheet"):
                    t = target.get(sh.get(f"{_NS_REL}id"), "").lstrip("/")
                    names["xl/" + t if not t.startswith("xl/") else t] = sh.get("name")
            except Exception:  # noqa: BLE001 - the workbook part itself may be the broken one
                pass
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
