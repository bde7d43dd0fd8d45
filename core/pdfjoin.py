"""Joining PDF documents into one, a document at a time, without holding them all in memory.

A PDF laid out by WeasyPrint is built whole in memory; a table of hundreds of thousands of rows
is therefore rendered in parts of a few thousand rows, and the parts are joined here. pypdf's
own writer keeps every page of every part until it writes the file, so `PdfJoiner` writes each
part's pages as soon as it reads them: it parses one part with pypdf, copies the objects its
pages use into the output under new numbers, and forgets the part. What it keeps is one offset
per object written and one reference per page, for the cross-reference table and the page tree
it writes at the end.

The joined document keeps every page as it was laid out (text, fonts, images, links within a
part), the first part's document information (title) and language; the parts' outlines
(bookmarks) are not carried over.
"""

import io

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, NumberObject

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
CATALOG, PAGES = 1, 2


class PdfJoiner:
    """Write the pages of several PDF documents, in order, as one PDF into `output` (a binary
    file open for writing). `add` each document (bytes), then `close`."""

    def __init__(self, output):
        self.output = output
        self.position = 0
        # offsets[n] is where object n starts; 0 is the free head, 1 the catalog, 2 the pages.
        self.offsets = [0, None, None]
        self.pages = []
        self.info = None
        self.language = None
        self._write(HEADER)

    def _write(self, data):
        self.output.write(data)
        self.position += len(data)

    def _number(self):
        self.offsets.append(None)
        return len(self.offsets) - 1

    def _write_object(self, number, obj):
        self.offsets[number] = self.position
        buffer = io.BytesIO()
        buffer.write(f"{number} 0 obj\n".encode())
        obj.write_to_stream(buffer)
        buffer.write(b"\nendobj\n")
        self._write(buffer.getvalue())

    def add(self, document):
        """Append the pages of `document` (the bytes of a PDF). Returns its number of pages."""
        reader = PdfReader(io.BytesIO(document))
        numbers = {}
        waiting = []

        def new_reference(old):
            key = (old.idnum, old.generation)
            if key not in numbers:
                numbers[key] = self._number()
                waiting.append(old)
            return IndirectObject(numbers[key], 0, None)

        def renumber(value):
            if isinstance(value, IndirectObject):
                return new_reference(value)
            if isinstance(value, DictionaryObject):
                for key, item in list(dict.items(value)):
                    dict.__setitem__(value, key, renumber(item))
            elif isinstance(value, ArrayObject):
                for index, item in enumerate(list(list.__iter__(value))):
                    list.__setitem__(value, index, renumber(item))
            return value

        pages = reader.pages  # flattened: each page holds the attributes it inherited
        page_numbers = {page.indirect_reference.idnum for page in pages}
        for page in pages:
            self.pages.append(new_reference(page.indirect_reference))
        trailer_info = dict.get(reader.trailer, NameObject("/Info"))
        if self.info is None and isinstance(trailer_info, IndirectObject):
            self.info = new_reference(trailer_info)
        if self.language is None:
            self.language = reader.root_object.get("/Lang")
        while waiting:
            old = waiting.pop()
            obj = old.get_object()
            is_page = old.idnum in page_numbers
            if is_page:
                dict.pop(obj, NameObject("/Parent"), None)
            renumber(obj)
            if is_page:
                dict.__setitem__(obj, NameObject("/Parent"), IndirectObject(PAGES, 0, None))
            self._write_object(numbers[(old.idnum, old.generation)], obj)
        return len(pages)

    def close(self):
        """Write the page tree, the catalog, the cross-reference table and the trailer."""
        kids = ArrayObject(self.pages)
        self._write_object(
            PAGES,
            DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Pages"),
                    NameObject("/Kids"): kids,
                    NameObject("/Count"): NumberObject(len(self.pages)),
                }
            ),
        )
        catalog = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Catalog"),
                NameObject("/Pages"): IndirectObject(PAGES, 0, None),
            }
        )
        if self.language is not None:
            catalog[NameObject("/Lang")] = self.language
        self._write_object(CATALOG, catalog)
        start = self.position
        self._write(f"xref\n0 {len(self.offsets)}\n0000000000 65535 f \n".encode())
        for first in range(1, len(self.offsets), 1000):
            entries = self.offsets[first : first + 1000]
            self._write("".join(f"{offset:010d} 00000 n \n" for offset in entries).encode())
        trailer = f"trailer\n<< /Size {len(self.offsets)} /Root {CATALOG} 0 R"
        if self.info is not None:
            trailer += f" /Info {self.info.idnum} 0 R"
        self._write(f"{trailer} >>\nstartxref\n{start}\n%%EOF\n".encode())


def join_pdfs(documents, output):
    """Write the pages of `documents` (an iterable of PDF bytes, read one at a time) as one PDF
    into `output`. Returns the number of pages."""
    joiner = PdfJoiner(output)
    pages = sum(joiner.add(document) for document in documents)
    joiner.close()
    return pages
