"""The checks every uploaded document goes through (core.documents), with real generated files:
what a file is by its structure, archives that inflate or hold too much refused before they are
parsed, PDFs counted by their bytes, and the bounded process that reads them."""

import io
import tracemalloc
import zipfile

import pytest
from django.test import override_settings
from django.utils import translation

from core import documents
from tests import hostile_documents as hostile
from tests.proposals import documents as samples


@pytest.fixture(autouse=True)
def _english():
    # Messages are checked in English, the source language.
    with translation.override("en"):
        yield


LIMITS = documents.Limits(
    inflated_bytes=100 * 1024 * 1024, compression_ratio=100, entries=5_000, pages=3_000
)


def check(data, name="fisier", limits=LIMITS):
    return documents.check_document(io.BytesIO(data), name, limits)


def xlsx_bytes():
    return hostile.zip_of(
        {
            "[Content_Types].xml": "<Types/>",
            "_rels/.rels": "<Relationships/>",
            "xl/workbook.xml": "<workbook/>",
        }
    )


def ods_bytes():
    from odfdo import Document, Table

    document = Document("spreadsheet")
    table = Table("Buget", width=2, height=2)
    table.set_value((0, 0), "Cost")
    document.body.append(table)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- What a file is ----------------------------------------------------------------------------


def test_real_documents_are_recognised_by_their_structure():
    assert check(samples.policy_docx()) == "docx"
    assert check(samples.policy_odt()) == "odt"
    assert check(ods_bytes()) == "ods"
    assert check(xlsx_bytes()) == "xlsx"
    assert check(hostile.text_pdf()) == "pdf"
    assert check(hostile.pdf_with_pages(3)) == "pdf"


@pytest.mark.parametrize(
    "data",
    [
        hostile.mimetype_only_zip(),
        hostile.mimetype_only_zip(hostile.ODS_TYPE),
        hostile.odt_without_manifest(),
        hostile.odt_with_wrong_manifest(),
        hostile.zip_of({"[Content_Types].xml": "<Types/>"}),
        hostile.zip_of({"word/document.xml": "<w:document/>"}),
        b"PK\x03\x04" + b"\0" * 100,
        b"<html>not a document</html>",
    ],
    ids=[
        "mimetype-only",
        "ods-mimetype-only",
        "odt-without-manifest",
        "manifest-of-another-type",
        "content-types-without-main-part",
        "main-part-without-content-types",
        "zip-header-only",
        "html",
    ],
)
def test_a_zip_is_not_a_document_because_of_one_entry(data):
    assert check(data) is None


@pytest.mark.parametrize("make", [hostile.bzip2_docx, hostile.broken_stream_docx])
def test_packages_zipfile_cannot_bound_or_inflate_are_not_documents(make):
    assert check(make()) is None


# --- Archives that unpack beyond the limits ----------------------------------------------------


def test_zip_bomb_refused_from_what_it_declares():
    with pytest.raises(documents.UnsafeDocument) as caught:
        check(samples.docx_bomb(megabytes=150), "bomba.docx")
    assert caught.value.code == "bomb"
    assert caught.value.message == (
        "“bomba.docx” unpacks to far more than its size (over 100 MB, or compressed more than 100 "
        "times); it is not accepted."
    )


def test_entry_compressed_beyond_the_ratio_refused():
    # 20 MB of zeros: under the size limit, far over the ratio.
    with pytest.raises(documents.UnsafeDocument) as caught:
        check(samples.docx_bomb(megabytes=20))
    assert caught.value.code == "bomb"


def test_archive_inflated_beyond_the_total_refused_while_inflating():
    # Each entry is small and honest about its size; together they are over 3 MB.
    data = hostile.zip_of(
        {
            **dict(_entries(samples.policy_docx())),
            **{f"word/media/{n}.bin": bytes(range(256)) * 4096 for n in range(4)},
        }
    )
    limits = documents.Limits(3 * 1024 * 1024, 100, 5_000, 3_000)
    with pytest.raises(documents.UnsafeDocument) as caught:
        check(data, limits=limits)
    assert caught.value.code == "bomb"


def _entries(data):
    archive = zipfile.ZipFile(io.BytesIO(data))
    return [(info.filename, archive.read(info)) for info in archive.infolist()]


def test_too_many_entries_refused_before_zipfile_lists_them():
    data = hostile.many_entries_docx(entries=30_000)
    tracemalloc.start()
    try:
        with pytest.raises(documents.UnsafeDocument) as caught:
            check(data, "multe.docx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.message == "“multe.docx” holds more than 5000 parts; it is not accepted."
    # zipfile alone would build ~15 MB of entry objects for this archive.
    assert peak < 2 * 1024 * 1024


def test_entries_are_counted_as_zipfile_lists_them():
    data = hostile.many_entries_docx(entries=300)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert documents.count_entries(io.BytesIO(data), stop=10_000) == len(archive.infolist())
    assert documents.count_entries(io.BytesIO(data), stop=10) == 11


def test_zip64_archive_entries_are_counted():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(70_000):  # over 65,535: the counts live in the zip64 end record
            archive.writestr(zipfile.ZipInfo(f"{number:x}"), b"")
    data = buffer.getvalue()
    assert b"PK\x06\x06" in data[-200:]
    assert documents.count_entries(io.BytesIO(data), stop=100_000) == 70_000


# --- PDFs --------------------------------------------------------------------------------------


def test_pdf_pages_are_counted_from_the_bytes_across_chunks():
    data = hostile.pdf_with_pages(25)
    for chunk_size in (7, 100, 4096, 1024 * 1024):
        assert documents.pdf_page_count(io.BytesIO(data), chunk_size=chunk_size) == 25


def test_pdf_declaring_a_billion_pages_refused_before_it_is_parsed():
    with pytest.raises(documents.UnsafeDocument) as caught:
        check(hostile.pdf_declaring_pages(), "lung.pdf")
    assert caught.value.message == "“lung.pdf” has more than 3000 pages; it is not accepted."


def test_pdf_holding_more_pages_than_the_limit_refused():
    limits = documents.Limits(100 * 1024 * 1024, 100, 5_000, pages=40)
    assert check(hostile.pdf_with_pages(40), limits=limits) == "pdf"
    with pytest.raises(documents.UnsafeDocument) as caught:
        check(hostile.pdf_with_pages(41), limits=limits)
    assert caught.value.code == "pages"


# --- Reading the text in a bounded process -----------------------------------------------------


def read(data, document_format, limits=LIMITS, max_characters=1_000_000):
    return documents.read_text(
        data, document_format, "fisier", max_characters=max_characters, limits=limits
    )


def test_reader_returns_the_text_of_a_docx_and_of_a_pdf():
    assert samples.POLICY_PARAGRAPH in read(samples.policy_docx(), "docx")
    assert read(hostile.text_pdf("Pagina unu"), "pdf") == "Pagina unu"


@override_settings(DOCUMENT_READER_MEMORY_MB=256)
def test_parser_bomb_stops_the_reader_at_its_memory_limit():
    data = hostile.parser_bomb_docx(megabytes=60)
    assert check(data) == "docx"  # within the archive limits: only its parsing is a bomb
    with pytest.raises(documents.UnsafeDocument) as caught:
        read(data, "docx")
    assert caught.value.code == "memory"
    assert caught.value.message == (
        "Reading “fisier” needed more memory than allowed and was stopped."
    )


@override_settings(DOCUMENT_READER_TIMEOUT_SECONDS=1)
def test_slow_reading_is_stopped_at_the_timeout():
    with pytest.raises(documents.UnsafeDocument) as caught:
        read(hostile.parser_bomb_docx(megabytes=5), "docx")
    assert caught.value.code == "timeout"
    assert caught.value.message == ("Reading “fisier” took longer than 1 seconds and was stopped.")


def test_reader_counts_pages_from_the_parsed_tree():
    # Pages in a compressed object stream are not visible to the byte scan; the reader counts
    # them again from the page tree.
    limits = documents.Limits(100 * 1024 * 1024, 100, 5_000, pages=2)
    with pytest.raises(documents.UnsafeDocument) as caught:
        read(hostile.pdf_with_pages(3), "pdf", limits=limits)
    assert caught.value.code == "pages"


@pytest.mark.parametrize(
    "make",
    [
        hostile.pdf_nested_arrays,
        hostile.pdf_deep_page_tree,
        lambda: hostile.pdf_flate_bomb(megabytes=100),
        lambda: b"%PDF-1.7\n%%EOF",
    ],
    ids=["nested-arrays", "deep-page-tree", "flate-bomb", "empty"],
)
def test_hostile_pdf_is_unreadable_not_a_crash(make):
    with pytest.raises(documents.UnsafeDocument) as caught:
        read(make(), "pdf")
    assert caught.value.code == "unreadable"


def test_text_longer_than_allowed_refused_by_the_reader():
    with pytest.raises(documents.UnsafeDocument) as caught:
        read(samples.policy_docx(), "docx", max_characters=20)
    assert caught.value.message == (
        "The text of “fisier” is longer than 20 characters, more than any registered text."
    )
