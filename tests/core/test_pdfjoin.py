"""Joining PDF documents a page at a time (`core.pdfjoin`): bytes or files, page trees of any
shape, what a page inherits from its tree kept on the page."""

import io

from pypdf import PdfReader

from core.pdfjoin import join_pdfs


def raw_pdf(objects):
    """A PDF file of `objects` (their bodies, numbered from 1; object 1 is the catalog)."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode())
    start = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    out.write("".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{start}\n%%EOF\n".encode()
    )
    return out.getvalue()


def page_text(word):
    stream = f"BT /F1 12 Tf 20 50 Td ({word}) Tj ET"
    return f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream"


def nested_document(words):
    """A document whose page tree has two levels: the root holds the page size and the font,
    which every page inherits; the pages are split between two intermediate nodes."""
    first, second = words[:2], words[2:]
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 4 /MediaBox [0 0 200 100] "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        "<< /Type /Pages /Parent 2 0 R /Kids [6 0 R 7 0 R] /Count 2 >>",
        "<< /Type /Pages /Parent 2 0 R /Kids [8 0 R 9 0 R] /Count 2 /Rotate 90 >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for index, _word in enumerate(first + second):
        parent = 3 if index < 2 else 4
        objects.append(f"<< /Type /Page /Parent {parent} 0 R /Contents {10 + index} 0 R >>")
    objects += [page_text(word) for word in first + second]
    return raw_pdf(objects)


def test_a_nested_tree_read_from_a_file_keeps_its_pages_and_what_they_inherit(tmp_path):
    path = tmp_path / "nested.pdf"
    path.write_bytes(nested_document(["Unu", "Doi", "Trei", "Patru"]))
    other = nested_document(["Cinci", "Sase", "Sapte", "Opt"])
    output = io.BytesIO()
    with open(path, "rb") as stored:
        assert join_pdfs([other, stored], output) == 8
    reader = PdfReader(io.BytesIO(output.getvalue()), strict=True)
    assert [page.extract_text() for page in reader.pages] == [
        "Cinci",
        "Sase",
        "Sapte",
        "Opt",
        "Unu",
        "Doi",
        "Trei",
        "Patru",
    ]
    # One level now: every page carries the size, the font and the rotation it inherited.
    assert [list(page.mediabox) for page in reader.pages] == 8 * [[0, 0, 200, 100]]
    assert [page.get("/Rotate", 0) for page in reader.pages] == 2 * [0, 0, 90, 90]
    assert {page.raw_get("/Parent").idnum for page in reader.pages} == {2}
    fonts = [page["/Resources"]["/Font"]["/F1"]["/BaseFont"] for page in reader.pages]
    assert fonts == 8 * ["/Helvetica"]
    # The font is written once per document, not once per page.
    references = {page["/Resources"]["/Font"].raw_get("/F1").idnum for page in reader.pages}
    assert len(references) == 2
