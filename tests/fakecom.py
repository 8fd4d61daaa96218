"""A fake Excel COM object model that xlwings' real Windows engine can drive on Linux.

Why: cqcxl's live-Excel code runs on desktop Excel through ``xlwings._xlwindows``, which
talks to Excel's COM object model through pywin32. Neither exists on Linux, and xlwings'
remote engine (the other test route) differs: it has ``freeze_panes`` (Windows has not), its
notes have no author, it cannot read fills back. This module stubs pywin32 (and ctypes'
``windll``/``oledll``) while it imports the *unmodified* ``xlwings._xlwindows`` fresh, makes
it xlwings' active engine as on Windows, and hands it fake Excel objects that keep what a
user would see (values, fills, fonts, notes, charts, panes, page set-up) and count every
COM round trip. Anything not modelled raises :class:`MissingMember` (an ``AttributeError``
and a ``pywintypes.com_error``, naming the class and member): never a silent dummy.

Getting an ``xw.Book`` on the fake (what :meth:`WindowsEngine.book` does)::

    with windows_engine() as win:                 # stubs in, xlwings._xlwindows fresh
        excel = FakeExcel(user_name="Jane Doe")   # the Application object
        wb = load_workbook(excel, openpyxl_wb, "plan.xlsx")
        xlwin = win.xlwindows                      # the imported engine module
        book = xw.Book(impl=xlwin.Book(xl=xlwin.COMRetryObjectWrapper(wb)))
        app = xw.App(impl=xlwin.App(xl=xlwin.COMRetryObjectWrapper(excel)))
        with win.run_python(wb):                   # sys.argv as RunPython sets it:
            xw.Book.caller()                       # found through the window handle

``win.book(wb)`` / ``win.app(excel)`` do exactly the two lines above. ``win.platform_win32()``
sets ``sys.platform`` to "win32" for a block (xlwings and code under test branch on it);
``run_python`` includes it. Use the pytest fixture ``fake_windows`` or the context manager.

Inspecting: ``view(wb)`` (plain data, see its docstring); ``excel.calls`` (a Counter keyed
``"Class.Member"`` for a get or a call, ``"Class.Member="`` for a put, ``"Class._NewEnum"`` /
``"Class.Next"`` for iteration), ``excel.total_calls``, ``excel.reset_calls()``,
``with excel.trace() as where:`` (the same calls keyed by the code under test's functions
on the stack; ``calls_under(where, "WindowsBook.notes")``);
``excel.alerts`` (message boxes and Excel's own prompts); ``excel.saved``.

VBA: a workbook has the VBA procedures of its modules (read from an ``.xlsm`` loaded with
openpyxl's ``keep_vba=True``, or given as ``load_workbook(..., vba={module: source})``;
``wb.vba``). ``Application.Run("'Book.xlsm'!Module.Proc", *args)`` runs one as Excel would,
as ONE counted call: the fake cannot run VBA, so a procedure runs through its Python model
(:data:`VBA_MODELS`, e.g. ``CqcxlApply`` of ``macros/cqcxl_batch.bas``) against the same
fake objects, uncounted (in-process work is no round trip); one with no model fails loudly.
An unknown name, or a workbook with ``macros_enabled = False``, raises Excel's "Cannot run
the macro" error.

Desktop semantics modelled on purpose: numbers come back as floats, dates as tz-aware
``pywintypes`` datetimes, one cell as a scalar, a block as a tuple of tuples; a string written
through ``Value`` is parsed as if typed ("007" -> 7.0, "TRUE" -> True, "Dec 18" -> 18 Dec of
the current year, "Dec 32" -> 1 Dec 1932 (Microsoft KB 214327), "1/2/2018" month-first,
"#N/A" -> an error) unless the cell's format is "@" or the text starts with an apostrophe;
a note's author is ``Application.UserName`` whatever the caller meant; ``Sheets.Add()`` with
no argument inserts before the active sheet; ``Range.AutoFilter()`` toggles; a range address
over 255 characters fails; ``FreezePanes = True`` freezes above/left of the active cell
(relative to the scroll position, the middle of the window when A1 is active).
Not modelled (approximations): formula evaluation (a formula's value is its text, except
``HYPERLINK`` -> its label), times typed as text, theme-colour tints in charts, chart
titles Excel adds by itself, shape ids ("Chart N" counts per sheet).
"""

from __future__ import annotations

import atexit
import colorsys
import contextlib
import ctypes
import datetime as dt
import importlib
import itertools
import re
import sys
import types
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import Any, ClassVar

import pytest

# --- pywin32 stand-ins ----------------------------------------------------------------------

DISP_E_EXCEPTION = -2147352567
DISP_E_UNKNOWNNAME = -2147352570
DISP_E_BADINDEX = -2147352565
DISP_E_TYPEMISMATCH = -2147352571
RPC_E_CALL_REJECTED = -2147418111
XL_1004 = -2146827284  # 0x800A03EC: Excel's run-time error 1004

MAX_ROW, MAX_COL = 1_048_576, 16_384
XL_NONE = -4142  # xlNone / xlColorIndexNone / xlLineStyleNone
CELL_ERRORS = {"#DIV/0!": -2146826281, "#N/A": -2146826246, "#NAME?": -2146826259,
               "#NULL!": -2146826288, "#NUM!": -2146826252, "#REF!": -2146826265,
               "#VALUE!": -2146826273}
_MISSING = object()
_MIXED = object()  # a format the cells of a range do not share (COM answers None)


class com_error(Exception):  # pywintypes' name
    """pywintypes.com_error: ``args == (hresult, strerror, excepinfo, argerror)``."""

    def __init__(self, hresult: int | None = None, strerror: str | None = None,
                 excepinfo: tuple | None = None, argerror: int | None = None) -> None:
        super().__init__(hresult, strerror, excepinfo, argerror)
        self.hresult, self.strerror, self.excepinfo, self.argerror = (
            hresult, strerror, excepinfo, argerror)


class WinError(Exception):
    """pywintypes.error (winerror, funcname, strerror)."""


class MissingMember(com_error, AttributeError):
    """A COM member the fake does not model: loud, and caught like the real failure
    (``except pywintypes.com_error`` as well as ``except AttributeError``)."""

    def __init__(self, cls: str, name: str, put: bool = False) -> None:
        text = f"fakecom: {cls}.{name} is not modelled" + (" (property put)" if put else "")
        com_error.__init__(self, DISP_E_UNKNOWNNAME, "Unknown name.",
                           (0, None, text, None, 0, DISP_E_UNKNOWNNAME), None)
        self.name = name

    def __str__(self) -> str:
        return self.excepinfo[2]


class FakeBug(RuntimeError):
    """An AttributeError inside the fake itself: re-raised as this so that xlwings' retry
    loop (which retries AttributeError forever) cannot hang a test."""


def xl_error(text: str, hresult: int = DISP_E_EXCEPTION) -> com_error:
    """The com_error Excel raises for run-time error 1004 (never retried by xlwings)."""
    return com_error(hresult, "Exception occurred.",
                     (0, "Microsoft Excel", text, "xlmain11.chm", 0, XL_1004), None)


class ComTime(dt.datetime):
    """pywintypes.TimeType: COM dates arrive as tz-aware (UTC) datetimes of this type."""

    def Format(self, fmt: str = "%c") -> str:
        return self.strftime(fmt)


class CDispatch:
    """win32com.client.CDispatch: every fake COM object derives from it, so xlwings'
    COMRetryObjectWrapper wraps what the fakes return exactly as it wraps pywin32's."""


class DispatchBaseClass:
    pass


class CoClassBaseClass:
    pass


class _TimeZoneInfo:
    @staticmethod
    def utc() -> dt.tzinfo:
        return dt.UTC


_APPS: weakref.WeakValueDictionary[int, FakeExcel] = weakref.WeakValueDictionary()
_HWNDS = itertools.count(0x10010, 0x10)  # app h; its XLDESK child h+1; EXCEL7 h+2
_ZORDER: list[int] = []  # top-level windows, topmost first
_FOREGROUND = [0]


def _zorder() -> list[int]:
    _ZORDER[:] = [h for h in _ZORDER if h in _APPS]
    return _ZORDER


def _message_box(hwnd: int, text: str, caption: str, style: int) -> int:
    app = _APPS.get(hwnd)
    if app is None:
        raise WinError(1400, "MessageBox", "Invalid window handle.")
    return app._message_box(text, caption, style)


def _find_window_ex(parent: int, after: int, cls: str, title: str | None) -> int:
    for h, app in list(_APPS.items()):
        if cls == "XLDESK" and parent == h:
            return h + 1
        if cls == "EXCEL7" and parent == h + 1 and app._active_book is not None:
            return h + 2
    return 0


def _thread_process_id(hwnd: int) -> tuple[int, int]:
    app = _APPS.get(hwnd)
    if app is None:
        raise WinError(1400, "GetWindowThreadProcessId", "Invalid window handle.")
    return 1, app.pid


def _dispatch(obj: Any, *args: Any, **kwargs: Any) -> Any:
    if isinstance(obj, _Com):
        return obj
    raise com_error(-2147221005, "Invalid class string", None, None)


def _dispatch_ex(progid: str, *args: Any, **kwargs: Any) -> Any:
    raise xl_error(f"fakecom: starting {progid} is not modelled; create FakeExcel() and use "
                   "WindowsEngine.app(excel)")


def _object_from_iunknown(ptr: ctypes.c_void_p, riid: Any, addref: bool) -> Any:
    """What pythoncom makes of the IDispatch behind an EXCEL7 window: a Window object."""
    app = _APPS[(ptr.value or 0) - 2]
    return FakeWindow(app._active_book)


class _User32:
    """Z-order of the fake Excel windows, for ``xw.apps`` and ``App.activate``."""

    def GetTopWindow(self, hwnd: Any) -> int:
        return next(iter(_zorder()), 0)

    def GetWindow(self, hwnd: int, cmd: int) -> int:  # cmd 2: GW_HWNDNEXT
        z = _zorder()
        return z[z.index(hwnd) + 1] if hwnd in z and z.index(hwnd) + 1 < len(z) else 0

    def GetForegroundWindow(self) -> int:
        return _FOREGROUND[0] if _FOREGROUND[0] in _APPS else 0

    def SetForegroundWindow(self, hwnd: int) -> int:
        self.SetWindowPos(hwnd, 0)
        _FOREGROUND[0] = hwnd
        return 1

    def SetWindowPos(self, hwnd: int, after: int, *args: Any) -> int:
        z = _zorder()
        if hwnd in z:
            z.remove(hwnd)
            z.insert(z.index(after) + 1 if after in z else 0, hwnd)  # 0: HWND_TOP
        return 1


class _Ole32:
    def CLSIDFromString(self, text: str, ref: Any) -> int:
        return 0


class _OleAcc:
    def AccessibleObjectFromWindow(self, hwnd: int, objid: int, riid: Any, ppv: Any) -> int:
        if hwnd - 2 not in _APPS:
            raise OSError(-2147467259, "Unspecified error")  # oledll raises on a failed HRESULT
        ppv._obj.value = hwnd
        return 0


class _Dlls:
    def __init__(self, **dlls: Any) -> None:
        self.__dict__.update(dlls)


class _PyDll:
    """ctypes.PyDLL(pythoncom.__file__): only its PyCom_PyObjectFromIUnknown is used."""

    def __init__(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.PyCom_PyObjectFromIUnknown = _object_from_iunknown


class _StubModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"fakecom: {self.__name__}.{name} is not modelled")


def _module(name: str, **attrs: Any) -> types.ModuleType:
    m = _StubModule(name)
    m.__dict__.update(attrs)
    return m


def _stub_modules() -> dict[str, types.ModuleType]:
    dynamic = _module("win32com.client.dynamic", CDispatch=CDispatch, Dispatch=_dispatch)
    gencache = _module("win32com.client.gencache")
    client = _module("win32com.client", __path__=[], CDispatch=CDispatch, Dispatch=_dispatch,
                     CoClassBaseClass=CoClassBaseClass, DispatchBaseClass=DispatchBaseClass,
                     DispatchEx=_dispatch_ex, dynamic=dynamic, gencache=gencache)
    mods = [
        _module("pywintypes", com_error=com_error, error=WinError, TimeType=ComTime,
                datetime=ComTime, IID=lambda s: s.upper()),
        _module("pythoncom", __file__="pythoncom311.dll", com_error=com_error,
                ole_error=com_error, CoInitialize=lambda: None, CoUninitialize=lambda: None),
        _module("win32api", MessageBox=_message_box),
        _module("win32con", MB_OK=0, MB_OKCANCEL=1, MB_YESNOCANCEL=3, MB_YESNO=4,
                MB_ICONERROR=0x10, MB_ICONQUESTION=0x20, MB_ICONWARNING=0x30,
                MB_ICONINFORMATION=0x40),
        _module("win32gui", FindWindowEx=_find_window_ex),
        _module("win32process", GetWindowThreadProcessId=_thread_process_id),
        _module("win32timezone", TimeZoneInfo=_TimeZoneInfo),
        _module("win32com", __path__=[], client=client), client, dynamic, gencache,
    ]
    return {m.__name__: m for m in mods}


STUBBED = tuple(_stub_modules())


@contextlib.contextmanager
def _windows_ctypes() -> Iterator[None]:
    """ctypes as on Windows (oledll, windll, PyDLL on pythoncom) while the engine imports."""
    names = ("PyDLL", "oledll", "windll")
    saved = {n: ctypes.__dict__.get(n, _MISSING) for n in names}
    ctypes.PyDLL = _PyDll  # type: ignore[misc]
    ctypes.oledll = _Dlls(ole32=_Ole32(), oleacc=_OleAcc())  # type: ignore[attr-defined]
    ctypes.windll = _Dlls(user32=_User32())  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for n, v in saved.items():
            if v is _MISSING:
                delattr(ctypes, n)
            else:
                setattr(ctypes, n, v)


class WindowsEngine:
    """The freshly imported ``xlwings._xlwindows`` (``.xlwindows``) and xw objects on fakes."""

    def __init__(self, module: types.ModuleType) -> None:
        self.xlwindows = module

    def wrap(self, fake: _Com) -> Any:
        return self.xlwindows.COMRetryObjectWrapper(fake)

    def app(self, excel: FakeExcel) -> Any:
        import xlwings as xw
        return xw.App(impl=self.xlwindows.App(xl=self.wrap(excel)))

    def book(self, wb: FakeWorkbook) -> Any:
        import xlwings as xw
        return xw.Book(impl=self.xlwindows.Book(xl=self.wrap(wb)))

    @contextlib.contextmanager
    def platform_win32(self) -> Iterator[None]:
        """``sys.platform == "win32"`` for the block: xlwings (``Book.caller``) and code under
        test (``sys.platform.startswith("win")``) branch on it at call time. Global while it
        lasts: keep the block to the call under test."""
        saved = sys.platform
        sys.platform = "win32"
        try:
            yield
        finally:
            sys.platform = saved

    @contextlib.contextmanager
    def run_python(self, wb: FakeWorkbook) -> Iterator[None]:
        """As xlwings' RunPython calls Python for ``wb``: ``sys.argv`` holds ``--wb=
        --from_xl=1 --hwnd=``, no mock caller, ``sys.platform == "win32"`` (see
        :meth:`platform_win32`). ``xw.Book.caller()`` then takes the real desktop route
        (window handle -> EXCEL7 window -> Application -> Workbooks(name))."""
        import xlwings as xw
        argv, mock = sys.argv, xw.Book.__dict__.get("_mock_caller", _MISSING)
        app = wb._app
        sys.argv = [argv[0], f"--wb={wb._name}", "--from_xl=1",
                    f"--app={app._path}\\EXCEL.EXE", f"--hwnd={app.hwnd}"]
        if mock is not _MISSING:
            del xw.Book._mock_caller
        try:
            with self.platform_win32():
                yield
        finally:
            sys.argv = argv
            if mock is not _MISSING:
                xw.Book._mock_caller = mock


@contextlib.contextmanager
def windows_engine() -> Iterator[WindowsEngine]:
    """Stub pywin32, import ``xlwings._xlwindows`` fresh and make it the active engine, as
    ``import xlwings`` does on Windows (``xw.apps``, ``Book.activate`` need it). Afterwards
    ``sys.modules``, ctypes, ``xw.engines`` and the ``xlwings`` package (``_xlwindows``,
    ``Book._mock_caller``) are as before, and fake Excels made inside are unregistered."""
    import xlwings
    from xlwings.main import Engine, engines
    saved_engines = (list(engines.engines), dict(engines.engines_by_name), engines.active)
    apps_before = set(_APPS)
    engine_mods = ("xlwings._xlwindows", "xlwings._win32patch")
    saved_mods = {n: sys.modules.get(n, _MISSING) for n in STUBBED + engine_mods}
    saved_attrs = {a: xlwings.__dict__.get(a, _MISSING) for a in ("_xlwindows", "_win32patch")}
    saved_mock = xlwings.Book.__dict__.get("_mock_caller", _MISSING)
    module = None
    try:
        for n in engine_mods:
            sys.modules.pop(n, None)
        sys.modules.update(_stub_modules())
        with _windows_ctypes():
            module = importlib.import_module("xlwings._xlwindows")
        module.WindowsError = OSError  # a builtin on Windows, named in except clauses
        engine = Engine(impl=module.engine)
        engines.add(engine)
        engines.active = engine
        yield WindowsEngine(module)
    finally:
        engines.engines[:], engines.engines_by_name = saved_engines[0], saved_engines[1]
        engines.active = saved_engines[2]
        for h in set(_APPS) - apps_before:
            del _APPS[h]
        if module is not None:
            atexit.unregister(module.cleanup)
        for n, m in saved_mods.items():
            if m is _MISSING:
                sys.modules.pop(n, None)
            else:
                sys.modules[n] = m
        for a, v in saved_attrs.items():
            if v is _MISSING:
                xlwings.__dict__.pop(a, None)
            else:
                setattr(xlwings, a, v)
        if saved_mock is not _MISSING:
            xlwings.Book._mock_caller = saved_mock
        elif "_mock_caller" in xlwings.Book.__dict__:
            del xlwings.Book._mock_caller


@pytest.fixture
def fake_windows() -> Iterator[WindowsEngine]:
    """pytest fixture around :func:`windows_engine`."""
    with windows_engine() as win:
        yield win


# --- the counting COM base ------------------------------------------------------------------

@cache
def _member(cls: type, name: str) -> Any:
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
    return None


def _unwrap(v: Any) -> Any:
    if isinstance(v, (str, int, float, tuple, list, dt.date, type(None))):
        return v
    ole = getattr(v, "_oleobj_", None)  # what pywin32 marshals: COMRetryObjectWrapper too
    return ole.fake if isinstance(ole, _OleObj) else v


def _guard(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except MissingMember:
        raise
    except AttributeError as exc:
        raise FakeBug(f"fakecom bug in {getattr(fn, '__qualname__', fn)}: {exc}") from exc


class _OleObj:
    """``obj._oleobj_``: the PyIDispatch that pywin32 marshals and xlwings probes."""

    def __init__(self, fake: _Com) -> None:
        self.fake = fake

    def GetIDsOfNames(self, lcid: int, *names: str) -> int:
        for n in names:
            if _member(type(self.fake), n) is None:
                raise MissingMember(type(self.fake)._com, n)
        return 1

    def GetTypeInfo(self) -> Any:
        iid = "{00020846-0000-0000-C000-000000000046}" if isinstance(
            self.fake, FakeRange) else "{00000000-0000-0000-0000-000000000000}"
        attr = types.SimpleNamespace(iid=iid)
        return types.SimpleNamespace(GetTypeAttr=lambda: attr)


class _Com(CDispatch):
    """Members named with a capital letter are COM members: a property get/put or a method
    call counts one round trip; any other capitalised name raises MissingMember. Lower-case
    and underscore names are the fixture's own (not COM, not counted)."""

    _com: ClassVar[str] = "Object"

    def __init__(self, app: FakeExcel) -> None:
        self._app = app

    @property
    def _oleobj_(self) -> _OleObj:
        return _OleObj(self)

    def __getattribute__(self, name: str) -> Any:
        if not name[:1].isupper():
            return object.__getattribute__(self, name)
        cls = type(self)
        member = _member(cls, name)
        if member is None:
            raise MissingMember(cls._com, name)
        app = object.__getattribute__(self, "_app")
        key = f"{cls._com}.{name}"
        if isinstance(member, property):
            app._tick(key)
            return _guard(member.fget, self)

        def call(this: _Com, *args: Any, **kwargs: Any) -> Any:
            app._tick(key)
            return _guard(member, this, *map(_unwrap, args),
                          **{k: _unwrap(v) for k, v in kwargs.items()})
        return types.MethodType(call, self)

    def __getattr__(self, name: str) -> Any:
        raise MissingMember(type(self)._com, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if not name[:1].isupper():
            object.__setattr__(self, name, value)
            return
        cls = type(self)
        member = _member(cls, name)
        if not isinstance(member, property):
            raise MissingMember(cls._com, name, put=True)
        if member.fset is None:
            raise xl_error(f"Unable to set the {name} property of the {cls._com} class")
        self._app._tick(f"{cls._com}.{name}=")
        _guard(member.fset, self, _unwrap(value))

    def __repr__(self) -> str:
        return f"<fake {type(self)._com}>"

    @property
    def Application(self) -> FakeExcel:
        return self._app


class _Collection(_Com):
    """Count, Item (also as the default member: ``coll(i)``) and iteration."""

    def _items(self) -> list[Any]:
        raise NotImplementedError

    def _key(self, item: Any) -> str:
        return getattr(item, "_name", "")

    @property
    def Count(self) -> int:
        return len(self._items())

    def Item(self, Index: int | str) -> Any:
        items = self._items()
        if isinstance(Index, str):
            for it in items:
                if self._key(it).casefold() == Index.casefold():
                    return it
        elif isinstance(Index, (int, float)) and 1 <= Index <= len(items):
            return items[int(Index) - 1]
        raise com_error(DISP_E_BADINDEX, "Invalid index.", None, None)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.Item(*args, **kwargs)

    def __iter__(self) -> Iterator[Any]:
        """As pywin32 iterates: ``_NewEnum``, then ``IEnumVARIANT.Next(1)`` per item and one
        more that comes back empty (each a round trip)."""
        com = type(self)._com
        self._app._tick(f"{com}._NewEnum")
        for it in self._items():
            self._app._tick(f"{com}.Next")
            yield it
        self._app._tick(f"{com}.Next")


# --- addresses --------------------------------------------------------------------------------

Area = tuple[int, int, int, int]  # r1, c1, r2, c2


def col_letter(c: int) -> str:
    s = ""
    while c:
        c, rem = divmod(c - 1, 26)
        s = chr(65 + rem) + s
    return s


def col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def a1(r: int, c: int) -> str:
    return f"{col_letter(c)}{r}"


_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_COLS = re.compile(r"^\$?([A-Za-z]{1,3}):\$?([A-Za-z]{1,3})$")
_ROWS = re.compile(r"^\$?(\d+):\$?(\d+)$")


def parse_area(text: str) -> Area | None:
    """'A1', '$A$1:B2', 'A:C', '3:5' -> (r1, c1, r2, c2); None if not an address."""
    a, _, b = text.strip().partition(":")
    m1, m2 = _CELL.match(a), _CELL.match(b) if b else None
    if m1 and (m2 or not b):
        r1, c1 = int(m1[2]), col_number(m1[1])
        r2, c2 = (int(m2[2]), col_number(m2[1])) if m2 else (r1, c1)
        area = (min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))
    elif m := _COLS.match(text.strip()):
        c1, c2 = sorted((col_number(m[1]), col_number(m[2])))
        area = (1, c1, MAX_ROW, c2)
    elif m := _ROWS.match(text.strip()):
        r1, r2 = sorted((int(m[1]), int(m[2])))
        area = (r1, 1, r2, MAX_COL)
    else:
        return None
    ok = 1 <= area[0] <= area[2] <= MAX_ROW and 1 <= area[1] <= area[3] <= MAX_COL
    return area if ok else None


def area_address(area: Area, row_abs: bool = True, col_abs: bool = True) -> str:
    r1, c1, r2, c2 = area
    rd, cd = "$" if row_abs else "", "$" if col_abs else ""
    if r1 == 1 and r2 == MAX_ROW:
        return f"{cd}{col_letter(c1)}:{cd}{col_letter(c2)}"
    if c1 == 1 and c2 == MAX_COL:
        return f"{rd}{r1}:{rd}{r2}"
    first = f"{cd}{col_letter(c1)}{rd}{r1}"
    return first if (r1, c1) == (r2, c2) else f"{first}:{cd}{col_letter(c2)}{rd}{r2}"


def _plain(name: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name)) and not _CELL.match(name)


def quote_sheet(name: str, book: str | None = None) -> str:
    """How Excel writes a sheet (of a book) before '!': quoted only when a name needs it."""
    text = name if book is None else f"[{book}]{name}"
    plain = _plain(name) and (book is None or _plain(book))
    return text if plain else "'" + text.replace("'", "''") + "'"


def _split_sheet(text: str) -> tuple[str | None, str]:
    if "!" not in text:
        return None, text
    sheet, _, ref = text.rpartition("!")
    sheet = sheet.strip()
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, ref


# --- text typed into a cell ---------------------------------------------------------------------

_MONTHS = {m: i for i, m in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
# a mantissa (digits, or digits after a point) before any exponent: "E1" is text, "1E1" is 10
_NUMBER = re.compile(r"^[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def _year(y: str) -> int:
    n = int(y)
    return n if len(y) == 4 else (2000 + n if n < 30 else 1900 + n)


def _month(name: str) -> int | None:
    m = _MONTHS.get(name[:3].lower())
    full = dt.date(2000, m, 1).strftime("%B").lower() if m else ""
    return m if m and (len(name) == 3 or full.startswith(name.lower())) else None


def _date(y: int, m: int, d: int) -> dt.datetime | None:
    try:
        return dt.datetime(y, m, d)
    except ValueError:
        return None


def typed_value(text: str, today: dt.date, month_first: bool = True) -> tuple[Any, str | None]:
    """What Excel stores for ``text`` written through Range.Value, and the number format it
    applies to a General cell: (value, format or None)."""
    t = text.strip()
    if not t:
        return text, None
    if t.upper() in ("TRUE", "FALSE"):
        return t.upper() == "TRUE", None
    if t.upper() in CELL_ERRORS:
        return XlError(t.upper()), None
    if _NUMBER.match(t) and any(ch.isdigit() for ch in t):
        return float(t.replace(",", "")), ("#,##0" if "," in t else None)
    if t.endswith("%") and _NUMBER.match(t[:-1].strip()) and any(ch.isdigit() for ch in t):
        return float(t[:-1].replace(",", "")) / 100, "0%"
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", t):
        d = _date(int(m[1]), int(m[2]), int(m[3]))
        return (d, "yyyy-mm-dd") if d else (text, None)
    if m := re.fullmatch(r"(\d{1,2})[/-](\d{1,2})(?:[/-](\d{2}|\d{4}))?", t):
        a, b = int(m[1]), int(m[2])
        y = _year(m[3]) if m[3] else today.year
        d = (_date(y, a, b) or _date(y, b, a)) if month_first else (
            _date(y, b, a) or _date(y, a, b))
        return (d, "m/d/yyyy" if m[3] else "d-mmm") if d else (text, None)
    if m := re.fullmatch(r"(\d{1,2})[- ]([A-Za-z]{3,9})(?:[- ,]+(\d{2}|\d{4}))?", t):
        mon = _month(m[2])
        d = _date(_year(m[3]) if m[3] else today.year, mon, int(m[1])) if mon else None
        return (d, "d-mmm-yy" if m[3] else "d-mmm") if d else (text, None)
    if m := re.fullmatch(r"([A-Za-z]{3,9})[- ](\d{1,2}|\d{4})", t):
        mon = _month(m[1])
        if mon is None:
            return text, None
        day = _date(today.year, mon, int(m[2])) if len(m[2]) <= 2 else None
        return (day, "d-mmm") if day else (_date(_year(m[2]), mon, 1), "mmm-yy")
    return text, None


class XlError(str):
    """A cell error value (#N/A...): COM hands it over as an int code."""


def serial(d: dt.datetime) -> float:
    delta = d - dt.datetime(1899, 12, 30)
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000


# --- Application, workbooks, windows ------------------------------------------------------------

def calls_under(where: Counter[tuple[str, ...]], qualname: str) -> int:
    """Round trips made inside ``qualname`` (a function of the traced package, e.g.
    ``"WindowsBook.notes"``), from :meth:`FakeExcel.trace`'s counter."""
    return sum(n for chain, n in where.items() if qualname in chain)


_BUTTONS = {0: "ok", 1: "ok_cancel", 3: "yes_no_cancel", 4: "yes_no"}
_ICONS = {0x10: "critical", 0x20: "question", 0x30: "warning", 0x40: "info"}
_ANSWERS = {"ok": 1, "cancel": 2, "yes": 6, "no": 7}


class FakeExcel(_Com):
    """Excel's Application object, and the test harness (lower-case members)."""

    _com = "Application"

    def __init__(self, user_name: str = "Excel User", today: dt.date | None = None,
                 month_first: bool = True, parse_text: bool = True,
                 version: str = "16.0") -> None:
        self._app = self
        self.calls: Counter[str] = Counter()
        self.alerts: list[dict[str, Any]] = []
        self.answers: list[str] = []  # next message-box answers ("ok", "cancel", "yes", "no")
        self.macros: dict[str, Callable[..., Any]] = {}
        self.saved: list[str] = []
        self.user_name, self.today = user_name, today or dt.date.today()
        self.month_first, self.parse_text, self.version = month_first, parse_text, version
        self._books: list[FakeWorkbook] = []
        self._active_book: FakeWorkbook | None = None
        self._trace: tuple[str, Counter[tuple[str, ...]]] | None = None
        self._busy = 0
        self._inside = 0  # > 0 while a VBA procedure's model runs (in-process: not counted)
        self._path = r"C:\Program Files\Microsoft Office\root\Office16"
        self._state: dict[str, Any] = {"ScreenUpdating": True, "DisplayAlerts": True,
                                       "EnableEvents": True, "Interactive": True,
                                       "Visible": True, "Calculation": -4105,
                                       "StatusBar": False, "PrintCommunication": True}
        self.hwnd = next(_HWNDS)
        self.pid = 4000 + self.hwnd % 1000
        _APPS[self.hwnd] = self
        _ZORDER.insert(0, self.hwnd)  # a new Excel window comes up on top

    # harness ---------------------------------------------------------------------------------
    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def reset_calls(self) -> None:
        self.calls.clear()

    @contextlib.contextmanager
    def trace(self, package: str = "cqcxl") -> Iterator[Counter[tuple[str, ...]]]:
        """Where the round trips come from, while the block runs: a Counter keyed by the
        chain of ``package``'s functions on the stack at each call (outermost first, as
        ``qualname``s). Sum it for one function with :func:`calls_under`."""
        where: Counter[tuple[str, ...]] = Counter()
        self._trace = (package, where)
        try:
            yield where
        finally:
            self._trace = None

    def busy(self, n: int) -> None:
        """Reject the next ``n`` COM calls with RPC_E_CALL_REJECTED (Excel busy)."""
        self._busy = n

    @contextlib.contextmanager
    def in_process(self) -> Iterator[None]:
        """A block of work done inside Excel (a VBA procedure's model): its object-model
        calls are no round trips, so they are neither counted nor rejected as busy."""
        self._inside += 1
        try:
            yield
        finally:
            self._inside -= 1

    def _tick(self, key: str) -> None:
        if self._inside:
            return
        self.calls[key] += 1
        if self._trace is not None:
            package, where = self._trace
            chain = []
            frame = sys._getframe(1)
            while frame is not None:
                if frame.f_globals.get("__name__", "").startswith(package):
                    chain.append(frame.f_code.co_qualname)
                frame = frame.f_back
            where[tuple(reversed(chain))] += 1
        if self._busy:
            self._busy -= 1
            raise com_error(RPC_E_CALL_REJECTED, "Call was rejected by callee.", None, None)

    def _alert(self, kind: str, text: str, **kw: Any) -> None:
        self.alerts.append({"kind": kind, "text": text, **kw})

    def _message_box(self, text: str, caption: str, style: int) -> int:
        self.calls["win32api.MessageBox"] += 1
        buttons = _BUTTONS[style & 0xF]
        answer = self.answers.pop(0) if self.answers else buttons.split("_")[0]
        self._alert("msgbox", text, title=caption, buttons=buttons,
                    icon=_ICONS.get(style & 0xF0), answer=answer)
        return _ANSWERS[answer]

    def add_workbook(self, name: str | None = None, path: str = "") -> FakeWorkbook:
        wb = FakeWorkbook(self, name or f"Book{len(self._books) + 1}", path)
        self._books.append(wb)
        self._active_book = wb
        return wb

    # COM ---------------------------------------------------------------------------------------
    def _flag(name: str, check: Callable[[Any], bool] = lambda v: True) -> property:
        def get(self: FakeExcel) -> Any:
            return self._state[name]

        def put(self: FakeExcel, v: Any) -> None:
            if not check(v):
                raise xl_error(f"Unable to set the {name} property of the Application class")
            self._state[name] = v
        return property(get, put)

    ScreenUpdating = _flag("ScreenUpdating")
    DisplayAlerts = _flag("DisplayAlerts")
    EnableEvents = _flag("EnableEvents")
    Interactive = _flag("Interactive")
    Visible = _flag("Visible")
    StatusBar = _flag("StatusBar")
    PrintCommunication = _flag("PrintCommunication", lambda v: v in (True, False))
    Calculation = _flag("Calculation", lambda v: v in (-4105, -4135, 2))

    @property
    def UserName(self) -> str:
        return self.user_name

    @UserName.setter
    def UserName(self, v: str) -> None:
        self.user_name = v

    @property
    def Workbooks(self) -> FakeWorkbooks:
        return FakeWorkbooks(self)

    @property
    def ActiveWorkbook(self) -> FakeWorkbook | None:
        return self._active_book

    @property
    def ActiveSheet(self) -> FakeWorksheet | None:
        return self._active_book._active if self._active_book else None

    @property
    def ActiveWindow(self) -> FakeWindow | None:
        return FakeWindow(self._active_book) if self._active_book else None

    @property
    def ActiveCell(self) -> FakeRange:
        sheet = self.ActiveSheet
        if sheet is None:
            raise xl_error("No active cell")
        r, c = sheet._active_cell
        return FakeRange(sheet, [(r, c, r, c)])

    @property
    def Hwnd(self) -> int:
        return self.hwnd

    @property
    def Version(self) -> str:
        return self.version

    @property
    def Name(self) -> str:
        return "Microsoft Excel"

    @property
    def Path(self) -> str:
        return self._path

    @property
    def Parent(self) -> FakeExcel:
        return self

    def Calculate(self) -> None:
        pass

    def Run(self, Macro: str, *args: Any) -> Any:
        """A workbook's VBA procedure ("'Book.xlsm'!Module.Proc", "Module.Proc", "Proc"; the
        book and module are searched as Excel does), else a harness macro of ``macros``."""
        proc = _find_procedure(self._books, Macro)
        if proc is not None:
            return proc(*args)
        fn = self.macros.get(Macro) or self.macros.get(Macro.rpartition("!")[2])
        if fn is None:
            raise xl_error(f"Cannot run the macro '{Macro}'. The macro may not be available in "
                           "this workbook or all macros may be disabled.")
        return fn(*args)


# --- VBA: the procedures of a workbook's modules, run through Python models -------------------

#: A procedure's declaration: ``[Public|Private|Friend] [Static] Sub|Function Name(params)``.
_PROCEDURE = re.compile(r"^[ \t]*(?:(?:Public|Private|Friend)[ \t]+)?(?:Static[ \t]+)?"
                        r"(?:Sub|Function)[ \t]+(\w+)[ \t]*\(([^)]*)\)", re.M | re.I)


class VbaProcedure:
    """A procedure of a workbook's VBA module: called with Application.Run's arguments, it
    checks their number against its declaration (as VBA does) and runs its Python model."""

    def __init__(self, book: FakeWorkbook, module: str, name: str, params: list[str]) -> None:
        self.book, self.module, self.name = book, module, name
        self.required = sum(not re.match(r"(Optional|ParamArray)\b", p, re.I) for p in params)
        self.most = None if any(re.match(r"ParamArray\b", p, re.I) for p in params) \
            else len(params)
        self.model: Callable[..., Any] | None = VBA_MODELS.get(name)

    def __repr__(self) -> str:
        return f"<fake VBA {self.module}.{self.name}>"

    def __call__(self, *args: Any) -> Any:
        if len(args) < self.required or (self.most is not None and len(args) > self.most):
            raise xl_error("Wrong number of arguments or invalid property assignment")
        if self.model is None:
            raise MissingMember("VBA", f"{self.module}.{self.name} (no Python model)")
        return self.model(self.book, *args)


def _procedures(book: FakeWorkbook, module: str, source: str) -> list[VbaProcedure]:
    joined = re.sub(r"[ \t]_[ \t]*\r?\n", " ", source)  # line continuations
    out = []
    for name, params in _PROCEDURE.findall(joined):
        parts = [p.strip() for p in params.split(",") if p.strip()]
        out.append(VbaProcedure(book, module, name, parts))
    return out


def _find_procedure(books: list[FakeWorkbook], macro: str) -> VbaProcedure | None:
    """The procedure ``Application.Run(macro)`` finds: in the named workbook ("'A b.xlsm'!"
    quoted, "''" for an apostrophe), else in any open workbook; in the named module, else
    in any module. Never in a workbook whose macros are disabled."""
    book_part, bang, proc_part = macro.rpartition("!")
    book = None
    if bang:
        book = book_part[1:-1].replace("''", "'") if book_part.startswith("'") else book_part
    module, _, name = proc_part.rpartition(".")
    for b in books:
        if book is not None and b._name.casefold() != book.casefold():
            continue
        if not b.macros_enabled:
            continue
        for mod, procs in b.vba.items():
            if module and mod.casefold() != module.casefold():
                continue
            for proc_name, proc in procs.items():
                if proc_name.casefold() == name.casefold():
                    return proc
    return None


def _vba_array(value: Any) -> bool:
    """What a VBA procedure can index as a 1-D array: pywin32 passes a flat tuple or list
    of text and numbers as a 1-D SAFEARRAY of Variants (a nested one becomes 2-D)."""
    return isinstance(value, (tuple, list)) and all(
        isinstance(v, (str, int, float)) for v in value)


def _clng(value: Any) -> int:
    """VBA's CLng: a number, or text that is one; else a type mismatch."""
    if isinstance(value, str):
        value = float(value)  # ValueError: VBA's "Type mismatch"
    return round(value)


def cqcxl_apply(book: FakeWorkbook, sheet_names: Any, what: Any, addresses: Any,
                values: Any) -> int:
    """Python model of ``CqcxlApply`` in ``macros/cqcxl_batch.bas``, write for write: write
    i is what[i] ("fill", "font", "nofill", "add", "text", "delete") on worksheet
    sheet_names[i] of this workbook over addresses[i] with values[i]. Returns the number of
    writes, or -(k + 1) when write k failed (the ones before it made). Runs in-process:
    through the same fake objects as COM calls would, but not counted."""
    if not all(_vba_array(a) for a in (sheet_names, what, addresses, values)):
        return -1  # LBound/UBound or what(0) fails at once: the error handler
    done = 0
    ws, current = None, None
    with book._app.in_process():
        for i in range(len(what)):
            try:
                if ws is None or str(sheet_names[i]) != current:
                    current = str(sheet_names[i])
                    ws = book.Worksheets.Item(current)  # ThisWorkbook.Worksheets(name)
                target = ws.Range(str(addresses[i]))
                write, value = str(what[i]), values[i]
                if write == "fill":
                    target.Interior.Color = _clng(value)
                elif write == "font":
                    target.Font.Color = _clng(value)
                elif write == "nofill":
                    target.Interior.ColorIndex = XL_NONE
                elif write == "add":
                    target.AddComment(str(value))
                elif write in ("text", "delete"):
                    comment = target.Comment
                    if comment is None:  # VBA's error 91
                        raise xl_error("Object variable or With block variable not set")
                    if write == "text":
                        comment.Text(str(value))
                    else:
                        comment.Delete()
                else:
                    raise xl_error("Invalid procedure call or argument")  # Err.Raise 5
            except (MissingMember, FakeBug):
                raise  # the fake's own gap: loud
            except (com_error, IndexError, ValueError, TypeError, OverflowError):
                return -(done + 1)
            done += 1
    return done


#: VBA procedures the fake can run: name -> Python model, called with (workbook, *args).
VBA_MODELS: dict[str, Callable[..., Any]] = {"CqcxlApply": cqcxl_apply}


class FakeWorkbooks(_Collection):
    _com = "Workbooks"

    def _items(self) -> list[FakeWorkbook]:
        return list(self._app._books)

    @property
    def Parent(self) -> FakeExcel:
        return self._app

    def Add(self, Template: Any = None) -> FakeWorkbook:
        return self._app.add_workbook()

    def Open(self, Filename: str, *args: Any, **kwargs: Any) -> FakeWorkbook:
        import ntpath

        import openpyxl
        path, name = ntpath.split(str(Filename))
        return load_workbook(self._app, openpyxl.load_workbook(Filename), name, path)


class FakeWorkbook(_Com):
    _com = "Workbook"

    def __init__(self, app: FakeExcel, name: str, path: str = "") -> None:
        super().__init__(app)
        self._name, self._path = name, path
        self._sheets: list[FakeWorksheet] = [FakeWorksheet(self, "Sheet1")]
        self._active: FakeWorksheet = self._sheets[0]
        self._names: list[_NameData] = []
        #: the VBA project: module -> procedure name -> procedure (see add_vba_module)
        self.vba: dict[str, dict[str, VbaProcedure]] = {}
        self.macros_enabled = True  # False: as opened with macros disabled

    def add_vba_module(self, name: str, source: str) -> None:
        """Give the workbook a VBA module: each procedure its source declares becomes
        runnable through ``Application.Run``, through its Python model if there is one."""
        self.vba[name] = {proc.name: proc for proc in _procedures(self, name, source)}

    def __repr__(self) -> str:
        return f"<fake Workbook {self._name}>"

    def _sheet(self, name: str) -> FakeWorksheet | None:
        return next((s for s in self._sheets if s._name.casefold() == name.casefold()), None)

    @property
    def Name(self) -> str:
        return self._name

    @property
    def Path(self) -> str:
        return self._path

    @property
    def FullName(self) -> str:
        return f"{self._path}\\{self._name}" if self._path else self._name

    @property
    def FileFormat(self) -> int:
        return 52 if self._name.lower().endswith(".xlsm") else 51

    @property
    def Parent(self) -> FakeExcel:
        return self._app

    @property
    def Worksheets(self) -> FakeSheets:
        return FakeSheets(self)

    Sheets = Worksheets

    @property
    def ActiveSheet(self) -> FakeWorksheet:
        return self._active

    @property
    def Names(self) -> FakeNames:
        return FakeNames(self, self._names)

    @property
    def Windows(self) -> FakeWindows:
        return FakeWindows(self)

    def Activate(self) -> None:
        self._app._active_book = self

    def Save(self) -> None:
        self._app.saved.append(self.FullName if self._path else self._name)

    def SaveAs(self, Filename: str, FileFormat: int | None = None, *args: Any,
               **kwargs: Any) -> None:
        self._path, _, self._name = str(Filename).rpartition("\\")
        self._app.saved.append(str(Filename))

    def Close(self, SaveChanges: bool | None = None, *args: Any, **kwargs: Any) -> None:
        app = self._app
        app._books.remove(self)
        if app._active_book is self:
            app._active_book = app._books[-1] if app._books else None


class FakeWindows(_Collection):
    _com = "Windows"

    def __init__(self, book: FakeWorkbook) -> None:
        super().__init__(book._app)
        self._book = book

    def _items(self) -> list[FakeWindow]:
        return [FakeWindow(self._book)]


class FakeWindow(_Com):
    """A workbook window: panes, scroll and gridlines of the sheet it shows (kept per sheet,
    as Excel saves them)."""

    _com = "Window"

    def __init__(self, book: FakeWorkbook) -> None:
        super().__init__(book._app)
        self._book = book

    @property
    def _view(self) -> dict[str, Any]:
        return self._book._active._view

    def _prop(key: str, valid: Callable[[Any], bool] = lambda v: True) -> property:
        def get(self: FakeWindow) -> Any:
            return self._view[key]

        def put(self: FakeWindow, v: Any) -> None:
            if not valid(v):
                raise xl_error(f"Unable to set the {key} property of the Window class")
            self._view[key] = type(self._view[key])(v)
        return property(get, put)

    SplitRow = _prop("SplitRow", lambda v: 0 <= v < MAX_ROW)
    SplitColumn = _prop("SplitColumn", lambda v: 0 <= v < MAX_COL)
    ScrollRow = _prop("ScrollRow", lambda v: 1 <= v <= MAX_ROW)
    ScrollColumn = _prop("ScrollColumn", lambda v: 1 <= v <= MAX_COL)
    DisplayGridlines = _prop("DisplayGridlines")
    DisplayHeadings = _prop("DisplayHeadings")
    Zoom = _prop("Zoom", lambda v: 10 <= v <= 400)

    @property
    def FreezePanes(self) -> bool:
        return self._view["FreezePanes"]

    @FreezePanes.setter
    def FreezePanes(self, value: bool) -> None:
        v = self._view
        if value and not (v["SplitRow"] or v["SplitColumn"]):
            r, c = self._book._active._active_cell
            v["SplitRow"], v["SplitColumn"] = r - v["ScrollRow"], c - v["ScrollColumn"]
            if (r, c) == (v["ScrollRow"], v["ScrollColumn"]):  # Excel: middle of the window
                v["SplitRow"], v["SplitColumn"] = 14, 5
        v["FreezePanes"] = bool(value)

    @property
    def ActiveSheet(self) -> FakeWorksheet:
        return self._book._active

    @property
    def ActiveCell(self) -> FakeRange:
        r, c = self._book._active._active_cell
        return FakeRange(self._book._active, [(r, c, r, c)])

    @property
    def Parent(self) -> FakeWorkbook:
        return self._book

    @property
    def Caption(self) -> str:
        return self._book._name


# --- sheets ---------------------------------------------------------------------------------------

_BAD_NAME = re.compile(r"[\[\]:*?/\\]")


class FakeSheets(_Collection):
    _com = "Sheets"

    def __init__(self, book: FakeWorkbook) -> None:
        super().__init__(book._app)
        self._book = book

    def _items(self) -> list[FakeWorksheet]:
        return list(self._book._sheets)

    @property
    def Parent(self) -> FakeWorkbook:
        return self._book

    def Add(self, Before: Any = None, After: Any = None, Count: int = 1,
            Type: Any = None) -> FakeWorksheet:
        book = self._book
        for ref in (Before, After):
            if ref is not None and (not isinstance(ref, FakeWorksheet) or ref._book is not book):
                raise xl_error("Add method of Sheets class failed")
        taken = {s._name.casefold() for s in book._sheets}
        n = 1 + max((int(m[1]) for s in book._sheets
                     if (m := re.fullmatch(r"Sheet(\d+)", s._name))), default=0)
        while f"sheet{n}" in taken:
            n += 1
        sheet = FakeWorksheet(book, f"Sheet{n}")
        if After is not None:
            at = book._sheets.index(After) + 1
        else:  # Excel: no argument inserts before the active sheet
            at = book._sheets.index(Before if Before is not None else book._active)
        book._sheets.insert(at, sheet)
        book._active = sheet
        return sheet


class FakeWorksheet(_Com):
    """A worksheet and its state: ``_cells`` {(row, col): value}, ``_formulas``, ``_fmt``
    {(row, col): {format: value}} (non-default only), ``_merges``, ``_notes``, ``_links``,
    column widths / row heights, charts, window view, page set-up, tab colour."""

    _com = "Worksheet"

    def __init__(self, book: FakeWorkbook, name: str) -> None:
        super().__init__(book._app)
        self._book, self._name = book, name
        self._cells: dict[tuple[int, int], Any] = {}
        self._formulas: dict[tuple[int, int], str] = {}
        self._fmt: dict[tuple[int, int], dict[str, Any]] = {}
        self._merges: list[Area] = []
        self._notes: dict[tuple[int, int], _NoteData] = {}
        self._links: dict[tuple[int, int], _LinkData] = {}
        self._widths: dict[int, float] = {}
        self._heights: dict[int, float] = {}
        self._hidden_rows: set[int] = set()
        self._hidden_cols: set[int] = set()
        self._charts: list[FakeChartObject] = []
        self._chart_seq = 0
        self._names: list[_NameData] = []
        self._visible = -1
        self._tab: int | None = None
        self._autofilter: Area | None = None
        self._active_cell = (1, 1)
        self._view: dict[str, Any] = {"FreezePanes": False, "SplitRow": 0, "SplitColumn": 0,
                                      "ScrollRow": 1, "ScrollColumn": 1, "Zoom": 100,
                                      "DisplayGridlines": True, "DisplayHeadings": True}
        self._page: dict[str, Any] = {"Orientation": 1, "Zoom": 100, "FitToPagesWide": 1,
                                      "FitToPagesTall": 1, "PrintArea": "",
                                      "PrintTitleRows": "", "PrintTitleColumns": "",
                                      "PaperSize": 9, "CenterHorizontally": False,
                                      # Excel's "Normal" margins, in points
                                      "LeftMargin": 50.4, "RightMargin": 50.4,
                                      "TopMargin": 54.0, "BottomMargin": 54.0,
                                      "FooterMargin": 21.6, "LeftFooter": "",
                                      "CenterFooter": "", "RightFooter": ""}

    def __repr__(self) -> str:
        return f"<fake Worksheet {self._name}>"

    def _range(self, areas: Iterable[Area], mode: str = "cells") -> FakeRange:
        return FakeRange(self, list(areas), mode)

    def _check_name(self, name: str) -> None:
        clash = self._book._sheet(name)
        if (not isinstance(name, str) or not 1 <= len(name) <= 31 or _BAD_NAME.search(name)
                or name.startswith("'") or name.endswith("'") or name.casefold() == "history"
                or (clash is not None and clash is not self)):
            raise xl_error("You typed an invalid name for a sheet or chart, or that name is "
                           "already taken.")

    def _parse(self, text: str) -> list[Area]:
        """An address ('A1:B2', 'F14,F16', "'Sheet'!A1") or a defined name -> areas."""
        if len(text) > 255:
            raise xl_error("Method 'Range' of object '_Worksheet' failed (address over 255 "
                           "characters)")
        areas: list[Area] = []
        for part in text.split(","):
            sheet, ref = _split_sheet(part)
            if sheet is not None and sheet.casefold() != self._name.casefold():
                raise xl_error("Method 'Range' of object '_Worksheet' failed")
            area = parse_area(ref)
            if area is None:
                name = next((n for n in self._names + self._book._names
                             if n.name.casefold() == ref.strip().casefold()), None)
                target = name and name.range(self._book)
                if target is None or target._sheet is not self:
                    raise xl_error("Method 'Range' of object '_Worksheet' failed")
                areas.extend(target._areas)
            else:
                areas.append(area)
        return areas

    def _used(self) -> Area | None:
        keys = set(self._cells) | {k for k, f in self._fmt.items() if f}
        for r1, c1, r2, c2 in self._merges:
            keys |= {(r1, c1), (r2, c2)}
        if not keys:
            return None
        rows, cols = [k[0] for k in keys], [k[1] for k in keys]
        return min(rows), min(cols), max(rows), max(cols)

    @property
    def Name(self) -> str:
        return self._name

    @Name.setter
    def Name(self, value: str) -> None:
        self._check_name(value)
        self._name = value

    @property
    def Index(self) -> int:
        return self._book._sheets.index(self) + 1

    @property
    def Visible(self) -> int:
        return self._visible

    @Visible.setter
    def Visible(self, value: int | bool) -> None:
        v = -1 if value is True else (0 if value is False else int(value))
        others = [s for s in self._book._sheets if s is not self and s._visible == -1]
        if v not in (-1, 0, 2) or (v != -1 and not others):
            raise xl_error("Unable to set the Visible property of the Worksheet class")
        self._visible = v

    @property
    def Parent(self) -> FakeWorkbook:
        return self._book

    @property
    def Cells(self) -> FakeRange:
        return self._range([(1, 1, MAX_ROW, MAX_COL)])

    @property
    def Rows(self) -> FakeRange:
        return self._range([(1, 1, MAX_ROW, MAX_COL)], "rows")

    @property
    def Columns(self) -> FakeRange:
        return self._range([(1, 1, MAX_ROW, MAX_COL)], "columns")

    @property
    def UsedRange(self) -> FakeRange:
        return self._range([self._used() or (1, 1, 1, 1)])

    @property
    def Comments(self) -> FakeComments:
        return FakeComments(self)

    @property
    def CommentsThreaded(self) -> FakeCommentsThreaded:
        return FakeCommentsThreaded(self._app)

    @property
    def PageSetup(self) -> FakePageSetup:
        return FakePageSetup(self)

    @property
    def Hyperlinks(self) -> FakeHyperlinks:
        return FakeHyperlinks(self, None)

    @property
    def Names(self) -> FakeNames:
        return FakeNames(self._book, self._names, self)

    @property
    def Tab(self) -> FakeTab:
        return FakeTab(self)

    @property
    def AutoFilterMode(self) -> bool:
        return self._autofilter is not None

    @AutoFilterMode.setter
    def AutoFilterMode(self, value: bool) -> None:
        if value:
            raise xl_error("Unable to set the AutoFilterMode property of the Worksheet class")
        self._autofilter = None

    @property
    def AutoFilter(self) -> FakeAutoFilter | None:
        return FakeAutoFilter(self) if self._autofilter else None

    def Range(self, Cell1: Any, Cell2: Any = None) -> FakeRange:
        return _range_from(self, Cell1, Cell2, (0, 0))

    def ChartObjects(self, Index: Any = None) -> Any:
        coll = FakeChartObjects(self)
        return coll if Index is None else type(coll).Item(coll, Index)  # one Invoke

    def Activate(self) -> None:
        if self._visible != -1:
            raise xl_error("Activate method of Worksheet class failed")
        self._book._active = self
        self._app._active_book = self._book

    Select = Activate

    def Delete(self) -> bool:
        book = self._book
        if not [s for s in book._sheets if s is not self and s._visible == -1]:
            raise xl_error("Delete method of Worksheet class failed (a workbook must contain "
                           "at least one visible worksheet)")
        if self._app._state["DisplayAlerts"] and (self._cells or self._charts):
            self._app._alert("excel", "Microsoft Excel will permanently delete this sheet. Do "
                             "you want to continue?", answer="Delete")
        i = book._sheets.index(self)
        book._sheets.remove(self)
        if book._active is self:
            book._active = book._sheets[min(i, len(book._sheets) - 1)]
        return True

    def Move(self, Before: Any = None, After: Any = None) -> None:
        ref = Before if Before is not None else After
        if not isinstance(ref, FakeWorksheet) or ref._book is not self._book or ref is self:
            raise MissingMember("Worksheet", "Move (to another or a new workbook)")
        sheets = self._book._sheets
        sheets.remove(self)
        sheets.insert(sheets.index(ref) + (After is not None), self)


def _range_from(sheet: FakeWorksheet, cell1: Any, cell2: Any, origin: tuple[int, int]
                ) -> FakeRange:
    """Range(Cell1[, Cell2]) on a sheet (origin (0, 0)) or relative to a range's corner."""
    def areas(x: Any) -> list[Area]:
        if isinstance(x, FakeRange):
            if x._sheet is not sheet:
                raise xl_error("Method 'Range' of object '_Worksheet' failed")
            return list(x._areas)
        if isinstance(x, str):
            dr, dc = origin
            return [(r1 + dr, c1 + dc, r2 + dr, c2 + dc) for r1, c1, r2, c2 in sheet._parse(x)]
        raise xl_error("Method 'Range' of object '_Worksheet' failed")
    first = areas(cell1)
    if cell2 is None:
        return sheet._range(first)
    a, b = first[0], areas(cell2)[0]
    return sheet._range([(min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))])


# --- ranges ---------------------------------------------------------------------------------------

_DEFAULT_FMT: dict[str, Any] = {
    "fill": None, "font_color": None, "bold": False, "italic": False, "size": 11.0,
    "font": "Calibri", "underline": XL_NONE, "halign": 1, "valign": -4107, "wrap": False,
    "number_format": "General"}
_DEFAULT_WIDTH, _DEFAULT_HEIGHT = 8.43, 15.0
_BIG = 2_000_000


def width_points(chars: float) -> float:
    """Column width in characters -> points (Calibri 11 at 96 dpi: 7 px a character + 5)."""
    return 0.0 if chars <= 0 else int(chars * 7 + 5 + 0.5) * 0.75


class FakeRange(_Com):
    """One or more rectangular areas of a sheet, seen as cells, rows or columns."""

    _com = "Range"

    def __init__(self, sheet: FakeWorksheet, areas: list[Area], mode: str = "cells") -> None:
        super().__init__(sheet._app)
        self._sheet, self._areas, self._mode = sheet, areas, mode

    def __repr__(self) -> str:
        return f"<fake Range {self._sheet._name}!{self._addr()}>"

    def _addr(self, row_abs: bool = True, col_abs: bool = True) -> str:
        return ",".join(area_address(a, row_abs, col_abs) for a in self._areas)

    def _cells(self) -> Iterator[tuple[int, int]]:
        if sum((a[2] - a[0] + 1) * (a[3] - a[1] + 1) for a in self._areas) > _BIG:
            raise NotImplementedError("fakecom: per-cell work on whole rows/columns is not "
                                      "modelled")
        for r1, c1, r2, c2 in self._areas:
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    yield r, c

    def _sub(self, area: Area, mode: str = "cells") -> FakeRange:
        r1, c1, r2, c2 = area
        if not (1 <= r1 <= r2 <= MAX_ROW and 1 <= c1 <= c2 <= MAX_COL):
            raise xl_error("Application-defined or object-defined error")
        return FakeRange(self._sheet, [area], mode)

    # formats over sparse storage ---------------------------------------------------------------
    def _uniform(self, key: str) -> Any:
        """The value all cells share for a format key (default if unset), else _MIXED."""
        seen = set()
        for r1, c1, r2, c2 in self._areas:
            stored = 0
            for (r, c), f in self._sheet._fmt.items():
                if r1 <= r <= r2 and c1 <= c <= c2 and key in f:
                    seen.add(f[key])
                    stored += 1
            if stored < (r2 - r1 + 1) * (c2 - c1 + 1):
                seen.add(_DEFAULT_FMT.get(key))
        return next(iter(seen)) if len(seen) == 1 else _MIXED

    def _get_fmt(self, key: str) -> Any:
        v = self._uniform(key)
        return None if v is _MIXED else v

    def _set_fmt(self, key: str, value: Any) -> None:
        for rc in self._cells():
            f = self._sheet._fmt.setdefault(rc, {})
            if value == _DEFAULT_FMT.get(key, _MISSING):
                f.pop(key, None)
            else:
                f[key] = value
            if not f:
                del self._sheet._fmt[rc]

    def _fmt_prop(key: str, check: Callable[[Any], bool] = lambda v: True) -> property:
        def get(self: FakeRange) -> Any:
            return self._get_fmt(key)

        def put(self: FakeRange, v: Any) -> None:
            if not check(v):
                raise xl_error(f"Unable to set the {key} property of the Range class")
            self._set_fmt(key, v)
        return property(get, put)

    HorizontalAlignment = _fmt_prop("halign", lambda v: v in (1, -4131, -4108, -4152, 5,
                                                              -4130, 7, -4117))
    VerticalAlignment = _fmt_prop("valign", lambda v: v in (-4160, -4108, -4107, -4130, -4117))
    WrapText = _fmt_prop("wrap", lambda v: isinstance(v, bool))
    NumberFormat = _fmt_prop("number_format", lambda v: isinstance(v, str))

    # values ---------------------------------------------------------------------------------------
    def _read(self, v2: bool) -> Any:
        r1, c1, r2, c2 = self._areas[0]
        if (r2 - r1 + 1) * (c2 - c1 + 1) > _BIG:
            raise com_error(-2147024882, "Not enough storage is available.", None, None)
        cells = self._sheet._cells
        rows = tuple(tuple(_com_value(cells.get((r, c)), v2) for c in range(c1, c2 + 1))
                     for r in range(r1, r2 + 1))
        return rows[0][0] if (r1, c1) == (r2, c2) else rows

    def _write(self, value: Any) -> None:
        if isinstance(value, (list, tuple)):
            rows = [list(r) if isinstance(r, (list, tuple)) else None for r in value]
            if all(r is None for r in rows):
                rows = [list(value)]
            elif any(r is None for r in rows):
                raise com_error(DISP_E_TYPEMISMATCH, "Type mismatch.", None, None)
        else:
            rows = [[value]]
        for r1, c1, r2, c2 in self._areas:
            for r in range(r1, r2 + 1):
                row = rows[0] if len(rows) == 1 else (rows[r - r1] if r - r1 < len(rows)
                                                      else None)
                for c in range(c1, c2 + 1):
                    j = 0 if row is not None and len(row) == 1 else c - c1
                    v = row[j] if row is not None and j < len(row) else XlError("#N/A")
                    _store(self._sheet, (r, c), v)

    @property
    def Value(self) -> Any:
        return self._read(False)

    @Value.setter
    def Value(self, value: Any) -> None:
        self._write(value)

    @property
    def Value2(self) -> Any:
        return self._read(True)

    @Value2.setter
    def Value2(self, value: Any) -> None:
        self._write(value)

    @property
    def Formula(self) -> Any:
        r1, c1, r2, c2 = self._areas[0]
        rows = tuple(tuple(self._formula(r, c) for c in range(c1, c2 + 1))
                     for r in range(r1, r2 + 1))
        return rows[0][0] if (r1, c1) == (r2, c2) else rows

    @Formula.setter
    def Formula(self, value: Any) -> None:
        self._write(value)

    Formula2 = Formula

    def _formula(self, r: int, c: int) -> str:
        if (r, c) in self._sheet._formulas:
            return self._sheet._formulas[(r, c)]
        v = self._sheet._cells.get((r, c))
        if v is None:
            return ""
        if isinstance(v, bool):
            return str(v).upper()
        if isinstance(v, float):
            return repr(int(v)) if v.is_integer() else repr(v)
        if isinstance(v, dt.datetime):
            return _number_text(serial(v))
        return str(v)

    @property
    def HasFormula(self) -> bool | None:
        has = {rc in self._sheet._formulas for rc in self._cells()}
        return has.pop() if len(has) == 1 else None

    # geometry -------------------------------------------------------------------------------------
    @property
    def Address(self) -> str:
        return self._addr()

    def GetAddress(self, RowAbsolute: bool = True, ColumnAbsolute: bool = True,
                   ReferenceStyle: int = 1, External: bool = False, RelativeTo: Any = None
                   ) -> str:
        if ReferenceStyle == -4150:
            text = ",".join(
                f"R{a[0]}C{a[1]}" + (f":R{a[2]}C{a[3]}" if a[:2] != a[2:] else "")
                for a in self._areas)
        else:
            text = self._addr(bool(RowAbsolute), bool(ColumnAbsolute))
        if External:
            text = quote_sheet(self._sheet._name, self._sheet._book._name) + "!" + text
        return text

    @property
    def Row(self) -> int:
        return self._areas[0][0]

    @property
    def Column(self) -> int:
        return self._areas[0][1]

    @property
    def Count(self) -> int:
        r1, c1, r2, c2 = self._areas[0]
        if self._mode == "rows":
            return r2 - r1 + 1
        if self._mode == "columns":
            return c2 - c1 + 1
        return sum((a[2] - a[0] + 1) * (a[3] - a[1] + 1) for a in self._areas)

    CountLarge = Count

    @property
    def Rows(self) -> FakeRange:
        return FakeRange(self._sheet, self._areas, "rows")

    @property
    def Columns(self) -> FakeRange:
        return FakeRange(self._sheet, self._areas, "columns")

    @property
    def Cells(self) -> FakeRange:
        return FakeRange(self._sheet, self._areas, "cells")

    @property
    def EntireRow(self) -> FakeRange:
        return FakeRange(self._sheet, [(a[0], 1, a[2], MAX_COL) for a in self._areas], "rows")

    @property
    def EntireColumn(self) -> FakeRange:
        return FakeRange(self._sheet, [(1, a[1], MAX_ROW, a[3]) for a in self._areas],
                         "columns")

    @property
    def Areas(self) -> FakeAreas:
        return FakeAreas(self)

    @property
    def Worksheet(self) -> FakeWorksheet:
        return self._sheet

    Parent = Worksheet

    def Item(self, RowIndex: int, ColumnIndex: int | None = None) -> FakeRange:
        r1, c1, r2, c2 = self._areas[0]
        if self._mode == "rows" and ColumnIndex is None:
            return self._sub((r1 + RowIndex - 1, c1, r1 + RowIndex - 1, c2), "rows")
        if self._mode == "columns" and ColumnIndex is None:
            return self._sub((r1, c1 + RowIndex - 1, r2, c1 + RowIndex - 1), "columns")
        if ColumnIndex is None:
            width = c2 - c1 + 1
            r, c = r1 + (RowIndex - 1) // width, c1 + (RowIndex - 1) % width
        else:
            r, c = r1 + RowIndex - 1, c1 + ColumnIndex - 1
        return self._sub((r, c, r, c))

    def __call__(self, *args: Any) -> FakeRange:
        return self.Item(*args)

    def Range(self, Cell1: Any, Cell2: Any = None) -> FakeRange:
        r1, c1 = self._areas[0][:2]
        return _range_from(self._sheet, Cell1, Cell2, (r1 - 1, c1 - 1))

    def Resize(self, RowSize: int | None = None, ColumnSize: int | None = None) -> FakeRange:
        r1, c1, r2, c2 = self._areas[0]
        return self._sub((r1, c1, r1 + (RowSize or r2 - r1 + 1) - 1,
                          c1 + (ColumnSize or c2 - c1 + 1) - 1))

    def Offset(self, RowOffset: int = 0, ColumnOffset: int = 0) -> FakeRange:
        r1, c1, r2, c2 = self._areas[0]
        return self._sub((r1 + RowOffset, c1 + ColumnOffset, r2 + RowOffset, c2 + ColumnOffset))

    def End(self, Direction: int) -> FakeRange:
        dr, dc = {-4121: (1, 0), -4162: (-1, 0), -4161: (0, 1), -4159: (0, -1)}[Direction]
        filled = self._sheet._cells
        r, c = self._areas[0][:2]

        def inside(r: int, c: int) -> bool:
            return 1 <= r <= MAX_ROW and 1 <= c <= MAX_COL
        if inside(r + dr, c + dc) and (r, c) in filled and (r + dr, c + dc) in filled:
            while inside(r + dr, c + dc) and (r + dr, c + dc) in filled:
                r, c = r + dr, c + dc
        else:
            line = sorted(k for k in filled if (k[1] == c if dc == 0 else k[0] == r)
                          and (k[0] - r) * dr + (k[1] - c) * dc > 0)
            if line:
                r, c = line[0] if dr + dc > 0 else line[-1]
            else:
                r = r if dr == 0 else (MAX_ROW if dr > 0 else 1)
                c = c if dc == 0 else (MAX_COL if dc > 0 else 1)
        return self._sub((r, c, r, c))

    def _sizes(self, store: dict[int, float], default: float, rows: bool) -> set[float]:
        out = set()
        for r1, c1, r2, c2 in self._areas:
            lo, hi = (r1, r2) if rows else (c1, c2)
            inside = [v for k, v in store.items() if lo <= k <= hi]
            out.update(inside)
            if len(inside) < hi - lo + 1:
                out.add(default)
        return out

    @property
    def ColumnWidth(self) -> float | None:
        sizes = self._sizes(self._sheet._widths, _DEFAULT_WIDTH, rows=False)
        return sizes.pop() if len(sizes) == 1 else None

    @ColumnWidth.setter
    def ColumnWidth(self, value: float) -> None:
        if not 0 <= value <= 255:
            raise xl_error("Unable to set the ColumnWidth property of the Range class")
        for _, c1, _, c2 in self._areas:
            for c in range(c1, c2 + 1):
                self._sheet._widths[c] = float(value)

    @property
    def RowHeight(self) -> float | None:
        sizes = self._sizes(self._sheet._heights, _DEFAULT_HEIGHT, rows=True)
        return sizes.pop() if len(sizes) == 1 else None

    @RowHeight.setter
    def RowHeight(self, value: float) -> None:
        if not 0 <= value <= 409.5:
            raise xl_error("Unable to set the RowHeight property of the Range class")
        for r1, _, r2, _ in self._areas:
            for r in range(r1, r2 + 1):
                self._sheet._heights[r] = float(value)

    @property
    def Left(self) -> float:
        return sum(width_points(self._sheet._widths.get(c, _DEFAULT_WIDTH))
                   for c in range(1, self._areas[0][1]))

    @property
    def Top(self) -> float:
        return sum(self._sheet._heights.get(r, _DEFAULT_HEIGHT)
                   for r in range(1, self._areas[0][0]))

    @property
    def Width(self) -> float:
        _, c1, _, c2 = self._areas[0]
        return sum(width_points(self._sheet._widths.get(c, _DEFAULT_WIDTH))
                   for c in range(c1, c2 + 1))

    @property
    def Height(self) -> float:
        r1, _, r2, _ = self._areas[0]
        return sum(self._sheet._heights.get(r, _DEFAULT_HEIGHT) for r in range(r1, r2 + 1))

    @property
    def Hidden(self) -> bool | None:
        if self._mode == "cells":
            raise xl_error("Unable to get the Hidden property of the Range class")
        rows = self._mode == "rows"
        hidden = self._sheet._hidden_rows if rows else self._sheet._hidden_cols
        states = {n in hidden for a in self._areas
                  for n in range(a[0] if rows else a[1], (a[2] if rows else a[3]) + 1)}
        return states.pop() if len(states) == 1 else None

    @Hidden.setter
    def Hidden(self, value: bool) -> None:
        if self._mode == "cells":
            raise xl_error("Unable to set the Hidden property of the Range class")
        rows = self._mode == "rows"
        hidden = self._sheet._hidden_rows if rows else self._sheet._hidden_cols
        for a in self._areas:
            for n in range(a[0] if rows else a[1], (a[2] if rows else a[3]) + 1):
                (hidden.add if value else hidden.discard)(n)

    def AutoFit(self) -> bool:
        if self._mode == "cells":
            raise xl_error("AutoFit method of Range class failed")
        return True

    # formatting objects ---------------------------------------------------------------------------
    @property
    def Interior(self) -> FakeInterior:
        return FakeInterior(self)

    @property
    def Font(self) -> FakeFont:
        return FakeFont(self)

    @property
    def Borders(self) -> FakeBorders:
        return FakeBorders(self)

    # merges ---------------------------------------------------------------------------------------
    def _overlapping(self) -> list[Area]:
        return [m for m in self._sheet._merges for a in self._areas if _overlap(m, a)]

    @property
    def MergeCells(self) -> bool | None:
        states = {any(m[0] <= r <= m[2] and m[1] <= c <= m[3] for m in self._overlapping())
                  for r, c in self._cells()}
        return states.pop() if len(states) == 1 else None

    @property
    def MergeArea(self) -> FakeRange:
        r, c = self._areas[0][:2]
        m = next((m for m in self._sheet._merges if m[0] <= r <= m[2] and m[1] <= c <= m[3]),
                 (r, c, r, c))
        return self._sub(m)

    def Merge(self, Across: bool = False) -> None:
        sheet = self._sheet
        for r1, c1, r2, c2 in self._areas:
            targets = [(r, c1, r, c2) for r in range(r1, r2 + 1)] if Across else [
                (r1, c1, r2, c2)]
            for t in targets:
                if t[:2] == t[2:]:
                    continue
                sheet._merges = [m for m in sheet._merges if not _overlap(m, t)]
                cells = [(r, c) for r in range(t[0], t[2] + 1) for c in range(t[1], t[3] + 1)]
                filled = [rc for rc in cells if rc in sheet._cells]
                if len(filled) > 1 and self._app._state["DisplayAlerts"]:
                    self._app._alert("excel", "Merging cells only keeps the upper-left value "
                                     "and discards other values.", answer="OK")
                if filled:
                    keep = sheet._cells[filled[0]]
                    for rc in filled:
                        del sheet._cells[rc]
                        sheet._formulas.pop(rc, None)
                    sheet._cells[t[:2]] = keep
                sheet._merges.append(t)

    def UnMerge(self) -> None:
        self._sheet._merges = [m for m in self._sheet._merges
                               if m not in self._overlapping()]

    # clearing -------------------------------------------------------------------------------------
    def _check_merges(self) -> None:
        for m in self._overlapping():
            if not any(a[0] <= m[0] and a[1] <= m[1] and m[2] <= a[2] and m[3] <= a[3]
                       for a in self._areas):
                raise xl_error("We can't do that to a merged cell.")

    def ClearContents(self) -> None:
        self._check_merges()
        for rc in self._cells():
            self._sheet._cells.pop(rc, None)
            self._sheet._formulas.pop(rc, None)

    def ClearFormats(self) -> None:
        for rc in self._cells():
            self._sheet._fmt.pop(rc, None)
        self.UnMerge()

    def ClearComments(self) -> None:
        for rc in self._cells():
            self._sheet._notes.pop(rc, None)

    def Clear(self) -> None:
        self.ClearFormats()
        self.ClearContents()
        self.ClearComments()
        for rc in self._cells():
            self._sheet._links.pop(rc, None)

    # notes, links, selection, filters -------------------------------------------------------------
    @property
    def Comment(self) -> FakeComment | None:
        rc = self._areas[0][:2]
        return FakeComment(self._sheet, rc) if rc in self._sheet._notes else None

    def AddComment(self, Text: str | None = None) -> FakeComment:
        r1, c1, r2, c2 = self._areas[0]
        if len(self._areas) > 1 or (r1, c1) != (r2, c2) or (r1, c1) in self._sheet._notes:
            raise xl_error("Application-defined or object-defined error")
        if Text is not None and not isinstance(Text, str):
            raise com_error(DISP_E_TYPEMISMATCH, "Type mismatch.", None, None)
        self._sheet._notes[(r1, c1)] = _NoteData(self._app.user_name, Text or "")
        return FakeComment(self._sheet, (r1, c1))

    @property
    def Hyperlinks(self) -> FakeHyperlinks:
        return FakeHyperlinks(self._sheet, self._areas)

    def Select(self) -> bool:
        sheet = self._sheet
        if sheet._book._active is not sheet or self._app._active_book is not sheet._book:
            raise xl_error("Select method of Range class failed")
        sheet._active_cell = self._areas[0][:2]
        return True

    Activate = Select

    def AutoFilter(self, Field: int | None = None, Criteria1: Any = None, Operator: Any = None,
                   Criteria2: Any = None, VisibleDropDown: Any = None) -> bool:
        sheet = self._sheet
        area = self._areas[0]
        if area[:2] == area[2:]:
            area = sheet._used() or area
        if Field is None:  # no argument: toggles the arrows on and off
            sheet._autofilter = None if sheet._autofilter else area
        elif sheet._autofilter is None:
            sheet._autofilter = area
        return True


def _overlap(a: Area, b: Area) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _number_text(x: float) -> str:
    return repr(int(x)) if float(x).is_integer() else repr(float(x))


def _com_value(v: Any, v2: bool) -> Any:
    if isinstance(v, XlError):
        return CELL_ERRORS[str(v)]
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, dt.datetime):
        return serial(v) if v2 else ComTime(v.year, v.month, v.day, v.hour, v.minute, v.second,
                                            v.microsecond, tzinfo=dt.UTC)
    raise FakeBug(f"fakecom: unexpected stored value {v!r}")


def _evaluate(formula: str) -> Any:
    m = re.fullmatch(r'=\s*HYPERLINK\(\s*"(?:[^"]|"")*"\s*,\s*"((?:[^"]|"")*)"\s*\)', formula,
                     re.IGNORECASE)
    if m:
        return m[1].replace('""', '"')
    if m := re.fullmatch(r'=\s*"((?:[^"]|"")*)"', formula):
        return m[1].replace('""', '"')
    if _NUMBER.match(formula[1:].strip()) and any(ch.isdigit() for ch in formula):
        return float(formula[1:].replace(",", ""))
    return formula


def _store(sheet: FakeWorksheet, rc: tuple[int, int], v: Any) -> None:
    """One cell written through Value/Formula, as Excel stores it."""
    app = sheet._app
    sheet._formulas.pop(rc, None)
    numfmt = sheet._fmt.get(rc, {}).get("number_format", "General")
    new_fmt = None
    if isinstance(v, dt.datetime):
        v = v.replace(tzinfo=None)
        new_fmt = "m/d/yyyy h:mm" if v.time() != dt.time() else "m/d/yyyy"
    elif isinstance(v, dt.date):
        v, new_fmt = dt.datetime(v.year, v.month, v.day), "m/d/yyyy"
    elif isinstance(v, bool) or v is None or isinstance(v, XlError):
        pass
    elif isinstance(v, (int, float)):
        v = float(v)
    elif isinstance(v, str):
        if v.startswith("=") and len(v) > 1:
            sheet._formulas[rc] = v
            v = _evaluate(v)
        elif numfmt == "@":
            pass
        elif v.startswith("'"):
            v = v[1:]
        elif app.parse_text:
            v, new_fmt = typed_value(v, app.today, app.month_first)
    else:
        try:
            v = float(v)
        except (TypeError, ValueError):
            raise com_error(DISP_E_TYPEMISMATCH, "Type mismatch.", None, None) from None
    if v is None or v == "":
        sheet._cells.pop(rc, None)
    else:
        sheet._cells[rc] = v
    if new_fmt and numfmt == "General":
        sheet._fmt.setdefault(rc, {})["number_format"] = new_fmt


class FakeAreas(_Collection):
    _com = "Areas"

    def __init__(self, rng: FakeRange) -> None:
        super().__init__(rng._app)
        self._rng = rng

    def _items(self) -> list[FakeRange]:
        return [self._rng._sub(a) for a in self._rng._areas]


class FakeInterior(_Com):
    _com = "Interior"

    def __init__(self, rng: FakeRange) -> None:
        super().__init__(rng._app)
        self._rng = rng

    @property
    def Color(self) -> int | None:
        fill = self._rng._uniform("fill")
        return None if fill is _MIXED else (16777215 if fill is None else fill)

    @Color.setter
    def Color(self, value: int) -> None:
        if not 0 <= int(value) <= 0xFFFFFF:
            raise xl_error("Unable to set the Color property of the Interior class")
        self._rng._set_fmt("fill", int(value))

    @property
    def ColorIndex(self) -> int | None:
        fill = self._rng._uniform("fill")
        return None if fill is _MIXED else (XL_NONE if fill is None else 1)  # 1: a colour

    @ColorIndex.setter
    def ColorIndex(self, value: int) -> None:
        if value not in (XL_NONE, -4105):
            raise MissingMember("Interior", "ColorIndex (palette colours)", put=True)
        self._rng._set_fmt("fill", None)


class FakeFont(_Com):
    _com = "Font"

    def __init__(self, rng: FakeRange) -> None:
        super().__init__(rng._app)
        self._rng = rng

    def _font(key: str, check: Callable[[Any], bool]) -> property:
        def get(self: FakeFont) -> Any:
            return self._rng._get_fmt(key)

        def put(self: FakeFont, v: Any) -> None:
            if not check(v):
                raise xl_error(f"Unable to set the {key} property of the Font class")
            self._rng._set_fmt(key, float(v) if key == "size" else v)
        return property(get, put)

    Bold = _font("bold", lambda v: isinstance(v, (bool, int)))
    Italic = _font("italic", lambda v: isinstance(v, (bool, int)))
    Size = _font("size", lambda v: 1 <= v <= 409)
    Name = _font("font", lambda v: isinstance(v, str))
    Underline = _font("underline", lambda v: v in (XL_NONE, 2, -4119, 4, 5))

    @property
    def Color(self) -> int | None:
        color = self._rng._uniform("font_color")
        return None if color is _MIXED else (0 if color is None else color)  # 0: automatic

    @Color.setter
    def Color(self, value: int) -> None:
        self._rng._set_fmt("font_color", int(value))


_SIDES = {5: "diagonal_down", 6: "diagonal_up", 7: "left", 8: "top", 9: "bottom", 10: "right",
          11: "inside_vertical", 12: "inside_horizontal"}


class FakeBorders(_Com):
    _com = "Borders"

    def __init__(self, rng: FakeRange) -> None:
        super().__init__(rng._app)
        self._rng = rng

    @property
    def Count(self) -> int:
        return 6

    def Item(self, Index: int) -> FakeBorder:
        if Index not in _SIDES:
            raise com_error(DISP_E_BADINDEX, "Invalid index.", None, None)
        return FakeBorder(self._rng, Index)

    def __call__(self, Index: int) -> FakeBorder:
        return self.Item(Index)

    def _all(attr: str) -> property:
        def get(self: FakeBorders) -> Any:
            vals = {getattr(FakeBorder(self._rng, i), "_" + attr)() for i in (7, 8, 9, 10)}
            return vals.pop() if len(vals) == 1 else None

        def put(self: FakeBorders, v: Any) -> None:
            for i in (7, 8, 9, 10, 11, 12):
                FakeBorder(self._rng, i)._put(attr, v)
        return property(get, put)

    LineStyle = _all("LineStyle")
    Color = _all("Color")
    Weight = _all("Weight")


class FakeBorder(_Com):
    """One side of a range's border, kept per cell as ``_fmt[rc]["border_<side>"] =
    (LineStyle, Color, Weight)`` (an inside side is both neighbours' edges)."""

    _com = "Border"

    def __init__(self, rng: FakeRange, index: int) -> None:
        super().__init__(rng._app)
        self._rng, self._index = rng, index

    def _targets(self) -> list[tuple[tuple[int, int], str]]:
        out = []
        side = _SIDES[self._index]
        for r1, c1, r2, c2 in self._rng._areas:
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    if side in ("left", "top", "bottom", "right", "diagonal_down",
                                "diagonal_up"):
                        edge = {"left": c == c1, "right": c == c2, "top": r == r1,
                                "bottom": r == r2}.get(side, True)
                        if edge:
                            out.append(((r, c), side))
                    elif side == "inside_horizontal" and r < r2:
                        out += [((r, c), "bottom"), ((r + 1, c), "top")]
                    elif side == "inside_vertical" and c < c2:
                        out += [((r, c), "right"), ((r, c + 1), "left")]
        return out

    def _values(self) -> set[tuple[int, int, int]]:
        none = (XL_NONE, 0, 2)
        return {self._rng._sheet._fmt.get(rc, {}).get("border_" + side, none)
                for rc, side in self._targets()} or {none}

    def _get(self, i: int) -> Any:
        vals = {v[i] for v in self._values()}
        return vals.pop() if len(vals) == 1 else None

    def _LineStyle(self) -> Any:
        return self._get(0)

    def _Color(self) -> Any:
        return self._get(1)

    def _Weight(self) -> Any:
        return self._get(2)

    def _put(self, attr: str, v: Any) -> None:
        fmt = self._rng._sheet._fmt
        for rc, side in self._targets():
            f = fmt.setdefault(rc, {})
            style, color, weight = f.get("border_" + side, (XL_NONE, 0, 2))
            if attr == "LineStyle":
                style = v
            else:  # Excel draws a continuous line when a colour or weight is set on no line
                style = 1 if style == XL_NONE else style
                color, weight = (int(v), weight) if attr == "Color" else (color, v)
            if style == XL_NONE:
                f.pop("border_" + side, None)
            else:
                f["border_" + side] = (style, color, weight)
            if not f:
                del fmt[rc]

    @property
    def LineStyle(self) -> Any:
        return self._LineStyle()

    @LineStyle.setter
    def LineStyle(self, v: int) -> None:
        if v not in (1, -4115, 4, 5, -4118, -4119, XL_NONE, 13):
            raise xl_error("Unable to set the LineStyle property of the Border class")
        self._put("LineStyle", v)

    @property
    def Color(self) -> Any:
        return self._Color()

    @Color.setter
    def Color(self, v: int) -> None:
        self._put("Color", v)

    @property
    def ColorIndex(self) -> int | None:
        style = self._LineStyle()
        return XL_NONE if style == XL_NONE else (None if style is None else -4105)

    @property
    def Weight(self) -> Any:
        return self._Weight()

    @Weight.setter
    def Weight(self, v: int) -> None:
        if v not in (1, 2, -4138, 4):
            raise xl_error("Unable to set the Weight property of the Border class")
        self._put("Weight", v)


# --- notes, hyperlinks, names, page set-up, tab, autofilter ----------------------------------

class _NoteData:
    def __init__(self, author: str, text: str) -> None:
        self.author, self.text, self.visible = author, text, False
        self.width, self.height = 108.0, 59.25


class FakeComments(_Collection):
    _com = "Comments"

    def __init__(self, sheet: FakeWorksheet) -> None:
        super().__init__(sheet._app)
        self._sheet = sheet

    def _items(self) -> list[FakeComment]:
        return [FakeComment(self._sheet, rc) for rc in sorted(self._sheet._notes)]

    @property
    def Parent(self) -> FakeWorksheet:
        return self._sheet


class FakeCommentsThreaded(_Collection):
    _com = "CommentsThreaded"

    def _items(self) -> list[Any]:
        return []


class FakeComment(_Com):
    _com = "Comment"

    def __init__(self, sheet: FakeWorksheet, rc: tuple[int, int]) -> None:
        super().__init__(sheet._app)
        self._sheet, self._rc = sheet, rc
        self._data = sheet._notes[rc]

    @property
    def _note(self) -> _NoteData:
        if self._sheet._notes.get(self._rc) is not self._data:
            raise com_error(-2147417848, "The object invoked has disconnected from its "
                            "clients.", None, None)
        return self._data

    def Text(self, Text: str | None = None, Start: int | None = None,
             Overwrite: bool | None = None) -> str:
        note = self._note
        if Text is not None:
            if Start is None:
                note.text = Text
            else:
                head, tail = note.text[:Start - 1], note.text[Start - 1:]
                note.text = head + Text + (tail[len(Text):] if Overwrite else tail)
        return note.text

    @property
    def Author(self) -> str:
        return self._note.author

    @property
    def Visible(self) -> bool:
        return self._note.visible

    @Visible.setter
    def Visible(self, value: bool) -> None:
        self._note.visible = bool(value)

    @property
    def Shape(self) -> FakeCommentShape:
        return FakeCommentShape(self._note, self._app)

    @property
    def Parent(self) -> FakeRange:
        r, c = self._rc
        return FakeRange(self._sheet, [(r, c, r, c)])

    def Delete(self) -> None:
        _ = self._note  # raises if the note is already gone
        del self._sheet._notes[self._rc]


class FakeCommentShape(_Com):
    _com = "Shape"

    def __init__(self, note: _NoteData, app: FakeExcel) -> None:
        super().__init__(app)
        self._data = note

    @property
    def Width(self) -> float:
        return self._data.width

    @Width.setter
    def Width(self, v: float) -> None:
        self._data.width = float(v)

    @property
    def Height(self) -> float:
        return self._data.height

    @Height.setter
    def Height(self, v: float) -> None:
        self._data.height = float(v)


class _LinkData:
    def __init__(self, address: str, sub: str, tip: str, text: str) -> None:
        self.address, self.sub_address, self.screen_tip, self.text = address, sub, tip, text


class FakeHyperlinks(_Collection):
    _com = "Hyperlinks"

    def __init__(self, sheet: FakeWorksheet, areas: list[Area] | None) -> None:
        super().__init__(sheet._app)
        self._sheet, self._areas = sheet, areas

    def _items(self) -> list[FakeHyperlink]:
        return [FakeHyperlink(self._sheet, rc) for rc in sorted(self._sheet._links)
                if self._areas is None or any(_overlap(a, rc + rc) for a in self._areas)]

    def Add(self, Anchor: Any, Address: str, SubAddress: str | None = None,
            ScreenTip: str | None = None, TextToDisplay: str | None = None) -> FakeHyperlink:
        if not isinstance(Anchor, FakeRange) or Anchor._sheet is not self._sheet:
            raise xl_error("Add method of Hyperlinks class failed")
        sheet, rc = self._sheet, Anchor._areas[0][:2]
        sheet._links[rc] = _LinkData(Address or "", SubAddress or "", ScreenTip or "",
                                     TextToDisplay or "")
        if TextToDisplay is not None or rc not in sheet._cells:
            shown = TextToDisplay or Address or (SubAddress or "").replace("'", "")
            _store(sheet, rc, shown)
        f = sheet._fmt.setdefault(rc, {})
        f["font_color"], f["underline"] = 0xC16305, 2  # the Hyperlink style: 0563C1, single
        return FakeHyperlink(sheet, rc)

    def Delete(self) -> None:
        for link in self._items():
            self._sheet._links.pop(link._rc, None)


class FakeHyperlink(_Com):
    _com = "Hyperlink"

    def __init__(self, sheet: FakeWorksheet, rc: tuple[int, int]) -> None:
        super().__init__(sheet._app)
        self._sheet, self._rc = sheet, rc

    def _link_prop(attr: str) -> property:
        def get(self: FakeHyperlink) -> str:
            return getattr(self._sheet._links[self._rc], attr)

        def put(self: FakeHyperlink, v: str) -> None:
            setattr(self._sheet._links[self._rc], attr, v)
            if attr == "text":
                _store(self._sheet, self._rc, v)
        return property(get, put)

    Address = _link_prop("address")
    SubAddress = _link_prop("sub_address")
    ScreenTip = _link_prop("screen_tip")
    TextToDisplay = _link_prop("text")

    @property
    def Range(self) -> FakeRange:
        r, c = self._rc
        return FakeRange(self._sheet, [(r, c, r, c)])

    def Delete(self) -> None:
        del self._sheet._links[self._rc]


class _NameData:
    def __init__(self, name: str, refers_to: str, visible: bool = True) -> None:
        self.name, self.refers_to, self.visible = name, refers_to, visible

    def range(self, book: FakeWorkbook) -> FakeRange | None:
        sheet_name, ref = _split_sheet(self.refers_to.lstrip("="))
        sheet = book._sheet(sheet_name) if sheet_name else None
        if sheet is None:
            return None
        areas = [parse_area(p) for p in ref.split(",")]
        return None if None in areas else sheet._range(areas)  # type: ignore[arg-type]


class FakeNames(_Collection):
    _com = "Names"

    def __init__(self, book: FakeWorkbook, store: list[_NameData],
                 sheet: FakeWorksheet | None = None) -> None:
        super().__init__(book._app)
        self._book, self._store, self._sheet = book, store, sheet

    def _items(self) -> list[FakeName]:
        return [FakeName(self._book, n, self._store)
                for n in sorted(self._store, key=lambda n: n.name.casefold())]

    def _key(self, item: FakeName) -> str:
        return item._data.name

    def Add(self, Name: str, RefersTo: Any = None, Visible: bool = True, *args: Any,
            **kwargs: Any) -> FakeName:
        if not re.fullmatch(r"[A-Za-z_\\][A-Za-z0-9_.\\]*", Name or "") or parse_area(Name):
            raise xl_error("The syntax of this name isn't correct.")
        if isinstance(RefersTo, FakeRange):
            sheet = RefersTo._sheet
            RefersTo = f"={quote_sheet(sheet._name)}!{RefersTo._addr()}"
        elif isinstance(RefersTo, str) and not RefersTo.startswith("="):
            RefersTo = "=" + RefersTo
        self._store[:] = [n for n in self._store if n.name.casefold() != Name.casefold()]
        data = _NameData(Name, RefersTo or "", bool(Visible))
        self._store.append(data)
        return FakeName(self._book, data, self._store)


class FakeName(_Com):
    _com = "Name"

    def __init__(self, book: FakeWorkbook, data: _NameData, store: list[_NameData]) -> None:
        super().__init__(book._app)
        self._book, self._data, self._store = book, data, store

    @property
    def Name(self) -> str:
        return self._data.name

    @Name.setter
    def Name(self, v: str) -> None:
        self._data.name = v

    @property
    def RefersTo(self) -> str:
        return self._data.refers_to

    @RefersTo.setter
    def RefersTo(self, v: str) -> None:
        self._data.refers_to = v if v.startswith("=") else "=" + v

    @property
    def RefersToRange(self) -> FakeRange:
        rng = self._data.range(self._book)
        if rng is None:
            raise xl_error("Application-defined or object-defined error")
        return rng

    @property
    def Visible(self) -> bool:
        return self._data.visible

    def Delete(self) -> None:
        self._store.remove(self._data)


class FakePageSetup(_Com):
    _com = "PageSetup"

    def __init__(self, sheet: FakeWorksheet) -> None:
        super().__init__(sheet._app)
        self._sheet = sheet

    def _page(key: str, check: Callable[[Any], bool]) -> property:
        def get(self: FakePageSetup) -> Any:
            return self._sheet._page[key]

        def put(self: FakePageSetup, v: Any) -> None:
            if not check(v):
                raise xl_error(f"Unable to set the {key} property of the PageSetup class")
            self._sheet._page[key] = v
        return property(get, put)

    Orientation = _page("Orientation", lambda v: v in (1, 2))
    Zoom = _page("Zoom", lambda v: v is False or (not isinstance(v, bool) and 10 <= v <= 400))
    FitToPagesWide = _page("FitToPagesWide", lambda v: v is False or int(v) >= 1)
    FitToPagesTall = _page("FitToPagesTall", lambda v: v is False or int(v) >= 1)
    PaperSize = _page("PaperSize", lambda v: isinstance(v, int))
    CenterHorizontally = _page("CenterHorizontally", lambda v: isinstance(v, bool))
    LeftMargin = _page("LeftMargin", lambda v: 0 <= float(v) < 1000)
    RightMargin = _page("RightMargin", lambda v: 0 <= float(v) < 1000)
    TopMargin = _page("TopMargin", lambda v: 0 <= float(v) < 1000)
    BottomMargin = _page("BottomMargin", lambda v: 0 <= float(v) < 1000)
    FooterMargin = _page("FooterMargin", lambda v: 0 <= float(v) < 1000)
    # Excel: "The text string you entered is too long" past 255 characters a section
    LeftFooter = _page("LeftFooter", lambda v: isinstance(v, str) and len(v) <= 255)
    CenterFooter = _page("CenterFooter", lambda v: isinstance(v, str) and len(v) <= 255)
    RightFooter = _page("RightFooter", lambda v: isinstance(v, str) and len(v) <= 255)

    def _ref(key: str, whole: str | None) -> property:
        def get(self: FakePageSetup) -> str:
            return self._sheet._page[key]

        def put(self: FakePageSetup, v: str) -> None:
            if v in ("", None, False):
                self._sheet._page[key] = ""
                return
            areas = self._sheet._parse(str(v))
            for a in areas:
                if (whole == "rows" and (a[1], a[3]) != (1, MAX_COL)) or (
                        whole == "columns" and (a[0], a[2]) != (1, MAX_ROW)):
                    raise xl_error(f"Unable to set the {key} property of the PageSetup class")
            self._sheet._page[key] = ",".join(area_address(a) for a in areas)
        return property(get, put)

    PrintArea = _ref("PrintArea", None)
    PrintTitleRows = _ref("PrintTitleRows", "rows")
    PrintTitleColumns = _ref("PrintTitleColumns", "columns")


class FakeTab(_Com):
    _com = "Tab"

    def __init__(self, sheet: FakeWorksheet) -> None:
        super().__init__(sheet._app)
        self._sheet = sheet

    @property
    def Color(self) -> int | bool:
        return False if self._sheet._tab is None else self._sheet._tab

    @Color.setter
    def Color(self, v: int | bool) -> None:
        self._sheet._tab = None if v is False else int(v)

    @property
    def ColorIndex(self) -> int:
        return XL_NONE if self._sheet._tab is None else 1

    @ColorIndex.setter
    def ColorIndex(self, v: int) -> None:
        if v != XL_NONE:
            raise MissingMember("Tab", "ColorIndex (palette colours)", put=True)
        self._sheet._tab = None


class FakeAutoFilter(_Com):
    _com = "AutoFilter"

    def __init__(self, sheet: FakeWorksheet) -> None:
        super().__init__(sheet._app)
        self._sheet = sheet

    @property
    def Range(self) -> FakeRange:
        return self._sheet._range([self._sheet._autofilter])


# --- charts ---------------------------------------------------------------------------------------

CHART_TYPES = {5: "pie", 51: "column_clustered", 57: "bar_clustered", 4: "line",
               65: "line_markers",
               -4120: "doughnut", 1: "area", -4169: "xy_scatter", 69: "pie_exploded",
               -4102: "3d_pie", 52: "column_stacked", 58: "bar_stacked"}


class FakeChartObjects(_Collection):
    _com = "ChartObjects"

    def __init__(self, sheet: FakeWorksheet) -> None:
        super().__init__(sheet._app)
        self._sheet = sheet

    def _items(self) -> list[FakeChartObject]:
        return list(self._sheet._charts)

    @property
    def Parent(self) -> FakeWorksheet:
        return self._sheet

    def Add(self, Left: float, Top: float, Width: float, Height: float) -> FakeChartObject:
        sheet = self._sheet
        sheet._chart_seq += 1
        obj = FakeChartObject(sheet, f"Chart {sheet._chart_seq}",
                              [float(Left), float(Top), float(Width), float(Height)])
        sheet._charts.append(obj)
        return obj


class FakeChartObject(_Com):
    _com = "ChartObject"

    def __init__(self, sheet: FakeWorksheet, name: str, box: list[float]) -> None:
        super().__init__(sheet._app)
        self._sheet, self._name, self._box = sheet, name, box
        self._chart = FakeChart(self)

    def _live(self) -> FakeChartObject:
        if self not in self._sheet._charts:
            raise com_error(-2147417848, "The object invoked has disconnected from its "
                            "clients.", None, None)
        return self

    def _pos(i: int) -> property:
        def get(self: FakeChartObject) -> float:
            return self._live()._box[i]

        def put(self: FakeChartObject, v: float) -> None:
            self._live()._box[i] = float(v)
        return property(get, put)

    Left, Top, Width, Height = _pos(0), _pos(1), _pos(2), _pos(3)

    @property
    def Name(self) -> str:
        return self._live()._name

    @Name.setter
    def Name(self, v: str) -> None:
        self._live()._name = v

    @property
    def Chart(self) -> FakeChart:
        return self._live()._chart

    @property
    def Parent(self) -> FakeWorksheet:
        return self._sheet

    @property
    def TopLeftCell(self) -> FakeRange:
        r, c = _cell_at(self._sheet, self._box[0], self._box[1])
        return FakeRange(self._sheet, [(r, c, r, c)])

    def Delete(self) -> None:
        self._sheet._charts.remove(self._live())


def _cell_at(sheet: FakeWorksheet, left: float, top: float) -> tuple[int, int]:
    c, x = 1, 0.0
    while x + width_points(sheet._widths.get(c, _DEFAULT_WIDTH)) <= left and c < MAX_COL:
        x += width_points(sheet._widths.get(c, _DEFAULT_WIDTH))
        c += 1
    r, y = 1, 0.0
    while y + sheet._heights.get(r, _DEFAULT_HEIGHT) <= top and r < MAX_ROW:
        y += sheet._heights.get(r, _DEFAULT_HEIGHT)
        r += 1
    return r, c


class _SeriesData:
    def __init__(self, values: Any, xvalues: Any = None, name: Any = None) -> None:
        self.values, self.xvalues, self.name = values, xvalues, name
        self.fill: int | None = None
        self.points: dict[int, int] = {}
        self.labels: dict[str, Any] | None = None
        self.line: int | None = None  # a line series' colour (Format.Line.ForeColor.RGB)
        self.marker_back: int | None = None
        self.marker_fore: int | None = None


class FakeChart(_Com):
    _com = "Chart"

    def __init__(self, obj: FakeChartObject) -> None:
        super().__init__(obj._app)
        self._obj = obj
        self._type, self._style, self._plot_by = 51, 201, 2
        self._title: str | None = None
        self._legend: int | None = -4152
        self._series: list[_SeriesData] = []
        self._source: FakeRange | None = None

    def _prop(attr: str, check: Callable[[Any], bool] = lambda v: True) -> property:
        def get(self: FakeChart) -> Any:
            return getattr(self, attr)

        def put(self: FakeChart, v: Any) -> None:
            if not check(v):
                raise xl_error(f"Unable to set the {attr[1:]} property of the Chart class")
            setattr(self, attr, v)
        return property(get, put)

    ChartType = _prop("_type", lambda v: isinstance(v, int))
    ChartStyle = _prop("_style", lambda v: isinstance(v, int))
    PlotBy = _prop("_plot_by", lambda v: v in (1, 2))

    @property
    def Name(self) -> str:
        return f"{self._obj._sheet._name} {self._obj._name}"

    @property
    def Parent(self) -> FakeChartObject:
        return self._obj

    @property
    def HasTitle(self) -> bool:
        return self._title is not None

    @HasTitle.setter
    def HasTitle(self, v: bool) -> None:
        self._title = (self._title or "Chart Title") if v else None

    @property
    def ChartTitle(self) -> FakeChartTitle:
        if self._title is None:
            raise xl_error("Unable to get the ChartTitle property of the Chart class")
        return FakeChartTitle(self)

    @property
    def HasLegend(self) -> bool:
        return self._legend is not None

    @HasLegend.setter
    def HasLegend(self, v: bool) -> None:
        self._legend = (self._legend or -4152) if v else None

    @property
    def Legend(self) -> FakeLegend:
        if self._legend is None:
            raise xl_error("Unable to get the Legend property of the Chart class")
        return FakeLegend(self)

    def SetSourceData(self, Source: Any, PlotBy: int | None = None) -> None:
        if not isinstance(Source, FakeRange):
            raise xl_error("SetSourceData method of Chart class failed")
        self._source, self._series = Source, []
        sheet, (r1, c1, r2, c2) = Source._sheet, Source._areas[0]
        by_cols = PlotBy == 2 if PlotBy else (r2 - r1 >= c2 - c1)
        if not by_cols:  # work on the transposed box with the same code
            r1, c1, r2, c2 = c1, r1, c2, r2

        def cell(r: int, c: int) -> Any:
            return sheet._cells.get((r, c) if by_cols else (c, r))

        def box(ra: int, ca: int, rb: int, cb: int) -> FakeRange:
            return sheet._range([(ra, ca, rb, cb) if by_cols else (ca, ra, cb, rb)])
        cats = c2 > c1 and all(not isinstance(cell(r, c1), (int, float)) for r in
                               range(r1 + 1, r2 + 1))
        heads = r2 > r1 and all(isinstance(cell(r1, c), str) for c in range(c1 + cats, c2 + 1))
        top = r1 + heads
        for c in range(c1 + cats, c2 + 1):
            self._series.append(_SeriesData(
                box(top, c, r2, c), box(top, c1, r2, c1) if cats else None,
                cell(r1, c) if heads else None))
        self._plot_by = 2 if by_cols else 1

    def SeriesCollection(self, Index: int | None = None) -> Any:
        coll = FakeSeriesCollection(self)
        return coll if Index is None else type(coll).Item(coll, Index)  # one Invoke


class FakeChartTitle(_Com):
    _com = "ChartTitle"

    def __init__(self, chart: FakeChart) -> None:
        super().__init__(chart._app)
        self._chart = chart

    @property
    def Text(self) -> str:
        return self._chart._title or ""

    @Text.setter
    def Text(self, v: str) -> None:
        self._chart._title = str(v)

    Caption = Text


class FakeLegend(_Com):
    _com = "Legend"

    def __init__(self, chart: FakeChart) -> None:
        super().__init__(chart._app)
        self._chart = chart

    @property
    def Position(self) -> int:
        return self._chart._legend or -4152

    @Position.setter
    def Position(self, v: int) -> None:
        if v not in (-4107, -4131, -4152, -4160, 2, -4161):
            raise xl_error("Unable to set the Position property of the Legend class")
        self._chart._legend = v

    def Delete(self) -> None:
        self._chart._legend = None


class FakeSeriesCollection(_Collection):
    _com = "SeriesCollection"

    def __init__(self, chart: FakeChart) -> None:
        super().__init__(chart._app)
        self._chart = chart

    def _items(self) -> list[FakeSeries]:
        return [FakeSeries(self._chart, s) for s in self._chart._series]

    def _key(self, item: FakeSeries) -> str:
        return str(item._name())

    def NewSeries(self) -> FakeSeries:
        data = _SeriesData(())
        self._chart._series.append(data)
        return FakeSeries(self._chart, data)


def _series_values(ref: Any) -> tuple:
    if isinstance(ref, FakeRange):
        return tuple(_com_value(ref._sheet._cells.get(rc), False) for rc in ref._cells())
    return tuple(ref or ())


class FakeSeries(_Com):
    _com = "Series"

    def __init__(self, chart: FakeChart, data: _SeriesData) -> None:
        super().__init__(chart._app)
        self._chart, self._data = chart, data

    def _name(self) -> str:
        d = self._data
        return str(d.name) if d.name else f"Series{self._chart._series.index(d) + 1}"

    @property
    def Name(self) -> str:
        return self._name()

    @Name.setter
    def Name(self, v: str) -> None:
        self._data.name = v

    def _ref(attr: str) -> property:
        def get(self: FakeSeries) -> tuple:
            ref = getattr(self._data, attr)
            if ref is None:  # Excel numbers the categories itself
                return tuple(float(i) for i in range(1, len(self._points()) + 1))
            return _series_values(ref)

        def put(self: FakeSeries, v: Any) -> None:
            if not isinstance(v, (FakeRange, list, tuple)):
                raise xl_error(f"Unable to set the {attr} property of the Series class")
            setattr(self._data, attr, v)
        return property(get, put)

    Values = _ref("values")
    XValues = _ref("xvalues")

    def _points(self) -> tuple:
        return _series_values(self._data.values)

    @property
    def Format(self) -> FakeChartFormat:
        return FakeChartFormat(self._app, self._data, None)

    def Points(self, Index: int | None = None) -> Any:
        coll = FakePoints(self)
        return coll if Index is None else type(coll).Item(coll, Index)  # one Invoke

    def _marker(attr: str) -> property:
        def get(self: FakeSeries) -> int:
            v = getattr(self._data, attr)
            return 0xC47244 if v is None else v

        def put(self: FakeSeries, v: int) -> None:
            if self._chart._type not in (65, 66, 67, -4169):  # line/scatter with markers
                raise xl_error("Unable to set the MarkerBackgroundColor property of the "
                               "Series class")
            setattr(self._data, attr, int(v))
        return property(get, put)

    MarkerBackgroundColor = _marker("marker_back")
    MarkerForegroundColor = _marker("marker_fore")

    @property
    def HasDataLabels(self) -> bool:
        return self._data.labels is not None

    @HasDataLabels.setter
    def HasDataLabels(self, v: bool) -> None:
        self._data.labels = (self._data.labels or {"ShowValue": True}) if v else None

    _LABEL_TYPES: ClassVar[dict[int, dict[str, bool]]] = {
        2: {"ShowValue": True}, 3: {"ShowPercentage": True}, 4: {"ShowCategoryName": True},
        5: {"ShowCategoryName": True, "ShowPercentage": True}}

    def ApplyDataLabels(self, Type: int = 2, *args: Any, **kwargs: Any) -> bool:
        """xlDataLabelsShowNone (-4142) takes the labels off; ShowValue (2), ShowPercent (3,
        pies), ShowLabel (4), ShowLabelAndPercent (5) show just that part. The other
        arguments (legend key, leader lines, separator...) are not modelled."""
        if args or kwargs:
            raise MissingMember("Series", "ApplyDataLabels (arguments after Type)")
        if Type == XL_NONE:
            self._data.labels = None
        elif Type in self._LABEL_TYPES:
            self._data.labels = {"ShowValue": False, **self._LABEL_TYPES[Type]}
        else:
            raise xl_error("ApplyDataLabels method of Series class failed")
        return True

    def DataLabels(self, Index: int | None = None) -> FakeDataLabels:
        if Index is not None:
            raise MissingMember("Series", "DataLabels(Index) (one point's label)")
        return FakeDataLabels(self)

    def Delete(self) -> None:
        self._chart._series.remove(self._data)


class FakePoints(_Collection):
    _com = "Points"

    def __init__(self, series: FakeSeries) -> None:
        super().__init__(series._app)
        self._series = series

    def _items(self) -> list[FakePoint]:
        return [FakePoint(self._series, i) for i in range(1, len(self._series._points()) + 1)]

    def Item(self, Index: int) -> FakePoint:
        if not isinstance(Index, int) or not 1 <= Index <= len(self._series._points()):
            raise xl_error("Invalid Parameter")
        return FakePoint(self._series, Index)


class FakePoint(_Com):
    _com = "Point"

    def __init__(self, series: FakeSeries, index: int) -> None:
        super().__init__(series._app)
        self._series, self._index = series, index

    @property
    def Format(self) -> FakeChartFormat:
        return FakeChartFormat(self._app, self._series._data, self._index)

    @property
    def Interior(self) -> FakeChartInterior:
        return FakeChartInterior(self._app, self._series._data, self._index)


class FakeChartInterior(_Com):
    """A chart element's classic fill (``Point.Interior``): the same colour as
    ``Format.Fill.ForeColor.RGB``."""

    _com = "Interior"

    def __init__(self, app: FakeExcel, data: _SeriesData, point: int) -> None:
        super().__init__(app)
        self._data, self._point = data, point

    @property
    def Color(self) -> int:
        color = self._data.points.get(self._point, self._data.fill)
        return 0xC47244 if color is None else color  # accent1 until set

    @Color.setter
    def Color(self, v: int) -> None:
        if not 0 <= int(v) <= 0xFFFFFF:
            raise xl_error("Unable to set the Color property of the Interior class")
        self._data.points[self._point] = int(v)


class FakeChartFormat(_Com):
    _com = "ChartFormat"

    def __init__(self, app: FakeExcel, data: _SeriesData, point: int | None) -> None:
        super().__init__(app)
        self._data, self._point = data, point

    @property
    def Fill(self) -> FakeFillFormat:
        return FakeFillFormat(self)

    @property
    def Line(self) -> FakeLineFormat:
        if self._point is not None:
            raise MissingMember("Point.Format", "Line (one point's line)")
        return FakeLineFormat(self)


class FakeLineFormat(_Com):
    """A series' line (``Series.Format.Line``): its colour through ``ForeColor.RGB``."""

    _com = "LineFormat"

    def __init__(self, fmt: FakeChartFormat) -> None:
        super().__init__(fmt._app)
        self._fmt = fmt

    @property
    def ForeColor(self) -> FakeLineColor:
        return FakeLineColor(self._fmt)


class FakeLineColor(_Com):
    _com = "ColorFormat"

    def __init__(self, fmt: FakeChartFormat) -> None:
        super().__init__(fmt._app)
        self._fmt = fmt

    @property
    def RGB(self) -> int:
        color = self._fmt._data.line
        return 0xC47244 if color is None else color  # accent1 until set

    @RGB.setter
    def RGB(self, v: int) -> None:
        if not 0 <= int(v) <= 0xFFFFFF:
            raise xl_error("The specified value is out of range.")
        self._fmt._data.line = int(v)


class FakeFillFormat(_Com):
    _com = "FillFormat"

    def __init__(self, fmt: FakeChartFormat) -> None:
        super().__init__(fmt._app)
        self._fmt = fmt

    @property
    def ForeColor(self) -> FakeColorFormat:
        return FakeColorFormat(self._fmt)

    @property
    def Visible(self) -> int:
        return -1

    @Visible.setter
    def Visible(self, v: int) -> None:
        pass

    def Solid(self) -> None:
        pass


class FakeColorFormat(_Com):
    _com = "ColorFormat"

    def __init__(self, fmt: FakeChartFormat) -> None:
        super().__init__(fmt._app)
        self._fmt = fmt

    @property
    def RGB(self) -> int:
        d, p = self._fmt._data, self._fmt._point
        color = d.points.get(p, d.fill) if p is not None else d.fill
        return 0xC47244 if color is None else color  # accent1 until set

    @RGB.setter
    def RGB(self, v: int) -> None:
        d, p = self._fmt._data, self._fmt._point
        if p is None:
            d.fill = int(v)
        else:
            d.points[p] = int(v)


class FakeDataLabels(_Com):
    _com = "DataLabels"

    def __init__(self, series: FakeSeries) -> None:
        super().__init__(series._app)
        self._series = series

    def _flag(key: str) -> property:
        def get(self: FakeDataLabels) -> Any:
            labels = self._series._data.labels
            return False if labels is None else labels.get(key, False)

        def put(self: FakeDataLabels, v: Any) -> None:
            data = self._series._data
            if data.labels is None:  # showing any part of a label creates the labels
                if not v:
                    return
                data.labels = {}
            data.labels[key] = v
        return property(get, put)

    ShowPercentage = _flag("ShowPercentage")
    ShowValue = _flag("ShowValue")
    ShowCategoryName = _flag("ShowCategoryName")
    ShowSeriesName = _flag("ShowSeriesName")
    ShowLegendKey = _flag("ShowLegendKey")
    Position = _flag("Position")
    NumberFormat = _flag("NumberFormat")

    def Delete(self) -> None:
        self._series._data.labels = None


# --- openpyxl in, what a user sees out ----------------------------------------------------------

_H_ALIGN = {"general": 1, "left": -4131, "center": -4108, "right": -4152, "fill": 5,
            "justify": -4130, "centerContinuous": 7, "distributed": -4117}
_V_ALIGN = {"top": -4160, "center": -4108, "bottom": -4107, "justify": -4130,
            "distributed": -4117}
_LINE = {"thin": (1, 2), "medium": (1, -4138), "thick": (1, 4), "hair": (1, 1),
         "dashed": (-4115, 2), "dotted": (-4118, 2), "double": (-4119, 4),
         "dashDot": (4, 2), "dashDotDot": (5, 2), "mediumDashed": (-4115, -4138),
         "slantDashDot": (13, -4138), "mediumDashDot": (4, -4138),
         "mediumDashDotDot": (5, -4138)}
_THEME_ORDER = ("lt1", "dk1", "lt2", "dk2", "accent1", "accent2", "accent3", "accent4",
                "accent5", "accent6", "hlink", "folHlink")
_OFFICE_THEME = {"dk1": "000000", "lt1": "FFFFFF", "dk2": "44546A", "lt2": "E7E6E6",
                 "accent1": "4472C4", "accent2": "ED7D31", "accent3": "A5A5A5",
                 "accent4": "FFC000", "accent5": "5B9BD5", "accent6": "70AD47",
                 "hlink": "0563C1", "folHlink": "954F72"}


def bgr(hex_rgb: str) -> int:
    """'RRGGBB' (or 'AARRGGBB', '#RRGGBB') -> Excel's BGR int."""
    h = hex_rgb.lstrip("#")[-6:]
    return int(h[0:2], 16) + (int(h[2:4], 16) << 8) + (int(h[4:6], 16) << 16)


def rgb_hex(color: int) -> str:
    """Excel's BGR int -> 'RRGGBB'."""
    return f"{color & 0xFF:02X}{(color >> 8) & 0xFF:02X}{(color >> 16) & 0xFF:02X}"


def _theme(wb: Any) -> dict[str, str]:
    colors = dict(_OFFICE_THEME)
    if getattr(wb, "loaded_theme", None):
        for key, val in re.findall(rb"<a:(\w+)>\s*<a:(?:srgbClr val|sysClr [^>]*lastClr)="
                                   rb'"([0-9A-Fa-f]{6})"', wb.loaded_theme):
            colors[key.decode()] = val.decode().upper()
    return colors


def _color(c: Any, theme: dict[str, str]) -> int | None:
    from openpyxl.styles.colors import COLOR_INDEX
    if c is None:
        return None
    if c.type == "rgb" and isinstance(c.rgb, str):
        return bgr(c.rgb)
    if c.type == "indexed" and c.indexed is not None and c.indexed < 64:
        return bgr(COLOR_INDEX[c.indexed])
    if c.type == "theme" and c.theme is not None and c.theme < len(_THEME_ORDER):
        h, lum, s = colorsys.rgb_to_hls(*(int(theme[_THEME_ORDER[c.theme]][i:i + 2], 16) / 255
                                          for i in (0, 2, 4)))
        tint = c.tint or 0.0
        lum = lum * (1 + tint) if tint < 0 else lum * (1 - tint) + tint
        return bgr("".join(f"{round(x * 255):02X}" for x in colorsys.hls_to_rgb(h, lum, s)))
    return None


def load_workbook(excel: FakeExcel, wb: Any, name: str, path: str = r"C:\Users\user\Documents",
                  *, vba: bool | dict[str, str] = True) -> FakeWorkbook:
    """Copy an openpyxl workbook into a new fake workbook of ``excel`` (made active): values,
    formulas, dates, errors, notes (with their authors), fills, fonts, alignment, borders,
    number formats, merges, column widths, row heights, hidden rows/columns, panes,
    gridlines, page set-up, tab colours, hyperlinks, autofilter, defined names; and its VBA
    modules (``vba``: True, those of an ``.xlsm`` opened with ``keep_vba=True``; False,
    none; or {module: source})."""
    book = excel.add_workbook(name, path)
    modules = vba if isinstance(vba, dict) else vba_modules(wb) if vba else {}
    for module, source in modules.items():
        book.add_vba_module(module, source)
    book._sheets = []
    theme = _theme(wb)
    for ws in wb.worksheets:
        sheet = FakeWorksheet(book, ws.title)
        book._sheets.append(sheet)
        sheet._visible = {"visible": -1, "hidden": 0, "veryHidden": 2}[ws.sheet_state]
        for row in ws.iter_rows():
            for c in row:
                _load_cell(sheet, c, theme)
        sheet._merges = [(m.min_row, m.min_col, m.max_row, m.max_col)
                         for m in ws.merged_cells.ranges]
        for key, d in ws.column_dimensions.items():
            lo, hi = d.min or col_number(key), d.max or col_number(key)
            for col in range(lo, hi + 1):
                if d.width is not None and d.customWidth:
                    sheet._widths[col] = float(d.width)
                if d.hidden:
                    sheet._hidden_cols.add(col)
        for r, d in ws.row_dimensions.items():
            if d.height is not None:
                sheet._heights[r] = float(d.height)
            if d.hidden:
                sheet._hidden_rows.add(r)
        view, page = sheet._view, sheet._page
        view["DisplayGridlines"] = ws.sheet_view.showGridLines is not False
        view["Zoom"] = ws.sheet_view.zoomScale or 100
        if ws.freeze_panes:
            r, c = _cell_rc(ws.freeze_panes)
            view.update(FreezePanes=True, SplitRow=r - 1, SplitColumn=c - 1)
        if ws.sheet_view.selection and ws.sheet_view.selection[0].activeCell:
            sheet._active_cell = _cell_rc(ws.sheet_view.selection[0].activeCell)
        ps = ws.page_setup
        page["Orientation"] = 2 if ps.orientation == "landscape" else 1
        if ps.paperSize:
            page["PaperSize"] = int(ps.paperSize)
        if ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage:
            page.update(Zoom=False, FitToPagesWide=ps.fitToWidth if ps.fitToWidth else False,
                        FitToPagesTall=ps.fitToHeight if ps.fitToHeight else False)
        if ws.print_area:
            page["PrintArea"] = ",".join(_split_sheet(p)[1] for p in ws.print_area.split(","))
        if ws.print_title_rows:
            page["PrintTitleRows"] = area_address(parse_area(ws.print_title_rows))
        if ws.print_title_cols:
            page["PrintTitleColumns"] = area_address(parse_area(ws.print_title_cols))
        tab = ws.sheet_properties.tabColor
        sheet._tab = _color(tab, theme) if tab is not None else None
        if ws.auto_filter and ws.auto_filter.ref:
            sheet._autofilter = parse_area(ws.auto_filter.ref)
        for n, dn in getattr(ws, "defined_names", {}).items():
            sheet._names.append(_NameData(n, "=" + dn.attr_text))
    for n, dn in wb.defined_names.items():
        book._names.append(_NameData(n, "=" + dn.attr_text))
    book._active = book._sheets[wb.index(wb.active)] if wb.active else book._sheets[0]
    return book


def vba_modules(wb: Any) -> dict[str, str]:
    """Module name -> source of the VBA project of an openpyxl workbook loaded with
    ``keep_vba=True`` (read with pyOpenVBA); {} when it has none."""
    archive = getattr(wb, "vba_archive", None)
    if archive is None or "xl/vbaProject.bin" not in archive.namelist():
        return {}
    from pyopenvba.cfb import CFB
    from pyopenvba.vba import parse_vba_project

    project = parse_vba_project(CFB.from_bytes(archive.read("xl/vbaProject.bin")))
    return {m.name: m.source for m in project.modules}


def _cell_rc(ref: str) -> tuple[int, int]:
    area = parse_area(ref)
    assert area is not None, ref
    return area[0], area[1]


def _load_cell(sheet: FakeWorksheet, c: Any, theme: dict[str, str]) -> None:
    rc = (c.row, c.column)
    v = c.value
    if v is not None:
        if c.data_type == "e":
            v = XlError(str(v))
        elif c.data_type == "f" or (isinstance(v, str) and v.startswith("=")):
            sheet._formulas[rc] = str(getattr(v, "text", v))
            v = _evaluate(sheet._formulas[rc])
        elif isinstance(v, dt.datetime):
            v = v.replace(tzinfo=None)
        elif isinstance(v, dt.date):
            v = dt.datetime(v.year, v.month, v.day)
        elif isinstance(v, dt.time):
            v = dt.datetime.combine(dt.date(1899, 12, 30), v)
        elif isinstance(v, dt.timedelta):
            v = dt.datetime(1899, 12, 30) + v
        sheet._cells[rc] = v
    f: dict[str, Any] = {}
    if c.fill is not None and c.fill.fill_type == "solid":
        f["fill"] = _color(c.fill.fgColor, theme)
    font = c.font
    if font is not None:
        default_ink = font.color is not None and font.color.type == "theme" and (
            font.color.theme == 1 and not font.color.tint)  # openpyxl's default: automatic
        f.update(font_color=None if default_ink else _color(font.color, theme),
                 bold=bool(font.b),
                 italic=bool(font.i), size=float(font.sz or 11), font=font.name or "Calibri",
                 underline=2 if font.u else XL_NONE)
    al = c.alignment
    f.update(halign=_H_ALIGN.get(al.horizontal or "general", 1),
             valign=_V_ALIGN.get(al.vertical or "bottom", -4107), wrap=bool(al.wrap_text),
             number_format=c.number_format or "General")
    for side in ("left", "right", "top", "bottom"):
        b = getattr(c.border, side, None)
        if b is not None and b.style:
            style, weight = _LINE.get(b.style, (1, 2))
            f["border_" + side] = (style, _color(b.color, theme) or 0, weight)
    f = {k: v for k, v in f.items() if _DEFAULT_FMT.get(k, _MISSING) != v}
    if f:
        sheet._fmt[rc] = f
    if c.comment is not None:
        sheet._notes[rc] = _NoteData(c.comment.author or "", c.comment.text or "")
    if c.hyperlink is not None:
        h = c.hyperlink
        sheet._links[rc] = _LinkData(h.target or "", h.location or "", h.tooltip or "",
                                     h.display or "")


_LINE_NAMES = {1: "continuous", -4115: "dash", 4: "dash_dot", 5: "dash_dot_dot", -4118: "dot",
               -4119: "double", 13: "slant_dash_dot"}
_WEIGHTS = {1: "hairline", 2: "thin", -4138: "medium", 4: "thick"}
_H_NAMES = {v: k for k, v in _H_ALIGN.items()}
_V_NAMES = {v: k for k, v in _V_ALIGN.items()}


def _plain_value(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return int(v)
    return str(v) if isinstance(v, XlError) else v


def _ref_text(ref: Any) -> Any:
    if isinstance(ref, FakeRange):
        return f"{quote_sheet(ref._sheet._name)}!{ref._addr()}"
    return None if ref is None else tuple(ref)


def view(book: FakeWorkbook) -> dict[str, Any]:
    """What a user sees, as plain data (no COM calls, not counted)::

        {"name", "order": [sheet names], "active": name, "names": {name: refers_to},
         "sheets": {name: {
            "index", "visible" (True / "hidden" / "very_hidden"),
            "values": {"A1": value} (integral floats as int, dates as datetime, errors as
                      "#N/A"), "formulas": {"A1": "=..."},
            "fills": {"A1": "RRGGBB"}, "font_colors": {"A1": "RRGGBB"},
            "formats": {"A1": {"bold", "italic", "size", "font", "underline", "halign",
                               "valign", "wrap", "number_format",
                               "borders": {"top": (line, "RRGGBB", weight)}}} (non-defaults),
            "notes": {"A1": (author, text)}, "hyperlinks": {"A1": (address, sub_address)},
            "merged": ["A1:C1"], "widths": {"A": chars}, "heights": {row: points},
            "hidden_rows", "hidden_columns",
            "charts": [{"name", "type", "title", "legend", "left", "top", "width", "height",
                        "anchor": "H2", "style", "source": "'Sheet'!$B$2:$B$5",
                        "series": [{"name", "values", "categories", "fill",
                                    "point_colors": {1: "RRGGBB"}, "data_labels"}]}],
            "freeze": "B2" | None, "split": (rows, cols) | None, "scroll": "A1",
            "gridlines", "zoom", "active_cell": "A1", "tab_color": "RRGGBB" | None,
            "autofilter": "$A$1:$D$9" | None,
            "page_setup": {"orientation", "zoom", "fit_wide", "fit_tall", "print_area",
                           "print_title_rows", "print_title_columns", "paper_size",
                           "margins", "footer": (left, centre, right), "footer_margin"}}}}
    """
    out: dict[str, Any] = {
        "name": book._name, "order": [s._name for s in book._sheets],
        "active": book._active._name,
        "names": {n.name: n.refers_to for n in book._names}, "sheets": {}}
    for s in book._sheets:
        fills, fonts, formats = {}, {}, {}
        for (r, c), f in sorted(s._fmt.items()):
            ref = a1(r, c)
            if f.get("fill") is not None:
                fills[ref] = rgb_hex(f["fill"])
            if f.get("font_color") is not None:
                fonts[ref] = rgb_hex(f["font_color"])
            rest = {k: v for k, v in f.items() if k not in ("fill", "font_color")
                    and not k.startswith("border_")}
            if "halign" in rest:
                rest["halign"] = _H_NAMES.get(rest["halign"], rest["halign"])
            if "valign" in rest:
                rest["valign"] = _V_NAMES.get(rest["valign"], rest["valign"])
            if "underline" in rest:
                rest["underline"] = rest["underline"] != XL_NONE
            borders = {k[7:]: (_LINE_NAMES.get(v[0], v[0]), rgb_hex(v[1]),
                               _WEIGHTS.get(v[2], v[2]))
                       for k, v in f.items() if k.startswith("border_")}
            if borders:
                rest["borders"] = borders
            if rest:
                formats[ref] = rest
        v = s._view
        frozen = v["FreezePanes"]
        split = (v["SplitRow"], v["SplitColumn"])
        out["sheets"][s._name] = {
            "index": book._sheets.index(s) + 1,
            "visible": {-1: True, 0: "hidden", 2: "very_hidden"}[s._visible],
            "values": {a1(*rc): _plain_value(x) for rc, x in sorted(s._cells.items())},
            "formulas": {a1(*rc): x for rc, x in sorted(s._formulas.items())},
            "fills": fills, "font_colors": fonts, "formats": formats,
            "notes": {a1(*rc): (n.author, n.text) for rc, n in sorted(s._notes.items())},
            "hyperlinks": {a1(*rc): (h.address, h.sub_address)
                           for rc, h in sorted(s._links.items())},
            "merged": [area_address(m, False, False) for m in sorted(s._merges)],
            "widths": {col_letter(c): w for c, w in sorted(s._widths.items())},
            "heights": dict(sorted(s._heights.items())),
            "hidden_rows": sorted(s._hidden_rows), "hidden_columns": sorted(s._hidden_cols),
            "charts": [_chart_view(o) for o in s._charts],
            "freeze": a1(v["ScrollRow"] + split[0], v["ScrollColumn"] + split[1])
            if frozen else None,
            "split": split if any(split) and not frozen else None,
            "scroll": a1(v["ScrollRow"], v["ScrollColumn"]),
            "gridlines": v["DisplayGridlines"], "zoom": v["Zoom"],
            "active_cell": a1(*s._active_cell),
            "tab_color": None if s._tab is None else rgb_hex(s._tab),
            "autofilter": area_address(s._autofilter) if s._autofilter else None,
            "page_setup": {
                "orientation": "landscape" if s._page["Orientation"] == 2 else "portrait",
                "zoom": s._page["Zoom"], "fit_wide": s._page["FitToPagesWide"],
                "fit_tall": s._page["FitToPagesTall"],
                "print_area": s._page["PrintArea"] or None,
                "print_title_rows": s._page["PrintTitleRows"] or None,
                "print_title_columns": s._page["PrintTitleColumns"] or None,
                "paper_size": s._page["PaperSize"],
                "margins": tuple(s._page[k] for k in ("LeftMargin", "RightMargin",
                                                      "TopMargin", "BottomMargin")),
                "footer": (s._page["LeftFooter"], s._page["CenterFooter"],
                           s._page["RightFooter"]),
                "footer_margin": s._page["FooterMargin"]},
        }
    return out


def _chart_view(obj: FakeChartObject) -> dict[str, Any]:
    ch = obj._chart
    left, top, width, height = obj._box
    series = []
    for d in ch._series:
        series.append({
            "name": d.name, "values": _ref_text(d.values), "categories": _ref_text(d.xvalues),
            "fill": None if d.fill is None else rgb_hex(d.fill),
            "point_colors": {i: rgb_hex(c) for i, c in sorted(d.points.items())},
            "line": None if d.line is None else rgb_hex(d.line),
            "markers": None if d.marker_back is None else (rgb_hex(d.marker_back),
                                                           rgb_hex(d.marker_fore)),
            "data_labels": None if d.labels is None else {
                k[4:].lower() if k.startswith("Show") else k.lower(): v
                for k, v in d.labels.items()}})
    return {"name": obj._name, "type": CHART_TYPES.get(ch._type, ch._type), "title": ch._title,
            "legend": ch._legend is not None, "left": left, "top": top, "width": width,
            "height": height, "anchor": a1(*_cell_at(obj._sheet, left, top)),
            "style": ch._style, "source": _ref_text(ch._source), "series": series}
