"""Joining PDF documents a page at a time (`core.pdfjoin`): bytes or files, page trees of any
shape, what a page inherits from its tree kept on the page."""

import io

from pypdf import PdfReader
from pypdf.generic import NullObject

from core.pdfjoin import join_pdfs


def raw_pdf(objects, *, info=None):
    """A PDF file of `objects` (their bodies, numbered from 1; object 1 is the catalog; `info`
    the number of the document information object)."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode())
    start = out.tell()
    extra = f" /Info {info} 0 R" if info else ""
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    out.write("".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{extra} >>\nstartxref\n{start}\n"
        "%%EOF\n".encode()
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


FONT = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
SIZE_AND_FONT = "/MediaBox [0 0 200 100] /Resources << /Font << /F1 5 0 R >> >>"


def joined(*documents):
    out = io.BytesIO()
    count = join_pdfs(documents, out)
    return count, PdfReader(io.BytesIO(out.getvalue()), strict=True)


def test_a_page_linked_to_before_the_walk_reaches_it_keeps_what_it_inherits():
    # Page 1's link points to page 2, which inherits its size and font from the tree.
    count, reader = joined(
        raw_pdf(
            [
                "<< /Type /Catalog /Pages 2 0 R >>",
                f"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 {SIZE_AND_FONT} >>",
                "<< /Type /Page /Parent 2 0 R /Contents 6 0 R /Annots [8 0 R] >>",
                "<< /Type /Page /Parent 2 0 R /Contents 7 0 R >>",
                FONT,
                page_text("Unu"),
                page_text("Doi"),
                "<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /Dest [4 0 R /Fit] >>",
            ]
        )
    )
    assert count == 2
    assert [page.extract_text() for page in reader.pages] == ["Unu", "Doi"]
    assert all("/Resources" in page and "/MediaBox" in page for page in reader.pages)
    link = reader.pages[0]["/Annots"][0].get_object()
    assert link["/Dest"][0].get_object() == reader.pages[1].get_object()


def test_unusual_page_trees_are_joined_as_readers_show_them():
    indirect_kids = raw_pdf(
        [
            "<< /Type /Catalog /Pages 2 0 R /Lang 7 0 R >>",
            "<< /Type /Pages /Kids 3 0 R /Count 1 >>",
            "[4 0 R]",
            f"<< /Type /Page /Parent 2 0 R /Contents 6 0 R {SIZE_AND_FONT} >>",
            FONT,
            page_text("Unu"),
            "(ro)",
        ]
    )
    without_type_and_catalog_as_kid = raw_pdf(
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            f"<< /Type /Pages /Kids [3 0 R 4 0 R 1 0 R] /Count 2 {SIZE_AND_FONT} >>",
            "<< /Parent 2 0 R /Contents 6 0 R >>",
            "<< /Type /Page /Parent 2 0 R /Contents 7 0 R >>",
            FONT,
            page_text("Doi"),
            page_text("Trei"),
        ]
    )
    no_pages = raw_pdf(
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [] /Count 0 >>",
            "<< /Title (Dosar) >>",
        ],
        info=3,
    )
    count, reader = joined(no_pages, indirect_kids, without_type_and_catalog_as_kid)
    assert count == 3
    assert [page.extract_text() for page in reader.pages] == ["Unu", "Doi", "Trei"]
    assert all("/Resources" in page and "/MediaBox" in page for page in reader.pages)
    assert reader.metadata.title == "Dosar"  # the first document's, though it has no pages
    assert reader.trailer["/Root"]["/Lang"] == "ro"  # a direct value, not a dangling reference


def test_an_untyped_page_linked_early_in_a_nested_tree_gets_what_it_inherits():
    # Page 1 links to page 2, which has no /Type; the font is on the intermediate node; a
    # dangling reference (/Thumb to an object that is not there) is written as null.
    count, reader = joined(
        raw_pdf(
            [
                "<< /Type /Catalog /Pages 2 0 R >>",
                "<< /Type /Pages /Kids [3 0 R] /Count 3 >>",
                "<< /Type /Pages /Parent 2 0 R /Kids [4 0 R 5 0 R 6 0 R] /Count 3 "
                "/MediaBox [0 0 200 100] /Resources << /Font << /F1 7 0 R >> >> >>",
                "<< /Type /Page /Parent 3 0 R /Contents 8 0 R /Annots [11 0 R] /Thumb 40 0 R >>",
                "<< /Parent 3 0 R /Contents 9 0 R >>",
                "<< /Type /Page /Parent 3 0 R /Contents 10 0 R >>",
                FONT,
                page_text("Unu"),
                page_text("Doi"),
                page_text("Trei"),
                "<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /Dest [5 0 R /Fit] >>",
            ]
        )
    )
    assert count == 3
    assert [page.extract_text() for page in reader.pages] == ["Unu", "Doi", "Trei"]
    for page in reader.pages:
        assert page["/Resources"]["/Font"]["/F1"]["/BaseFont"] == "/Helvetica"
        assert page["/MediaBox"] == [0, 0, 200, 100]
        assert page.raw_get("/Parent").idnum == 2  # the joined tree, one level
    link = reader.pages[0]["/Annots"][0].get_object()
    assert link["/Dest"][0].get_object() == reader.pages[1].get_object()
    assert isinstance(reader.pages[0]["/Thumb"], NullObject)


def test_pages_under_several_inline_page_nodes_are_all_joined():
    count, reader = joined(
        raw_pdf(
            [
                "<< /Type /Catalog /Pages 2 0 R >>",
                "<< /Type /Pages /Kids [<< /Type /Pages /Kids [3 0 R] /Count 1 >> "
                f"<< /Type /Pages /Kids [4 0 R] /Count 1 >>] /Count 2 {SIZE_AND_FONT} >>",
                "<< /Type /Page /Contents 6 0 R >>",
                "<< /Type /Page /Contents 7 0 R >>",
                FONT,
                page_text("Unu"),
                page_text("Doi"),
            ]
        )
    )
    assert count == 2
    assert [page.extract_text() for page in reader.pages] == ["Unu", "Doi"]
