"""Joining PDF documents into one, a document at a time, without holding them all in memory.

A PDF laid out by WeasyPrint is built whole in memory; a table of hundreds of thousands of rows
is therefore rendered in parts of a few thousand rows, and the parts are joined here. pypdf's
own writer keeps every page of every part until it writes the file, so `PdfJoiner` writes each
page as soon as it reads it: it opens one document with pypdf, copies the objects each page
uses into the output under new numbers, and, reading a stored file (which this joiner writes
without object streams), forgets what it parsed before the next page. A document may be bytes (a
part just laid out, whose object streams pypdf parses whole: kept until the document is done) or
a file (a stored PDF of thousands of pages, joined into a submission's dossier). What it keeps
is one offset per object written and one reference per page, for the cross-reference table and
the page tree it writes at the end, and pypdf's cross-reference table of the document being
read.

The joined document keeps every page as it was laid out (text, fonts, images, links to
addresses), the first part's document information (title) and language; the parts' outlines
(bookmarks) and named destinations (WeasyPrint's links within a document) are not carried over.
It is made for what WeasyPrint lays out and what this joiner writes; other PDFs are joined as
far as their page tree says what a page is.
"""

import io

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    StreamObject,
)

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
CATALOG, PAGES = 1, 2


class PdfJoiner:
    """Write the pages of several PDF documents, in order, as one PDF into `output` (a binary
    file open for writing). `add` each document (bytes, or a binary file open for reading),
    then `close`."""

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
        """Append the pages of `document`: the bytes of a PDF, or a binary file open for reading
        (a stored PDF of thousands of pages, read from where it lies). Returns its number of
        pages.

        The pages are taken one at a time, in the order of the page tree: each is written with
        every object it uses that was not written yet, then, for a document without object
        streams (a stored file: this joiner writes none), what the reader parsed is forgotten,
        so that memory holds one page's objects (and one offset per object), not the document.
        (pypdf parses an object stream whole: forgetting it after each page would parse it again
        for the next one; a document with object streams is one WeasyPrint laid out in memory.)
        A page that another object points to (a link's destination) before the walk reaches it
        is written when the walk does, with what it inherits."""
        source = io.BytesIO(document) if isinstance(document, bytes | bytearray) else document
        reader = PdfReader(source)
        forget = not getattr(reader, "xref_objStm", None)
        numbers = {}
        waiting = []
        written = set()
        reached = {}  # the pages the walk has come to: what each inherits

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

        trailer_info = dict.get(reader.trailer, NameObject("/Info"))
        if self.info is None and isinstance(trailer_info, IndirectObject):
            self.info = new_reference(trailer_info)
        if self.language is None:
            language = dict.get(reader.root_object, NameObject("/Lang"))
            # A direct value in the joined catalog: a reference would point into this document.
            language = language.get_object() if language is not None else None
            self.language = language if isinstance(language, str) else None

        def write_waiting():
            while waiting:
                old = waiting.pop()
                key = (old.idnum, old.generation)
                if key in written:
                    continue
                obj = old.get_object()
                is_page = key in reached or _page_like(obj)
                if is_page and key not in reached:
                    continue  # written when the walk comes to it (its number is kept)
                written.add(key)
                if obj is None or _tree_node(obj):
                    # A reference to nothing, or to the document's page tree (from a page the
                    # walk has not reached, or a link): the joined document has its own tree.
                    self._write_object(numbers[key], NullObject())
                    continue
                if is_page:
                    dict.pop(obj, NameObject("/Parent"), None)
                    # What the page inherits from the tree, on the page itself (as pypdf's
                    # flattening does): the joined tree has one level.
                    for name, value in reached[key].items():
                        if name not in obj:
                            dict.__setitem__(obj, name, _copied(value))
                renumber(obj)
                if is_page:
                    dict.__setitem__(obj, NameObject("/Parent"), IndirectObject(PAGES, 0, None))
                self._write_object(numbers[key], obj)

        count = 0
        for page, inherited in _page_references(reader):
            key = (page.idnum, page.generation)
            if key in reached:
                continue  # the same page twice in a tree: once in the joined one
            reached[key] = inherited
            if key in numbers:
                waiting.append(page)  # pointed to earlier, not written then
            self.pages.append(new_reference(page))
            count += 1
            write_waiting()
            if forget:
                reader.resolved_objects.clear()
        write_waiting()  # what no page uses (the document's information)
        for key, number in numbers.items():
            if key not in written:  # a page pointed to but not in the page tree
                self._write_object(number, NullObject())
        return count

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


INHERITABLE = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")


def _copied(value):
    """A direct dictionary or array copied (its items too), so that renumbering the copy leaves
    the tree's shared value as it was read."""
    if isinstance(value, DictionaryObject) and not isinstance(value, StreamObject):
        return DictionaryObject({key: _copied(item) for key, item in dict.items(value)})
    if isinstance(value, ArrayObject):
        return ArrayObject(_copied(item) for item in list.__iter__(value))
    return value


def _page_like(obj):
    """Whether `obj` is a page, as far as it says itself: typed so, or (untyped) with a parent,
    contents and no kids."""
    if not isinstance(obj, DictionaryObject) or "/Kids" in obj:
        return False
    kind = obj.get("/Type")
    return kind == "/Page" or (kind is None and "/Parent" in obj and "/Contents" in obj)


def _tree_node(obj):
    """Whether `obj` is an inner node of a page tree."""
    return isinstance(obj, DictionaryObject) and (
        obj.get("/Type") == "/Pages" or ("/Kids" in obj and "/Count" in obj)
    )


def _page_references(reader):
    """(reference, {inherited attribute: raw value}) of each page of `reader`, in order, walking
    the page tree without building pypdf's list of every page."""
    stack = [(iter([dict.get(reader.root_object, NameObject("/Pages"))]), {})]
    seen = set()
    while stack:
        kids, inherited = stack[-1]
        reference = next(kids, None)
        if reference is None:
            stack.pop()
            continue
        node = reference.get_object() if reference is not None else None
        if not isinstance(node, DictionaryObject):
            continue
        kind = node.get("/Type")
        if kind == "/Pages" or (kind is None and "/Kids" in node):
            key = (
                (reference.idnum, reference.generation)
                if isinstance(reference, IndirectObject)
                else None
            )
            if (key is not None and key in seen) or len(stack) > 64:
                continue  # a cycle or an absurd depth: not a page tree we follow
            seen.add(key)
            inherit = dict(inherited)
            for name in INHERITABLE:
                value = dict.get(node, NameObject(name))
                if value is not None:
                    inherit[NameObject(name)] = value
            kids = dict.get(node, NameObject("/Kids"))
            kids = kids.get_object() if kids is not None else None
            if isinstance(kids, ArrayObject):
                stack.append((iter(list(list.__iter__(kids))), inherit))
        elif (kind == "/Page" or kind is None) and isinstance(reference, IndirectObject):
            yield reference, inherited


def join_pdfs(documents, output):
    """Write the pages of `documents` (an iterable of PDFs, bytes or binary files open for
    reading, read one at a time) as one PDF into `output`. Returns the number of pages."""
    joiner = PdfJoiner(output)
    pages = sum(joiner.add(document) for document in documents)
    joiner.close()
    return pages
