"""The file engine that keeps everything: patch the package, never rebuild it.

openpyxl rebuilds a whole workbook from its object model, so whatever the model lacks
(rich text, protected ranges, sensitivity labels, pinned notes, buttons, x14 drop-downs,
dynamic arrays…) is lost on save. This engine instead opens the ``.xlsx``/``.xlsm`` as a zip
and changes only what cqcxl owns (:mod:`.xlsxpatch` does the surgery):

- the ``s`` attribute of the cells it colours (new cell formats appended to ``styles.xml``,
  cloned from each cell's own format: borders, number format, alignment kept);
- its own notes, merged into the sheet's comments part and legacy VML drawing (the user's
  notes and buttons untouched);
- its own sheets (Summary, Validation, History), written whole from a scratch workbook
  that openpyxl builds — openpyxl serialises cqcxl's parts only, never the user's.

Every other part is copied byte for byte, and after every save that is checked, not
assumed: the new package is compared with the original (every part not owned identical,
every owned part well-formed, every relationship resolving) before it replaces anything.
One writer at a time: a lock file beside the workbook while it is replaced, and a check
that the file did not change since it was read.

Reading goes through :mod:`.fast_reader` (python-calamine, or a pure-Python stream where
the Rust wheel is missing): the same grid openpyxl's reader gives, without openpyxl's full
parse. openpyxl loads the workbook only for Close period (to append to the History sheet).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from openpyxl import Workbook

from ..edits import AppendRows, Edit, ReplaceSheet, SetCellColours, SetNotes
from ..errors import BookError
from ..grid import BookGrid
from . import fast_reader
from . import openpyxl_engine as ox
from . import xlsxpatch as xp
from .base import Report
from .safety import check_file

#: A lock older than this is left over from a crash and is taken over.
STALE_LOCK_S = 600


class PackageBook:
    """A workbook file, read through openpyxl, written by patching its package."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        check_file(self.path)  # BookError, one line, for what is not a workbook
        try:
            self.original = self.path.read_bytes()
        except PermissionError as exc:
            raise BookError(f"{self.path}: cannot open the file ({exc.strerror}). If it is "
                            "open in Excel, close it and try again.") from exc
        self._loaded: ox.LoadedBook | None = None
        self.digest = hashlib.sha256(self.original).hexdigest()
        try:
            self.pkg = xp.Package.open(self.original)
        except xp.XlsxPatchError as exc:
            raise BookError(f"{self.path}: cqcxl cannot edit this workbook safely ({exc}). "
                            "Open it in Excel, save it again as .xlsx, and retry.") from exc
        self.report = Report()

    @property
    def has_vba(self) -> bool:
        return self.pkg.has("xl/vbaProject.bin")

    @property
    def loaded(self) -> ox.LoadedBook:
        """openpyxl's model of the workbook, loaded on first use (Close period only)."""
        if self._loaded is None:
            self._loaded = ox.load(self.path)
        return self._loaded

    def read(self) -> BookGrid:
        return fast_reader.read_book(self.path)

    # --- applying edits ----------------------------------------------------------------------

    def apply(self, edits: Iterable[Edit]) -> Report:
        for e in edits:
            try:
                if isinstance(e, SetCellColours):
                    self._colours(e)
                elif isinstance(e, SetNotes):
                    self._notes(e)
                elif isinstance(e, ReplaceSheet):
                    self._replace(e)
                elif isinstance(e, AppendRows):
                    self._append(e)
                else:  # pragma: no cover - a programming error, not a user's
                    raise TypeError(f"unknown edit {e!r}")
            except xp.XlsxPatchError as exc:
                raise BookError(f"{self.path}: cqcxl cannot edit this workbook safely "
                                f"({exc}); nothing was changed. Open it in Excel, save it "
                                "again, and retry.") from exc
        return self.report

    def _colours(self, edit: SetCellColours) -> None:
        colours: dict[str, tuple[str | None, str | None]] = {
            ref: (c.fill, c.font) for ref, c in edit.cells.items() if c is not None}
        off = [ref for ref, c in edit.cells.items() if c is None]
        if off:
            current = fast_reader.fills(self.original, edit.sheet, off)
            for ref in off:
                if edit.is_removable(current.get(ref, "")):  # only a colour cqcxl put there
                    colours[ref] = (None, None)
        self.pkg.set_cell_colours(edit.sheet, colours)

    def _notes(self, edit: SetNotes) -> None:
        self.pkg.set_notes(edit.sheet, {ref: n.text for ref, n in edit.notes.items()},
                           author=edit.author,
                           size={ref: (n.width_pt, n.height_pt) for ref, n in edit.notes.items()},
                           fill=next((n.fill for n in edit.notes.values() if n.fill), None))

    def _replace(self, edit: ReplaceSheet) -> None:
        scratch = Workbook()
        first = scratch.active
        ox.write_sheet(scratch, edit.spec)
        scratch.remove(first)
        buf = io.BytesIO()
        scratch.save(buf)
        self.pkg.put_sheet(edit.spec.name, edit.spec.position, buf.getvalue(),
                           activate=edit.spec.activate)

    def _append(self, edit: AppendRows) -> None:
        """History is cqcxl's sheet: append to it in openpyxl's model of the workbook and
        transplant that one sheet (a full openpyxl save of a scratch copy: Close period runs
        once a quarter)."""
        ox.apply(self.loaded, [edit])
        buf = io.BytesIO()
        try:
            self.loaded.wb.save(buf)
        except Exception as exc:  # openpyxl could not serialise the scratch copy
            raise BookError(f"{self.path}: the History sheet could not be written "
                            f"({type(exc).__name__}); nothing was changed. Open the workbook "
                            "in Excel, save it again, and retry.") from exc
        self.pkg.put_sheet(edit.sheet, None, buf.getvalue(), activate=False)

    # --- saving --------------------------------------------------------------------------------

    def save(self, target: str | os.PathLike, *, backup: bool = False) -> Path:
        """Write the patched package to ``target`` atomically, after checking it: refuse
        (the original untouched) when a part cqcxl does not own would change."""
        out = Path(target)
        if out.is_symlink():
            out = Path(os.path.realpath(out))  # write the file the link points at; keep the link
        if out.is_dir():
            raise BookError(f"{target}: this is a folder; give a file name ending .xlsx.")
        folder = out.parent.resolve()
        if not folder.is_dir():
            raise BookError(f"{target}: the folder {folder} does not exist. Create it first, "
                            "or give another folder.")
        if out.exists() and (lock := ox.lock_file(out)) is not None:
            raise BookError(f"{out}: the workbook is open in Excel (lock file {lock.name}). "
                            "Close the workbook in Excel and try again.")
        data = self.pkg.to_bytes()
        problems = xp.verify(self.original, data, self.pkg.owned())
        if problems:
            raise BookError(f"{self.path}: cqcxl stopped before saving, because the result "
                            f"would change something of yours ({problems[0]}). Nothing was "
                            "changed. Please report this with the workbook.")
        with _Lock(out):
            if out.resolve() == self.path.resolve() and self._changed():
                raise BookError(f"{out}: the workbook changed while cqcxl was working (someone "
                                "saved it, or another cqcxl job ran). Nothing was written; "
                                "run the job again.")
            try:
                fd, tmp = tempfile.mkstemp(prefix=".cqcxl-", suffix=out.suffix or ".xlsx",
                                           dir=folder)
            except PermissionError as exc:
                raise BookError(f"{out}: cannot write in the folder {folder} ({exc.strerror})."
                                " Choose a folder you can write to.") from exc
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                mode = out.stat().st_mode & 0o777 if out.exists() else 0o666 & ~ox._umask()
                os.chmod(tmp, mode)
                if backup and out.exists():
                    ox._copy(out, out.with_name(out.stem + ".bak" + out.suffix))
                os.replace(tmp, out)
            except PermissionError as exc:
                ox._remove(tmp)
                raise BookError(f"{out}: cannot write the file ({exc.strerror}). If it is "
                                "open, close the workbook in Excel and try again.") from exc
            except OSError as exc:
                ox._remove(tmp)
                raise BookError(f"{out}: the file could not be saved ({exc.strerror or exc});"
                                " the original is unchanged. Free some disk space and try "
                                "again.") from exc
            except BaseException:
                ox._remove(tmp)
                raise
        ox.fsync_dir(folder)
        return out

    def _changed(self) -> bool:
        try:
            now = self.path.read_bytes()
        except OSError:
            return True
        return hashlib.sha256(now).hexdigest() != self.digest


class _Lock:
    """``~cqcxl-NAME.lock`` beside the workbook, created with O_EXCL: one writer at a time."""

    def __init__(self, target: Path) -> None:
        self.path = target.with_name(f".~cqcxl-{target.name}.lock")

    def __enter__(self) -> _Lock:
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                try:
                    age = time.time() - self.path.stat().st_mtime
                except OSError:
                    continue
                if age > STALE_LOCK_S:
                    self.path.unlink(missing_ok=True)
                    continue
                raise BookError(f"{self.path.parent / self.path.name[8:-5]}: another cqcxl "
                                "job is saving this workbook right now. Wait a moment and "
                                "run the job again.") from None
            except PermissionError as exc:
                raise BookError(f"{self.path.parent}: cannot write in this folder "
                                f"({exc.strerror}). Choose a folder you can write to.") from exc
            with os.fdopen(fd, "w") as fh:
                fh.write(f"{os.getpid()}\n")
            return self
        raise BookError(f"{self.path}: could not take the lock; run the job again.")

    def __exit__(self, *exc) -> None:
        self.path.unlink(missing_ok=True)
