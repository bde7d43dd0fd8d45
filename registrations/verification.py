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
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import PurePath

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import documents
from core.dates import format_datetime
from core.errors import DomainError
from core.markdown import render_markdown
from proposals import content
from proposals.attachments import clean_name
from proposals.coauthors import coauthors_at
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
    # The exports name every author: the co-authors of today, and the dossier those of the day
    # it was sent.
    authors = {*proposal.authors, *coauthors_at(proposal, submission.submitted_at)}
    texts = [
        *(organization.name for organization in authors),
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


# What the visitor's file may be, by its extension; its content must agree.
UPLOAD_FORMATS = {".txt": "text", ".md": "text", ".docx": "docx", ".pdf": "pdf"}
MAGIC = {"docx": b"PK\x03\x04", "pdf": b"%PDF-"}
UNREADABLE = {
    "docx": gettext_lazy("The .docx file could not be read."),
    "pdf": gettext_lazy("The PDF file could not be read."),
}


def max_text_characters():
    """The longest text a file may give: a registered text and, for an amendment, its
    comparative table, which repeats it."""
    return 2 * settings.MAX_REVISION_CHARACTERS


def text_of_upload(upload):
    """The text of an uploaded .txt, .md, .docx or .pdf file. Raises DomainError.

    Anyone may upload here: a DOCX or PDF is checked before it is parsed (`core.documents`:
    the archive's sizes, entries and compression ratio, the PDF's page count, within the limits
    of uploads) and read by python-docx or pypdf in a process of its own, bounded in memory and
    time (`core.documents.read_text`); this process never holds more than the file and its
    text. Side effects: none (nothing is kept)."""
    name = clean_name(upload.name or "")
    if upload.size > settings.MAX_ATTACHMENT_BYTES:
        raise DomainError(
            _("The file is larger than %(max)s MB.")
            % {"max": settings.MAX_ATTACHMENT_BYTES // (1024 * 1024)}
        )
    claimed = UPLOAD_FORMATS.get(PurePath(name).suffix.lower())
    if claimed == "text":
        return _plain_text(upload.read(), name)
    if claimed is None:
        raise DomainError(_("Upload a .txt, .md, .docx or .pdf file."))
    limits = documents.upload_limits()
    if documents.check_document(upload, name, limits) != claimed:
        if not upload.read(5).startswith(MAGIC[claimed]):
            raise DomainError(_("Upload a .txt, .md, .docx or .pdf file."))
        raise DomainError(UNREADABLE[claimed])
    try:
        text = documents.read_text(
            upload.read(), claimed, name, max_characters=max_text_characters(), limits=limits
        )
    except documents.UnsafeDocument as error:
        if error.code == "unreadable":
            raise DomainError(UNREADABLE[claimed]) from None
        raise
    if claimed == "pdf":
        # Our exports print "page / pages" at the foot of every page.
        text = "\n".join(
            line for line in text.replace("\f", "\n").split("\n") if not PAGE_NUMBER.match(line)
        )
    return text


def _plain_text(data, name):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(_("The text file is not UTF-8 text.")) from None
    if len(text) > max_text_characters():
        raise documents.UnsafeDocument("too_long", name, max=max_text_characters())
    return text


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


# Words a matching document may hold besides the text and its frame (headings of an export,
# page numbers, a cover letter's greeting).
MORE_WORDS_ALLOWED = 2000
# The comparison may cost this many times what comparing the registered text with itself costs
# (and always at least MIN_COMPARISON_WORK steps, a fraction of a second).
COMPARISON_WORK_FACTOR = 4
MIN_COMPARISON_WORK = 200_000


def verify(submission, text):
    """Compare `text` with the registered revision of `submission`."""
    text = _without_comparative_table(text)
    expected_text = revision_text(submission.revision)
    expected = raw_words(expected_text)
    expected_folded = [_fold(word) for word in expected]
    given = raw_words(text)
    given_folded = [_fold(word) for word in given]
    frame = frame_words(submission)
    # The word-by-word comparison costs up to (registered words × given words) on a hostile
    # text (one common word repeated): a text far longer than the registered one and its frame
    # cannot match, and is refused before it is compared.
    most = 2 * len(expected) + 2 * len(frame) + MORE_WORDS_ALLOWED
    if len(given) > most:
        raise DomainError(
            _(
                "This text has %(given)s words, far more than the %(expected)s of the registered "
                "version: it does not match. Paste or upload only the text of the proposal."
            )
            % {"given": len(given), "expected": len(expected)},
            code="too_long",
        )

    # Within that length, a text that repeats the registered text's words far more often than
    # it does (one common word over and over) would still cost up to registered × given steps:
    # the comparison's work is counted first and bounded by what comparing the registered text
    # with itself costs.
    expected_counts, given_counts = Counter(expected_folded), Counter(given_folded)
    work = sum(count * given_counts[word] for word, count in expected_counts.items())
    own = sum(count * count for count in expected_counts.values())
    if work > max(MIN_COMPARISON_WORK, COMPARISON_WORK_FACTOR * own):
        raise DomainError(
            _(
                "This text repeats the words of the registered version far more often than it "
                "does: it does not match. Paste or upload only the text of the proposal."
            ),
            code="too_repetitive",
        )

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
