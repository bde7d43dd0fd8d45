"""Does a text someone holds match the revision registered under a tracking code?

The check compares words in order: the revision's title, summary and the text of every block
(Markdown reduced to what a reader sees) against the words of the pasted text or uploaded file.
Spacing, punctuation, capitals and the legacy cedilla letters (ş, ţ) do not count; every word,
number included, does. Our exports wrap the text in a frame (the details box, labels such as
"Text in force", page numbers, the comparative table after the text): words before the first and
after the last word of the text are ignored, and so are extra words inside it when they are all
frame words; an amendment's comparative table, printed after the text, is left out. Anything
else missing, changed or added is a difference, shown word by word.
"""

import html
import io
import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from core.dates import format_datetime
from core.errors import DomainError
from core.markdown import render_markdown
from proposals import content
from proposals.diff import DELETE, EQUAL, INSERT, render_inline, spelling_key
from proposals.legal_text import caret_numbers

WORD = re.compile(r"\w+", re.UNICODE)
PAGE_NUMBER = re.compile(r"^\s*\d+\s*/\s*\d+\s*$")

# Labels our exports put around the text, in every language of the interface.
FRAME_LABELS = [
    "Text in force",
    "Proposed text",
    "Rationale",
    "Modify",
    "Insert",
    "Repeal",
    "Comparative table",
    "No.",
    "Article",
    "Addressed to",
    "Attachments",
    "Revision %(number)s of %(date)s",
]


def _fold(word):
    # As the comparisons match words (proposals.diff.spelling_key), capitals aside.
    return spelling_key(word).casefold()


def raw_words(text):
    """The words of a text as written (NFC). Our exports print "16^1" as "16¹": a superscript
    number is a word of its own, as it is after the caret."""
    return WORD.findall(caret_numbers(unicodedata.normalize("NFC", text or "")))


def words(text):
    return [_fold(word) for word in raw_words(text)]


def _markdown_text(text):
    return html.unescape(strip_tags(str(render_markdown(text))))


def revision_text(revision):
    """The reading text of a revision, one paragraph per field, as the check sees it."""
    parts = [revision.title, revision.summary]
    for block in revision.blocks:
        if block["type"] == content.AMENDMENT:
            parts.extend(block.get(field, "") for field in ("article", "in_force", "proposed"))
            parts.append(_markdown_text(block.get("rationale", "")))
        elif block["type"] == content.TEXT:
            parts.append(_markdown_text(block.get("text", "")))
        else:
            parts.append(block.get("text", ""))
    return "\n\n".join(part.strip() for part in parts if part and part.strip())


def frame_words(submission):
    """Words our exports print around and inside the text that are not the text itself."""
    revision = submission.revision
    proposal = submission.proposal
    vocabulary = {"sha", "256", revision.content_hash, str(revision.number)}
    texts = [
        proposal.organization.name,
        proposal.target_authority.name,
        proposal.reference_act,
        submission.tracking_code,
    ]
    for attachment in revision.attachments.all():
        texts.extend([attachment.name, attachment.sha256])
    created = timezone.localtime(revision.created_at)
    zone = proposal.organization.zone
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            texts.extend(_(label) for label in FRAME_LABELS)
            texts.append(date_format(created, "DATETIME_FORMAT"))
            # Documents write dates as people do ("4 decembrie 2026, ora 14:30").
            texts.append(format_datetime(revision.created_at, language, zone))
    for text in texts:
        vocabulary.update(words(text))
    return vocabulary


# --- Reading what the visitor holds ------------------------------------------------------------


def text_of_upload(upload):
    """The text of an uploaded .txt, .md, .docx or .pdf file. Raises DomainError."""
    name = str(upload.name or "").lower()
    if upload.size > settings.MAX_ATTACHMENT_BYTES:
        raise DomainError(
            _("The file is larger than %(max)s MB.")
            % {"max": settings.MAX_ATTACHMENT_BYTES // (1024 * 1024)}
        )
    data = upload.read()
    if name.endswith((".txt", ".md")):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DomainError(_("The text file is not UTF-8 text.")) from None
    if name.endswith(".docx") and data.startswith(b"PK\x03\x04"):
        return _docx_text(data)
    if name.endswith(".pdf") and data.startswith(b"%PDF-"):
        return _pdf_text(data)
    raise DomainError(_("Upload a .txt, .md, .docx or .pdf file."))


def _docx_text(data):
    from docx import Document

    try:
        document = Document(io.BytesIO(data))
    except Exception:  # python-docx raises several kinds for a damaged file
        raise DomainError(_("The .docx file could not be read.")) from None
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _pdf_text(data):
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = []
        for page in reader.pages:
            lines = (page.extract_text() or "").split("\n")
            # Our exports print "page / pages" at the foot of every page.
            pages.append("\n".join(line for line in lines if not PAGE_NUMBER.match(line)))
    except Exception:  # pypdf raises many kinds of errors for a damaged file
        raise DomainError(_("The PDF file could not be read.")) from None
    return "\n".join(pages)


# --- Comparing ---------------------------------------------------------------------------------


@dataclass
class Verification:
    matches: bool
    ops: list
    words_missing: int = 0
    words_added: int = 0
    # Words written differently but the same (ş/ș, ţ/ț, …): (registered, given), not differences.
    spelling: list = field(default_factory=list)

    @property
    def diff_html(self):
        return render_inline(self.ops)


def _without_comparative_table(text):
    """Our exports of an amendment end with its comparative table, which repeats the text: the
    check stops at its heading."""
    headings = set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            headings.add(_("Comparative table").casefold())
    lines = (text or "").split("\n")
    for index, line in enumerate(lines):
        if line.strip().casefold() in headings:
            return "\n".join(lines[:index])
    return text or ""


def verify(submission, text):
    """Compare `text` with the registered revision of `submission`."""
    text = _without_comparative_table(text)
    expected_text = revision_text(submission.revision)
    expected = raw_words(expected_text)
    expected_folded = [_fold(word) for word in expected]
    given = raw_words(text)
    given_folded = [_fold(word) for word in given]
    frame = frame_words(submission)

    matcher = SequenceMatcher(None, expected_folded, given_folded, autojunk=False)
    opcodes = matcher.get_opcodes()
    # The span of the given text that holds the revision: from the first to the last match.
    matched = [op for op in opcodes if op[0] == "equal"]
    first = matched[0][3] if matched else 0
    last = matched[-1][4] if matched else 0

    ops, missing, added, spelling = [], 0, 0, []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            ops.append((EQUAL, " ".join(expected[i1:i2]) + " "))
            spelling.extend(
                (old, new)
                for old, new in zip(expected[i1:i2], given[j1:j2], strict=True)
                if old.casefold() != new.casefold()
            )
            continue
        if i2 > i1:
            ops.append((DELETE, " ".join(expected[i1:i2]) + " "))
            missing += i2 - i1
        extra = [
            index
            for index in range(j1, j2)
            if first <= index < last and given_folded[index] not in frame
        ]
        if tag == "replace" and i2 > i1:
            # Words in place of missing ones: frame words are ignored unless they are all there
            # is (a number of the text changed to one that also appears in the frame, such as
            # the hour in the date, is still a change).
            replaced = range(j1, j2)
            extra = [index for index in replaced if given_folded[index] not in frame] or list(
                replaced
            )
        if extra:
            ops.append((INSERT, " ".join(given[index] for index in extra) + " "))
            added += len(extra)
    return Verification(missing == 0 and added == 0, ops, missing, added, spelling)
