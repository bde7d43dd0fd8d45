"""Reading documents to import: what a file is (by its content), whether it is safe to parse,
and its blocks.

Accepted: DOCX, ODT, HTML, Markdown and plain text. A file is identified by what it contains,
never by its name alone, and refused with a reason when it is something else (a PDF, an old
binary .doc, a spreadsheet), password-protected, carries macros, or is packed so that it would
inflate far beyond its size (the archive's entries are counted and inflated with a cap before
any parser sees them: `core.documents`, the checks of every upload, with the IMPORT_* limits).

The conversion itself is pandoc's (the binary bundled by pypandoc-binary), run out of process
with `--sandbox` (no file or network access beyond the input), a heap limit and a timeout,
through our own writer `import/blocks.lua`, which returns the document's top-level blocks as
JSON lines: headings with their text, and every other block as GitHub Markdown (document mode)
or as plain text (act mode, for the article splitter). Pandoc was chosen over mammoth + odfdo
for one code path for all five formats, the document's structure from its AST, and the process
boundary that bounds memory and time (measured in bench/import_bench.py).
"""

import json
import logging
import os
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePath

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from core import documents
from core.errors import DomainError
from core.text import control_characters_message, has_control_characters

log = logging.getLogger(__name__)

LUA_WRITER = Path(__file__).resolve().parent / "import" / "blocks.lua"

# What each format is read as by pandoc. Markdown without raw HTML/TeX: they never reach a text.
READERS = {
    "docx": "docx",
    "odt": "odt",
    "html": "html",
    "md": "markdown-raw_html-raw_tex-tex_math_dollars-tex_math_single_backslash-citations",
    "txt": "markdown-raw_html-raw_tex-tex_math_dollars-tex_math_single_backslash-citations",
}
EXTENSIONS = {
    "docx": "docx",
    "odt": "odt",
    "html": "html",
    "htm": "html",
    "xhtml": "html",
    "md": "md",
    "markdown": "md",
    "txt": "txt",
    "text": "txt",
}
LABELS = {"docx": "DOCX", "odt": "ODT", "html": "HTML", "md": "Markdown", "txt": "text"}
# The content types imported files are kept (and served) with as attachments. HTML and Markdown
# are text to keep, never pages to open: they are served as plain text.
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "html": "text/plain; charset=utf-8",
    "md": "text/plain; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}
ODT_MIMETYPE = CONTENT_TYPES["odt"]
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# pandoc's runtime exits with 251 when it hits the heap limit (+RTS -M).
HEAP_EXHAUSTED = 251

# Why a document cannot be imported. The code and its parameters are stored with a failed
# import, so the message is shown in the language of whoever reads it.
MESSAGES = {
    "too_large": _("“%(name)s” is larger than %(max)s."),
    "unknown_type": _("“%(name)s” is not a DOCX, ODT, Markdown, HTML or text file."),
    "mismatch": _("“%(name)s” is named .%(extension)s but its content is %(detected)s."),
    "pdf": _(
        "“%(name)s” is a PDF: its text cannot be imported with its structure. Save the "
        "document as DOCX or ODT, or paste its text."
    ),
    "legacy_doc": _(
        "“%(name)s” is an old Word 97–2003 document. Save it as DOCX or ODT and import that file."
    ),
    "encrypted": _(
        "“%(name)s” is protected by a password. Save a copy without the password and import it."
    ),
    "macros": _(
        "“%(name)s” contains macros, which are not accepted. Save it as a document without "
        "macros (DOCX or ODT) and import that file."
    ),
    "corrupt": _("“%(name)s” is damaged or is not a complete %(format)s document."),
    "bomb": _(
        "“%(name)s” unpacks to far more than its size (over %(max)s MB, or compressed more than "
        "%(ratio)s times); it cannot be imported."
    ),
    "not_utf8": _("“%(name)s” is not UTF-8 text. Save it with the UTF-8 encoding and try again."),
    "too_long": _("The text is longer than %(max)s characters in all."),
    "empty": _("No text was found in “%(name)s”."),
    "block_too_long": _(
        "A paragraph or table of “%(name)s” is longer than %(max)s characters, the most one "
        "block of a text holds. Split it and import the document again."
    ),
    "too_many_blocks": _(
        "“%(name)s” has more than %(max)s headings and texts, even with the paragraphs under "
        "each heading joined. Split the document and import the parts."
    ),
    "no_articles": _(
        "No articles were recognised in this text (such as “Art. 5”, “Articolul 5” or "
        "“Чл. 26”). Check that it is the text of a normative act, each article starting on "
        "its own line."
    ),
    "timeout": _(
        "Reading “%(name)s” took longer than %(seconds)s seconds and was stopped. Split the "
        "document and import the parts."
    ),
    "memory": _(
        "Reading “%(name)s” needed more memory than allowed and was stopped. Split the "
        "document and import the parts."
    ),
    "failed": _("“%(name)s” could not be read as a %(format)s document."),
    "stale": _(
        "Reading “%(name)s” stopped before it finished (the server may have restarted). "
        "Nothing was saved: start the import again."
    ),
}


def error_message(code, params):
    """The message of an import error, in the active language."""
    if code == "control":
        return control_characters_message(_("This text"))
    template = MESSAGES.get(code, MESSAGES["failed"])
    try:
        return str(template) % (params or {})
    except (KeyError, TypeError, ValueError):
        return str(MESSAGES["failed"]) % {"name": (params or {}).get("name", ""), "format": ""}


class UnreadableDocument(DomainError):
    """A document that cannot be imported; `code` and `params` rebuild the message later."""

    def __init__(self, code, **params):
        self.params = params
        super().__init__(error_message(code, params), code=code)


@dataclass
class Source:
    """A checked file: its format (a key of READERS) and the size of its main content."""

    format: str
    content_size: int


# --- What a file is ----------------------------------------------------------------------------


def _mb(value):
    return value // (1024 * 1024)


def import_limits():
    """The archive limits of imports (IMPORT_MAX_*), for the checks every upload goes through
    (`core.documents`). Imports refuse PDFs, so no page limit applies."""
    return documents.Limits(
        inflated_bytes=settings.IMPORT_MAX_INFLATED_BYTES,
        compression_ratio=settings.IMPORT_MAX_COMPRESSION_RATIO,
        entries=settings.IMPORT_MAX_ARCHIVE_ENTRIES,
        pages=0,
    )


def _unreadable(error, name):
    """An import's own error for a refusal of the shared checks (its messages say "imported")."""
    if error.code in ("bomb", "entries"):
        return UnreadableDocument(
            "bomb",
            name=name,
            max=_mb(settings.IMPORT_MAX_INFLATED_BYTES),
            ratio=settings.IMPORT_MAX_COMPRESSION_RATIO,
        )
    if error.code == "encrypted":
        return UnreadableDocument("encrypted", name=name)
    return UnreadableDocument("corrupt", name=name, format="DOCX / ODT")


def _zip_format(path, name):
    limits = import_limits()
    try:
        with open(path, "rb") as handle, documents.open_package(handle, name, limits) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and "META-INF/manifest.xml" in names:
                manifest = documents.read_entry(archive, "META-INF/manifest.xml", name, limits)
                if b"encryption-data" in manifest:
                    raise UnreadableDocument("encrypted", name=name)
            detected = documents.package_format(archive, name, limits)
            if detected == "docx":
                types = documents.read_entry(archive, "[Content_Types].xml", name, limits)
                if "word/vbaProject.bin" in names or b"macroEnabled" in types:
                    raise UnreadableDocument("macros", name=name)
                documents.inflate_all(archive, name, limits)
                return Source("docx", archive.getinfo("word/document.xml").file_size)
            if detected == "odt":
                if any(_is_macro(entry) for entry in names):
                    raise UnreadableDocument("macros", name=name)
                documents.inflate_all(archive, name, limits)
                return Source("odt", archive.getinfo("content.xml").file_size)
            if detected is None and "mimetype" in names:
                mimetype = documents.read_entry(archive, "mimetype", name, limits, limit=200)
                if mimetype.decode("ascii", "replace").strip() == ODT_MIMETYPE:
                    # It says it is an ODT, but lacks its content, its manifest or its type there.
                    raise UnreadableDocument("corrupt", name=name, format="ODT")
            return None
    except documents.UnsafeDocument as error:
        raise _unreadable(error, name) from None
    except documents.DAMAGED:
        # Unsupported compression, truncated members, bad CRCs: damaged for our purpose.
        raise UnreadableDocument("corrupt", name=name, format="DOCX / ODT") from None


def _is_macro(entry):
    """OpenDocument keeps Basic modules under Basic/<library>/ and scripts under Scripts/."""
    parts = entry.split("/")
    if parts[0] == "Scripts" and len(parts) > 1 and parts[-1]:
        return True
    return parts[0] == "Basic" and len(parts) == 3 and parts[2] not in ("", "script-lb.xml")


def detect(path, name):
    """What the file at `path` (uploaded as `name`) is. Returns a Source; raises UnreadableDocument.

    The extension must agree with the content: a DOCX named .txt is refused, and so is a
    text file named .docx.
    """
    extension = PurePath(name).suffix.lower().lstrip(".")
    claimed = EXTENSIONS.get(extension)
    size = os.path.getsize(path)
    if size > settings.MAX_IMPORT_BYTES:
        raise UnreadableDocument(
            "too_large", name=name, max=filesizeformat(settings.MAX_IMPORT_BYTES)
        )
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(b"%PDF-"):
        raise UnreadableDocument("pdf", name=name)
    if head.startswith(OLE_MAGIC):
        # An encrypted OOXML document is an OLE container with an "EncryptedPackage" stream.
        with open(path, "rb") as handle:
            data = handle.read(min(size, 4 * 1024 * 1024))
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise UnreadableDocument("encrypted", name=name)
        raise UnreadableDocument("legacy_doc", name=name)
    if head.startswith(b"PK\x03\x04"):
        source = _zip_format(path, name)
        if source is None:
            raise UnreadableDocument("unknown_type", name=name)
        if claimed != source.format:
            raise UnreadableDocument(
                "mismatch",
                name=name,
                extension=extension or "?",
                detected=LABELS[source.format],
            )
        return source
    if claimed in ("docx", "odt"):
        raise UnreadableDocument("corrupt", name=name, format=LABELS[claimed])
    if claimed is None:
        raise UnreadableDocument("unknown_type", name=name)
    with open(path, "rb") as handle:
        text = decode_text(handle.read(), name)
    check_text(text)
    return Source(claimed, len(text))


def decode_text(data, name):
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableDocument("not_utf8", name=name) from None


def check_text(text):
    """Pasted or uploaded text: no control characters, within the length of a revision."""
    if has_control_characters(text):
        raise UnreadableDocument("control")
    if len(text) > settings.MAX_REVISION_CHARACTERS:
        raise UnreadableDocument("too_long", max=settings.MAX_REVISION_CHARACTERS)


# --- Conversion --------------------------------------------------------------------------------


def pandoc_path():
    import pypandoc

    return pypandoc.get_pandoc_path()


def convert(path, source, name, mode="document"):
    """The document's top-level blocks, as dicts from our pandoc writer, and its summary.

    Returns (items, summary): items of {"type": "heading", "level", "text"} or
    {"type": "text", "kind", "markdown" | "plain"}; summary {"images", "dropped"}.
    """
    command = [
        pandoc_path(),
        "+RTS",
        f"-M{settings.IMPORT_MEMORY_MB}m",
        # A larger allocation area: fewer garbage collections (about 10 % faster here).
        "-A64m",
        "-RTS",
        "--sandbox",
        "--from",
        READERS[source.format],
        "--to",
        str(LUA_WRITER),
        "--metadata",
        f"consult-mode={mode}",
        str(path),
    ]
    try:
        result = subprocess.run(  # noqa: S603 - fixed command, our own arguments
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=settings.IMPORT_TIMEOUT_SECONDS,
            check=False,
            env={"LANG": "C.UTF-8", "PATH": os.environ.get("PATH", "")},
        )
    except subprocess.TimeoutExpired:
        raise UnreadableDocument(
            "timeout", name=name, seconds=settings.IMPORT_TIMEOUT_SECONDS
        ) from None
    if result.returncode == HEAP_EXHAUSTED:
        raise UnreadableDocument("memory", name=name)
    if result.returncode != 0:
        log.info("pandoc could not read %s: %s", name, result.stderr[:500])
        raise UnreadableDocument("failed", name=name, format=LABELS[source.format])
    items, summary = [], {"images": 0, "dropped": 0}
    for line in result.stdout.decode("utf-8", "replace").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        if item.get("type") == "summary":
            summary = {"images": item.get("images", 0), "dropped": item.get("dropped", 0)}
        else:
            items.append(item)
    return items, summary


def convert_text(text, name, mode="document"):
    """Pasted text, read as Markdown (plain text is Markdown too)."""
    import tempfile

    check_text(text)
    with tempfile.NamedTemporaryFile("w", suffix=".md", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        return convert(handle.name, Source("txt", len(text)), name, mode)


# --- Images ------------------------------------------------------------------------------------

# Images offered as attachments: raster formats a browser shows. (EMF, WMF and SVG are not:
# the first two show nowhere, the last can carry scripts.)
IMAGE_TYPES = {
    b"\x89PNG\r\n\x1a\n": ("png", "image/png"),
    b"\xff\xd8\xff": ("jpg", "image/jpeg"),
    b"GIF87a": ("gif", "image/gif"),
    b"GIF89a": ("gif", "image/gif"),
}
MEDIA_FOLDERS = ("word/media/", "Pictures/")


def images_of(path, source, limit=20):
    """The PNG and JPEG images inside a DOCX or ODT (checked by content), at most `limit`, each
    within the attachment size: [(name, extension, content type, bytes)]."""
    if source.format not in ("docx", "odt"):
        return []
    found = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.startswith(MEDIA_FOLDERS) or info.is_dir():
                continue
            if info.file_size > settings.MAX_ATTACHMENT_BYTES:
                continue
            data = archive.read(info)
            for magic, (extension, content_type) in IMAGE_TYPES.items():
                if data.startswith(magic):
                    stem = PurePath(info.filename).stem[:80] or "image"
                    found.append((f"{stem}.{extension}", extension, content_type, data))
                    break
            if len(found) >= limit:
                break
    return found
