"""Reads the text of one untrusted document in a process of its own, bounded before it reads it.

Started by `core.documents.read_text` as `python -I document_reader.py '<json>'` with the
document on stdin; the site never imports it, and it imports nothing of Django (it starts in
about 0.1 s). Before it reads a byte it limits its own address space (RLIMIT_AS) and CPU time
(RLIMIT_CPU), so whatever the file holds (a parser bomb, a PDF that claims a million pages,
nesting a thousand levels deep) the parser fails with MemoryError or the process is stopped
within those bounds; the worker waiting for it reads only its exit status and, on success, the
text on stdout, which is never longer than `max_characters` (the child refuses longer texts).

Formats: "docx" (python-docx: the paragraphs, then the cells of every table, one a line) and
"pdf" (pypdf: the text of each page, pages separated by a form feed). A PDF's page count, both
the one its page tree declares and the pages found walking it, is checked before the text of any
page is extracted.
"""

import io
import json
import logging
import os
import resource
import sys
import warnings

# Exit statuses read by core.documents.read_text.
EXIT_UNREADABLE = 2
EXIT_MEMORY = 3
EXIT_PAGES = 4
EXIT_TOO_LONG = 5


class TooManyPages(Exception):
    pass


class TooLong(Exception):
    pass


def limit_resources(memory_bytes, cpu_seconds):
    """Bound this process before it reads the document: no allocation beyond `memory_bytes` of
    address space succeeds, and the kernel stops it after `cpu_seconds` of CPU time."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def peak_resident():
    """This process's peak resident size in bytes (VmHWM). Not ru_maxrss: after exec it keeps
    the size of the process that started this one."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class Collector:
    """Lines of text, refused as soon as they exceed `max_characters` in all."""

    def __init__(self, max_characters):
        self.parts = []
        self.size = 0
        self.max_characters = max_characters

    def add(self, text):
        self.size += len(text) + 1
        if self.size > self.max_characters:
            raise TooLong
        self.parts.append(text)


def docx_text(data, options):
    from docx import Document

    document = Document(io.BytesIO(data))
    lines = Collector(options["max_characters"])
    for paragraph in document.paragraphs:
        lines.add(paragraph.text)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                lines.add(cell.text)
    return "\n".join(lines.parts)


def pdf_text(data, options):
    from pypdf import PdfReader, overwrite_configuration
    from pypdf.errors import LimitReachedError

    max_pages = options["max_pages"]
    # The page tree is walked with at most this many nodes (pages and the nodes above them).
    overwrite_configuration(page_tree_maximum_entries=2 * max_pages + 100)
    reader = PdfReader(io.BytesIO(data))
    declared = reader.trailer["/Root"]["/Pages"].get("/Count", 0)
    if int(declared) > max_pages:
        raise TooManyPages
    try:
        count = len(reader.pages)
    except LimitReachedError as error:
        if "page tree entry" in str(error):
            raise TooManyPages from None
        raise
    if count > max_pages:
        raise TooManyPages
    pages = Collector(options["max_characters"])
    for page in reader.pages:
        pages.add(page.extract_text() or "")
    return "\f".join(pages.parts)


READERS = {"docx": docx_text, "pdf": pdf_text}


def main():
    options = json.loads(sys.argv[1])
    memory = options["memory_mb"] * 1024 * 1024
    limit_resources(memory, options["cpu_seconds"])
    # Nothing but the text leaves this process: a hostile file's warnings would only fill a pipe.
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    try:
        data = sys.stdin.buffer.read()
        text = READERS[options["format"]](data, options)
        output = text.encode("utf-8", "replace")
    except MemoryError:
        os._exit(EXIT_MEMORY)
    except TooManyPages:
        os._exit(EXIT_PAGES)
    except TooLong:
        os._exit(EXIT_TOO_LONG)
    except Exception as error:  # noqa: BLE001 - any failure of a parser is an unreadable file
        # lxml reports a failed allocation as a parse error ("unknown error"): an lxml error
        # after the process grew to half its allowance is taken for one.
        from_lxml = type(error).__module__.startswith("lxml")
        grown = peak_resident() * 2 >= memory
        os._exit(EXIT_MEMORY if from_lxml and grown else EXIT_UNREADABLE)
    sys.stdout.buffer.write(output)
    sys.stdout.buffer.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
