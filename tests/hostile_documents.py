"""Hostile documents, made in the tests as an attacker would: archives that inflate far beyond
their size or hold too many entries, XML that parses into gigabytes, PDFs that claim or hold too
many pages or nest too deep, and zips that are not the documents they claim to be. Used by the
tests of `core.documents`, of uploads and of the verification page, and by
bench/verify_memory.py."""

import io
import random
import zipfile
import zlib

from tests.proposals.documents import policy_docx

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def _rezip(data, *, replace=None, add=None, compression=zipfile.ZIP_DEFLATED):
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as target:
        for info in source.infolist():
            content = (replace or {}).get(info.filename, source.read(info))
            target.writestr(info.filename, content)
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return buffer.getvalue()


def parser_bomb_docx(megabytes=90, seed=13):
    """A DOCX whose document.xml is `megabytes` of one-word paragraphs (about 40 bytes each):
    words drawn at random keep it compressed less than 100 times, within every ratio and size
    check, but python-docx builds a tree of millions of elements from it (gigabytes)."""
    rng = random.Random(seed)
    vocabulary = [f"{rng.getrandbits(20):05x}" for _ in range(256)]
    base = zipfile.ZipFile(io.BytesIO(policy_docx()))
    document = base.read("word/document.xml").decode()
    head, tail = document.split("<w:body>", 1)
    tail = tail[tail.index("<w:sectPr") :]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in base.infolist():
            if info.filename != "word/document.xml":
                target.writestr(info.filename, base.read(info))
        with target.open("word/document.xml", "w") as member:
            member.write((head + "<w:body>").encode())
            written = 0
            while written < megabytes * 1024 * 1024:
                words = rng.choices(vocabulary, k=10_000)
                block = "".join(f"<w:p><w:r><w:t>{word}</w:t></w:r></w:p>" for word in words)
                member.write(block.encode())
                written += len(block)
            member.write(tail.encode())
    return buffer.getvalue()


def many_entries_docx(entries=120_000):
    """A real DOCX plus `entries` empty entries: about 10 MB, which Python's zipfile alone would
    turn into ~60 MB of entry objects."""
    base = zipfile.ZipFile(io.BytesIO(policy_docx()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in base.infolist():
            target.writestr(info.filename, base.read(info))
        for number in range(entries):
            target.writestr(zipfile.ZipInfo(f"{number:x}"), b"")
    return buffer.getvalue()


def bzip2_docx():
    """A real DOCX whose entries are compressed with bzip2, which no office suite writes and
    whose reads zipfile does not bound."""
    return _rezip(policy_docx(), compression=zipfile.ZIP_BZIP2)


def broken_stream_docx():
    """A DOCX whose document.xml's deflate stream is broken (its bytes reversed): zlib fails
    while inflating it."""
    data = bytearray(policy_docx())
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo("word/document.xml")
    name_length = int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_length = int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_length + extra_length
    data[start : start + info.compress_size] = data[start : start + info.compress_size][::-1]
    return bytes(data)


def zip_of(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def manifest(root_type, *paths):
    entries = "".join(
        f'<manifest:file-entry manifest:full-path="{path}" manifest:media-type="text/xml"/>'
        for path in paths
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.3"><manifest:file-entry manifest:full-path="/" '
        f'manifest:media-type="{root_type}"/>{entries}</manifest:manifest>'
    )


ODT_TYPE = "application/vnd.oasis.opendocument.text"
ODS_TYPE = "application/vnd.oasis.opendocument.spreadsheet"


def mimetype_only_zip(mimetype=ODT_TYPE):
    """A zip holding a `mimetype` entry and nothing an OpenDocument file needs."""
    return zip_of({"mimetype": mimetype, "payload.html": "<script>alert(1)</script>"})


def odt_without_manifest():
    return zip_of({"mimetype": ODT_TYPE, "content.xml": "<office:document-content/>"})


def odt_with_wrong_manifest():
    """An ODT's entries, but its manifest's root entry says it is a spreadsheet."""
    return zip_of(
        {
            "mimetype": ODT_TYPE,
            "content.xml": "<office:document-content/>",
            "META-INF/manifest.xml": manifest(ODS_TYPE, "content.xml"),
        }
    )


# --- PDF ---------------------------------------------------------------------------------------


def raw_pdf(objects, *, root=1):
    """A PDF of `objects` (their bodies, numbered from 1) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        root,
        xref,
    )
    return bytes(out)


def stream(data):
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def text_page_objects(text, *, count=None, contents=None):
    """Catalog (1), page tree (2), one page (3), its content stream (4) and font (5); the page
    tree declares `count` pages (1 unless given)."""
    contents = contents or stream(b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text.encode("latin-1"))
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count %d >>" % (1 if count is None else count),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        contents,
        FONT,
    ]


def text_pdf(text="Finantare multianuala"):
    return raw_pdf(text_page_objects(text))


def pdf_declaring_pages(count=1_000_000_000):
    """One page, but a page tree that declares `count`: readers that trust /Count allocate for
    them."""
    return raw_pdf(text_page_objects("Un singur rand", count=count))


def pdf_with_pages(count):
    """`count` real, blank pages (pypdf's writer)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_nested_arrays(depth=200_000):
    """A catalog holding arrays nested `depth` levels deep: a recursive parser overflows."""
    objects = text_page_objects("Adanc")
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R /Nest " + b"[" * depth + b"]" * depth + b" >>"
    return raw_pdf(objects)


def pdf_deep_page_tree(depth=5_000):
    """A page tree `depth` levels deep, each node the only kid of its parent."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):
        number = level + 2
        parent = b" /Parent %d 0 R" % (number - 1) if level else b""
        objects.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1%s >>" % (number + 1, parent))
    page = len(objects) + 1
    objects.append(
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R >>"
        % (page - 1, page + 1)
    )
    objects.append(stream(b""))
    return raw_pdf(objects)


def pdf_flate_bomb(megabytes=500):
    """One page whose content stream inflates to `megabytes` of spaces (half a megabyte packed)."""
    compressor = zlib.compressobj(9)
    packed = b"".join(compressor.compress(b" " * (1024 * 1024)) for _ in range(megabytes))
    packed += compressor.flush()
    contents = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed)
    contents += packed + b"\nendstream"
    return raw_pdf(text_page_objects("Bomba", contents=contents))
