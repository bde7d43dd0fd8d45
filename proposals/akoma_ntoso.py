"""A revision as Akoma Ntoso 3.0 XML (OASIS LegalDocML), for the legal information systems of the
authorities that receive our proposals.

`revision_akn(revision)` returns UTF-8 bytes that validate against the official schema
(akomantoso30.xsd; tests/proposals/test_akoma_ntoso.py validates every shape we write). The
document:

- An amendment proposal is an `<amendment>` whose `<amendmentBody>` keeps the order of the
  blocks: a heading is an `<amendmentHeading>`, a text an `<amendmentContent>`, and each
  amendment row an `<amendmentContent>` holding one `<blockContainer>` whose eId names the unit
  it amends ("Art. 5 alin. (2)" → `art_5__para_2`, see `proposals.legal_text.reference_eid`):
  `<num>` the reference, `<heading>` the action, a `<mod>` quoting the text in force and the
  proposed text (`<quotedText>`), and the rationale. A reference we cannot read gets an eId made
  from the block key; a second row on the same unit gets the suffix `_2`.
- A public-policy proposal (and any other) is a `<doc>`: each heading opens an
  `<hcontainer name="section">` holding the texts that follow it; texts before the first heading
  stand at the start of `<mainBody>`.
- Markdown becomes AKN's HTML-like elements (p, ul/ol/li, b, i, u, sub, sup, a, table/tr/th/td,
  br); any other element is dropped and its text kept.
- `<meta>` identifies the work (the proposal), the expression (this revision, in the language of
  its text: `…/ron@v2`; the revision number rather than its date, since two revisions can share
  a day) and the manifestation (this file) with FRBR IRIs. The work's `<FRBRauthor>`s are the
  proposal's authors when the revision was saved (the owner, then the co-authors of that moment:
  `proposals.coauthors.coauthors_at`), the expression's the organisation the revision's author
  acted for; `<references>` names the platform, each of those organisations (a
  `<TLCOrganization>`) and the authority; `<proprietary>` keeps the revision's number,
  the SHA-256 of its canonical content (proposals/content.py) and the attachments' hashes.
- When the reference act is a Romanian law, government decision or ordinance written as
  officials write it ("Legea nr. 350/2005", "H.G. nr. 775/2005"), it gets its AKN IRI: an
  amendment proposal names it as the `<affectedDocument>` and lists each row in
  `<activeModifications>` as a textual modification of its unit; another proposal only refers
  to it (`<ref>`). Any other act stays plain text: we do not guess IRIs.

Nothing depends on when the file is made: every date in it is the revision's or the proposal's.
"""

import re

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from core.dates import format_datetime
from proposals import content
from proposals.coauthors import coauthors_at
from proposals.exports import (
    HTML_BLOCKS,
    HTML_SPACES,
    as_document,
    html_contents,
    html_table_rows,
    markdown_items,
)
from proposals.legal_text import reference_eid, superscript_numbers

AKN_NAMESPACE = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
# Our own metadata, inside <proprietary>.
CONSULT_NAMESPACE = "urn:consult:akn:proprietary:1.0"
CONTENT_TYPE = "application/akn+xml"

# ISO 639-2 codes, as FRBRlanguage wants them.
LANGUAGES = {"ro": "ron", "bg": "bul", "en": "eng"}
QUOTES = {"ro": ("„", "”"), "bg": ("„", "“"), "en": ("“", "”")}
TEXTUAL_MODS = {"modify": "substitution", "insert": "insertion", "repeal": "repeal"}
PLATFORM_ID = "consult"
ACT_ID = "ref_act"

_A = f"{{{AKN_NAMESPACE}}}"
_C = f"{{{CONSULT_NAMESPACE}}}"
_NSMAP = {None: AKN_NAMESPACE, "consult": CONSULT_NAMESPACE}

# Romanian acts written "Legea nr. 350/2005", "H.G. nr. 775/2005", "O.U.G. 57/2019".
_ACT = re.compile(
    r"^\s*(?P<type>Legea|Legii|Lege|H\.?\s?G\.?|Hotărârea\s+Guvernului|O\.?\s?U\.?\s?G\.?"
    r"|Ordonanța\s+de\s+urgență\s+a\s+Guvernului|O\.?\s?G\.?|Ordonanța\s+Guvernului)"
    r"\s*(?:nr\.?\s*)?(?P<number>\d{1,5})\s*/\s*(?P<year>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_ACT_SUBTYPES = (
    (re.compile(r"^(?:o\.?\s?u\.?\s?g|ordonanța\s+de\s+urgență)", re.IGNORECASE), "oug"),
    (re.compile(r"^(?:o\.?\s?g|ordonanța)", re.IGNORECASE), "og"),
    (re.compile(r"^(?:h\.?\s?g|hotărârea)", re.IGNORECASE), "hg"),
    (re.compile(r"^leg", re.IGNORECASE), "lege"),
)


def act_uri(reference_act, country):
    """The AKN work IRI of a Romanian act named as officials write it ("Legea nr. 350/2005" →
    /akn/ro/act/lege/2005/350), or None: we only name acts we can read without guessing."""
    if country != "ro":
        return None
    match = _ACT.match(reference_act or "")
    if match is None:
        return None
    subtype = next(name for pattern, name in _ACT_SUBTYPES if pattern.match(match["type"]))
    return f"/akn/ro/act/{subtype}/{match['year']}/{int(match['number'])}"


# --- Building XML ------------------------------------------------------------------------------


def _element(parent, tag, text=None, **attributes):
    """A child of `parent` in the AKN namespace; attributes whose value is None are left out."""
    element = etree.SubElement(parent, _A + tag)
    for name, value in attributes.items():
        if value is not None:
            element.set(name.rstrip("_"), str(value))
    if text:
        _append_text(element, text)
    return element


def _append_text(element, text):
    """Text at the end of `element` (after its last child, if any)."""
    if not text:
        return
    if len(element):
        last = element[-1]
        last.tail = (last.tail or "") + text
    else:
        element.text = (element.text or "") + text


def _append_lines(element, text):
    """Text whose line breaks are kept as <br/>."""
    for index, line in enumerate(text.split("\n")):
        if index:
            _element(element, "br")
        _append_text(element, line)


# --- Markdown (our sanitised HTML) to AKN ------------------------------------------------------

_INLINE = {"strong": "b", "b": "b", "em": "i", "i": "i", "u": "u", "sub": "sub", "sup": "sup"}


def _at_line_start(element):
    """Nothing written in `element` yet, or a line break just before: spaces here show nothing."""
    if not len(element):
        return not element.text
    last = element[-1]
    return last.tag == _A + "br" and not last.tail


def _add_inline(parent, items):
    for item in items:
        if isinstance(item, str):
            text = HTML_SPACES.sub(" ", item)
            if _at_line_start(parent):
                text = text.lstrip()
            _append_text(parent, text)
        elif item.tag == "br":
            _element(parent, "br")
        elif item.tag in _INLINE:
            _add_inline(_element(parent, _INLINE[item.tag]), html_contents(item))
        elif item.tag == "a" and item.get("href"):
            _add_inline(_element(parent, "a", href=item.get("href")), html_contents(item))
        else:  # code, abbr, del, ins, headings inside lists…: the text stays, the element goes
            _add_inline(parent, html_contents(item))


def _add_list(parent, node):
    items = [child for child in node if child.tag == "li"]
    if not items:
        return
    element = _element(parent, node.tag)
    for item in items:
        _add_flow(_element(element, "li"), html_contents(item))


def _add_flow(item, contents):
    """The content of a list item: inline text, paragraphs and nested lists (what <li> allows)."""
    for node in contents:
        if isinstance(node, str):
            if node.strip():
                _add_inline(item, [node])
        elif node.tag in ("ul", "ol"):
            _add_list(item, node)
        elif node.tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6"):
            _add_inline(_element(item, "p"), html_contents(node))
        elif node.tag in HTML_BLOCKS:  # a table or a quotation cannot be inside <li>
            if node.tag != "hr":
                _add_inline(_element(item, "p"), [node.text_content()])
        else:
            _add_inline(item, [node])


def _add_table(parent, node):
    rows = html_table_rows(node)
    if not rows:
        return
    table = _element(parent, "table")
    for _row, cells in rows:
        tr = _element(table, "tr")
        for cell in cells:
            _add_blocks(_element(tr, cell.tag), html_contents(cell))


def _add_blocks(parent, items):
    """Block elements for `items`; inline content outside any block is gathered into a <p>."""
    loose = None
    for item in items:
        if isinstance(item, str) or item.tag not in HTML_BLOCKS:
            if loose is None:
                if isinstance(item, str) and not item.strip():
                    continue
                loose = _element(parent, "p")
            _add_inline(loose, [item])
            continue
        loose = None
        if item.tag == "pre":
            _append_lines(_element(parent, "p"), item.text_content().strip("\n"))
        elif item.tag in ("ul", "ol"):
            _add_list(parent, item)
        elif item.tag == "table":
            _add_table(parent, item)
        elif item.tag == "blockquote":
            _add_blocks(parent, html_contents(item))
        elif item.tag != "hr":  # a paragraph or a heading inside the text
            _add_inline(_element(parent, "p"), html_contents(item))


def add_markdown(parent, text):
    """Append the AKN blocks of a Markdown text to `parent` (a container of blocks)."""
    _add_blocks(parent, markdown_items(text))


# --- The document ------------------------------------------------------------------------------


class _Ids:
    """eIds of one document: unique, as the schema requires (a repeat gets `_2`, `_3`…)."""

    def __init__(self):
        self.used = set()

    def take(self, wanted):
        eid, count = wanted, 1
        while eid in self.used:
            count += 1
            eid = f"{wanted}_{count}"
        self.used.add(eid)
        return eid


def _organization_id(organization):
    return f"org_{organization.slug}"


def _local_date(value, zone):
    return timezone.localtime(value, zone).date().isoformat()


class _Writer:
    def __init__(self, revision):
        self.revision = revision
        self.proposal = revision.proposal
        self.organization = self.proposal.organization
        self.authority = self.proposal.target_authority
        self.zone = self.organization.zone
        self.language = self.proposal.language
        self.country = (self.authority.country or self.organization.country).lower()
        self.is_amendment = self.proposal.kind == "amendment"
        self.act = act_uri(self.proposal.reference_act, self.country)
        # The act an amendment proposal amends; other proposals only rely on theirs.
        self.amended_act = self.act if self.is_amendment else None
        self.ids = _Ids()
        self.mods = []  # (mod eId, action, unit eId or None) of each amendment row
        # Who wrote the proposal when this revision was saved, and for whom its author acted:
        # the file names the same organisations whenever it is made.
        self.authors = [
            self.organization,
            *coauthors_at(self.proposal, revision.created_at),
        ]
        self.acting = revision.acting_organization
        named = [*self.authors, self.acting, self.authority]
        self.organizations = list(
            {organization.pk: organization for organization in named}.values()
        )
        # The eIds of <references>, written after the body.
        for reserved in (PLATFORM_ID, ACT_ID):
            self.ids.take(reserved)
        for organization in self.organizations:
            self.ids.take(_organization_id(organization))

    # FRBR IRIs (Akoma Ntoso naming convention).

    @property
    def work_uri(self):
        parts = ["", "akn", self.country]
        parts += ["amendment"] if self.is_amendment else ["doc", self.proposal.kind]
        parts += [
            self.organization.slug,
            _local_date(self.proposal.created_at, self.zone),
            self.proposal.slug,
        ]
        return "/".join(parts)

    @property
    def expression_uri(self):
        return f"{self.work_uri}/{LANGUAGES.get(self.language, 'eng')}@v{self.revision.number}"

    def document(self):
        root = etree.Element(_A + "akomaNtoso", nsmap=_NSMAP)
        if self.is_amendment:
            document = _element(root, "amendment", name="amendment")
        else:
            document = _element(root, "doc", name=self.proposal.kind)
        meta = _element(document, "meta")
        self.preface(_element(document, "preface"))
        if self.is_amendment:
            self.amendment_body(_element(document, "amendmentBody"))
        else:
            self.main_body(_element(document, "mainBody"))
        # The metadata describes the body (its modifications), so it is written last.
        self.meta(meta)
        return root

    # <meta>

    def meta(self, meta):
        identification = _element(meta, "identification", source=f"#{PLATFORM_ID}")
        revision_date = _local_date(self.revision.created_at, self.zone)
        work = _element(identification, "FRBRWork")
        _element(work, "FRBRthis", value=f"{self.work_uri}/!main")
        _element(work, "FRBRuri", value=self.work_uri)
        # The title as this revision gives it (a later revision may change the proposal's).
        _element(work, "FRBRalias", value=self.revision.title, name="title")
        _element(
            work,
            "FRBRdate",
            date=_local_date(self.proposal.created_at, self.zone),
            name="creation",
        )
        for organization in self.authors:
            _element(work, "FRBRauthor", href=f"#{_organization_id(organization)}")
        _element(work, "FRBRcountry", value=self.country)
        if not self.is_amendment:
            _element(work, "FRBRsubtype", value=self.proposal.kind)
        _element(work, "FRBRnumber", value=self.proposal.slug)

        expression = _element(identification, "FRBRExpression")
        _element(expression, "FRBRthis", value=f"{self.expression_uri}/!main")
        _element(expression, "FRBRuri", value=self.expression_uri)
        _element(expression, "FRBRdate", date=revision_date, name="version")
        _element(expression, "FRBRauthor", href=f"#{_organization_id(self.acting)}")
        _element(expression, "FRBRversionNumber", value=self.revision.number)
        _element(expression, "FRBRlanguage", language=LANGUAGES.get(self.language, "eng"))

        manifestation = _element(identification, "FRBRManifestation")
        _element(manifestation, "FRBRthis", value=f"{self.expression_uri}/!main.xml")
        _element(manifestation, "FRBRuri", value=f"{self.expression_uri}.akn")
        _element(manifestation, "FRBRdate", date=revision_date, name="generation")
        _element(manifestation, "FRBRauthor", href=f"#{PLATFORM_ID}")
        _element(manifestation, "FRBRformat", value=CONTENT_TYPE)

        if self.amended_act and self.mods:
            analysis = _element(meta, "analysis", source=f"#{PLATFORM_ID}")
            modifications = _element(analysis, "activeModifications")
            for mod_id, action, unit in self.mods:
                textual = _element(modifications, "textualMod", type=TEXTUAL_MODS[action])
                _element(textual, "source", href=f"#{mod_id}")
                act = self.amended_act
                _element(textual, "destination", href=f"{act}/~{unit}" if unit else act)

        references = _element(meta, "references", source=f"#{PLATFORM_ID}")
        if self.amended_act:
            _element(
                references,
                "activeRef",
                eId=ACT_ID,
                href=self.amended_act,
                showAs=self.proposal.reference_act,
            )
        _element(
            references,
            "TLCOrganization",
            eId=PLATFORM_ID,
            href=f"/akn/ontology/organization/{PLATFORM_ID}",
            showAs="Consult",
        )
        for organization in self.organizations:
            _element(
                references,
                "TLCOrganization",
                eId=_organization_id(organization),
                href=f"/akn/ontology/organization/{organization.country.lower()}/"
                f"{organization.slug}",
                showAs=organization.name,
            )

        proprietary = _element(meta, "proprietary", source=f"#{PLATFORM_ID}")
        record = etree.SubElement(proprietary, _C + "revision")
        record.set("number", str(self.revision.number))
        saved = timezone.localtime(self.revision.created_at, self.zone).replace(microsecond=0)
        record.set("saved", saved.isoformat())
        record.set("href", settings.SITE_URL + self.revision.get_absolute_url())
        digest = etree.SubElement(record, _C + "contentHash")
        digest.set("algorithm", "SHA-256")
        digest.text = self.revision.content_hash
        for attachment in self.revision.attachments.all():
            item = etree.SubElement(record, _C + "attachment")
            item.set("name", attachment.name)
            item.set("size", str(attachment.size))
            item.set("sha256", attachment.sha256)

    # <preface>

    def preface(self, preface):
        title = _element(_element(preface, "longTitle"), "p")
        _element(title, "docTitle", self.revision.title)
        proponents = _element(preface, "p", class_="proponent")
        for number, organization in enumerate(self.authors):
            proponent = _element(
                proponents,
                "docProponent",
                organization.name,
                refersTo=f"#{_organization_id(organization)}",
            )
            if number < len(self.authors) - 1:
                proponent.tail = ", "
        addressed = _element(preface, "p", _("Addressed to") + " ", class_="authority")
        _element(
            addressed,
            "docAuthority",
            self.authority.name,
            refersTo=f"#{_organization_id(self.authority)}",
        )
        if self.proposal.reference_act:
            act = _element(preface, "p", class_="referenceAct")
            if self.amended_act:
                _element(act, "affectedDocument", self.proposal.reference_act, href=self.act)
            elif self.act:
                _element(act, "ref", self.proposal.reference_act, href=self.act)
            else:
                _append_text(act, self.proposal.reference_act)
        self.version_line(_element(preface, "p", class_="version"))
        if self.revision.summary:
            _append_lines(_element(preface, "p", class_="summary"), self.revision.summary)

    def version_line(self, paragraph):
        """ "Revision 2 of 4 December 2026, 14:30", with the number and the date marked up."""
        created = self.revision.created_at
        pieces = re.split(r"(%\(number\)s|%\(date\)s)", _("Revision %(number)s of %(date)s"))
        for piece in pieces:
            if piece == "%(number)s":
                _element(paragraph, "docNumber", str(self.revision.number))
            elif piece == "%(date)s":
                _element(
                    paragraph,
                    "docDate",
                    format_datetime(created, self.language, self.zone),
                    date=timezone.localtime(created, self.zone).replace(microsecond=0).isoformat(),
                )
            else:
                _append_text(paragraph, piece)

    # The body.

    def amendment_body(self, body):
        for block in self.revision.blocks:
            if block["type"] == content.HEADING:
                _element(_element(body, "amendmentHeading"), "p", block["text"])
            elif block["type"] == content.TEXT:
                add_markdown(_element(body, "amendmentContent", class_="text"), block["text"])
            else:
                self.amendment_row(_element(body, "amendmentContent", class_="amendment"), block)
        if not len(body):  # the schema wants one part at least
            _element(body, "amendmentContent")

    def main_body(self, body):
        section = None
        sections = 0
        for block in self.revision.blocks:
            if block["type"] == content.HEADING:
                sections += 1
                container = _element(
                    body, "hcontainer", name="section", eId=self.ids.take(f"hcontainer_{sections}")
                )
                _element(container, "heading", block["text"])
                section = _element(container, "content")
                continue
            target = section if section is not None else body
            if block["type"] == content.TEXT:
                add_markdown(target, block["text"])
            else:
                self.amendment_row(target, block)
        for container in body.iter(_A + "content"):
            if not len(container):  # a section without text yet: <content> needs a block
                _element(container, "p")
        if not len(body):
            _element(body, "p")

    def amendment_row(self, parent, block):
        action = block.get("action", "")
        unit = reference_eid(block.get("article", ""))
        eid = self.ids.take(unit or f"amendment_{block['key']}")
        row = _element(parent, "blockContainer", eId=eid, class_=f"amendment {action}")
        _element(row, "num", superscript_numbers(block.get("article", "")))
        _element(row, "heading", str(content.AMENDMENT_ACTIONS.get(action, action)))
        mod_id = self.ids.take(f"{eid}__mod_1")
        mod = _element(_element(row, "p"), "mod", eId=mod_id)
        start, end = QUOTES.get(self.language, QUOTES["en"])
        quotes = 0
        for field, label, show in (
            ("in_force", _("Text in force"), action != "insert"),
            ("proposed", _("Proposed text"), action != "repeal"),
        ):
            text = block.get(field, "")
            if not (show and text):
                continue
            quotes += 1
            if quotes > 1:
                _element(mod, "br")
            _element(mod, "span", f"{label}: ", class_="label")
            quoted = _element(
                mod,
                "quotedText",
                eId=self.ids.take(f"{mod_id}__qtext_{quotes}"),
                class_="inForce" if field == "in_force" else "proposed",
                startQuote=start,
                endQuote=end,
            )
            _append_lines(quoted, text)
        if block.get("rationale"):
            rationale = _element(row, "blockContainer", class_="rationale")
            _element(rationale, "heading", _("Rationale"))
            add_markdown(rationale, block["rationale"])
            if len(rationale) == 1:  # nothing but the heading: the schema wants a block
                _element(rationale, "p")
        self.mods.append((mod_id, action, unit))


@as_document
def revision_akn(revision):
    """The revision as an Akoma Ntoso 3.0 document (UTF-8 bytes with an XML declaration)."""
    root = _Writer(revision).document()
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
