"""xlsxpatch - a package-patching writer for .xlsx/.xlsm workbooks.

Opens the OPC zip, keeps every part it does not own byte for byte (untouched zip members are
written back as their raw compressed bytes, in their original order), and changes only:

* the ``s`` attribute of cells it colours (+ fonts/fills/xfs appended to styles.xml),
* its own notes in a sheet's comments part and legacy VML drawing,
* whole sheets it owns (given as XML with ``put_sheet_xml``, its formats from
  ``cell_format``, or transplanted from a scratch workbook with ``put_sheet``),
* the workbook / rels / content-type entries those need.

User parts are patched at string level, never re-serialised, so namespace prefixes,
``mc:Ignorable``, ``extLst`` and unknown elements survive.  ``verify()`` checks a result
against its original part by part: parts copied raw are compared as stored, owned parts
parsed by expat without building a tree.  Parsed views (rels, sheets, content types,
styles.xml) are kept until their part is written; written parts can be held deflated
(``pack``) until the package is saved.

    pkg = Package.open("plan.xlsx")
    pkg.sheet_names()
    pkg.set_cell_colours("Plan", {"F14": (fill_rgb, font_rgb), "F15": (None, None)})
    pkg.set_notes("Plan", {"F14": "Behind plan"}, author="cqcxl", size={"F14": (144, 72)})
    pkg.put_sheet("Summary", 0, scratch_xlsx_bytes, activate=True)
    pkg.remove_sheet("History")
    pkg.save("plan.xlsx")                       # atomic
    verify("plan-before.xlsx", "plan.xlsx", pkg.owned())   # [] when all is well

Standard library only (zipfile/zlib/re/xml.etree); Python >= 3.9.
"""
from __future__ import annotations

import bisect
import functools
import html
import itertools
import os
import posixpath
import re
import stat
import struct
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from io import BytesIO
from typing import Union
from urllib.parse import unquote
from xml.etree import ElementTree as ET
from xml.parsers import expat

from .safety import fsync_dir, remove_quietly, umask

__all__ = ["NewPart", "Package", "verify", "XlsxPatchError", "UnsupportedWorkbook"]

# --------------------------------------------------------------------------- constants
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
NS_V = "urn:schemas-microsoft-com:vml"
NS_O = "urn:schemas-microsoft-com:office:office"
NS_X = "urn:schemas-microsoft-com:office:excel"
NS_STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"

RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
RT_OFFICE_DOC = RT + "officeDocument"
RT_WORKSHEET = RT + "worksheet"
RT_STYLES = RT + "styles"
RT_SST = RT + "sharedStrings"
RT_COMMENTS = RT + "comments"
RT_VML = RT + "vmlDrawing"
RT_CALCCHAIN = RT + "calcChain"
RT_TABLE = RT + "table"
RT_PIVOT = RT + "pivotTable"

CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"

CONTENT_TYPES = "[Content_Types].xml"

_WS_ORDER = (
    "sheetPr dimension sheetViews sheetFormatPr cols sheetData sheetCalcPr sheetProtection "
    "protectedRanges scenarios autoFilter sortState dataConsolidate customSheetViews mergeCells "
    "phoneticPr conditionalFormatting dataValidations hyperlinks printOptions pageMargins "
    "pageSetup headerFooter rowBreaks colBreaks customProperties cellWatches ignoredErrors "
    "smartTags drawing legacyDrawing legacyDrawingHF drawingHF picture oleObjects controls "
    "webPublishItems tableParts extLst").split()
_WB_ORDER = (
    "fileVersion fileSharing workbookPr absPath workbookProtection bookViews sheets functionGroups "
    "externalReferences definedNames calcPr oleSize customWorkbookViews pivotCaches smartTagPr "
    "smartTagTypes webPublishing fileRecoveryPr webPublishObjects extLst").split()
_ST_ORDER = ("numFmts fonts fills borders cellStyleXfs cellXfs cellStyles dxfs tableStyles "
             "colors extLst").split()

_MAX_SHEETNAME = 31
_BAD_SHEET_CHARS = set('[]:*?/\\')


class XlsxPatchError(Exception):
    """Something about the request or the package prevents a safe patch."""


class UnsupportedWorkbook(XlsxPatchError):
    """The package uses something this module refuses to patch (it says what)."""


# --------------------------------------------------------------------------- XML lexing
_NAME = r"[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?"
_ATTRS = r"(?:\s+[^\s=/<>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*"
_TOKEN = re.compile(
    rf"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!|<(/?)({_NAME})({_ATTRS})\s*(/?)>", re.S)
_ATTR = re.compile(r"([^\s=/<>]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_DECL_ENC = re.compile(rb"^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']+)[\"']")
_CTRL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _esca(s: str) -> str:
    return _esc(s).replace('"', "&quot;")


def _unesc(s: str) -> str:
    return html.unescape(s) if "&" in s else s


class _El:
    """A top-level element found by string scanning: positions are absolute offsets."""
    __slots__ = ("qname", "local", "start", "head_end", "end", "empty", "attrs_text", "_attrs")

    def __init__(self, qname, start, head_end, empty, attrs_text):
        self.qname = qname
        self.local = qname.rpartition(":")[2]
        self.start = start
        self.head_end = head_end
        self.end = head_end if empty else None
        self.empty = empty
        self.attrs_text = attrs_text
        self._attrs: dict[str, str] | None = None

    @property
    def prefix(self) -> str:
        return self.qname[: -len(self.local)]

    def attrs(self) -> dict[str, str]:
        if self._attrs is None:  # parsed once: the content types are asked about often
            self._attrs = {m.group(1): _unesc(m.group(2) if m.group(2) is not None else m.group(3))
                           for m in _ATTR.finditer(self.attrs_text)}
        return dict(self._attrs)

    def close_start(self, text: str) -> int:
        """Offset of this element's end tag (or of '/>' if empty)."""
        if self.empty:
            return text.rfind("/", self.start, self.head_end)
        return text.rfind("</", self.start, self.end)

    def inner(self, text: str) -> str:
        return "" if self.empty else text[self.head_end:self.close_start(text)]


def _check_token(m) -> None:
    if m.group(2) is None and m.group(0) == "<!":
        raise UnsupportedWorkbook("XML part contains a DOCTYPE/ENTITY declaration; refused")


def _root(text: str) -> _El:
    for m in _TOKEN.finditer(text):
        _check_token(m)
        if m.group(2) is not None and not m.group(1):
            el = _El(m.group(2), m.start(), m.end(), bool(m.group(4)), m.group(3))
            if not el.empty:
                el.end = len(text.rstrip())
            return el
    raise XlsxPatchError("no root element")


def _children(text: str, start: int, end: int, skip: Sequence[str] = ()) -> list[_El]:
    """Top-level elements in text[start:end] (the content of one element)."""
    out: list[_El] = []
    depth = 0
    cur: _El | None = None
    pos = start
    search = _TOKEN.search
    while True:
        m = search(text, pos, end)
        if not m:
            break
        pos = m.end()
        qname = m.group(2)
        if qname is None:
            _check_token(m)
            continue
        if m.group(1):
            depth -= 1
            if depth == 0 and cur is not None:
                cur.end = m.end()
                out.append(cur)
                cur = None
            continue
        empty = bool(m.group(4))
        if depth == 0:
            cur = _El(qname, m.start(), m.end(), empty, m.group(3))
            if empty:
                out.append(cur)
                cur = None
                continue
            if cur.local in skip:
                close = text.find("</" + qname, m.end(), end)
                if close < 0:
                    raise XlsxPatchError(f"unclosed <{qname}>")
                cur.end = text.find(">", close) + 1
                out.append(cur)
                pos = cur.end
                cur = None
                continue
            depth = 1
        elif not empty:
            depth += 1
    if depth:
        raise XlsxPatchError("not well-formed XML (unclosed element)")
    return out


def _kids(text: str, el: _El, skip: Sequence[str] = ()) -> list[_El]:
    if el.empty:
        return []
    return _children(text, el.head_end, el.close_start(text), skip)


def _nsmap(el: _El) -> dict[str, str]:
    """prefix ('' for default) -> uri, from xmlns declarations on one start tag."""
    ns = {}
    for k, v in el.attrs().items():
        if k == "xmlns":
            ns[""] = v
        elif k.startswith("xmlns:"):
            ns[k[6:]] = v
    return ns


def _prefix_for(ns: dict[str, str], uri: str) -> str | None:
    for p, u in ns.items():
        if u == uri:
            return p + ":" if p else ""
    return None


def _set_attr(tag: str, name: str, value: str | None, after: str | None = None) -> str:
    """Set / replace / (value None) delete one attribute in a start tag, touching nothing else."""
    for m in _ATTR.finditer(tag):
        if m.group(1) == name:
            if value is None:
                s = m.start()
                while s > 0 and tag[s - 1].isspace():
                    s -= 1
                return tag[:s] + tag[m.end():]
            q = tag[m.end() - 1]
            val = _esca(value) if q == '"' else _esca(value).replace("'", "&apos;")
            vs = m.start(2) if m.group(2) is not None else m.start(3)
            ve = m.end(2) if m.group(2) is not None else m.end(3)
            return tag[:vs] + val + tag[ve:]
    if value is None:
        return tag
    ins = f' {name}="{_esca(value)}"'
    if after:
        for m in _ATTR.finditer(tag):
            if m.group(1) == after:
                return tag[:m.end()] + ins + tag[m.end():]
    # before '/>' or '>' at the end, keeping whitespace before it
    e = len(tag) - (2 if tag.endswith("/>") else 1)
    while e > 0 and tag[e - 1].isspace():
        e -= 1
    return tag[:e] + ins + tag[e:]


def _apply_edits(text: str, edits: list[tuple[int, int, str]]) -> str:
    if not edits:
        return text
    edits.sort(key=lambda e: (e[0], e[1]))
    out = []
    pos = 0
    for s, e, r in edits:
        if s < pos:
            raise XlsxPatchError("overlapping edits (internal error)")
        out.append(text[pos:s])
        out.append(r)
        pos = e
    out.append(text[pos:])
    return "".join(out)


def _insert_child(text: str, parent: _El, fragment: str, before: _El | None = None
                  ) -> tuple[int, int, str]:
    """An edit that inserts fragment into parent (before a given child, or at its end)."""
    if before is not None:
        return (before.start, before.start, fragment)
    if parent.empty:
        s = parent.close_start(text)
        while s > parent.start and text[s - 1].isspace():
            s -= 1
        return (s, parent.head_end, ">" + fragment + "</" + parent.qname + ">")
    c = parent.close_start(text)
    return (c, c, fragment)


def _schema_anchor(children: list[_El], order: Sequence[str], local: str) -> _El | None:
    """The first child that must come after an element named `local` in the sequence."""
    rank = {n: i for i, n in enumerate(order)}
    mine = rank[local]
    for ch in children:
        r = rank.get(ch.local)
        if ch.local == "AlternateContent":
            r = None  # decided by its content below
        if r is None:
            continue
        if r > mine:
            return ch
    return None


def _schema_anchor_text(text: str, children: list[_El], order: Sequence[str], local: str
                        ) -> _El | None:
    rank = {n: i for i, n in enumerate(order)}
    mine = rank[local]
    for ch in children:
        if ch.local == "AlternateContent":
            m = re.search(r"<(?:[\w.\-]+:)?Choice\b[^>]*>\s*<(?:[\w.\-]+:)?([\w.\-]+)",
                          text[ch.start:ch.end])
            r = rank.get(m.group(1)) if m else None
        else:
            r = rank.get(ch.local)
        if r is not None and r > mine:
            return ch
    return None


def _canon(raw: str):
    """A comparison key for a small XML fragment (attribute order / empty-tag form ignored)."""
    key = []
    pos = 0
    for m in _TOKEN.finditer(raw):
        t = raw[pos:m.start()].strip()
        if t:
            key.append(("t", _unesc(t)))
        pos = m.end()
        if m.group(2) is None:
            continue
        local = m.group(2).rpartition(":")[2]
        if m.group(1):
            key.append(("e", local))
            continue
        attrs = tuple(sorted((a.group(1).rpartition(":")[2], _unesc(a.group(2) if a.group(2) is not None else a.group(3)))
                             for a in _ATTR.finditer(m.group(3))
                             if not a.group(1).startswith("xmlns")))
        key.append(("s", local, attrs))
        if m.group(4):
            key.append(("e", local))
    return tuple(key)


def _reprefix(raw: str, pfx: str) -> str:
    """Put a prefix on every unprefixed element name of a fragment (no-op for '')."""
    if not pfx:
        return raw
    return re.sub(r"<(/?)([A-Za-z_][\w.\-]*)(?=[\s/>])", lambda m: "<" + m.group(1) + pfx + m.group(2), raw)


def _parse_xml(data: bytes) -> ET.Element:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise UnsupportedWorkbook("XML part contains a DOCTYPE/ENTITY declaration; refused")
    return ET.fromstring(data)


def _text_of(el_text: str) -> str:
    """Plain text of an rich-text XML fragment (concatenated <t> contents)."""
    return "".join(_unesc(m.group(1)) for m in
                   re.finditer(r"<(?:[\w.\-]+:)?t(?:\s[^>]*)?>(.*?)</(?:[\w.\-]+:)?t\s*>", el_text, re.S))


# --------------------------------------------------------------------------- cell refs
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


@functools.cache
def col_to_num(col: str) -> int:
    n = 0
    for ch in col.upper():
        n = n * 26 + ord(ch) - 64
    return n


def num_to_col(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def parse_ref(ref: str) -> tuple[int, int]:
    """'F14' -> (14, 6) (row, column), 1-based."""
    m = _REF.match(ref.strip())
    if not m:
        raise XlsxPatchError(f"bad cell reference {ref!r}")
    r, c = int(m.group(2)), col_to_num(m.group(1))
    if not (1 <= r <= 1048576 and 1 <= c <= 16384):
        raise XlsxPatchError(f"cell reference out of range {ref!r}")
    return r, c


def _ref(r: int, c: int) -> str:
    return "%s%d" % (num_to_col(c), r)


def _argb(rgb: str) -> str:
    s = rgb.strip().lstrip("#").upper()
    if not re.fullmatch(r"[0-9A-F]{6}|[0-9A-F]{8}", s):
        raise XlsxPatchError(f"bad colour {rgb!r} (want RRGGBB or AARRGGBB)")
    return s if len(s) == 8 else "FF" + s


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _check_sheet_name(name: str) -> None:
    if not name or len(name) > _MAX_SHEETNAME or set(name) & _BAD_SHEET_CHARS \
            or name.startswith("'") or name.endswith("'"):
        raise XlsxPatchError(f"invalid sheet name {name!r}")


# --------------------------------------------------------------------------- zip I/O
_UNCHANGED = object()


class _Member:
    __slots__ = ("info", "raw")

    def __init__(self, info: zipfile.ZipInfo, raw: bytes):
        self.info = info
        self.raw = raw


def _dos_datetime(dt) -> tuple[int, int]:
    y, mo, d, h, mi, s = dt
    if y < 1980:
        y, mo, d, h, mi, s = 1980, 1, 1, 0, 0, 0
    return (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d


def _read_zip(buf: bytes, max_total: int) -> tuple[list[str], dict[str, _Member]]:
    if buf[:4] == b"\xd0\xcf\x11\xe0":
        raise UnsupportedWorkbook("this is an OLE compound file: an encrypted (password-protected) "
                                  "workbook or an old .xls, not an .xlsx package")
    try:
        zf = zipfile.ZipFile(BytesIO(buf))
    except zipfile.BadZipFile as e:
        raise UnsupportedWorkbook(f"not a zip package: {e}") from None
    order: list[str] = []
    members: dict[str, _Member] = {}
    view = memoryview(buf)
    total = 0
    lower = set()
    for info in zf.infolist():
        name = info.filename
        if name.endswith("/"):
            continue  # directory entries carry nothing
        if name.lower() in lower:
            raise UnsupportedWorkbook(f"duplicate zip member {name!r}")
        if name.startswith("/") or ".." in name.split("/") or "\\" in name:
            raise UnsupportedWorkbook(f"unsafe zip member name {name!r}")
        if info.flag_bits & 0x1:
            raise UnsupportedWorkbook(f"encrypted zip member {name!r}")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnsupportedWorkbook("zip member %r uses compression method %d" % (name, info.compress_type))
        if info.file_size >= 0xFFFFFFFF or info.compress_size >= 0xFFFFFFFF or info.header_offset >= 0xFFFFFFFF:
            raise UnsupportedWorkbook("ZIP64 packages (> 4 GiB) are not supported")
        total += info.file_size
        if total > max_total:
            raise UnsupportedWorkbook("package expands to more than %d bytes; refused" % max_total)
        off = info.header_offset
        if buf[off:off + 4] != b"PK\x03\x04":
            raise UnsupportedWorkbook(f"bad local header for {name!r}")
        n, m = struct.unpack("<HH", buf[off + 26:off + 30])
        start = off + 30 + n + m
        raw = view[start:start + info.compress_size]  # a view: the file is not copied again
        lower.add(name.lower())
        order.append(name)
        members[name] = _Member(info, raw)
    if len(order) >= 0xFFFF:
        raise UnsupportedWorkbook("too many zip members")
    return order, members


def _inflate(mem: _Member) -> bytes:
    info = mem.info
    if info.compress_type == zipfile.ZIP_STORED:
        data = bytes(mem.raw)
    else:
        d = zlib.decompressobj(-15)
        data = d.decompress(mem.raw, info.file_size + 1)
        if len(data) > info.file_size:
            raise UnsupportedWorkbook(f"zip member {info.filename!r} is larger than declared")
    if len(data) != info.file_size or (zlib.crc32(data) & 0xFFFFFFFF) != info.CRC:
        raise UnsupportedWorkbook(f"zip member {info.filename!r} is corrupt (size/CRC mismatch)")
    return data


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


class _Packed:
    """A part written by this package and held deflated until it is saved (a 20,000-task
    plan's patched sheets are 20 MB as text, 4 MB packed)."""

    __slots__ = ("raw", "crc", "size")

    def __init__(self, data: bytes):
        self.raw = _deflate(data)
        self.crc = zlib.crc32(data) & 0xFFFFFFFF
        self.size = len(data)

    def data(self) -> bytes:
        return zlib.decompress(self.raw, -15)

    @classmethod
    def stream(cls, chunks: Iterable[bytes]) -> _Packed:
        """Deflate a part as it is produced, chunk by chunk."""
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        raw, crc, size = [], 0, 0
        for chunk in chunks:
            raw.append(c.compress(chunk))
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
        raw.append(c.flush())
        self = cls.__new__(cls)
        self.raw, self.crc, self.size = b"".join(raw), crc & 0xFFFFFFFF, size
        return self


def _write_zip(fp, entries) -> None:
    """entries: iterable of (name, info_or_None, raw_or_None, data_or_None, compress_type)."""
    central = []
    offset = 0
    for name, info, raw, data, ctype in entries:
        bname = name.encode("utf-8")
        flags = 0x800 if not name.isascii() else 0
        if raw is not None:  # byte-for-byte copy of an untouched member
            method = info.compress_type
            crc, csize, usize = info.CRC, info.compress_size, info.file_size
            flags |= info.flag_bits & 0x806
            dt = info.date_time
            made_by = (info.create_system << 8) | min(info.create_version, 63)
            ext_attr = info.external_attr
            payload = raw
        else:
            if isinstance(data, _Packed):  # deflated when it was written
                method, usize, crc, payload = zipfile.ZIP_DEFLATED, data.size, data.crc, data.raw
            else:
                method = ctype
                usize = len(data)
                crc = zlib.crc32(data) & 0xFFFFFFFF
                payload = _deflate(data) if method == zipfile.ZIP_DEFLATED else data
            csize = len(payload)
            if info is not None:
                dt, made_by, ext_attr = info.date_time, (info.create_system << 8) | min(info.create_version, 63), info.external_attr
                flags |= info.flag_bits & 0x800
            else:
                dt, made_by, ext_attr = time.localtime()[:6], 20, 0
        if csize >= 0xFFFFFFFF or usize >= 0xFFFFFFFF or offset >= 0xFFFFFFFF:
            raise UnsupportedWorkbook("result would need ZIP64; refused")
        dtime, ddate = _dos_datetime(dt)
        hdr = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, flags, method, dtime, ddate,
                          crc, csize, usize, len(bname), 0)
        fp.write(hdr)
        fp.write(bname)
        fp.write(payload)
        central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", made_by, 20, flags, method,
                                   dtime, ddate, crc, csize, usize, len(bname), 0, 0, 0, 0,
                                   ext_attr, offset) + bname)
        offset += len(hdr) + len(bname) + len(payload)
    cd = b"".join(central)
    fp.write(cd)
    fp.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(central), len(central), len(cd), offset, 0))


# --------------------------------------------------------------------------- helpers: rels
def _ext(name: str) -> str:
    """Lower-case extension as [Content_Types].xml Defaults see it ('.rels' -> 'rels')."""
    base = posixpath.basename(name)
    return base.rsplit(".", 1)[1].lower() if "." in base else ""


def rels_part_of(part: str) -> str:
    d, f = posixpath.split(part)
    return posixpath.join(d, "_rels", f + ".rels")


def source_of_rels(rels: str) -> str | None:
    d, f = posixpath.split(rels)
    if posixpath.basename(d) != "_rels" or not f.endswith(".rels"):
        return None
    return posixpath.join(posixpath.dirname(d), f[:-5])


def resolve_target(source: str, target: str) -> str:
    target = unquote(target.split("#", 1)[0])
    if target.startswith("/"):
        return posixpath.normpath(target[1:])
    base = posixpath.dirname(source)
    return posixpath.normpath(posixpath.join(base, target)).lstrip("/")


def relative_target(source: str, target: str) -> str:
    base = posixpath.dirname(source) or "."
    return posixpath.relpath(target, base)


class Rel:
    __slots__ = ("id", "type", "target", "external", "part")

    def __init__(self, rid, rtype, target, external, part):
        self.id, self.type, self.target, self.external, self.part = rid, rtype, target, external, part

    def __repr__(self):
        return "Rel({}, {} -> {})".format(self.id, self.type.rsplit("/", 1)[-1], self.part or self.target)


class NewPart:
    """A part written whole below an owned sheet (a drawing, a chart): the relationship to
    it from its parent (id, type), the name wanted (the first free one like it is taken),
    its content type, bytes, and the parts below it."""

    __slots__ = ("rid", "rel_type", "name", "content_type", "data", "children")

    def __init__(self, rid: str, rel_type: str, name: str, content_type: str, data: bytes,
                 children: Sequence[NewPart] = ()):
        self.rid, self.rel_type, self.name = rid, rel_type, name
        self.content_type, self.data, self.children = content_type, data, list(children)


_SHEET_VIEW = re.compile(rf"<(?:[\w.\-]+:)?sheetView\b{_ATTRS}\s*/?>")


class Sheet:
    __slots__ = ("name", "sheet_id", "rid", "part", "state", "index", "kind")

    def __init__(self, name, sheet_id, rid, part, state, index, kind):
        self.name, self.sheet_id, self.rid, self.part = name, sheet_id, rid, part
        self.state, self.index, self.kind = state, index, kind

    def __repr__(self):
        return "Sheet(%r, #%d, %s)" % (self.name, self.index, self.part)


# --------------------------------------------------------------------------- styles
class _Styles:
    """styles.xml with append-only additions (existing entries are never touched)."""
    KINDS = ("numFmts", "fonts", "fills", "borders", "cellXfs", "dxfs")

    def __init__(self, text: str):
        self.text = text
        self.root = _root(text)
        self.pfx = self.root.prefix
        self.top = {c.local: c for c in _kids(text, self.root)}
        self.items: dict[str, list[str]] = {}
        for kind in self.KINDS:
            c = self.top.get(kind)
            self.items[kind] = [text[k.start:k.end] for k in _kids(text, c)] if c is not None else []
        self.added: dict[str, list[str]] = {k: [] for k in self.KINDS}
        self.flushed = 0  # how many of `added` are already in the package's styles.xml
        self._keys: dict[str, dict] = {}
        self._numfmt_ids = None

    # -- generic append with dedupe
    def count(self, kind: str) -> int:
        return len(self.items[kind]) + len(self.added[kind])

    def get(self, kind: str, i: int) -> str:
        n = len(self.items[kind])
        return self.items[kind][i] if i < n else self.added[kind][i - n]

    def add(self, kind: str, raw: str) -> int:
        keys = self._keys.get(kind)
        if keys is None:
            keys = {}
            for i, r in enumerate(self.items[kind]):
                keys.setdefault(_canon(r), i)
            self._keys[kind] = keys
        k = _canon(raw)
        if k in keys:
            return keys[k]
        idx = self.count(kind)
        self.added[kind].append(raw)
        keys[k] = idx
        return idx

    # -- numFmts (keyed by id, not by position)
    def _numfmts(self) -> dict[int, str]:
        if self._numfmt_ids is None:
            self._numfmt_ids = {}
            for raw in self.items["numFmts"]:
                a = _root(raw).attrs()
                try:
                    self._numfmt_ids[int(a.get("numFmtId", "-1"))] = a.get("formatCode", "")
                except ValueError:
                    pass
        return self._numfmt_ids

    def numfmt_id(self, code: str) -> int:
        ids = self._numfmts()
        for i, c in ids.items():
            if c == code:
                return i
        new = max([163] + list(ids)) + 1
        ids[new] = code
        self.added["numFmts"].append('<%snumFmt numFmtId="%d" formatCode="%s"/>' % (self.pfx, new, _esca(code)))
        return new

    def numfmt_code(self, i: int) -> str | None:
        return self._numfmts().get(i)

    # -- building blocks
    def none_fill(self) -> int:
        for i, raw in enumerate(self.items["fills"]):
            k = _canon(raw)
            inner = [x for x in k if x[0] == "s"]
            if len(inner) == 2 and inner[1][1] == "patternFill" and \
                    dict(inner[1][2]).get("patternType", "none") == "none" and len(k) == 4:
                return i
        return self.add("fills", f'<{self.pfx}fill><{self.pfx}patternFill patternType="none"/></{self.pfx}fill>')

    def solid_fill(self, argb: str) -> int:
        return self.add("fills", f'<{self.pfx}fill><{self.pfx}patternFill patternType="solid"><{self.pfx}fgColor rgb="{argb}"/>'
                                 f'<{self.pfx}bgColor indexed="64"/></{self.pfx}patternFill></{self.pfx}fill>')

    def font_with_colour(self, font_id: int, argb: str | None) -> int:
        n = self.count("fonts")
        raw = self.get("fonts", font_id if 0 <= font_id < n else 0) if n else f"<{self.pfx}font/>"
        el = _root(raw)
        kids = _kids(raw, el)
        edits = [(k.start, k.end, "") for k in kids if k.local == "color"]
        if argb is not None:
            colour = f'<{el.prefix}color rgb="{argb}"/>'
            sz = [k for k in kids if k.local == "sz"]
            if sz:
                edits.append((sz[0].end, sz[0].end, colour))
            else:
                edits.append(_insert_child(raw, el, colour, kids[0] if kids else None))
        return self.add("fonts", _apply_edits(raw, edits))

    def clone_xf(self, xf: int, fill: str | None, font: str | None) -> int:
        n = self.count("cellXfs")
        if n == 0:
            raise UnsupportedWorkbook("styles.xml has no cellXfs")
        raw = self.get("cellXfs", xf if 0 <= xf < n else 0)
        el = _root(raw)
        a = el.attrs()
        try:
            font_id = int(a.get("fontId", "0"))
        except ValueError:
            font_id = 0
        new_font = self.font_with_colour(font_id, _argb(font) if font else None)
        new_fill = self.solid_fill(_argb(fill)) if fill else self.none_fill()
        head = raw[:el.head_end]
        for k, v in (("fontId", str(new_font)), ("fillId", str(new_fill)),
                     ("applyFont", "1"), ("applyFill", "1")):
            head = _set_attr(head, k, v)
        return self.add("cellXfs", head + raw[el.head_end:])

    # -- output
    def serialize(self) -> str:
        text = self.text
        edits = []
        for kind in self.KINDS:
            add = self.added[kind]
            if not add:
                continue
            total = len(self.items[kind]) + len(add)
            frag = "".join(add)
            c = self.top.get(kind)
            if c is None:
                anchor = _schema_anchor(list(self.top.values()), _ST_ORDER, kind)
                new = '<%s%s count="%d">%s</%s%s>' % (self.pfx, kind, total, frag, self.pfx, kind)
                edits.append(_insert_child(text, self.root, new, anchor))
                continue
            head = text[c.start:c.head_end]
            if "count" in c.attrs():
                head2 = _set_attr(head, "count", str(total))
            else:
                head2 = head
            if c.empty:
                body = head2[:-2].rstrip() + ">" + frag + "</" + c.qname + ">"
                edits.append((c.start, c.head_end, body))
            else:
                if head2 != head:
                    edits.append((c.start, c.head_end, head2))
                cs = c.close_start(text)
                edits.append((cs, cs, frag))
        return _apply_edits(text, edits)


# --------------------------------------------------------------------------- sheet scanning
class _RowTok:
    __slots__ = ("r", "start", "head_end", "close", "empty", "attrs_text", "cells")

    def __init__(self, r, start, head_end, empty, attrs_text):
        self.r, self.start, self.head_end, self.empty, self.attrs_text = r, start, head_end, empty, attrs_text
        self.close = None
        self.cells = None


_R_ATTR = re.compile(r"(?:^|\s)r\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_CELLREF = re.compile(r"([A-Za-z]{1,3})(\d+)")
_FAST_R = re.compile(r"\s+r\s*=\s*[\"']([A-Z]{1,3})\d+[\"']")


_CELL_TAG = re.compile(rf"<c({_ATTRS})\s*/?>")


def _find_cells(ws: _SheetXML, want: dict[int, dict[int, object]]
                ) -> dict[tuple[int, int], tuple[int, int, str, int]]:
    """The wanted cells found by their address as Excel writes it (``<c r="F14"``), each
    (start, end of its tag, attributes, where they start); a cell not found this way (absent,
    written otherwise, or rows out of order) is left to the row-by-row parse. One search per
    cell instead of tokenising every row: the RAG column of a 20,000-task plan."""
    sd = ws.child("sheetData")
    text = ws.text
    out: dict[tuple[int, int], tuple[int, int, str, int]] = {}
    if ws.pfx or sd is None or sd.empty:
        return out
    lo, hi = sd.head_end, sd.close_start(text)
    if text.find("<!", lo, hi) >= 0:  # comments or CDATA: the careful parse decides
        return out
    pos = lo
    find, match = text.find, _CELL_TAG.match
    for r in sorted(want):
        for c in sorted(want[r]):
            i = find(f'<c r="{num_to_col(c)}{r}"', pos, hi)
            if i < 0:
                continue
            m = match(text, i)
            if m is None:
                continue
            out[(r, c)] = (i, m.end(), m.group(1), m.start(1))
            pos = m.end()
    return out


class _SheetXML:
    def __init__(self, text: str):
        self.text = text
        self.root = _root(text)
        self.pfx = self.root.prefix
        self.ns = _nsmap(self.root)
        self.top = _kids(text, self.root, skip=("sheetData",))
        self.by = {}
        for c in self.top:
            self.by.setdefault(c.local, c)
        if "sheetData" not in self.by:
            raise XlsxPatchError("worksheet has no <sheetData>")

    def child(self, local: str) -> _El | None:
        return self.by.get(local)

    def rows(self, want: set[int] | None = None) -> list[_RowTok]:
        """Row tokens in document order; cells are parsed only for rows in `want`."""
        text = self.text
        sd = self.by["sheetData"]
        if sd.empty:
            return []
        p = re.escape(self.pfx)
        rowpat = re.compile(rf"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<{p}row\b({_ATTRS})\s*(/?)>", re.S)
        cellpat = re.compile(rf"<{p}c\b({_ATTRS})\s*/?>")
        rowclose = f"</{self.pfx}row"
        out: list[_RowTok] = []
        last_r = 0
        pos = sd.head_end
        end = sd.close_start(text)
        search = rowpat.search
        find = text.find
        while True:
            m = search(text, pos, end)
            if not m:
                break
            attrs = m.group(1)
            if attrs is None:  # comment / CDATA between rows
                pos = m.end()
                continue
            rm = _R_ATTR.search(attrs)
            r = int(rm.group(1) or rm.group(2)) if rm else last_r + 1
            last_r = r
            row = _RowTok(r, m.start(), m.end(), bool(m.group(2)), attrs)
            out.append(row)
            if row.empty:
                pos = m.end()
                continue
            close = find(rowclose, m.end(), end)
            if close < 0:
                raise XlsxPatchError("unclosed <row>")
            row.close = close
            pos = find(">", close) + 1
            if want is None or r in want:
                if find("<!", m.end(), close) >= 0:
                    raise UnsupportedWorkbook("sheet row %d contains an XML comment or CDATA; refused" % r)
                cells = []
                last_c = 0
                for cm in cellpat.finditer(text, m.end(), close):
                    ca = cm.group(1)
                    fm = _FAST_R.match(ca)
                    if fm:
                        col = col_to_num(fm.group(1))
                    else:
                        rm = _R_ATTR.search(ca)
                        ref = _CELLREF.fullmatch(rm.group(1) or rm.group(2) or "") if rm else None
                        col = col_to_num(ref.group(1)) if ref else last_c + 1
                    last_c = col
                    cells.append((col, cm.start(), cm.end(), ca, cm.start(1)))
                row.cells = cells
        return out

    def col_styles(self) -> list[tuple[int, int, int]]:
        cols = self.by.get("cols")
        out = []
        if cols is None:
            return out
        for c in _kids(self.text, cols):
            a = c.attrs()
            try:
                out.append((int(a["min"]), int(a["max"]), int(a.get("style", "0")), float(a.get("width", "0") or 0),
                            a.get("hidden") in ("1", "true")))
            except (KeyError, ValueError):
                pass
        return out

    def rel_id_attr(self, el: _El) -> str | None:
        ns = dict(self.ns)
        ns.update(_nsmap(el))
        for k, v in el.attrs().items():
            p, _, local = k.rpartition(":")
            if local == "id" and p and ns.get(p) == NS_R:
                return v
        return None


# --------------------------------------------------------------------------- the package
PathOrBytes = Union[str, os.PathLike, bytes]


#: parts up to this size are kept inflated once read (workbook, rels, content types, styles
#: are asked for again and again); a big part (a sheet) is inflated each time it is read
_CACHE_MAX = 1 << 18


class Package:
    """An OPC package held in memory; untouched members are written back as raw bytes."""

    def __init__(self, order: list[str], members: dict[str, _Member], source: str | None = None):
        self._order = list(order)
        self._orig = members
        self._cur: dict[str, object] = {n: _UNCHANGED for n in order}
        self._cache: dict[str, bytes] = {}
        self.source = source
        if CONTENT_TYPES not in self._cur:
            raise UnsupportedWorkbook("no [Content_Types].xml: not an OPC package")
        self._lower = {n.lower(): n for n in order}
        self._in_order = set(order)
        # Parsed views of parts, each kept with the exact value object it was parsed from
        # (and the count of deletions, which change how a target resolves): a job patches
        # fifty sheets, and re-parsing the workbook, its rels and styles.xml for each was
        # most of the writer's time.
        self._gen = 0
        self._rels_cache: dict[tuple[str, str], tuple[object, int, list[Rel]]] = {}
        self._sheets_cache: tuple[object, object, int, list[Sheet]] | None = None
        self._styles_live: tuple[str, object, _Styles] | None = None
        self._vml_cache: dict[str, tuple[object, list[int]]] = {}
        self._ct_cache: tuple[object, tuple] | None = None

    # ---- opening / reading
    @classmethod
    def open(cls, src: PathOrBytes, max_total_size: int = 2 << 30) -> Package:
        if isinstance(src, (bytes, bytearray, memoryview)):
            buf, path = bytes(src), None
        else:
            path = os.fspath(src)
            with open(path, "rb") as f:
                buf = f.read()
        order, members = _read_zip(buf, max_total_size)
        return cls(order, members, path)

    def names(self) -> list[str]:
        return [n for n in self._order if n in self._cur]

    def has(self, name: str) -> bool:
        return name in self._cur

    def find(self, name: str) -> str | None:
        """Actual member name for a part name, matching case-insensitively as OPC requires."""
        if name in self._cur:
            return name
        n = self._lower.get(name.lower())
        return n if n in self._cur else None

    def read(self, name: str) -> bytes:
        v = self._cur[name]
        if v is _UNCHANGED:
            data = self._cache.get(name)
            if data is None:
                data = _inflate(self._orig[name])
                if len(data) <= _CACHE_MAX:  # a sheet is read once or twice: not kept
                    self._cache[name] = data
            return data
        if isinstance(v, _Packed):
            return v.data()
        return v  # type: ignore[return-value]

    def _head(self, name: str, n: int = 1 << 16) -> bytes:
        """The first `n` bytes (or so) of a part, inflating no more than that and keeping
        nothing."""
        v = self._cur[name]
        if isinstance(v, _Packed):
            return zlib.decompressobj(-15).decompress(v.raw, n)
        if v is not _UNCHANGED:
            return v[:n]  # type: ignore[index]
        cached = self._cache.get(name)
        if cached is not None:
            return cached[:n]
        mem = self._orig[name]
        if mem.info.compress_type == zipfile.ZIP_STORED:
            return bytes(mem.raw[:n])
        return zlib.decompressobj(-15).decompress(mem.raw, n)

    def _chunks(self, name: str, size: int = 1 << 18) -> Iterator[bytes]:
        """A part's bytes a piece at a time, inflated as they are read (an original member
        checked against its size and CRC at the end): a big sheet is never whole in memory."""
        v = self._cur[name]
        if v is not _UNCHANGED and not isinstance(v, _Packed):
            yield v  # type: ignore[misc]
            return
        cached = self._cache.get(name) if v is _UNCHANGED else None
        if cached is not None:
            yield cached
            return
        if isinstance(v, _Packed):
            raw, stored, want = v.raw, False, None
        else:
            mem = self._orig[name]
            raw, stored = mem.raw, mem.info.compress_type == zipfile.ZIP_STORED
            want = (mem.info.file_size, mem.info.CRC)
        d = zlib.decompressobj(-15)
        crc = n = 0
        for i in range(0, len(raw), size):
            piece = bytes(raw[i:i + size]) if stored else d.decompress(raw[i:i + size])
            crc, n = zlib.crc32(piece, crc), n + len(piece)
            if piece:
                yield piece
        if not stored:
            tail = d.flush()
            crc, n = zlib.crc32(tail, crc), n + len(tail)
            if tail:
                yield tail
        if want is not None and (n, crc & 0xFFFFFFFF) != want:
            raise UnsupportedWorkbook(f"zip member {name!r} is corrupt (size/CRC mismatch)")

    def _splice_head(self, name: str, start: int, end: int, new: bytes) -> None:
        """Replace bytes ``start:end`` of a part, both within what :meth:`_head` gives,
        streaming the rest through (a 20,000-row sheet is not inflated whole to change one
        attribute of its sheet view)."""
        v = self._cur[name]
        if v is not _UNCHANGED and not isinstance(v, _Packed):
            self.write(name, v[:start] + new + v[end:])  # type: ignore[index]
            return

        def spliced() -> Iterator[bytes]:
            head = bytearray()
            chunks = self._chunks(name)
            for piece in chunks:
                head += piece
                if len(head) >= end:
                    break
            if len(head) < end:
                raise XlsxPatchError(f"part {name} is shorter than expected")
            yield bytes(head[:start]) + new + bytes(head[end:])
            del head
            yield from chunks

        packed = _Packed.stream(spliced())
        self.write(name, b"")  # the bookkeeping of a write; the content is the stream
        self._cur[name] = packed

    def values(self) -> dict[str, object]:
        """Each part's current value object (to find, with :meth:`written_since`, the parts
        one edit wrote)."""
        return dict(self._cur)

    def written_since(self, values: dict[str, object]) -> set[str]:
        """The parts written (or added) since :meth:`values` gave ``values``."""
        return {n for n, v in self._cur.items() if values.get(n) is not v}

    def pack(self, names: Iterable[str], min_size: int = 1 << 16) -> None:
        """Hold these written parts deflated until the package is saved (those of at least
        `min_size` bytes): a part a job has finished with need not sit in memory as text.
        Reading one later inflates it; writing it again replaces it. The parts every edit
        may touch again (content types, workbook, its rels, styles) stay as they are."""
        wbp = self.workbook_part()
        shared = {CONTENT_TYPES, wbp, rels_part_of(wbp), self._styles_part()}
        for name in set(names) - shared:
            v = self._cur.get(name)
            if isinstance(v, bytes) and len(v) >= min_size:
                self._cur[name] = _Packed(v)

    def read_text(self, name: str) -> str:
        """A part as text for string-level patching; bytes that are not UTF-8 survive unchanged."""
        data = self.read(name)
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise UnsupportedWorkbook(f"part {name} is UTF-16; refused")
        m = _DECL_ENC.match(data)
        if m and m.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8", b"us-ascii", b"ascii"):
            raise UnsupportedWorkbook("part {} declares encoding {}; refused".format(name, m.group(1).decode("ascii", "replace")))
        return data.decode("utf-8", "surrogateescape")

    def write(self, name: str, data: bytes) -> None:
        if name not in self._cur:
            other = self._lower.get(name.lower())
            if other is not None and other != name and other in self._cur:
                raise XlsxPatchError(f"part {name} already exists as {other}")
            if name not in self._in_order:
                self._order.append(name)
                self._in_order.add(name)
            self._lower[name.lower()] = name
        self._cur[name] = bytes(data)
        self._cache.pop(name, None)  # the original's inflated copy: not needed any more

    def write_text(self, name: str, text: str) -> None:
        self.write(name, text.encode("utf-8", "surrogateescape"))

    def delete(self, name: str) -> None:
        if self._cur.pop(name, None) is not None:
            self._gen += 1
        self._cache.pop(name, None)

    # ---- change tracking
    def _same_as_orig(self, name: str, data: bytes) -> bool:
        """Whether `data` is the original content of part `name`: its size and CRC first
        (a changed part differs there), so the original is inflated only to confirm a
        match."""
        info = self._orig[name].info
        if isinstance(data, _Packed):
            if (data.size, data.crc) != (info.file_size, info.CRC):
                return False
            data = data.data()
        if len(data) != info.file_size or (zlib.crc32(data) & 0xFFFFFFFF) != info.CRC:
            return False
        return data == self._orig_bytes(name)

    def _orig_bytes(self, name: str) -> bytes:
        d = self._cache.get(name)
        return d if d is not None else _inflate(self._orig[name])

    def changed_parts(self) -> set[str]:
        self._flush_styles()
        return {n for n, v in self._cur.items()
                if v is not _UNCHANGED and n in self._orig and not self._same_as_orig(n, v)}

    def added_parts(self) -> set[str]:
        return {n for n in self._cur if n not in self._orig}

    def removed_parts(self) -> set[str]:
        return {n for n in self._orig if n not in self._cur}

    def owned(self) -> set[str]:
        """Every part this package changed, added or removed (the `owned` set for verify())."""
        return self.changed_parts() | self.added_parts() | self.removed_parts()

    # ---- saving
    def _entries(self):
        self._flush_styles()
        for name in self._order:
            if name not in self._cur:
                continue
            v = self._cur[name]
            mem = self._orig.get(name)
            if mem is not None and (v is _UNCHANGED or self._same_as_orig(name, v)):
                yield name, mem.info, mem.raw, None, None
            elif mem is not None:
                yield name, mem.info, None, v, mem.info.compress_type
            else:
                yield name, None, None, v, zipfile.ZIP_DEFLATED

    def to_bytes(self) -> bytes:
        bio = BytesIO()
        _write_zip(bio, self._entries())
        return bio.getvalue()

    def save(self, target: str | os.PathLike) -> None:
        """Atomic: temp file beside the target, fsync, os.replace, fsync the folder."""
        target = os.fspath(target)
        folder = os.path.dirname(os.path.abspath(target))
        fd, tmp = tempfile.mkstemp(prefix=".~xlsxpatch-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                _write_zip(f, self._entries())
                f.flush()
                os.fsync(f.fileno())
            try:
                mode = stat.S_IMODE(os.stat(target).st_mode)
            except FileNotFoundError:
                mode = 0o666 & ~umask()
            os.chmod(tmp, mode)
            os.replace(tmp, target)
        except BaseException:
            remove_quietly(tmp)
            raise
        fsync_dir(folder)

    # ---- content types
    def _ct(self):
        value = self._cur[CONTENT_TYPES]
        hit = self._ct_cache
        if hit is None or hit[0] is not value:
            text = self.read_text(CONTENT_TYPES)
            root = _root(text)
            hit = self._ct_cache = (value, (text, root, _kids(text, root)))
        return hit[1]

    def content_type(self, part: str) -> str | None:
        text, root, kids = self._ct()
        ext = _ext(part)
        default = None
        for k in kids:
            a = k.attrs()
            if k.local == "Override" and a.get("PartName", "").lstrip("/").lower() == part.lower():
                return a.get("ContentType")
            if k.local == "Default" and a.get("Extension", "").lower() == ext:
                default = a.get("ContentType")
        return default

    def _ct_set(self, part: str, ctype: str | None) -> None:
        """Give `part` this content type (None: drop its Override)."""
        text, root, kids = self._ct()
        ext = _ext(part)
        edits = []
        default = None
        for k in kids:
            a = k.attrs()
            if k.local == "Override" and a.get("PartName", "").lstrip("/").lower() == part.lower():
                edits.append((k.start, k.end, ""))
            if k.local == "Default":
                if a.get("Extension", "").lower() == ext:
                    default = a.get("ContentType")
        if ctype is not None and ctype != default:
            edits.append(_insert_child(text, root, f'<{root.prefix}Override PartName="/{_esca(part)}" ContentType="{_esca(ctype)}"/>'))
        new = _apply_edits(text, edits)
        if new != text:
            self.write_text(CONTENT_TYPES, new)

    def _ct_default(self, ext: str, ctype: str) -> None:
        text, root, kids = self._ct()
        last = None
        for k in kids:
            if k.local == "Default":
                last = k
                if k.attrs().get("Extension", "").lower() == ext.lower():
                    return
        frag = f'<{root.prefix}Default Extension="{_esca(ext)}" ContentType="{_esca(ctype)}"/>'
        if last is not None:
            edit = (last.end, last.end, frag)
        else:
            edit = _insert_child(text, root, frag, kids[0] if kids else None)
        self.write_text(CONTENT_TYPES, _apply_edits(text, [edit]))

    # ---- relationships
    def rels(self, part: str) -> list[Rel]:
        """Relationships of a part ('' for the package)."""
        rp = "_rels/.rels" if part == "" else rels_part_of(part)
        rp = self.find(rp)
        if rp is None:
            return []
        value = self._cur[rp]
        hit = self._rels_cache.get((part, rp))
        if hit is not None and hit[0] is value and hit[1] == self._gen:
            return list(hit[2])
        out = []
        for el in _parse_xml(self.read(rp)):
            if el.tag != f"{{{NS_PKG_RELS}}}Relationship":
                continue
            ext = el.get("TargetMode") == "External"
            tgt = el.get("Target", "")
            resolved = None if ext else (self.find(resolve_target(part, tgt)) or resolve_target(part, tgt))
            out.append(Rel(el.get("Id"), el.get("Type", ""), tgt, ext, resolved))
        self._rels_cache[(part, rp)] = (value, self._gen, out)
        return list(out)

    def _rels_edit(self, part: str, add: Sequence[tuple[str, str, str]] = (), remove: Iterable[str] = (),
                   absolute: bool = False) -> None:
        """Add (rid, type, target_part) / remove (rid) relationships of a part, string-level."""
        rp = "_rels/.rels" if part == "" else rels_part_of(part)
        real = self.find(rp)
        remove = set(remove)
        if real is None:
            if not add:
                return
            text = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' \
                   f'<Relationships xmlns="{NS_PKG_RELS}"></Relationships>'
            real = rp
        else:
            text = self.read_text(real)
        root = _root(text)
        edits = []
        for k in _kids(text, root):
            if k.local == "Relationship" and k.attrs().get("Id") in remove:
                edits.append((k.start, k.end, ""))
        frag = ""
        for rid, rtype, tpart in add:
            tgt = "/" + tpart if absolute else relative_target(part, tpart)
            frag += f'<{root.prefix}Relationship Id="{_esca(rid)}" Type="{_esca(rtype)}" Target="{_esca(tgt)}"/>'
        if frag:
            edits.append(_insert_child(text, root, frag))
        new = _apply_edits(text, edits)
        remaining = [k for k in _kids(new, _root(new)) if k.local == "Relationship"]
        if not remaining and part != "":
            self.delete(real)
        elif new != text or not self.has(real):
            self.write_text(real, new)

    def _new_rid(self, part: str, taken: Iterable[str] = ()) -> str:
        used = {r.id for r in self.rels(part)} | set(taken)
        i = 1
        while "rId%d" % i in used:
            i += 1
        return "rId%d" % i

    def _free_name(self, wanted: str, reserved: set[str] = frozenset()) -> str:
        d, f = posixpath.split(wanted)
        m = re.match(r"^(.*?)(\d*)(\.[^.]+)$", f)
        stem, ext = (m.group(1), m.group(3)) if m else (f, "")
        taken = {n.lower() for n in self._cur} | {n.lower() for n in reserved}
        i = 1
        while True:
            cand = posixpath.join(d, "%s%d%s" % (stem, i, ext))
            if cand.lower() not in taken:
                return cand
            i += 1

    def _all_internal_refs(self, exclude_sources: set[str] = frozenset()) -> set[str]:
        refs = set()
        for n in list(self._cur):
            src = source_of_rels(n) if n.endswith(".rels") else None
            if src is None:
                continue
            if src.lstrip("/") in exclude_sources:
                continue
            try:
                for r in self.rels(src):
                    if not r.external and r.part:
                        refs.add(r.part)
            except ET.ParseError:
                pass
        return refs

    def _reachable(self, part: str) -> set[str]:
        seen: set[str] = set()
        stack = [part]
        while stack:
            p = stack.pop()
            for r in self.rels(p):
                if r.external or not r.part or r.part in seen or not self.has(r.part):
                    continue
                seen.add(r.part)
                stack.append(r.part)
        seen.discard(part)
        return seen

    def _drop_tree(self, part: str, drop_self: bool) -> set[str]:
        """Remove the parts reachable from `part` that nothing else references."""
        tree = self._reachable(part)
        group = tree | {part}
        outside = self._all_internal_refs(exclude_sources=group)
        gone = set()
        for p in tree:
            if p in outside:
                continue
            gone.add(p)
        for p in gone | ({part} if drop_self else set()):
            self.delete(p)
            rp = self.find(rels_part_of(p))
            if rp:
                self.delete(rp)
            self._ct_set(p, None)
        rp = self.find(rels_part_of(part))
        if rp:
            self.delete(rp)
        return gone

    # ---- workbook
    def workbook_part(self) -> str:
        for r in self.rels(""):
            if r.type == RT_OFFICE_DOC and r.part:
                return r.part
            if r.type.endswith("/officeDocument") and "purl.oclc.org" in r.type:
                raise UnsupportedWorkbook("Strict Open XML workbooks are not supported")
        raise UnsupportedWorkbook("package has no officeDocument relationship")

    def _wb(self):
        wbp = self.workbook_part()
        text = self.read_text(wbp)
        root = _root(text)
        if _nsmap(root).get(root.prefix[:-1] if root.prefix else "") == NS_STRICT_MAIN:
            raise UnsupportedWorkbook("Strict Open XML workbooks are not supported")
        kids = _kids(text, root)
        return wbp, text, root, kids

    def sheets(self) -> list[Sheet]:
        wbp = self.workbook_part()
        key = (self._cur.get(wbp), self._cur.get(self.find(rels_part_of(wbp)) or ""))
        c = self._sheets_cache
        if c is not None and c[0] is key[0] and c[1] is key[1] and c[2] == self._gen:
            return list(c[3])
        out = self._read_sheets()
        self._sheets_cache = (key[0], key[1], self._gen, out)
        return list(out)

    def _read_sheets(self) -> list[Sheet]:
        wbp, text, root, kids = self._wb()
        rels = {r.id: r for r in self.rels(wbp)}
        ns = _nsmap(root)
        out = []
        sheets_el = next((k for k in kids if k.local == "sheets"), None)
        if sheets_el is None:
            return out
        for i, s in enumerate(k for k in _kids(text, sheets_el) if k.local == "sheet"):
            a = s.attrs()
            rid = None
            local_ns = dict(ns)
            local_ns.update(_nsmap(s))
            for k, v in a.items():
                p, _, l = k.rpartition(":")
                if l == "id" and p and local_ns.get(p) == NS_R:
                    rid = v
            rel = rels.get(rid)
            kind = rel.type.rsplit("/", 1)[-1] if rel else "?"
            out.append(Sheet(a.get("name", ""), int(a.get("sheetId", "0") or 0), rid,
                             rel.part if rel else None, a.get("state", "visible"), i, kind))
        return out

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets()]

    def sheet(self, name: str) -> Sheet:
        for s in self.sheets():
            if s.name == name:
                return s
        for s in self.sheets():
            if s.name.lower() == name.lower():
                return s
        raise KeyError(f"no sheet named {name!r}")

    def _worksheet_part(self, name: str) -> str:
        s = self.sheet(name)
        if s.kind != "worksheet" or not s.part or not self.has(s.part):
            raise XlsxPatchError(f"sheet {name!r} is not a worksheet ({s.kind})")
        return s.part

    def _styles(self) -> _Styles:
        """styles.xml as one live, append-only object for the whole session: formats added
        by one edit are found (not added again) by the next. Rebuilt when the part was
        written by anything else."""
        stp = self._styles_part()
        live = self._styles_live
        if live is None or live[0] != stp or live[1] is not self._cur[stp]:
            live = (stp, self._cur[stp], _Styles(self.read_text(stp)))
            self._styles_live = live
        return live[2]

    def _flush_styles(self) -> None:
        """Write the live styles object's additions into styles.xml (once per change)."""
        live = self._styles_live
        if live is None or live[1] is not self._cur.get(live[0]):
            return
        stp, _, styles = live
        n = sum(len(v) for v in styles.added.values())
        if n == styles.flushed:
            return
        styles.flushed = n
        text = styles.serialize()
        if text != self.read_text(stp):
            self.write_text(stp, text)
        self._styles_live = (stp, self._cur[stp], styles)

    def cell_format(self, *, font: str, fill: str, border: str, num_fmt: int | str = 0,
                    alignment: str | None = None) -> int:
        """The index of a cell format (``cellXfs``) made of these parts, appended to
        styles.xml unless an identical one is there: ``font``/``fill``/``border`` are
        ``<font>``/``<fill>``/``<border>`` elements without a prefix, ``num_fmt`` a built-in
        id or a format code, ``alignment`` an ``<alignment>`` element. For sheets cqcxl
        writes whole; the user's formats are never changed or renumbered."""
        st = self._styles()
        p = st.pfx
        f = st.add("fonts", _reprefix(font, p))
        fl = st.add("fills", _reprefix(fill, p))
        b = st.add("borders", _reprefix(border, p))
        n = num_fmt if isinstance(num_fmt, int) else st.numfmt_id(num_fmt)
        head = (f'<{p}xf numFmtId="{n}" fontId="{f}" fillId="{fl}" borderId="{b}"'
                + (' applyAlignment="1"' if alignment else "")
                + ' pivotButton="0" quotePrefix="0" xfId="0"')
        xf = head + (f">{_reprefix(alignment, p)}</{p}xf>" if alignment else "/>")
        return st.add("cellXfs", xf)

    def date1904(self) -> bool:
        """Whether the workbook counts dates from 1904 (``workbookPr date1904``)."""
        _wbp, text, _root_el, kids = self._wb()
        pr = next((k for k in kids if k.local == "workbookPr"), None)
        return pr is not None and pr.attrs().get("date1904", "0").lower() in ("1", "true")

    def _styles_part(self) -> str:
        wbp = self.workbook_part()
        for r in self.rels(wbp):
            if r.type == RT_STYLES and r.part and self.has(r.part):
                return r.part
        raise UnsupportedWorkbook("workbook has no styles part")

    # ================================================================== 1) RAG colours
    def set_cell_colours(self, sheet: str, colours: dict[str, tuple[str | None, str | None]]) -> int:
        """Set (fill_rgb, font_rgb) on cells; None = no fill / automatic font colour.

        Returns the number of cells whose `s` attribute changed or which were created."""
        if not colours:
            return 0
        part = self._worksheet_part(sheet)
        styles = self._styles()
        ws = _SheetXML(self.read_text(part))
        text = ws.text
        want: dict[int, dict[int, tuple[str | None, str | None]]] = {}
        for rgb in {x for pair in colours.values() for x in pair if x is not None}:
            _argb(rgb)
        for ref, (fill, font) in colours.items():
            r, c = parse_ref(ref)
            want.setdefault(r, {})[c] = (fill, font)
        found = _find_cells(ws, want)
        slow = {r for r, t in want.items() if any((r, c) not in found for c in t)}
        rows = ws.rows(slow) if slow else []  # every row's place: only to add a cell or row
        by_r = {row.r: row for row in rows}
        cols = ws.col_styles()
        clone_cache: dict[tuple[int, str | None, str | None], int] = {}

        def new_s(old: int, fill, font) -> int:
            k = (old, fill, font)
            v = clone_cache.get(k)
            if v is None:
                v = clone_cache[k] = styles.clone_xf(old, fill, font)
            return v

        edits: list[tuple[int, int, str]] = []
        p = ws.pfx
        s_re = re.compile(r"(?:^|\s)s\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
        new_rows: list[tuple[int, str]] = []
        touched = 0
        min_c, max_c, min_r, max_r = 10 ** 9, 0, 10 ** 9, 0

        def col_style(c: int) -> int:
            for lo, hi, st, _w, _h in cols:
                if lo <= c <= hi:
                    return st
            return 0

        for r in sorted(want):
            targets = want[r]
            row = by_r.get(r)
            row_style = None
            if row is not None and "customFormat" in row.attrs_text:
                ra = dict((m.group(1), m.group(2) if m.group(2) is not None else m.group(3))
                          for m in _ATTR.finditer(row.attrs_text))
                if ra.get("customFormat") in ("1", "true"):
                    try:
                        row_style = int(ra.get("s", "0"))
                    except ValueError:
                        row_style = None
            existing = {}
            if r not in slow:
                existing = {c: found[(r, c)] for c in targets}
            elif row is not None and row.cells:
                for col, cs, ce, attrs, a0 in row.cells:
                    existing.setdefault(col, (cs, ce, attrs, a0))
            missing = []
            for c, (fill, font) in sorted(targets.items()):
                if c in existing:
                    cs, ce, attrs, a0 = existing[c]
                    sm = s_re.search(attrs)
                    try:
                        old = int((sm.group(1) if sm.group(1) is not None else sm.group(2)) if sm else 0)
                    except ValueError:
                        old = 0
                    s = new_s(old, fill, font)
                    if s != old:
                        if sm is not None:  # replace just the value
                            g = 1 if sm.group(1) is not None else 2
                            edits.append((a0 + sm.start(g), a0 + sm.end(g), str(s)))
                        else:  # insert s="N" after r="..." (Excel's attribute order)
                            rm = _R_ATTR.search(attrs)
                            at = a0 + (rm.end() if rm else len(attrs))
                            edits.append((at, at, ' s="%d"' % s))
                        touched += 1
                else:
                    base = row_style if row_style is not None else col_style(c)
                    s = new_s(base, fill, font)
                    missing.append((c, '<%sc r="%s" s="%d"/>' % (p, _ref(r, c), s)))
                    min_c, max_c = min(min_c, c), max(max_c, c)
                    min_r, max_r = min(min_r, r), max(max_r, r)
                    touched += 1
            if not missing:
                continue
            if row is None:
                new_rows.append((r, '<%srow r="%d">%s</%srow>' % (p, r, "".join(x for _, x in missing), p)))
                continue
            # insert cells into an existing row, keeping column order
            cells = row.cells or []
            groups: dict[int, list[str]] = {}
            for c, frag in missing:
                pos = None
                for col, cs, _ce, _attrs, _a0 in cells:
                    if col > c:
                        pos = cs
                        break
                if pos is None:
                    pos = -1
                groups.setdefault(pos, []).append(frag)
            for pos, frags in groups.items():
                frag = "".join(frags)
                if pos >= 0:
                    edits.append((pos, pos, frag))
                elif row.empty:
                    tag = text[row.start:row.head_end]
                    e = len(tag) - 2
                    while e > 0 and tag[e - 1].isspace():
                        e -= 1
                    edits.append((row.start, row.head_end, tag[:e] + ">" + frag + f"</{p}row>"))
                else:
                    edits.append((row.close, row.close, frag))
            # widen spans="a:b" when it no longer covers the row
            sp = re.search(r"(?:^|\s)spans\s*=\s*\"(\d+):(\d+)\"", row.attrs_text)
            if sp:
                lo = min(int(sp.group(1)), min(c for c, _ in missing))
                hi = max(int(sp.group(2)), max(c for c, _ in missing))
                if (lo, hi) != (int(sp.group(1)), int(sp.group(2))):
                    tag = text[row.start:row.head_end]
                    tag2 = _set_attr(tag, "spans", "%d:%d" % (lo, hi))
                    # the row tag may also be replaced above (empty row): merge
                    for i, (s0, e0, rep) in enumerate(edits):
                        if s0 == row.start and e0 == row.head_end:
                            edits[i] = (s0, e0, _set_attr(rep[:rep.index(">") + 1], "spans", "%d:%d" % (lo, hi))
                                        + rep[rep.index(">") + 1:])
                            break
                    else:
                        edits.append((row.start, row.head_end, tag2))
        if new_rows:
            sd = ws.child("sheetData")
            row_rs = [row.r for row in rows]
            groups2: dict[int, list[str]] = {}
            for r, frag in new_rows:
                i = bisect.bisect_right(row_rs, r)
                pos = rows[i].start if i < len(rows) else -1
                groups2.setdefault(pos, []).append(frag)
            for pos, frags in groups2.items():
                frag = "".join(frags)
                if pos >= 0:
                    edits.append((pos, pos, frag))
                else:
                    edits.append(_insert_child(text, sd, frag))
        if max_c:
            dim = ws.child("dimension")
            if dim is not None:
                ref = dim.attrs().get("ref", "")
                m = re.fullmatch(r"\$?([A-Za-z]+)\$?(\d+)(?::\$?([A-Za-z]+)\$?(\d+))?", ref)
                if m and rows:
                    c1, r1 = col_to_num(m.group(1)), int(m.group(2))
                    c2, r2 = (col_to_num(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
                    box = (min(c1, min_c), min(r1, min_r), max(c2, max_c), max(r2, max_r))
                    old = (c1, r1, c2, r2)
                else:
                    box, old = (min_c, min_r, max_c, max_r), None
                if box != old:
                    newref = "%s%d:%s%d" % (num_to_col(box[0]), box[1], num_to_col(box[2]), box[3])
                    edits.append((dim.start, dim.head_end, _set_attr(text[dim.start:dim.head_end], "ref", newref)))
        new = _apply_edits(text, edits)
        if new != text:
            self.write_text(part, new)
        self._flush_styles()
        return touched

    # ================================================================== 2) notes
    def set_notes(self, sheet: str, notes: dict[str, str], author: str = "cqcxl",
                  size: dict[str, tuple[float, float]] | None = None,
                  fill: str | None = None) -> list[str]:
        """Make our notes (those by `author`) on a sheet exactly `notes`; keep every other
        note and VML shape byte for byte.  `size` maps ref -> (width_pt, height_pt); `fill`
        is the new notes' background (RGB hex; None: the system's note colour).

        Returns the refs skipped because someone else's note is already on that cell."""
        sizes = {parse_ref(k): (float(w), float(h)) for k, (w, h) in (size or {}).items()}
        self._note_fill = f"#{fill}" if fill else "infoBackground [80]"
        part = self._worksheet_part(sheet)
        ws = _SheetXML(self.read_text(part))
        srels = self.rels(part)
        comments_rel = next((r for r in srels if r.type == RT_COMMENTS and not r.external
                             and r.part and self.has(r.part)), None)
        comments_part = comments_rel.part if comments_rel else None
        ld = ws.child("legacyDrawing")
        vml_rid = ws.rel_id_attr(ld) if ld is not None else None
        vml_rel = next((r for r in srels if r.id == vml_rid), None) if vml_rid else None
        vml_part = vml_rel.part if vml_rel and vml_rel.part and self.has(vml_rel.part) else None

        wanted: dict[tuple[int, int], tuple[str, str]] = {}
        for ref, txt in notes.items():
            r, c = parse_ref(ref)
            wanted[(r, c)] = (_ref(r, c), _CTRL.sub("", str(txt)))
        if comments_part is None and not wanted:
            return []

        # ---- comments part: who wrote what
        if comments_part is not None:
            ctext = self.read_text(comments_part)
        else:
            ctext = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                     f'<comments xmlns="{NS_MAIN}"><authors></authors><commentList></commentList></comments>')
        croot = _root(ctext)
        ckids = _kids(ctext, croot)
        authors_el = next((k for k in ckids if k.local == "authors"), None)
        clist = next((k for k in ckids if k.local == "commentList"), None)
        if authors_el is None or clist is None:
            raise UnsupportedWorkbook("comments part without <authors>/<commentList>")
        cp = croot.prefix
        authors = [_unesc(a.inner(ctext)) for a in _kids(ctext, authors_el) if a.local == "author"]
        aid = authors.index(author) if author in authors else None
        ours: dict[tuple[int, int], _El] = {}
        theirs: set[tuple[int, int]] = set()
        all_comments = [k for k in _kids(ctext, clist) if k.local == "comment"]
        for k in all_comments:
            a = k.attrs()
            try:
                rc = parse_ref(a.get("ref", "").split(":")[0])
            except XlsxPatchError:
                continue
            if aid is not None and a.get("authorId") == str(aid):
                ours[rc] = k
            else:
                theirs.add(rc)
        skipped = [wanted[rc][0] for rc in sorted(wanted) if rc in theirs]
        wanted = {rc: v for rc, v in wanted.items() if rc not in theirs}

        cedits: list[tuple[int, int, str]] = []
        removed_rc = set(ours) - set(wanted)
        new_rc = sorted(set(wanted) - set(ours))
        if new_rc and aid is None:
            aid = len(authors)
            cedits.append(_insert_child(ctext, authors_el, f"<{cp}author>{_esc(author)}</{cp}author>"))
        for rc in removed_rc:
            cedits.append((ours[rc].start, ours[rc].end, ""))
        for rc in set(wanted) & set(ours):
            k = ours[rc]
            if _text_of(ctext[k.start:k.end]) != wanted[rc][1]:
                cedits.append((k.start, k.end, self._comment_xml(cp, wanted[rc], aid)))
        if new_rc:
            cedits.append(_insert_child(ctext, clist, "".join(self._comment_xml(cp, wanted[rc], aid)
                                                             for rc in new_rc)))
        remaining = len(all_comments) - len(removed_rc) + len(new_rc)

        # ---- VML: which shapes to (re)draw
        vtext = self.read_text(vml_part) if vml_part is not None else None
        note_shapes = {}
        if vtext is not None:
            for _s, _e, ot, rc, body in self._vml_shapes(vtext):
                if ot == "Note" and rc is not None:
                    note_shapes[rc] = body
        redraw = []
        for rc in sorted(set(wanted) & set(ours)):
            body = note_shapes.get(rc)
            if body is None:
                redraw.append(rc)  # our note lost its shape: draw it again
            elif rc in sizes and _shape_size(body) is not None and \
                    any(abs(x - y) > 0.01 for x, y in zip(_shape_size(body), sizes[rc], strict=False)):
                redraw.append(rc)
        draw = sorted(set(new_rc) | set(redraw))
        if not cedits and not draw:
            return skipped  # already as wanted: touch nothing
        if remaining == 0 and comments_part is None:
            return skipped

        new_ctext = _apply_edits(ctext, cedits)
        created_vml = False
        if vtext is None and draw:
            vtext = self._new_vml(self._free_idmap_block())
            created_vml = True
        new_vtext = vtext
        if vtext is not None:
            new_vtext = self._patch_vml(vtext, ws, removed_rc | set(redraw), draw, sizes)

        # ---- write parts, rels, content types, <legacyDrawing>
        sheet_edits: list[tuple[int, int, str]] = []
        if comments_part is None:
            comments_part = self._free_name("xl/comments1.xml")
            self.write_text(comments_part, new_ctext)
            self._rels_edit(part, add=[(self._new_rid(part), RT_COMMENTS, comments_part)])
            self._ct_set(comments_part, CT_COMMENTS)
        elif remaining == 0:
            self.delete(comments_part)
            self._ct_set(comments_part, None)
            self._rels_edit(part, remove=[comments_rel.id])
        elif new_ctext != ctext:
            self.write_text(comments_part, new_ctext)
        if created_vml:
            vml_part = self._free_name("xl/drawings/vmlDrawing1.vml")
            self.write_text(vml_part, new_vtext)
            rid = self._new_rid(part)
            self._rels_edit(part, add=[(rid, RT_VML, vml_part)])
            if self._default_ct("vml") is None:
                self._ct_default("vml", CT_VML)
            if self.content_type(vml_part) != CT_VML:
                self._ct_set(vml_part, CT_VML)
            rp = _prefix_for(ws.ns, NS_R)
            frag = (f'<{ws.pfx}legacyDrawing {rp}id="{rid}"/>' if rp
                    else f'<{ws.pfx}legacyDrawing xmlns:r="{NS_R}" r:id="{rid}"/>')
            if ld is not None:  # a dangling <legacyDrawing> whose part is missing: repoint it
                sheet_edits.append((ld.start, ld.end, frag))
            else:
                anchor = _schema_anchor_text(ws.text, ws.top, _WS_ORDER, "legacyDrawing")
                sheet_edits.append(_insert_child(ws.text, ws.root, frag, anchor))
        elif vml_part is not None and new_vtext != vtext:
            if remaining == 0 and not self._vml_shapes(new_vtext):
                self.delete(vml_part)
                self._ct_set(vml_part, None)
                self._rels_edit(part, remove=[vml_rel.id])
                if ld is not None:
                    sheet_edits.append((ld.start, ld.end, ""))
            else:
                self.write_text(vml_part, new_vtext)
        if sheet_edits:
            self.write_text(part, _apply_edits(ws.text, sheet_edits))
        return skipped

    @staticmethod
    def _comment_xml(p: str, note: tuple[str, str], aid: int) -> str:
        ref, txt = note
        return (f'<{p}comment ref="{ref}" authorId="{aid}" shapeId="0"><{p}text><{p}t xml:space="preserve">{_esc(txt)}'
                f'</{p}t></{p}text></{p}comment>')

    def _vml_blocks(self, text: str) -> list[int]:
        out = []
        for m in re.finditer(r"<[\w.\-]+:idmap\b[^>]*?\sdata\s*=\s*[\"']([^\"']*)[\"']", text):
            for x in re.split(r"[,\s]+", m.group(1).strip()):
                if x.isdigit():
                    out.append(int(x))
        return out

    def _free_idmap_block(self, extra: Iterable[int] = ()) -> int:
        used = set(extra)
        for n, value in self._cur.items():
            if n.lower().endswith(".vml"):
                hit = self._vml_cache.get(n)
                if hit is None or hit[0] is not value:
                    hit = self._vml_cache[n] = (value, self._vml_blocks(self.read_text(n)))
                used.update(hit[1])
        b = 1
        while b in used:
            b += 1
        return b

    @staticmethod
    def _new_vml(block: int) -> str:
        return ('<xml xmlns:v="%s"\n xmlns:o="%s"\n xmlns:x="%s">\n'
                ' <o:shapelayout v:ext="edit">\n  <o:idmap v:ext="edit" data="%d"/>\n </o:shapelayout>'
                '</xml>' % (NS_V, NS_O, NS_X, block))

    @staticmethod
    def _vml_prefixes(text: str) -> tuple[str, str, str]:
        root = _root(text)
        ns = _nsmap(root)
        v, o, x = _prefix_for(ns, NS_V), _prefix_for(ns, NS_O), _prefix_for(ns, NS_X)
        if v is None or o is None or x is None or "" in (v, o, x):
            raise UnsupportedWorkbook("VML drawing does not declare the v/o/x namespaces on its root")
        return v, o, x

    def _vml_shapes(self, text: str):
        v, o, x = self._vml_prefixes(text)
        pat = re.compile(rf"<{re.escape(v)}shape\b{_ATTRS}\s*(?:/>|>.*?</{re.escape(v)}shape\s*>)", re.S)
        out = []
        for m in pat.finditer(text):
            body = m.group(0)
            ot = re.search(rf"<{re.escape(x)}ClientData\b[^>]*?ObjectType\s*=\s*[\"']([^\"']*)[\"']", body)
            row = re.search(rf"<{re.escape(x)}Row>\s*(\d+)\s*</{re.escape(x)}Row>", body)
            col = re.search(rf"<{re.escape(x)}Column>\s*(\d+)\s*</{re.escape(x)}Column>", body)
            rc = (int(row.group(1)) + 1, int(col.group(1)) + 1) if row and col else None
            out.append((m.start(), m.end(), ot.group(1) if ot else None, rc, body))
        return out

    def _patch_vml(self, text: str, ws: _SheetXML, drop: set[tuple[int, int]],
                   draw: list[tuple[int, int]], sizes: dict[tuple[int, int], tuple[float, float]]) -> str:
        v, o, x = self._vml_prefixes(text)
        shapes = self._vml_shapes(text)
        edits: list[tuple[int, int, str]] = []
        ids = {int(m.group(1)) for m in re.finditer(r"_x0000_s(\d+)", text)}
        blocks = self._vml_blocks(text)
        geo = _Geometry(ws)
        new_ids: list[int] = []

        scanned: dict[int, int] = {}  # block -> first id not yet known to be taken

        def alloc() -> int:
            nonlocal blocks
            while True:
                for b in blocks:
                    for i in range(scanned.get(b, b * 1024 + 1), b * 1024 + 1024):
                        if i not in ids:
                            ids.add(i)
                            scanned[b] = i + 1
                            return i
                    scanned[b] = b * 1024 + 1024
                blocks = blocks + [self._free_idmap_block(blocks)]

        blocks_before = list(blocks)
        zmax = max([int(z) for z in re.findall(r"z-index:\s*(\d+)", text)] + [0])
        frags = []
        for s, e, ot, rc, _body in shapes:
            if ot == "Note" and rc in drop:
                edits.append((s, e, ""))
        for rc in draw:
            sid = alloc()
            new_ids.append(sid)
            zmax += 1
            w, h = sizes.get(rc, (108.0, 59.25))
            frags.append(_note_shape(v, o, x, sid, rc, w, h, zmax, geo,
                                     getattr(self, "_note_fill", "infoBackground [80]")))
        if frags:
            if not re.search(rf"<{re.escape(v)}shapetype\b[^>]*?\sid\s*=\s*[\"']_x0000_t202[\"']", text):
                frags.insert(0, _NOTE_SHAPETYPE.format(v=v, o=o))
            cs = text.rfind("</")
            edits.append((cs, cs, "".join(frags)))
        if blocks != blocks_before:
            m = re.search(r"(<[\w.\-]+:idmap\b[^>]*?\sdata\s*=\s*[\"'])([^\"']*)([\"'])", text)
            if not m:
                raise UnsupportedWorkbook("VML drawing has no o:idmap")
            edits.append((m.start(2), m.end(2), ",".join(str(b) for b in blocks)))
        sm = re.search(r"(\sspidmax\s*=\s*[\"'])(\d+)([\"'])", text)
        if sm and new_ids and max(new_ids) > int(sm.group(2)):
            edits.append((sm.start(2), sm.end(2), str(max(new_ids))))
        return _apply_edits(text, edits)

    # ================================================================== 3) owned sheets
    def put_sheet(self, name: str, position: int | None, scratch: PathOrBytes,
                  scratch_sheet_name: str | None = None, activate: bool = True) -> str:
        """Replace or add sheet `name` at tab `position` (None: keep / append) from a scratch
        workbook; returns the worksheet part name."""
        _check_sheet_name(name)
        src = scratch if isinstance(scratch, Package) else Package.open(scratch)
        sname = scratch_sheet_name or name
        ssheet = src.sheet(sname)
        if ssheet.kind != "worksheet":
            raise XlsxPatchError(f"scratch sheet {sname!r} is not a worksheet")
        old, part, rid, position, activate = self._sheet_slot(name, position, activate)
        # 2. the sheet XML (styles remapped, strings inlined) and the parts below it
        styles = self._styles()
        sxml = self._transplant_sheet_xml(src, ssheet, styles, name, sname, activate)
        self._flush_styles()
        self.write_text(part, sxml)
        self._copy_rels_tree(src, ssheet.part, part, name, sname)
        # 3. workbook.xml
        names = self._scratch_defined_names(src, ssheet, name, sname)
        self._wb_place_sheet(name, old, rid, position, names, activate)
        if activate:
            self._untab_select_others(part)
        return part

    def _sheet_slot(self, name: str, position: int | None, activate: bool
                    ) -> tuple[Sheet | None, str, str, int, bool]:
        """Make room for an owned sheet: the old sheet of that name (its parts below it
        dropped) or a new worksheet part, rels entry and content type; the tab position
        clamped; activate is off for a hidden sheet."""
        sheets = self.sheets()
        old = next((s for s in sheets if s.name.lower() == name.lower()), None)
        if old is not None and old.state != "visible":
            activate = False  # never make a hidden sheet the active one
        n_after = len(sheets) if old else len(sheets) + 1
        if position is None:
            position = old.index if old else len(sheets)
        position = max(0, min(int(position), n_after - 1))
        wbp = self.workbook_part()
        if old is not None:
            if old.kind != "worksheet" or not old.part:
                raise XlsxPatchError(f"sheet {name!r} exists and is not a worksheet")
            self._drop_tree(old.part, drop_self=False)
            self._drop_calc_chain_for(old.sheet_id)
            part = old.part
            rid = old.rid
        else:
            part = self._free_name("xl/worksheets/sheet1.xml")
            rid = self._new_rid(wbp)
            self._rels_edit(wbp, add=[(rid, RT_WORKSHEET, part)])
            self._ct_set(part, CT_WORKSHEET)
        return old, part, rid, position, activate

    def put_sheet_xml(self, name: str, position: int | None,
                      xml: str | bytes | Iterable[bytes], *,
                      activate: bool = True, parts: Sequence[NewPart] = (),
                      defined_names: Sequence[tuple[str, str, bool]] = ()) -> str:
        """Replace or add sheet `name` at tab `position` (None: keep / append) with a
        worksheet written whole by the caller: `xml` (its cell formats taken from
        :meth:`cell_format`, its relationships the ids of `parts`), the parts below it (a
        drawing and its charts) and its own defined names (name, formula, hidden), e.g.
        ``("_xlnm.Print_Area", "'Summary'!$A$1:$O$90", False)``. `xml` may also be an
        iterable of UTF-8 chunks, the first holding everything before ``<sheetData``: it is
        deflated as it comes, so a big sheet is never in memory whole. No scratch workbook,
        no re-parse: cqcxl's own sheets are written straight into the package. Returns the
        worksheet part name."""
        _check_sheet_name(name)
        old, part, rid, position, activate = self._sheet_slot(name, position, activate)
        chunks = iter([xml.encode("utf-8") if isinstance(xml, str) else xml]
                      if isinstance(xml, (str, bytes)) else xml)
        first = next(chunks, b"")
        cut = first.find(b"<sheetData")
        cut = cut if cut >= 0 else len(first)
        head = first[:cut].decode("utf-8")
        m = _SHEET_VIEW.search(head)
        if m is not None:
            tag = _set_attr(m.group(0), "tabSelected", "1" if activate else None)
            if tag != m.group(0):
                first = (head[:m.start()] + tag + head[m.end():]).encode("utf-8") + first[cut:]
        self._flush_styles()
        if isinstance(xml, (str, bytes)):
            self.write(part, first)
        else:
            self.write(part, b"")  # registers the part; its content comes deflated below
            self._cur[part] = _Packed.stream(itertools.chain([first], chunks))
        self._write_new_parts(part, parts)
        frags = ['<definedName name="%s" localSheetId="0"%s>%s</definedName>'
                 % (_esca(n), ' hidden="1"' if hidden else "", _esc(value))
                 for n, value, hidden in defined_names]
        self._wb_place_sheet(name, old, rid, position, frags, activate)
        if activate:
            self._untab_select_others(part)
        return part

    def sheet_outline(self, sheet: str) -> list[tuple[str, dict[str, str], list[tuple[str, dict[str, str]]]]]:
        """A worksheet's top-level elements but its cells: (local name, attributes, its
        children's (local name, attributes)) -- the column widths, page set-up and sheet
        properties a caller may compare with what it would write."""
        ws = _SheetXML(self.read_text(self._worksheet_part(sheet)))
        return [(el.local, el.attrs(), [(k.local, k.attrs()) for k in _kids(ws.text, el)])
                for el in ws.top if el.local != "sheetData"]

    def last_row(self, sheet: str) -> int:
        """The number of the last <row> a worksheet has (0: none)."""
        ws = _SheetXML(self.read_text(self._worksheet_part(sheet)))
        return max((row.r for row in ws.rows(set())), default=0)

    def append_rows(self, sheet: str, rows: Iterable[bytes],
                    box: tuple[int, int, int, int] | None = None) -> None:
        """Put ``<row>`` elements (UTF-8 chunks, numbered below :meth:`last_row`, their
        formats from :meth:`cell_format`) at the end of a worksheet's cells, and widen its
        ``<dimension>`` to ``box`` (min col, min row, max col, max row). Every other byte of
        the sheet stays as it was: an append-only sheet (cqcxl's History) grows without
        being rewritten."""
        part = self._worksheet_part(sheet)
        ws = _SheetXML(self.read_text(part))
        text = ws.text
        sd = ws.child("sheetData")
        add = b"".join(rows).decode("utf-8")
        if ws.pfx:
            add = _reprefix(add, ws.pfx)
        edits = []
        if sd.empty:
            edits.append((sd.start, sd.end, f"<{sd.qname}>{add}</{sd.qname}>"))
        else:
            at = sd.close_start(text)
            edits.append((at, at, add))
        dim = ws.child("dimension")
        if dim is not None and box is not None:
            m = re.fullmatch(r"\$?([A-Za-z]+)\$?(\d+)(?::\$?([A-Za-z]+)\$?(\d+))?", dim.attrs().get("ref", ""))
            if m:
                c1, r1 = col_to_num(m.group(1)), int(m.group(2))
                c2, r2 = (col_to_num(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
                if (c1, r1, c2, r2) == (1, 1, 1, 1) and self.last_row(sheet) == 0:
                    c1, r1, c2, r2 = box  # "A1:A1" on an empty sheet means nothing
                box = (min(c1, box[0]), min(r1, box[1]), max(c2, box[2]), max(r2, box[3]))
            ref = "%s%d:%s%d" % (num_to_col(box[0]), box[1], num_to_col(box[2]), box[3])
            edits.append((dim.start, dim.head_end, _set_attr(text[dim.start:dim.head_end], "ref", ref)))
        self._flush_styles()
        self.write_text(part, _apply_edits(text, edits))

    def _write_new_parts(self, parent: str, parts: Sequence[NewPart]) -> None:
        reserved: set[str] = set()
        rels = []
        for np in parts:
            name = self._free_name(np.name, reserved)
            reserved.add(name)
            self.write(name, np.data)
            self._ct_set(name, np.content_type)
            rels.append((np.rid, np.rel_type, name))
            self._write_new_parts(name, np.children)
        if rels:
            self._rels_edit(parent, add=rels)

    def remove_sheet(self, name: str) -> None:
        s = self.sheet(name)
        sheets = self.sheets()
        if len([x for x in sheets if x.state == "visible"]) <= 1 and s.state == "visible":
            raise XlsxPatchError("cannot remove the last visible sheet")
        wbp = self.workbook_part()
        if s.part and self.has(s.part):
            self._drop_tree(s.part, drop_self=True)
        self._drop_calc_chain_for(s.sheet_id)
        self._rels_edit(wbp, remove=[s.rid])
        wbp, text, root, kids = self._wb()
        order_old = [x.name for x in sheets]
        order_new = [x for x in order_old if x != s.name]
        edits = []
        sheets_el = next(k for k in kids if k.local == "sheets")
        el = [k for k in _kids(text, sheets_el) if k.local == "sheet"][s.index]
        edits.append((el.start, el.end, ""))
        edits += self._wb_index_edits(text, kids, order_old, order_new, drop_local={s.index},
                                      active=None)
        self.write_text(wbp, _apply_edits(text, edits))

    # ---- put_sheet helpers
    def _drop_calc_chain_for(self, sheet_id: int) -> None:
        wbp = self.workbook_part()
        for r in self.rels(wbp):
            if r.type == RT_CALCCHAIN and r.part and self.has(r.part):
                root = _parse_xml(self.read(r.part))
                cur = None
                hit = False
                for c in root:
                    cur = c.get("i", cur)
                    if cur is not None and cur == str(sheet_id):
                        hit = True
                        break
                if hit:  # Excel rebuilds the chain; a stale one makes it "repair" the file
                    self.delete(r.part)
                    self._ct_set(r.part, None)
                    self._rels_edit(wbp, remove=[r.id])

    def _transplant_sheet_xml(self, src: Package, ssheet: Sheet, styles: _Styles,
                              name: str, sname: str, activate: bool) -> str:
        text = src.read_text(ssheet.part)
        sstyles = _Styles(src.read_text(src._styles_part()))
        sst: list[str] = []
        for r in src.rels(src.workbook_part()):
            if r.type == RT_SST and r.part and src.has(r.part):
                t = src.read_text(r.part)
                sst = [t[k.head_end:k.close_start(t)] if not k.empty else "" for k in _kids(t, _root(t))
                       if k.local == "si"]
        xf_map: dict[int, int] = {}
        dxf_map: dict[int, int] = {}
        tp = styles.pfx

        def map_child(kind: str, i: int) -> int:
            if sstyles.count(kind) == 0:
                return 0
            raw = sstyles.get(kind, i if 0 <= i < sstyles.count(kind) else 0)
            return styles.add(kind, _reprefix(_strip_prefix(raw, sstyles.pfx), tp))

        def map_numfmt(i: int) -> int:
            code = sstyles.numfmt_code(i)
            return i if code is None else styles.numfmt_id(code)

        def map_xf(i: int) -> int:
            if i in xf_map:
                return xf_map[i]
            n = sstyles.count("cellXfs")
            raw = _strip_prefix(sstyles.get("cellXfs", i if 0 <= i < n else 0), sstyles.pfx)
            el = _root(raw)
            a = el.attrs()
            head = raw[:el.head_end]
            for attr, kind in (("fontId", "fonts"), ("fillId", "fills"), ("borderId", "borders")):
                head = _set_attr(head, attr, str(map_child(kind, int(a.get(attr, "0") or 0))))
            head = _set_attr(head, "numFmtId", str(map_numfmt(int(a.get("numFmtId", "0") or 0))))
            head = _set_attr(head, "xfId", "0")
            xf_map[i] = styles.add("cellXfs", _reprefix(head + raw[el.head_end:], tp))
            return xf_map[i]

        def map_dxf(i: int) -> int:
            if i not in dxf_map:
                raw = _strip_prefix(sstyles.get("dxfs", i), sstyles.pfx)
                dxf_map[i] = styles.add("dxfs", _reprefix(raw, tp))
            return dxf_map[i]

        tpfx = _root(text).prefix
        sp = re.escape(tpfx)
        cell = re.compile(rf"<{sp}c\b({_ATTRS})\s*(?:/>|>(.*?)</{sp}c\s*>)", re.S)
        s_attr = re.compile(r"""(?:^|\s)s\s*=\s*["'](\d*)["']""")
        t_attr = re.compile(r"""(?:^|\s)t\s*=\s*["'](\w*)["']""")
        v_text = re.compile(rf"<{sp}v>\s*(\d+)\s*</{sp}v>")

        def fix_cell(m) -> str:
            attrs = m.group(1)
            inner = m.group(2)
            sm = s_attr.search(attrs)
            tm = t_attr.search(attrs)
            shared = tm is not None and tm.group(1) == "s" and inner is not None
            if sm is None and not shared:
                return m.group(0)  # nothing to remap: the cell as written
            tag = "<c" + attrs + ">"
            if sm is not None:
                tag = _set_attr(tag, "s", str(map_xf(int(sm.group(1) or 0))))
            if shared:
                vm = v_text.search(inner)
                idx = int(vm.group(1)) if vm else -1
                if not (0 <= idx < len(sst)):
                    raise XlsxPatchError("scratch cell refers to a missing shared string")
                tag = _set_attr(tag, "t", "inlineStr")
                inner = f"<is>{sst[idx]}</is>"
            tag = "<" + tpfx + tag[1:]
            if inner is None:
                return tag[:-1] + "/>"
            return tag + inner + f"</{tpfx}c>"

        root = _root(text)
        kids = _kids(text, root, skip=())
        sd = next((k for k in kids if k.local == "sheetData"), None)
        if sd is None:
            raise XlsxPatchError("scratch sheet has no sheetData")
        body = cell.sub(fix_cell, text[sd.start:sd.end])
        head = text[:sd.start]
        tail = text[sd.end:]

        def fix_tag(m) -> str:
            tag = m.group(0)
            local = m.group(1)
            a = {k.group(1): (k.group(2) if k.group(2) is not None else k.group(3)) for k in _ATTR.finditer(tag)}
            if local == "row" and "s" in a:
                tag = _set_attr(tag, "s", str(map_xf(int(a["s"] or 0))))
            elif local == "col" and "style" in a:
                tag = _set_attr(tag, "style", str(map_xf(int(a["style"] or 0))))
            elif local == "cfRule" and "dxfId" in a:
                tag = _set_attr(tag, "dxfId", str(map_dxf(int(a["dxfId"] or 0))))
            elif local == "sheetView":
                tag = _set_attr(tag, "tabSelected", "1" if activate else None)
            return tag

        tagpat = re.compile(rf"<{sp}(row|col|cfRule|sheetView)\b{_ATTRS}\s*/?>")
        body = tagpat.sub(fix_tag, body)
        head = tagpat.sub(fix_tag, head)
        tail = tagpat.sub(fix_tag, tail)
        out = head + body + tail
        if name != sname:
            out = _rename_sheet_refs(out, sname, name)
        return out

    def _copy_rels_tree(self, src: Package, spart: str, tpart: str, name: str, sname: str) -> None:
        mapping: dict[str, str] = {spart: tpart}
        reserved: set[str] = set()
        queue = [spart]
        while queue:
            sp = queue.pop(0)
            rels = src.rels(sp)
            for r in rels:
                if r.external:
                    continue
                if r.type in (RT_PIVOT,):
                    raise UnsupportedWorkbook("scratch sheet has a pivot table; not supported")
                if not r.part or not src.has(r.part):
                    continue
                if r.part not in mapping:
                    new = self._free_name(r.part, reserved)
                    reserved.add(new)
                    mapping[r.part] = new
                    queue.append(r.part)
            # write the rels part for the copy, keeping Ids, types and external targets
            srp = src.find(rels_part_of(sp))
            if srp is None:
                continue
            rtext = src.read_text(srp)
            rroot = _root(rtext)
            edits = []
            for k in _kids(rtext, rroot):
                if k.local != "Relationship":
                    continue
                a = k.attrs()
                if a.get("TargetMode") == "External":
                    continue
                tgt = src.find(resolve_target(sp, a.get("Target", "")))
                if tgt not in mapping:
                    continue
                newt = "/" + mapping[tgt] if a.get("Target", "").startswith("/") else \
                    relative_target(mapping[sp], mapping[tgt])
                head = rtext[k.start:k.head_end]
                edits.append((k.start, k.head_end, _set_attr(head, "Target", newt)))
            self.write_text(rels_part_of(mapping[sp]), _apply_edits(rtext, edits))
        table_ids = None
        for sp_, tp_ in mapping.items():
            if sp_ == spart:
                continue
            data = src.read(sp_)
            if sp_.lower().endswith((".xml", ".vml")) and name != sname:
                data = _rename_sheet_refs(data.decode("utf-8", "surrogateescape"), sname, name).encode(
                    "utf-8", "surrogateescape")
            ctype = src.content_type(sp_)
            if ctype and ctype.endswith("table+xml"):
                data, table_ids = self._renumber_table(data, table_ids)
            if sp_.lower().endswith(".vml"):
                data = self._rebase_vml(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")
            self.write(tp_, data)
            ext = _ext(tp_)
            if ctype:
                if self.content_type(tp_) != ctype:
                    if ext.lower() in ("vml", "png", "jpeg", "jpg", "gif", "bin", "emf", "wmf") and \
                            src._default_ct(ext) == ctype:
                        self._ct_default(ext, ctype)
                    if self.content_type(tp_) != ctype:
                        self._ct_set(tp_, ctype)

    def _rebase_vml(self, text: str) -> str:
        """Move a copied VML drawing's shape ids to idmap blocks no other drawing uses."""
        blocks = self._vml_blocks(text)
        if not blocks:
            return text
        new_blocks: list[int] = []
        for _b in blocks:
            new_blocks.append(self._free_idmap_block(new_blocks))
        remap = dict(zip(blocks, new_blocks, strict=False))

        def fix_id(m):
            n = int(m.group(1))
            b, k = divmod(n, 1024)
            return "_x0000_s%d" % (remap.get(b, b) * 1024 + k)
        text = re.sub(r"_x0000_s(\d+)", fix_id, text)
        m = re.search(r"(<[\w.\-]+:idmap\b[^>]*?\sdata\s*=\s*[\"'])([^\"']*)([\"'])", text)
        return text[:m.start(2)] + ",".join(map(str, new_blocks)) + text[m.end(2):]

    def _default_ct(self, ext: str) -> str | None:
        text, root, kids = self._ct()
        for k in kids:
            a = k.attrs()
            if k.local == "Default" and a.get("Extension", "").lower() == ext.lower():
                return a.get("ContentType")
        return None

    def _renumber_table(self, data: bytes, ids: set[int] | None):
        if ids is None:
            ids = set()
            names = set()
            for n in self._cur:
                if self.content_type(n) and self.content_type(n).endswith("table+xml"):
                    a = _root(self.read_text(n)).attrs()
                    ids.add(int(a.get("id", "0") or 0))
                    names.add(a.get("name", "").lower())
                    names.add(a.get("displayName", "").lower())
            self._table_names = names
        text = data.decode("utf-8", "surrogateescape")
        root = _root(text)
        a = root.attrs()
        if a.get("name", "").lower() in self._table_names or a.get("displayName", "").lower() in self._table_names:
            raise XlsxPatchError("table name {!r} already exists in the workbook".format(a.get("displayName")))
        new = max(ids | {0}) + 1
        ids.add(new)
        head = _set_attr(text[root.start:root.head_end], "id", str(new))
        return (text[:root.start] + head + text[root.head_end:]).encode("utf-8", "surrogateescape"), ids

    def _scratch_defined_names(self, src: Package, ssheet: Sheet, name: str, sname: str) -> list[str]:
        wbp, text, root, kids = src._wb()
        dn = next((k for k in kids if k.local == "definedNames"), None)
        out = []
        if dn is None:
            return out
        for k in _kids(text, dn):
            if k.local != "definedName":
                continue
            if k.attrs().get("localSheetId") != str(ssheet.index):
                continue
            frag = _strip_prefix(text[k.start:k.end], root.prefix)
            if name != sname:
                frag = _rename_sheet_refs(frag, sname, name)
            out.append(frag)
        return out

    def _wb_index_edits(self, text: str, kids: list[_El], order_old: list[str], order_new: list[str],
                        drop_local: set[int], active: int | None, new_names: Sequence[str] = (),
                        new_pos: int | None = None) -> list[tuple[int, int, str]]:
        """definedNames localSheetId and bookViews activeTab/firstSheet after a tab re-order."""
        root = _root(text)
        idx_new = {n: i for i, n in enumerate(order_new)}

        def remap(i: int) -> int | None:
            if not (0 <= i < len(order_old)):
                return i
            return idx_new.get(order_old[i])

        edits = []
        dn = next((k for k in kids if k.local == "definedNames"), None)
        if dn is not None:
            for k in _kids(text, dn):
                if k.local != "definedName":
                    continue
                lid = k.attrs().get("localSheetId")
                if lid is None or not lid.strip().isdigit():
                    continue
                i = int(lid)
                if i in drop_local:
                    edits.append((k.start, k.end, ""))
                    continue
                j = remap(i)
                if j is not None and j != i:
                    edits.append((k.start, k.head_end, _set_attr(text[k.start:k.head_end], "localSheetId", str(j))))
        if new_names:
            p = root.prefix
            frag = "".join(_reprefix(f, p) for f in new_names)
            frag = re.sub(r'localSheetId="\d+"', 'localSheetId="%d"' % new_pos, frag)
            if dn is not None:
                edits.append(_insert_child(text, dn, frag))
            else:
                anchor = _schema_anchor_text(text, kids, _WB_ORDER, "definedNames")
                edits.append(_insert_child(text, root, f"<{p}definedNames>{frag}</{p}definedNames>", anchor))
        bv = next((k for k in kids if k.local == "bookViews"), None)
        if bv is not None:
            n = len(order_new)
            for v in _kids(text, bv):
                if v.local != "workbookView":
                    continue
                a = v.attrs()
                head = text[v.start:v.head_end]
                head2 = head
                try:
                    at = int(a.get("activeTab", "0"))
                    fs = int(a.get("firstSheet", "0"))
                except ValueError:
                    continue
                if active is not None:
                    nat = active
                else:
                    j = remap(at)
                    nat = j if j is not None else min(at, n - 1)
                j = remap(fs)
                nfs = j if j is not None else min(fs, n - 1)
                nfs = max(0, min(nfs, nat, n - 1))
                if nat != at:
                    head2 = _set_attr(head2, "activeTab", str(nat))
                if nfs != fs:
                    head2 = _set_attr(head2, "firstSheet", str(nfs))
                if head2 != head:
                    edits.append((v.start, v.head_end, head2))
        return edits

    def _wb_place_sheet(self, name: str, old: Sheet | None, rid: str, position: int,
                        names: list[str], activate: bool) -> None:
        wbp, text, root, kids = self._wb()
        sheets = self.sheets()
        sheets_el = next((k for k in kids if k.local == "sheets"), None)
        if sheets_el is None:
            raise UnsupportedWorkbook("workbook.xml has no <sheets>")
        els = [k for k in _kids(text, sheets_el) if k.local == "sheet"]
        order_old = [s.name for s in sheets]
        key_new = "\x00new"
        edits = []
        if old is not None:
            oe = els[old.index]
            elem = _set_attr(text[oe.start:oe.head_end], "name", name) + text[oe.head_end:oe.end]
            rest = [s.name for s in sheets if s.index != old.index]
            order_new = rest[:position] + [key_new] + rest[position:]
            order_old_keys = [key_new if s.index == old.index else s.name for s in sheets]
            drop = {old.index}
            if old.index != position:
                edits.append((els[old.index].start, els[old.index].end, ""))
                others = [e for i, e in enumerate(els) if i != old.index]
                before = others[position] if position < len(others) else None
                edits.append(_insert_child(text, sheets_el, elem, before))
            elif elem != text[els[old.index].start:els[old.index].end]:
                edits.append((els[old.index].start, els[old.index].end, elem))
        else:
            ns = _nsmap(root)
            rp = _prefix_for(ns, NS_R)
            sid = max([s.sheet_id for s in sheets] + [0]) + 1
            elem = ('<%ssheet name="%s" sheetId="%d" %sid="%s"/>' % (root.prefix, _esca(name), sid, rp, rid) if rp
                    else '<%ssheet name="%s" sheetId="%d" xmlns:r="%s" r:id="%s"/>' % (root.prefix, _esca(name), sid, NS_R, rid))
            order_old_keys = list(order_old)
            order_new = order_old[:position] + [key_new] + order_old[position:]
            drop = set()
            before = els[position] if position < len(els) else None
            edits.append(_insert_child(text, sheets_el, elem, before))
        edits += self._wb_index_edits(text, kids, order_old_keys, order_new, drop_local=drop,
                                      active=position if activate else None,
                                      new_names=names, new_pos=position)
        self.write_text(wbp, _apply_edits(text, edits))

    def _untab_select_others(self, keep_part: str) -> None:
        """Take `tabSelected` off every other sheet. Only the start of each sheet is
        inflated to look (the sheet view comes before the cells); the attribute is spliced
        out of those bytes and the rest streamed through, so nothing is kept whole."""
        view = re.compile(rf"<([\w.\-]+:)?sheetView\b{_ATTRS}\s*/?>")
        for s in self.sheets():
            if s.part == keep_part or not s.part or not self.has(s.part) or s.kind not in ("worksheet", "chartsheet"):
                continue
            head = self._head(s.part).decode("utf-8", "surrogateescape")
            m = view.search(head)
            if m is None:  # beyond the head (never seen in practice): the whole sheet
                head = self.read_text(s.part)
                m = view.search(head)
                if m is None:
                    continue
            tag = m.group(0)
            a = {k.group(1): k.group(2) or k.group(3) for k in _ATTR.finditer(tag)}
            if a.get("tabSelected") in ("1", "true"):
                start = len(head[:m.start()].encode("utf-8", "surrogateescape"))
                self._splice_head(s.part, start, start + len(tag.encode("utf-8", "surrogateescape")),
                                  _set_attr(tag, "tabSelected", None).encode("utf-8",
                                                                             "surrogateescape"))


# --------------------------------------------------------------------------- VML geometry
_NOTE_SHAPETYPE = (
    '<{v}shapetype id="_x0000_t202" coordsize="21600,21600" {o}spt="202"\n'
    '  path="m,l,21600r21600,l21600,xe">\n  <{v}stroke joinstyle="miter"/>\n'
    '  <{v}path gradientshapeok="t" {o}connecttype="rect"/>\n </{v}shapetype>')


class _Geometry:
    """Approximate pixel geometry of a sheet (for note anchors)."""

    def __init__(self, ws: _SheetXML):
        fp = ws.child("sheetFormatPr")
        a = fp.attrs() if fp is not None else {}
        try:
            self.def_col = float(a["defaultColWidth"]) * 7 if "defaultColWidth" in a else \
                (float(a.get("baseColWidth", "8")) + 0.43) * 7 + 5
        except ValueError:
            self.def_col = 64.0
        try:
            self.def_row = float(a.get("defaultRowHeight", "15")) * 4 / 3
        except ValueError:
            self.def_row = 20.0
        self.cols = ws.col_styles()
        self.heights: dict[int, float] = {}
        p = re.escape(ws.pfx)
        sd = ws.child("sheetData")
        # only rows with a height of their own (the rest have the default)
        tall = re.compile(rf"<{p}row(\s[^>]*?\sht\s*=[^>]*?)\s*/?>")
        for m in tall.finditer(ws.text, sd.head_end, sd.end) if not sd.empty else ():
            at = m.group(1)
            d = {k.group(1): k.group(2) or k.group(3) for k in _ATTR.finditer(at)}
            try:
                self.heights[int(d["r"])] = 0.0 if d.get("hidden") in ("1", "true") else float(d["ht"]) * 4 / 3
            except (KeyError, ValueError):
                pass
        # prefix sums: a note's top is the height of every row above it, asked for each
        # of thousands of notes on a long sheet
        self._tall = sorted(self.heights)
        self._tall_cum = []
        acc = 0.0
        for r in self._tall:
            acc += self.heights[r] - self.def_row
            self._tall_cum.append(acc)
        self._left: dict[int, float] = {}

    def rows_above(self, r: int) -> float:
        """Pixels from the top of the sheet to the top of row r (1-based)."""
        k = bisect.bisect_left(self._tall, r)
        return (r - 1) * self.def_row + (self._tall_cum[k - 1] if k else 0.0)

    def cols_left(self, c: int) -> float:
        """Pixels from the left of the sheet to the left of column c (1-based)."""
        x = self._left.get(c)
        if x is None:
            x = self._left[c] = sum(self.col_px(i) for i in range(1, c))
        return x

    def col_px(self, c: int) -> float:  # c is 1-based
        for lo, hi, _st, w, hidden in self.cols:
            if lo <= c <= hi:
                return 0.0 if hidden else (w * 7 if w else self.def_col)
        return self.def_col

    def row_px(self, r: int) -> float:
        return self.heights.get(r, self.def_row)

    def anchor(self, r: int, c: int, w_pt: float, h_pt: float) -> tuple[str, float, float]:
        """Excel-like: note box starts one column right of the cell, a row above."""
        lc, lo = c + 1, 15  # 1-based column of the box's left edge, offset px
        tr, to = (r - 1, 10) if r > 1 else (1, 2)
        wpx, hpx = w_pt * 4 / 3, h_pt * 4 / 3
        rc, ro, rem = lc, lo, wpx
        while rem > self.col_px(rc) - ro:
            rem -= self.col_px(rc) - ro
            rc, ro = rc + 1, 0
            if rc > 16384:
                break
        ro = int(ro + rem)
        br, bo, rem = tr, to, hpx
        while rem > self.row_px(br) - bo:
            rem -= self.row_px(br) - bo
            br, bo = br + 1, 0
            if br > 1048576:
                break
        bo = int(bo + rem)
        ml = self.cols_left(lc) + lo
        mt = self.rows_above(tr) + to
        anchor = "%d, %d, %d, %d, %d, %d, %d, %d" % (lc - 1, lo, tr - 1, to, rc - 1, ro, br - 1, bo)
        return anchor, ml * 0.75, mt * 0.75


def _shape_size(body: str) -> tuple[float, float] | None:
    out = []
    for key in ("width", "height"):
        m = re.search(rf"(?<![\w-]){key}\s*:\s*([\d.]+)\s*(pt|px|in|cm|mm)?", body)
        if not m:
            return None
        val = float(m.group(1))
        val *= {"pt": 1, None: 1, "px": 0.75, "in": 72, "cm": 72 / 2.54, "mm": 72 / 25.4}[m.group(2)]
        out.append(val)
    return out[0], out[1]


def _fmt_pt(x: float) -> str:
    return (f"{x:.2f}").rstrip("0").rstrip(".")


def _note_shape(v: str, o: str, x: str, sid: int, rc: tuple[int, int], w: float, h: float, z: int,
                geo: _Geometry, fill: str) -> str:
    r, c = rc
    anchor, ml, mt = geo.anchor(r, c, w, h)
    return (
        f'<{v}shape id="_x0000_s{sid}" type="#_x0000_t202" style=\'position:absolute;\n'
        f'  margin-left:{_fmt_pt(ml)}pt;margin-top:{_fmt_pt(mt)}pt;width:{_fmt_pt(w)}pt;height:{_fmt_pt(h)}pt;z-index:{z};\n'
        f'  visibility:hidden\' fillcolor="{fill}" {o}insetmode="auto">\n'
        f'  <{v}fill color2="{fill}"/>\n  <{v}shadow on="t" color="black" obscured="t"/>\n'
        f'  <{v}path {o}connecttype="none"/>\n  <{v}textbox style=\'mso-direction-alt:auto\'>\n'
        f'   <div style=\'text-align:left\'></div>\n  </{v}textbox>\n'
        f'  <{x}ClientData ObjectType="Note">\n   <{x}MoveWithCells/>\n   <{x}SizeWithCells/>\n'
        f'   <{x}Anchor>\n    {anchor}</{x}Anchor>\n   <{x}AutoFill>False</{x}AutoFill>\n'
        f'   <{x}Row>{r - 1}</{x}Row>\n   <{x}Column>{c - 1}</{x}Column>\n  </{x}ClientData>\n </{v}shape>'
    )


def _strip_prefix(raw: str, pfx: str) -> str:
    if not pfx:
        return raw
    return raw.replace("<" + pfx, "<").replace("</" + pfx, "</")


def _rename_sheet_refs(text: str, old: str, new: str) -> str:
    """Rewrite 'Old'!A1 / Old!A1 sheet references in formulas/defined names to the new name."""
    q_old = re.escape(_esc(_quote_sheet(old)).replace("'", "'"))
    pat = re.compile(rf"(?:{q_old}|(?<![\w.']){re.escape(_esc(old))})!")
    return pat.sub(lambda m: _esc(_quote_sheet(new)) + "!", text)


# --------------------------------------------------------------------------- verification
_XML_EXT = (".xml", ".rels", ".vml")


def _well_formed(data: bytes) -> str | None:
    """Why ``data`` is not well-formed, namespace-correct XML without entity declarations
    (None: it is). expat with no handlers: the same check as a parse, without building a
    tree of a 20,000-row sheet."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return "XML part contains a DOCTYPE/ENTITY declaration; refused"
    parser = expat.ParserCreate(namespace_separator=" ")
    view = memoryview(data)
    step = 1 << 20  # in slices: expat never holds a second copy of a big part
    try:
        for i in range(0, len(view), step):
            parser.Parse(view[i:i + step], False)
        parser.Parse(b"", True)
    except expat.ExpatError as e:
        return str(e)
    return None


def _outline(data: bytes) -> str:
    """A worksheet without its cells (``<sheetData/>`` in their place): what the check of
    a sheet's relationship ids reads, without decoding a 20,000-row sheet."""
    m = re.search(rb"<(?:[\w.\-]+:)?sheetData\b[^>]*?(/?)>", data)
    if m is None:
        return data.decode("utf-8", "surrogateescape")
    end = m.end()
    if not m.group(1):
        j = data.rfind(b"sheetData", m.end())
        lt = data.rfind(b"<", 0, j)
        if j < 0 or data[lt:lt + 2] != b"</":
            return data.decode("utf-8", "surrogateescape")
        end = data.find(b">", j) + 1
    name = m.group(0)[1:].split(b">")[0].split()[0].rstrip(b"/")
    return (data[:m.start()] + b"<" + name + b"/>" + data[end:]).decode("utf-8", "surrogateescape")


def _same_part(b: Package, a: Package, name: str) -> bool:
    """Whether part `name` holds the same bytes in both packages. A member copied raw is
    compared as stored (method, CRC, sizes and compressed bytes all equal: the same content,
    without inflating it); anything else is inflated and compared."""
    mb, ma = b._orig.get(name), a._orig.get(name)
    if b._cur.get(name) is _UNCHANGED and a._cur.get(name) is _UNCHANGED and \
            mb is not None and ma is not None:
        ib, ia = mb.info, ma.info
        if (ib.compress_type, ib.CRC, ib.file_size, ib.compress_size) == \
                (ia.compress_type, ia.CRC, ia.file_size, ia.compress_size) and mb.raw == ma.raw:
            return True
    return _peek(a, name) == _peek(b, name)


def _peek(pkg: Package, name: str) -> bytes:
    """A part's bytes without keeping an inflated copy in the package (verify reads every
    owned part once; holding them all would double the writer's memory)."""
    v = pkg._cur[name]
    if isinstance(v, _Packed):
        return v.data()
    if v is not _UNCHANGED:
        return v  # type: ignore[return-value]
    return pkg._cache.get(name) or _inflate(pkg._orig[name])


def verify(before: PathOrBytes | Package, after: PathOrBytes | Package,
           owned: Iterable[str] = ()) -> list[str]:
    """Problems (empty = OK): parts not owned must be byte-identical; owned/new parts must be
    well-formed; every internal relationship must resolve; every part must have a content type;
    sheets / defined names / sheet-level r:ids must be consistent."""
    try:
        b = before if isinstance(before, Package) else Package.open(before)
    except XlsxPatchError as e:
        return [f"cannot read the original package: {e}"]
    try:
        a = after if isinstance(after, Package) else Package.open(after)
    except XlsxPatchError as e:
        return [f"cannot read the result package: {e}"]
    owned = set(owned)
    try:
        sheet_parts = {s.part for s in a.sheets() if s.kind == "worksheet"}
    except (XlsxPatchError, ET.ParseError, KeyError):
        sheet_parts = set()  # reported below, with the workbook structure
    outlines: dict[str, str] = {}
    problems: list[str] = []
    for n in b.names():
        if n in owned:
            continue
        if not a.has(n):
            problems.append(f"part {n} is missing from the result")
        elif not _same_part(b, a, n):
            problems.append(f"part {n} changed but is not owned")
    for n in a.names():
        if (n in owned or not b.has(n)) and n.lower().endswith(_XML_EXT):
            data = _peek(a, n)
            err = _well_formed(data)
            if not err and n in sheet_parts:
                outlines[n] = _outline(data)  # inflated once: the sheets' check reads this
            if err:
                if n.lower().endswith(".vml") and b.has(n) and _well_formed(_peek(b, n)):
                    continue  # Excel's own VML was not well-formed XML before either
                problems.append(f"part {n} is not well-formed XML: {err}")
    # content types
    try:
        ct_root = _parse_xml(a.read(CONTENT_TYPES))
        defaults = {e.get("Extension", "").lower() for e in ct_root if e.tag.endswith("}Default")}
        overrides = {}
        for e in ct_root:
            if e.tag.endswith("}Override"):
                pn = e.get("PartName", "").lstrip("/").lower()
                if pn in overrides:
                    problems.append(f"[Content_Types].xml has two Overrides for /{pn}")
                overrides[pn] = e.get("ContentType")
        for n in a.names():
            if n == CONTENT_TYPES:
                continue
            if n.lower() not in overrides and _ext(n) not in defaults:
                problems.append(f"part {n} has no content type")
        for pn in overrides:
            if a.find(pn) is None:
                problems.append(f"[Content_Types].xml overrides missing part /{pn}")
    except Exception as e:  # noqa: BLE001 - report, don't crash
        problems.append(f"[Content_Types].xml unreadable: {e}")
    # relationships
    for n in a.names():
        if not n.endswith(".rels"):
            continue
        src = source_of_rels(n)
        if src is None:
            problems.append(f"rels part {n} is not in a _rels folder")
            continue
        src = "" if src == "" or n == "_rels/.rels" else src
        if src and a.find(src) is None:
            problems.append(f"rels part {n} belongs to missing part {src}")
        try:
            rels = a.rels(src)
        except ET.ParseError as e:
            problems.append(f"rels part {n} unreadable: {e}")
            continue
        ids = [r.id for r in rels]
        if len(ids) != len(set(ids)):
            problems.append(f"rels part {n} has duplicate Ids")
        for r in rels:
            if not r.external and (not r.part or a.find(r.part) is None):
                problems.append(f"relationship {r.id} in {n} points to missing part {r.target}")
    # workbook-level consistency
    try:
        sheets = a.sheets()
        names = [s.name.lower() for s in sheets]
        if len(names) != len(set(names)):
            problems.append("duplicate sheet names")
        ids = [s.sheet_id for s in sheets]
        if len(ids) != len(set(ids)):
            problems.append("duplicate sheetIds")
        for s in sheets:
            if not s.part or a.find(s.part) is None:
                problems.append(f"sheet {s.name!r} has no part")
        wbp, text, root, kids = a._wb()
        dn = next((k for k in kids if k.local == "definedNames"), None)
        seen = set()
        for k in (_kids(text, dn) if dn is not None else []):
            at = k.attrs()
            lid = at.get("localSheetId")
            if lid is not None and not (lid.isdigit() and int(lid) < len(sheets)):
                problems.append("defined name {} has localSheetId {} out of range".format(at.get("name"), lid))
            key = (at.get("name", "").lower(), lid)
            if key in seen:
                problems.append("defined name {} duplicated for localSheetId {}".format(*key))
            seen.add(key)
        for s in sheets:
            if s.kind != "worksheet" or not s.part or not a.has(s.part):
                continue
            if not (s.part in owned or not b.has(s.part)):
                continue
            outline = outlines.pop(s.part, None)
            ws = _SheetXML(outline if outline is not None else _outline(_peek(a, s.part)))
            rids = {r.id for r in a.rels(s.part)}
            for el in ws.top:
                rid = ws.rel_id_attr(el)
                if rid is not None and rid not in rids:
                    problems.append(f"sheet {s.name!r}: <{el.local}> r:id={rid} has no relationship")
    except (XlsxPatchError, ET.ParseError, KeyError) as e:
        problems.append(f"workbook structure unreadable: {e}")
    return problems
