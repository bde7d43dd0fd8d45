"""Uploaded documents: what a file is, by its content, and whether it is safe to read.

Every uploaded DOCX, XLSX, ODT, ODS and PDF passes here before anything parses or keeps it:
proposal attachments and submission documents (`proposals.attachments.check_upload`), the files
of the public verification page (`registrations.verification.text_of_upload`) and imports
(`proposals.converters.detect`, with the imports' own limits). The limits are settings
(`UPLOAD_MAX_*`, `IMPORT_MAX_*`, `DOCUMENT_READER_*`; see the README).

- An office document is a zip package. Its entries are counted from its central directory
  before Python's zipfile builds its list of them; then what the archive declares is checked
  before a byte is inflated (total size, compression ratio of every entry over 1 MB, encryption,
  compression method: only stored and deflated, whose output zipfile bounds per read); then every
  entry is inflated in chunks with a cap on the total, since declared sizes may lie.
- Its type comes from its structure, never from one entry: a DOCX or XLSX has
  [Content_Types].xml and its main part; an ODT or ODS has the `mimetype` entry, content.xml and
  a manifest whose root entry declares that same type. A zip holding a `mimetype` entry is not an
  OpenDocument file.
- A PDF's page count is read from its bytes (the /Count of its page tree nodes and the /Page
  objects), without parsing it; the reader below checks it again from the parsed page tree.
- Reading the text of an untrusted document (python-docx, pypdf) happens in a child process,
  `core/document_reader.py`, that limits its own address space (RLIMIT_AS) and CPU time before it
  reads a byte, under a wall-clock timeout here: a parser bomb costs that process, never the
  worker's memory. (Imports run pandoc out of process the same way, with its heap limit and a
  timeout: `proposals.converters.convert`.)
"""

import json
import re
import signal
import struct
import subprocess
import sys
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

READER = Path(__file__).resolve().parent / "document_reader.py"

OOXML_MAIN_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
OPENDOCUMENT_TYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
}
MANIFEST_NAMESPACE = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
# Small entries (content types, mimetype, manifest) are read whole, never beyond this.
SMALL_ENTRY_BYTES = 1024 * 1024
# Entries larger than this must respect the compression ratio.
RATIO_CHECKED_BYTES = 1024 * 1024
INFLATE_CHUNK_BYTES = 1024 * 1024

# Why a document is refused; `name` is the uploaded file's name.
MESSAGES = {
    "bomb": _(
        "“%(name)s” unpacks to far more than its size (over %(max)s MB, or compressed more than "
        "%(ratio)s times); it is not accepted."
    ),
    "entries": _("“%(name)s” holds more than %(max)s parts; it is not accepted."),
    "pages": _("“%(name)s” has more than %(max)s pages; it is not accepted."),
    "too_long": _(
        "The text of “%(name)s” is longer than %(max)s characters, more than any registered text."
    ),
    "memory": _("Reading “%(name)s” needed more memory than allowed and was stopped."),
    "timeout": _("Reading “%(name)s” took longer than %(seconds)s seconds and was stopped."),
    "unreadable": _("“%(name)s” could not be read."),
}


class UnsafeDocument(DomainError):
    """A document refused before or while it is read; `code` is a key of MESSAGES (or
    "encrypted" and "compression", which callers word themselves) and `params` its values."""

    def __init__(self, code, name, **params):
        self.name = name
        self.params = params
        template = MESSAGES.get(code, MESSAGES["unreadable"])
        super().__init__(str(template) % {"name": name, **params}, code=code)


class NotAPackage(Exception):
    """Not a zip archive we can check: no central directory, or one that does not parse."""


@dataclass(frozen=True)
class Limits:
    """How far a document may unpack: `inflated_bytes` in all, entries over 1 MB compressed at
    most `compression_ratio` times, at most `entries` entries and `pages` PDF pages."""

    inflated_bytes: int
    compression_ratio: int
    entries: int
    pages: int


def upload_limits():
    """The limits of attachments, submission documents and the verification page's files."""
    return Limits(
        inflated_bytes=settings.UPLOAD_MAX_INFLATED_BYTES,
        compression_ratio=settings.UPLOAD_MAX_COMPRESSION_RATIO,
        entries=settings.UPLOAD_MAX_ARCHIVE_ENTRIES,
        pages=settings.UPLOAD_MAX_PDF_PAGES,
    )


def _mb(value):
    return value // (1024 * 1024)


def _bomb(name, limits):
    return UnsafeDocument(
        "bomb", name, max=_mb(limits.inflated_bytes), ratio=limits.compression_ratio
    )


# --- Zip packages ------------------------------------------------------------------------------

EOCD = b"PK\x05\x06"
EOCD_SIZE = 22
ZIP64_LOCATOR = b"PK\x06\x07"
ZIP64_LOCATOR_SIZE = 20
ZIP64_EOCD = b"PK\x06\x06"
ZIP64_EOCD_SIZE = 56
CENTRAL_HEADER = b"PK\x01\x02"
CENTRAL_HEADER_SIZE = 46


def _central_directory(handle):
    """(start, size) of the archive's central directory, from its end records, as zipfile finds
    them (a prefix before the archive is allowed)."""
    handle.seek(0, 2)
    size = handle.tell()
    tail_size = min(size, EOCD_SIZE + 0xFFFF + ZIP64_LOCATOR_SIZE + ZIP64_EOCD_SIZE)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    at = tail.rfind(EOCD)
    if at < 0 or len(tail) - at < EOCD_SIZE:
        raise NotAPackage
    fields = struct.unpack("<4s4H2LH", tail[at : at + EOCD_SIZE])
    entries, directory_size, directory_offset = fields[4], fields[5], fields[6]
    location = size - tail_size + at
    if entries == 0xFFFF or 0xFFFFFFFF in (directory_size, directory_offset):
        locator = at - ZIP64_LOCATOR_SIZE
        record = locator - ZIP64_EOCD_SIZE
        if record < 0 or tail[locator : locator + 4] != ZIP64_LOCATOR:
            raise NotAPackage
        if tail[record : record + 4] != ZIP64_EOCD:
            raise NotAPackage
        directory_size = struct.unpack("<4sqhhllqqqq", tail[record:locator])[8]
        location = size - tail_size + record
    start = location - directory_size
    if start < 0:
        raise NotAPackage
    return start, directory_size


def count_entries(handle, stop):
    """How many entries the archive's central directory lists, counted up to `stop` + 1 by
    walking its records (46 bytes each, plus their name, extra field and comment), as zipfile
    would: without building a ZipInfo per entry. 120,000 empty entries fit in a 10 MB upload
    and cost zipfile about 60 MB of memory; this costs nothing."""
    start, size = _central_directory(handle)
    handle.seek(start)
    count = consumed = 0
    while consumed < size and count <= stop:
        header = handle.read(CENTRAL_HEADER_SIZE)
        if len(header) < CENTRAL_HEADER_SIZE or header[:4] != CENTRAL_HEADER:
            raise NotAPackage
        skip = sum(struct.unpack("<3H", header[28:34]))
        handle.seek(skip, 1)
        consumed += CENTRAL_HEADER_SIZE + skip
        count += 1
    handle.seek(0)
    return count


@contextmanager
def open_package(handle, name, limits):
    """The zip archive in the seekable file `handle`, once its entry count and what it declares
    of its entries are within `limits`. Raises UnsafeDocument ("entries", "bomb", "encrypted",
    "compression"), NotAPackage, or zipfile's own errors for a damaged archive."""
    if count_entries(handle, limits.entries) > limits.entries:
        raise UnsafeDocument("entries", name, max=limits.entries)
    with zipfile.ZipFile(handle) as archive:
        check_declared(archive, name, limits)
        yield archive


def check_declared(archive, name, limits):
    """What the archive says of itself, before a byte is inflated: entry count, total size,
    compression ratio of every large entry, encryption, compression method."""
    infos = archive.infolist()
    if len(infos) > limits.entries:
        raise UnsafeDocument("entries", name, max=limits.entries)
    declared = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise UnsafeDocument("encrypted", name)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            # OOXML and OpenDocument use only these two. zipfile bounds what one read of a
            # deflated entry returns, but not of a bzip2 or LZMA one.
            raise UnsafeDocument("compression", name)
        declared += info.file_size
        if declared > limits.inflated_bytes:
            raise _bomb(name, limits)
        big = info.file_size > RATIO_CHECKED_BYTES
        if big and info.file_size > limits.compression_ratio * max(info.compress_size, 1):
            raise _bomb(name, limits)


def read_entry(archive, entry, name, limits, limit=SMALL_ENTRY_BYTES):
    """A small entry (content types, mimetype, manifest), never inflated beyond `limit`."""
    with archive.open(entry) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise _bomb(name, limits)
    return data


def inflate_all(archive, name, limits):
    """Every entry inflated, in chunks, with a cap on the total: the declared sizes are not
    trusted. A bad checksum or a broken stream raises zipfile's (or zlib's) error."""
    inflated = 0
    for info in archive.infolist():
        with archive.open(info) as member:
            while chunk := member.read(INFLATE_CHUNK_BYTES):
                inflated += len(chunk)
                if inflated > limits.inflated_bytes:
                    raise _bomb(name, limits)


def _opendocument_type(archive, names, name, limits):
    mimetype = read_entry(archive, "mimetype", name, limits, limit=200)
    extension = OPENDOCUMENT_TYPES.get(mimetype.decode("ascii", "replace").strip())
    if extension is None or "content.xml" not in names or "META-INF/manifest.xml" not in names:
        return None
    # expat (≥ 2.4) refuses entity amplification; the entry is at most 1 MB.
    try:
        manifest = ElementTree.fromstring(
            read_entry(archive, "META-INF/manifest.xml", name, limits)
        )
    except ElementTree.ParseError:
        return None
    path_attribute = f"{{{MANIFEST_NAMESPACE}}}full-path"
    type_attribute = f"{{{MANIFEST_NAMESPACE}}}media-type"
    for entry in manifest.iter(f"{{{MANIFEST_NAMESPACE}}}file-entry"):
        if entry.get(path_attribute) == "/":
            root_type = (entry.get(type_attribute) or "").strip()
            return extension if OPENDOCUMENT_TYPES.get(root_type) == extension else None
    return None


def package_format(archive, name, limits):
    """ "docx", "xlsx", "odt" or "ods" by the package's structure, or None for any other zip."""
    names = set(archive.namelist())
    if "mimetype" in names:
        return _opendocument_type(archive, names, name, limits)
    if "[Content_Types].xml" in names:
        for extension, main_part in OOXML_MAIN_PARTS.items():
            if main_part in names:
                return extension
    return None


# Errors of a damaged archive: truncated members, bad checksums, broken deflate streams.
DAMAGED = (
    NotAPackage,
    zipfile.BadZipFile,
    zlib.error,
    OSError,
    ValueError,
    RuntimeError,
    NotImplementedError,
    EOFError,
    struct.error,
)


# --- PDF ---------------------------------------------------------------------------------------

# One pass over a PDF's bytes finds, in order, the start of each object, each /Type /Page(s) and
# each /Count. Every token is bounded in length, so a token cut by the end of a chunk is whole in
# the next one (the last TOKEN_BYTES of a chunk are read again).
PDF_TOKENS = re.compile(
    rb"(?P<object>(?<![0-9])[0-9]{1,10}[ \t\r\n\f\x00]{1,32}[0-9]{1,5}[ \t\r\n\f\x00]{1,32}obj)"
    rb"|/Type\s{0,32}/(?P<type>Pages|Page)(?![A-Za-z0-9_])"
    rb"|/Count\s{0,32}\+?(?P<count>[0-9]{1,30})"
)
TOKEN_BYTES = 128
SCAN_CHUNK_BYTES = 1024 * 1024


def pdf_page_count(handle, chunk_size=SCAN_CHUNK_BYTES):
    """The larger of the pages a PDF's bytes declare (the /Count of its page tree nodes) and the
    /Page objects they hold, read `chunk_size` bytes at a time in one pass, memory flat. Page
    trees inside compressed object streams are not seen here; the reader (`read_text`) counts
    those from the parsed tree."""
    handle.seek(0)
    pages = declared = 0
    node = False  # the current object is a page tree node (/Type /Pages)
    largest = 0  # the largest /Count of the current object
    data = b""
    while True:
        chunk = handle.read(chunk_size)
        data += chunk
        # Tokens starting in the last TOKEN_BYTES may be cut: they are read with the next chunk.
        boundary = len(data) - TOKEN_BYTES if chunk else len(data)
        resume = 0
        for match in PDF_TOKENS.finditer(data):
            if match.start() >= boundary:
                break
            resume = match.end()
            if match["object"]:
                if node:
                    declared = max(declared, largest)
                node, largest = False, 0
            elif match["type"] == b"Page":
                pages += 1
            elif match["type"] == b"Pages":
                node = True
            else:
                largest = max(largest, int(match["count"]))
        if not chunk:
            break
        data = data[max(boundary, resume) :]
    handle.seek(0)
    if node:
        declared = max(declared, largest)
    return max(pages, declared)


# --- What a file is ----------------------------------------------------------------------------


def check_document(handle, name, limits):
    """ "pdf", "docx", "xlsx", "odt" or "ods" by the content of the seekable file `handle`, once
    it is checked within `limits`; None if it is none of them, or a damaged one.

    Raises UnsafeDocument naming the file when it would unpack beyond the limits, holds too many
    entries or (PDF) pages. Reads the file in chunks: memory stays flat whatever it holds."""
    handle.seek(0)
    head = handle.read(8)
    handle.seek(0)
    try:
        if head.startswith(b"%PDF-"):
            if pdf_page_count(handle) > limits.pages:
                raise UnsafeDocument("pages", name, max=limits.pages)
            return "pdf"
        if not head.startswith(b"PK\x03\x04"):
            return None
        try:
            with open_package(handle, name, limits) as archive:
                detected = package_format(archive, name, limits)
                if detected is not None:
                    inflate_all(archive, name, limits)
                return detected
        except UnsafeDocument as error:
            if error.code in ("encrypted", "compression"):
                return None
            raise
        except DAMAGED:
            return None
    finally:
        handle.seek(0)


# --- Reading the text --------------------------------------------------------------------------

# Exit statuses of core/document_reader.py.
EXIT_MEMORY = 3
EXIT_PAGES = 4
EXIT_TOO_LONG = 5


def read_text(data, document_format, name, *, max_characters, limits):
    """The text of a checked DOCX or PDF (`document_format`), read by python-docx or pypdf in a
    bounded child process (`core/document_reader.py`): DOCX paragraphs then table cells, one a
    line; PDF pages separated by a form feed ("\\f").

    Raises UnsafeDocument: "memory" (over DOCUMENT_READER_MEMORY_MB), "timeout" (over
    DOCUMENT_READER_TIMEOUT_SECONDS of wall-clock or CPU time), "pages" (over `limits.pages`),
    "too_long" (over `max_characters`), "unreadable" (the parser failed)."""
    seconds = settings.DOCUMENT_READER_TIMEOUT_SECONDS
    options = {
        "format": document_format,
        "memory_mb": settings.DOCUMENT_READER_MEMORY_MB,
        "cpu_seconds": seconds,
        "max_pages": limits.pages,
        "max_characters": max_characters,
    }
    try:
        result = subprocess.run(  # noqa: S603 - our own script, our own arguments
            [sys.executable, "-I", str(READER), json.dumps(options)],
            input=data,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            timeout=seconds,
            check=False,
            env={"LANG": "C.UTF-8"},
        )
    except subprocess.TimeoutExpired:
        raise UnsafeDocument("timeout", name, seconds=seconds) from None
    if result.returncode == 0:
        return result.stdout.decode("utf-8", "replace")
    if result.returncode == EXIT_MEMORY:
        raise UnsafeDocument("memory", name)
    if result.returncode == EXIT_PAGES:
        raise UnsafeDocument("pages", name, max=limits.pages)
    if result.returncode == EXIT_TOO_LONG:
        raise UnsafeDocument("too_long", name, max=max_characters)
    if result.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        raise UnsafeDocument("timeout", name, seconds=seconds)
    raise UnsafeDocument("unreadable", name)
