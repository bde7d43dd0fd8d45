"""The hostile walk: every page of the site, as five people, with hostile values in everything a
page reads. It is the test that finds the next 500 (README, "Hostile input").

What it walks. Every URL pattern the resolver knows (`consult.urls` and all it includes), so a new
page is walked without editing this file. Parameters in the address are filled from a small world
built with the factories (a draft with an attachment and an import, a consulted proposal with a
closed stage and its synthesis, a meeting and its minutes, an open stage with a flagged thread,
submissions registered, waiting and sent elsewhere, an invitation, an API token…) and, for each
converter, with hostile values that still match it (ids beyond 64 bits, 0, long slugs, NUL and
bidi overrides in `str` segments). Patterns left out are in `EXCLUDED`, each with its reason.

Who walks. An anonymous visitor, a citizen (confirmed email), an editor of an NGO, a registrar of
a verified authority (with the authority's API token) and a member of staff (also a site
administrator, so that the admin's pages open), each in another language, so that every catalogue
is rendered. Each walks a world of their own (built again, and rolled back after).

What they send. What a page reads is found by asking it: its first GET (and a first POST with what
its forms send) records every name the view looks up in `request.GET` and `request.POST` (`Reads`),
and the forms of the pages give the fields, their types and their choices (`FormParser`). Then:

- the first person who reaches a page (not a redirect to sign in, a 403 or a 404) sends it every
  value of `NASTY` — Unicode digits, 0, -1, numbers beyond 64 bits, years 0 and 10000, NUL and
  other control characters, bidi overrides, zero-width characters, '%00', very long strings —
  for all its names at once, rotated so that each name meets each value; and, for a form, each
  field's typed hostile values (`TYPED_NASTY`: dates of year 1 and 9999…) one field at a time,
  the others as a browser fills them, so that a value the field accepts reaches the code behind
  a valid form;
- everyone who reaches a page sends `HOSTILE_WALK_EXAMPLES` requests (default 3) drawn by
  Hypothesis, derandomized so that a run sends the same requests on every machine: each field
  keeps a browser's value, takes another of its choices or turns hostile;
- a page a person does not reach gets one request with hostile values (what a view reads before
  refusing);
- the cookies the site reads (session, CSRF, language, messages) get hostile values too, on the
  home page and the language switch.

POSTs carry a valid CSRF token. Each person's GETs come first, then their POSTs, those whose name
says they take something away last (a walker that left its organisation early would see little
of it afterwards). The API's JSON bodies are schemathesis' (tests/api/test_fuzz.py); the walk
sends query strings to every API address, and form bodies to its POST endpoints.

What fails. Any response 500 or above, anything logged at ERROR (the `django.request` logger's
tracebacks, every other logger's), any response body over `MAX_BODY_BYTES`. Every failure of the
walk is collected and reported together, with the request that caused it.

A longer run, with more drawn requests on every page::

    HOSTILE_WALK_EXAMPLES=100 .venv/bin/pytest tests/test_hostile_walk.py

and on PostgreSQL with `DATABASE_URL=postgres://…`, as for the rest of the suite.
"""

import functools
import json
import logging
import os
import re
import string
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import QueryDict
from django.test import Client, TestCase
from django.urls import (
    NoReverseMatch,
    Resolver404,
    URLPattern,
    URLResolver,
    get_resolver,
    resolve,
    reverse,
)
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from haystack import connections as haystack_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import Organization, Role
from consultations import domain as consultations
from consultations import notifications as consultation_notifications
from core import idempotency
from core.text import has_control_characters
from proposals import coauthors as proposal_coauthors
from proposals import domain as proposals
from proposals import endorsements as proposal_endorsements
from proposals import importing
from proposals.models import ProposalKind
from registrations import domain as registrations
from registrations.models import DocumentKind
from search import indexing
from tests import hostile_documents
from tests.factories import (
    AUTHORITY_SLUG,
    PASSWORD,
    ApiTokenFactory,
    AttachmentFactory,
    AuthorityFactory,
    DocumentImportFactory,
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    ProposalFactory,
    SubmissionDocumentFactory,
    UserFactory,
)
from tests.helpers import save, text_block
from tests.proposals import documents

EXAMPLES = int(os.environ.get("HOSTILE_WALK_EXAMPLES", "3"))
# No page of the site is this large; a hostile value echoed without bound would be.
MAX_BODY_BYTES = 2 * 1024 * 1024
LONG = 20_000

# Values that broke, or break, parsers somewhere. Lone surrogates are left out: HTTP carries
# bytes, and Django decodes invalid UTF-8 to U+FFFD before any view sees it.
NASTY = [
    "",
    "0",
    "-1",
    "1.5",
    "1e309",
    "²",
    "٣",
    "１",
    "²⁰²⁵",
    "१२३४",
    "99999999999999999999999",
    "-9223372036854775809",
    "0000",
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2026-02-30",
    "\x00",
    "a\x00b",
    "%00",
    "\x01\x1b\x7f",
    "\r\n\t",
    "\u202eevil\u202c",
    "\u200b\ufeff\u2060",
    "\ufffe\uffff",
    "x" * LONG,
    "ș" * LONG,
    "%(name)s {{ 7 }} <b>",
    "../../etc/passwd",
]

CONTROL = [value for value in NASTY if has_control_characters(value)]

# Hostile values for a URL parameter, by converter (each must still match the converter: a value
# that does not is a 404 from the resolver and tests nothing).
PATH_NASTY = {
    "int": ["0", "99999999999999999999999"],
    "id": ["999999999999999999"],
    "slug": ["x" * 300],
    "str": ["\x00", "²\u202e\u200b", "x" * 300],
    "path": ["../../etc/passwd", "a/\x00/b"],
}

# Patterns not walked, each for a reason.
EXCLUDED = {
    # The admin's add, delete and history pages and its password form are Django's own forms
    # over the models' fields; the admin's deletion deletes on any POST, which would empty the
    # world under the walk. Its index, app lists, change lists (their search box, filters,
    # ordering and page number, the admin's query-string surface) and change pages are walked.
    "admin_add": re.compile(r"^admin:\w+_add$"),
    "admin_delete": re.compile(r"^admin:\w+_delete$"),
    "admin_history": re.compile(r"^admin:\w+_history$"),
    "admin_password": re.compile(r"^admin:(auth_user_password_change|password_change.*)$"),
    # Redirects to the object's public page, by content type: no view of ours behind it.
    "admin_view_on_site": re.compile(r"^admin:view_on_site$"),
    # Signing out of the admin signs the walker out.
    "admin_logout": re.compile(r"^admin:logout$"),
}
# The admin's pages are walked with GETs only: a POST to a change list runs an action (the
# first one offered deletes), a POST to a change page saves Django's own ModelForm.
#
# Reached by hostile addresses only, for want of what opens them: allauth's e-mail confirmation
# and password reset keys, its two-factor pages past the first (no TOTP is set up), the files
# of the nightly export (none is built) and the admin's autocomplete (it needs the admin's own
# widget parameters).
#
# Patterns without a name: the admin's catch-all and its `<object_id>/` redirects (both redirect
# to a named page, walked), the `/api/` catch-all (walked at the address below) and the media
# files served in DEBUG only (Django's static view; files are fetched through the views that
# check permissions, walked).
UNNAMED_WALKED = {r"^api/": "/api/hostile/"}

ROLES = ["anonymous", "citizen", "ngo_editor", "registrar", "staff"]
LANGUAGES = {
    "anonymous": "ro",
    "citizen": "bg",
    "ngo_editor": "ro",
    "registrar": "bg",
    "staff": "en",
}
# POSTs to these pages come last: they take the walker out of the world it walks.
LAST = re.compile(r"(leave|remove|delete|withdraw|revoke|cancel|close|logout|deactivate)")


# --- The world ---------------------------------------------------------------------------------


@dataclass
class World:
    users: dict
    # The registrar's API token: the registrar reads and writes the API with it.
    api_secret: str
    # URL parameter values that belong together (a proposal's slug with its revisions, stages
    # and files…): each family whose names cover a pattern's parameters gives one address.
    families: list
    # What a person would type into a field of this name, when only the world knows it (the
    # tracking code on a receipt).
    hints: dict = field(default_factory=dict)


def build_world():
    """A small world through the domain: one of each thing a page shows."""
    now = timezone.now()
    authority = Organization.objects.get(slug=AUTHORITY_SLUG)
    authority.verified_at = now
    authority.save(update_fields=["verified_at"])
    ngo = OrganizationFactory(name="Asociația Drum Drept", slug="drum-drept")
    editor = MembershipFactory(organization=ngo, role=Role.EDITOR).user
    colleague = MembershipFactory(organization=ngo, role=Role.ADMIN).user
    registrar = MembershipFactory(organization=authority, role=Role.REGISTRAR).user
    citizen = UserFactory(display_name="Ion Cetățeanul")
    neighbour = UserFactory(display_name="Maria Vecina")
    staff = UserFactory(is_staff=True, is_superuser=True, display_name="Moderator")

    draft = ProposalFactory(
        editor=editor, organization=ngo, slug="ciorna", kind=ProposalKind.AMENDMENT
    )
    attachment = AttachmentFactory(proposal=draft, name="Anexa.pdf")
    proposals.save_revision(
        editor,
        draft,
        base_number=1,
        title=draft.title,
        summary=draft.summary,
        blocks=draft.current_revision.blocks,
        message="Cu anexa",
        attachments=[attachment],
    )
    # Read, as the worker does after the commit (the world is built in a transaction that is
    # never committed): its review page shows the blocks and the confirm button.
    document_import = importing.process_import(DocumentImportFactory(proposal=draft))

    # Published, with a consultation: a closed stage answered in its synthesis, a public
    # meeting held (its minutes published), an open stage with a flagged thread.
    consulted = ProposalFactory(
        editor=editor, organization=ngo, slug="consultata", target_authority=authority
    )
    key = consulted.current_revision.blocks[0]["key"]
    save(editor, consulted, [text_block(key, "Textul propus.")])
    proposals.publish_proposal(editor, consulted)
    consultation = consultations.create_consultation(editor, consulted, title="Consultare")
    opened = now - timedelta(days=30)
    closed_stage = consultations.add_stage(
        editor,
        consultation,
        kind="written",
        title="Prima rundă",
        opens_at=opened,
        closes_at=opened + timedelta(days=11),
        revision=consulted.current_revision,
        now=opened - timedelta(days=1),
    )
    meeting = consultations.add_stage(
        editor,
        consultation,
        kind="meeting",
        title="Dezbatere",
        opens_at=now - timedelta(days=18),
        closes_at=now - timedelta(days=17),
        meeting_at=now - timedelta(days=18, hours=-2),
        meeting_place="Sala mare",
        now=opened - timedelta(days=1),
    )
    answered = consultations.post_comment(
        citizen, closed_stage, text="Susțin.", stance="support", now=opened + timedelta(hours=1)
    )
    consultations.set_disposition(editor, answered, outcome="accepted", reason="Preluat.")
    consultations.publish_synthesis(
        editor, closed_stage, intro="Sinteza.", now=opened + timedelta(days=12)
    )
    consultations.publish_minutes(editor, meeting, minutes="Au venit 12.", participants=12, now=now)
    # Closed, every comment answered, its synthesis not published yet: the editor publishes it.
    unpublished = consultations.add_stage(
        editor,
        consultation,
        kind="written",
        title="Runda a treia",
        opens_at=now - timedelta(days=16),
        closes_at=now - timedelta(days=6),
        revision=consulted.current_revision,
        now=opened - timedelta(days=1),
    )
    late = consultations.post_comment(
        neighbour, unpublished, text="Mai târziu.", stance="oppose", now=now - timedelta(days=10)
    )
    consultations.set_disposition(editor, late, outcome="rejected", reason="Nu se poate.")
    open_stage = consultations.add_stage(
        editor,
        consultation,
        kind="written",
        title="A doua rundă",
        opens_at=now - timedelta(minutes=5),
        closes_at=now + timedelta(days=12),
        revision=consulted.current_revision,
        now=now - timedelta(minutes=10),
    )
    comment = consultations.post_comment(
        citizen, open_stage, text="O observație.", block_key=key, stance="oppose"
    )
    reply = consultations.post_comment(neighbour, open_stage, text="Răspuns.", parent_id=comment.pk)
    consultations.flag_comment(neighbour, comment, reason="spam")
    consultations.process_stage_events(now=now)

    # Submitted to the verified authority and registered there, with a document; another one
    # waiting in its inbox; a third sent to an authority not on the platform (the NGO declares
    # its registration).
    def submitted(slug, target):
        proposal = ProposalFactory(
            editor=editor, organization=ngo, slug=slug, target_authority=target
        )
        block = proposal.current_revision.blocks[0]["key"]
        save(editor, proposal, [text_block(block, f"Textul propunerii {slug}.")])
        proposals.publish_proposal(editor, proposal)
        proposal.refresh_from_db()
        return registrations.submit_proposal(
            editor, proposal, proposal.current_revision, "Scrisoare."
        )

    submission = submitted("trimisa", authority)
    registrations.register_submission(
        registrar, submission, number="WALK-1", registration_date=timezone.localdate()
    )
    document = SubmissionDocumentFactory(
        submission=submission, uploaded_by=registrar, kind=DocumentKind.RECEIVED
    )
    inbox = submitted("in-asteptare", authority)
    elsewhere = submitted("in-alta-parte", AuthorityFactory(verified_at=None))
    # The API's own: the registrar registers one and answers the other through the API (the
    # pages' POSTs, which come first, act on those above).
    api_registered = submitted("prin-api", authority)
    registrations.register_submission(
        registrar, api_registered, number="WALK-2", registration_date=timezone.localdate()
    )
    api_inbox = submitted("prin-api-asteptare", authority)

    # Co-authors and endorsements of the consulted proposal: one co-author accepted, one
    # invitation pending; a citizen's endorsement.
    partner = OrganizationFactory(slug="partener-coautor")
    partner_admin = MembershipFactory(organization=partner, role="admin").user
    coauthorship = proposal_coauthors.invite_coauthor(editor, consulted, partner)
    proposal_coauthors.accept_coauthorship(partner_admin, coauthorship)
    pending = proposal_coauthors.invite_coauthor(
        editor, consulted, OrganizationFactory(slug="invitat-coautor")
    )
    endorsement = proposal_endorsements.endorse(citizen, consulted, statement="Susțin.")

    invitation = InvitationFactory(organization=ngo, token="walker-invitation-token")
    for_citizen = InvitationFactory(organization=ngo, email=citizen.email)
    api_token = ApiTokenFactory(authority=authority, user=registrar)
    unsubscribe = consultation_notifications.unsubscribe_token(
        citizen.pk, consultation_notifications.FOLLOW, consultation.pk
    )
    Group.objects.create(name="Moderatori")

    proposal_family = {
        "number": [1, 2],
        "a": [1],
        "b": [2],
        "position": [1, 2, 3, 4],
        "fmt": ["pdf", "docx", "odt", "csv", "json"],
    }
    families = [
        {
            "slug": [consulted.slug],
            **proposal_family,
            "pk": [coauthorship.pk, pending.pk, endorsement.pk],
        },
        {"slug": [submission.proposal.slug], **proposal_family, "position": [1]},
        {
            "slug": [draft.slug],
            **proposal_family,
            "position": [1],
            "attachment_id": [attachment.pk],
            "name": [attachment.name],
        },
        {
            "slug": [ngo.slug],
            "membership_id": [editor.memberships.get().pk],
            "invitation_id": [invitation.pk],
        },
        {"slug": [authority.slug]},
        {"comment_id": [comment.pk, reply.pk, answered.pk]},
        {
            "code": [submission.tracking_code, inbox.tracking_code, elsewhere.tracking_code],
            "tracking_code": [api_registered.tracking_code, api_inbox.tracking_code],
            "document_id": [document.pk],
            "name": [document.name],
        },
        {"token": ["walker-invitation-token", document_import.token, unsubscribe]},
        {"token_id": [api_token.pk]},
        {"invitation_id": [for_citizen.pk, invitation.pk]},
        {"name": ["manifest.json", "all/proposals.jsonl"]},
        {"app_label": ["accounts", "proposals", "registrations"]},
    ]
    users = {
        "anonymous": None,
        "citizen": citizen,
        "ngo_editor": editor,
        "registrar": registrar,
        "staff": staff,
    }
    # Keep a second admin in the NGO, so that its editor may leave it.
    assert colleague.pk
    return World(
        users=users,
        families=families,
        api_secret=api_token.secret,
        hints={"code": submission.tracking_code},
    )


# --- The routes --------------------------------------------------------------------------------


@dataclass
class Route:
    name: str  # "namespace:name"
    pattern: str  # the whole pattern, for reports
    params: dict  # parameter name → converter name ("int", "slug", "str", "path", "id", "re")
    callback: object

    def excluded(self):
        return any(rule.match(self.name) for rule in EXCLUDED.values())


def _converter_names(pattern):
    converters = getattr(pattern.pattern, "converters", {})
    names = {}
    for name, converter in converters.items():
        names[name] = {
            "IntConverter": "int",
            "SlugConverter": "slug",
            "StringConverter": "str",
            "PathConverter": "path",
            "IdConverter": "id",
        }.get(type(converter).__name__, "str")
    regex = pattern.pattern.regex
    for name in regex.groupindex:
        names.setdefault(name, "re")
    return names


def routes():
    """Every named pattern of the project, with the names and converters of its parameters."""
    found = []

    def walk(patterns, namespace, prefix, inherited):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                params = {**inherited, **_converter_names(pattern)}
                walk(pattern.url_patterns, inner, prefix + str(pattern.pattern), params)
            elif isinstance(pattern, URLPattern):
                text = prefix + str(pattern.pattern)
                if pattern.name is None:
                    found.append(Route("", text, {}, pattern.callback))
                    continue
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                params = {**inherited, **_converter_names(pattern)}
                found.append(Route(name, text, params, pattern.callback))

    walk(get_resolver().url_patterns, "", "/", {})
    return found


def _reverse(route, kwargs):
    try:
        return reverse(route.name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def addresses(route, world):
    """(real, hostile): the addresses of `route` filled from the world's families, and filled
    with hostile values that match the converters."""
    names = set(route.params)
    if not names:
        return [reverse(route.name)], []
    model_admin = getattr(route.callback, "model_admin", None)
    real = []
    if model_admin is not None and names == {"object_id"}:
        obj = model_admin.model._default_manager.order_by("pk").first()
        if obj is not None:
            real.append(_reverse(route, {"object_id": obj.pk}))
    ordered = sorted(names)
    for family in world.families:
        if not names <= set(family):
            continue
        # Values taken side by side, not every combination: each value is used once.
        for index in range(max(len(family[name]) for name in ordered)):
            kwargs = {name: family[name][index % len(family[name])] for name in ordered}
            real.append(_reverse(route, kwargs))
    real = list(dict.fromkeys(url for url in real if url))
    hostile = []
    for name in sorted(names):
        for value in PATH_NASTY.get(route.params[name], PATH_NASTY["str"]):
            base = {other: _sample(route, world, other) for other in names if other != name}
            url = _reverse(route, {**base, name: value})
            if url:
                hostile.append(url)
    return real, list(dict.fromkeys(hostile))


def _sample(route, world, name):
    for family in world.families:
        if name in family and set(route.params) <= set(family):
            return family[name][0]
    for family in world.families:
        if name in family:
            return family[name][0]
    return "1"


# --- What a view reads: recorded lookups and the forms of the pages ----------------------------


class Reads:
    """Records every name looked up in a QueryDict (request.GET, request.POST, the API's
    query_params) while installed."""

    METHODS = ("get", "getlist", "__getitem__", "__contains__", "pop", "setdefault")

    def __init__(self):
        self.lookups = []
        self.originals = {}

    def __enter__(self):
        for method in self.METHODS:
            original = getattr(QueryDict, method)
            self.originals[method] = QueryDict.__dict__.get(method)

            def recording(querydict, key, *args, _original=original, **kwargs):
                self.lookups.append((id(querydict), key))
                return _original(querydict, key, *args, **kwargs)

            setattr(QueryDict, method, recording)
        return self

    def __exit__(self, *exc):
        for method, original in self.originals.items():
            if original is None:
                delattr(QueryDict, method)
            else:
                setattr(QueryDict, method, original)

    def names(self, querydict):
        return {
            key for ident, key in self.lookups if ident == id(querydict) and isinstance(key, str)
        }


@dataclass
class FormField:
    name: str
    kind: str  # the input's type, "select", "textarea" or "button"
    value: str = ""
    choices: list = field(default_factory=list)
    accept: str = ""  # a file input's `accept`
    required: bool = False


@dataclass
class Form:
    action: str
    method: str
    fields: dict = field(default_factory=dict)


# Inputs whose value a browser sends as the page wrote it (or, for buttons, only when pressed).
AS_WRITTEN = ("hidden", "button", "submit", "image", "reset")


class FormParser(HTMLParser):
    def __init__(self, base):
        super().__init__(convert_charrefs=True)
        self.base = base
        self.forms = []
        self.form = None
        self.select = None
        self.textarea = None
        self.textarea_started = False

    def _add(self, name, kind, value="", choice=None, accept="", required=False):
        if self.form is None or not name or name == "csrfmiddlewaretoken":
            return
        entry = self.form.fields.setdefault(
            name, FormField(name, kind, value, accept=accept, required=required)
        )
        if choice is not None:
            entry.choices.append(choice)

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag == "form":
            action = attrs.get("action") or self.base
            self.form = Form(
                urlsplit(action).path or urlsplit(self.base).path,
                attrs.get("method", "get").lower(),
            )
            self.forms.append(self.form)
        elif tag == "input":
            kind = attrs.get("type", "text").lower()
            value = attrs.get("value", "on" if kind in ("checkbox", "radio") else "")
            choice = value if kind in ("checkbox", "radio") else None
            self._add(
                attrs.get("name"),
                kind,
                value,
                choice,
                attrs.get("accept", ""),
                required="required" in attrs,
            )
        elif tag == "button" and attrs.get("name"):
            self._add(attrs["name"], "button", attrs.get("value", ""), attrs.get("value", ""))
        elif tag == "select":
            self.select = attrs.get("name")
            self._add(self.select, "select")
        elif tag == "option" and self.select and self.form is not None:
            entry = self.form.fields.get(self.select)
            if entry is not None and attrs.get("value"):
                entry.choices.append(attrs["value"])
        elif tag == "textarea":
            self.textarea = attrs.get("name")
            self.textarea_started = True
            self._add(self.textarea, "textarea", required="required" in attrs)

    def handle_data(self, data):
        if self.textarea and self.form is not None and self.textarea in self.form.fields:
            if self.textarea_started:
                # A newline right after <textarea> is not part of its value (HTML's parsing
                # rules): Django writes one before every textarea's content.
                data = data.removeprefix("\r").removeprefix("\n")
            self.form.fields[self.textarea].value += data
        self.textarea_started = False

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def forms_of(response, url):
    if "html" not in response.get("Content-Type", "") or response.streaming:
        return []
    parser = FormParser(url)
    parser.feed(response.content.decode("utf-8", "replace"))
    return parser.forms


# --- What a person sends -----------------------------------------------------------------------


@dataclass(frozen=True)
class Typed:
    """What a person types into an empty field. It is typed again for every request (`typed`):
    a new number each time, so that what must be unique (a registration number, an address, a
    slug, an organisation's name) is, and a form sent again is a new sending."""

    name: str
    kind: str

    def __repr__(self):
        return f"<typed {self.kind}>"


@dataclass(frozen=True)
class Upload:
    """A file a person chooses; a new upload for every request."""

    name: str
    content: bytes

    def __repr__(self):
        return f"<file {self.name[:40]!r} of {len(self.content)} bytes>"


def typed(field_name, kind, serial, hints):
    """The text typed into an empty field of this name and type, the `serial`-th typed."""
    if field_name in hints:
        return hints[field_name]
    name = field_name.lower()
    if kind == "email" or "email" in name:
        return f"walker{serial}@example.org"
    if kind == "url":
        return f"https://example.org/{serial}"
    if kind == "password" or "password" in name:
        return PASSWORD
    if kind == "number":
        return "1"
    if "slug" in name:
        return f"walker-{serial}"
    if kind == "textarea":
        return f"Text scris de cineva, al {serial}-lea.\n\nCu un al doilea paragraf."
    return f"Text scris de cineva {serial}"


def browser_value(entry):
    """What a browser filling the form sensibly would send for this field (a `Typed` text, an
    `Upload`, or the value itself)."""
    today = timezone.localdate()
    if entry.kind in AS_WRITTEN:
        return entry.value
    if entry.kind == "file":
        return valid_upload(entry)
    if entry.choices:
        return entry.choices[0]
    if entry.value.strip():
        return entry.value
    dated = {
        "date": today.isoformat(),
        "time": "10:00",
        "datetime-local": f"{today.isoformat()}T10:00",
    }
    if entry.kind in dated:
        return dated[entry.kind]
    return Typed(entry.name, entry.kind)


def baseline(fields, *, ahead=False):
    """The whole form as a browser filling it sensibly sends it: its dates today (for what
    happened: a registration, an answer), or `ahead`, one after another weeks from now (for
    what is planned: a stage opens, then closes). Of the form's buttons, the first is pressed."""
    buttons = [name for name, entry in fields.items() if entry.kind in ("button", "submit")]
    values = {
        name: browser_value(entry) for name, entry in fields.items() if name not in buttons[1:]
    }
    if ahead:
        for weeks, name in enumerate(_empty_dates(fields), start=3):
            values[name] = (timezone.localdate() + timedelta(weeks=weeks)).isoformat()
    return values


def _empty_dates(fields):
    return [
        name
        for name, entry in fields.items()
        if entry.kind == "date" and not entry.value and not entry.choices
    ]


def variants(fields):
    """The ways a person fills the form, tried in turn until the page takes one: as a browser
    does; with only the fields it requires typed in (an optional quote must match the text it
    quotes); with dates ahead; with only the file (a form that takes a file or a pasted text,
    not both); with only the typed text."""
    base = baseline(fields)
    yield base
    optional = [
        name
        for name, entry in fields.items()
        if isinstance(base.get(name), Typed) and not entry.required
    ]
    if optional:
        yield {**base, **dict.fromkeys(optional, "")}
    if _empty_dates(fields):
        yield baseline(fields, ahead=True)
    files = [name for name, entry in fields.items() if entry.kind == "file"]
    if files:
        texts = [name for name, entry in fields.items() if entry.kind == "textarea"]
        if texts:
            yield {**base, **dict.fromkeys(texts, "")}
        yield {name: value for name, value in base.items() if name not in files}


# --- Files -------------------------------------------------------------------------------------


@functools.cache
def valid_uploads():
    """Small real documents of each kind the site takes (a DOCX first: every upload takes it)."""
    return [
        Upload("Propunere.docx", documents.policy_docx()),
        Upload("Propunere.pdf", hostile_documents.text_pdf()),
        Upload("Propunere.odt", documents.policy_odt()),
        Upload("Propunere.md", "# Propunere\n\nText în *Markdown*.\n".encode()),
        Upload("Propunere.txt", b"Textul propunerii.\n"),
    ]


@functools.cache
def hostile_uploads():
    """Files an attacker (or a confused person) chooses: bombs, fakes, broken archives and PDFs,
    and names no file should have. Small: the site's checks, not the generator, are walked."""
    pdf = hostile_documents.text_pdf()
    return [
        Upload("gol.docx", b""),
        Upload("bomba.docx", documents.docx_bomb(megabytes=3)),
        Upload("prea-multe.docx", hostile_documents.many_entries_docx(entries=6_000)),
        Upload("bzip2.docx", hostile_documents.bzip2_docx()),
        Upload("stricat.docx", hostile_documents.broken_stream_docx()),
        Upload("macro.docx", documents.docx_with_macros()),
        Upload("vechi.doc", documents.ole_document()),
        Upload("doar-mimetype.odt", hostile_documents.mimetype_only_zip()),
        Upload("fara-manifest.odt", hostile_documents.odt_without_manifest()),
        Upload("pagini.pdf", hostile_documents.pdf_declaring_pages()),
        Upload("adanc.pdf", hostile_documents.pdf_nested_arrays(depth=20_000)),
        Upload("bomba.pdf", hostile_documents.pdf_flate_bomb(megabytes=20)),
        Upload("Propunere.docx", pdf),  # a PDF named as a DOCX
        Upload("\u202efdp.exe", pdf),
        Upload("../../etc/passwd.pdf", pdf),
        Upload("x" * 300 + ".pdf", pdf),
    ]


def valid_upload(entry):
    """The file a person would choose for this input: the first valid one its `accept` takes."""
    accepted = [suffix.strip().lower() for suffix in entry.accept.split(",") if suffix.strip()]
    for upload in valid_uploads():
        if not accepted or any(upload.name.lower().endswith(suffix) for suffix in accepted):
            return upload
    return valid_uploads()[0]


# --- Hostile values ----------------------------------------------------------------------------

# Values that pass a text field's own checks and reach what is behind it (the page, the emails,
# the exports, the search index): markup and template syntax, bidi overrides and invisible
# characters, Unicode digits, Markdown's every construct.
TYPED_TEXT = [
    "%(name)s {{ 7 }} {% now %} <script>alert(1)</script> \u202eevil\u202c",
    "\u200b\ufeff\u2060ș²⁰²⁵ ١٢ Ⅻ \U0001f600 \u0301",
    "# Titlu\n\n> citat\n\n| a | b |\n|---|---|\n| [x](javascript:alert(1)) | ![i](http://x/) |"
    "\n\n```\ncod\n```\n\n1. unu\n   - doi\n\n<iframe src=x></iframe> &amp; &#0; \\",
]

TYPED_NASTY = {
    "date": ["0001-01-01", "9999-12-31", "1000-01-01", "1899-12-31", "3000-01-01", "29.02.2100"],
    "time": ["24:00", "23:59:59", "00:00"],
    "number": ["-0", "1" * 40, "1e3"],
    "text": TYPED_TEXT,
    "textarea": TYPED_TEXT,
}


def typed_nasty(entry):
    if entry.kind == "file":
        return hostile_uploads()
    return TYPED_NASTY.get(entry.kind, [])


def hostile_text():
    """Generated strings: any code point HTTP can carry (no surrogates), numbers of any size,
    and dates of any year."""
    return st.one_of(
        st.sampled_from(NASTY),
        st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
        st.integers().map(str),
        st.from_regex(r"\A-?[0-9]{1,6}-[0-9]{1,3}-[0-9]{1,3}\Z"),
        st.text(string.digits + "²³¹⁰٠١٢٣٤٥٦٧٨٩０１２", min_size=1, max_size=25),
    )


def field_value(entry):
    """Either what a browser sends, one of its other choices, or a hostile value."""
    others = valid_uploads()[1:] if entry.kind == "file" else entry.choices[:5]
    options = [browser_value(entry), *others, *typed_nasty(entry)]
    return st.one_of(st.sampled_from(options), hostile_text())


# --- The API's JSON bodies ---------------------------------------------------------------------

# JSON values of every type, for any field.
# A lone surrogate cannot travel in a form (HTTP carries UTF-8), but JSON's escapes carry one.
JSON_NASTY = [
    None,
    True,
    0,
    -1,
    10**30,
    -(2**63) - 1,
    1.5,
    1e308,
    [],
    {},
    ["x"],
    {"a": "b"},
    "\ud800",
    "x\udfff",
]
# Whole bodies that are not what the API reads (the parser's and the size limits' cases).
RAW_BODIES = [
    "",
    "{",
    "null",
    "[]",
    '"x"',
    "NaN",
    '{"a": Infinity}',
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 5_000 + "1" + "}" * 5_000,
    "1" * 5_000,
    b"\xff\xfe{}",
    '{"text": "' + "x" * 300_000 + '"}',
]


@functools.cache
def api_bodies():
    """The JSON body of each POST operation of the API, from its OpenAPI schema: path template
    (as the schema writes it) → {field: its schema}."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]

    def resolve(node):
        while "$ref" in node or "allOf" in node:
            node = node["allOf"][0] if "allOf" in node else node
            if "$ref" in node:
                node = components[node["$ref"].rsplit("/", 1)[1]]
        return node

    bodies = {}
    for path, operations in schema["paths"].items():
        body = operations.get("post", {}).get("requestBody", {})
        json_schema = body.get("content", {}).get("application/json", {}).get("schema")
        if json_schema is not None:
            properties = resolve(json_schema).get("properties", {})
            bodies[path] = {name: resolve(prop) for name, prop in properties.items()}
    return bodies


def api_body_of(route):
    template = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.pattern)
    return api_bodies().get(template)


def api_value(name, prop):
    """What a registrar's program sends for this field."""
    if prop.get("enum"):
        return prop["enum"][0]
    if prop.get("format") == "date":
        return timezone.localdate().isoformat()
    return {"integer": 1, "number": 1, "boolean": True}.get(prop.get("type"), Typed(name, "text"))


def json_value(name, prop):
    options = [api_value(name, prop), *prop.get("enum", [])[1:], *JSON_NASTY]
    return st.one_of(st.sampled_from(options), hostile_text())


# --- The walk ----------------------------------------------------------------------------------


@dataclass
class Failure:
    role: str
    method: str
    url: str
    data: dict
    problem: str

    def __str__(self):
        shown = {}
        for key, value in self.data.items():
            value = value if isinstance(value, str) else repr(value)
            shown[key] = value if len(value) < 60 else value[:60] + "…"
        return f"[{self.role}] {self.method} {self.url!r} {shown!r}\n    {self.problem}"


class ErrorLog(logging.Handler):
    """Every record at ERROR or above, from any logger (django.request's tracebacks included)."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)

    def problems(self, status=None):
        found = []
        for record in self.records:
            if record.name.startswith("django.security.") and status == 400:
                # Django refuses a suspicious request (SuspiciousOperation) with a 400 and
                # reports it there at ERROR, for the operators' alerts, by design: the right
                # answer to a hostile value.
                continue
            text = record.getMessage()
            if record.exc_info:
                text += (
                    " — " + logging.Formatter().formatException(record.exc_info).splitlines()[-1]
                )
            found.append(f"logged {record.levelname} ({record.name}): {text[:500]}")
        return found


class Effects:
    """What a request changed: the models whose rows it saved or deleted (model signals), as
    (label, "created" | "changed" | "deleted")."""

    # Written by every request, or by the machinery: not what a page is for.
    IGNORED = {"sessions.session", "core.postedform", "search.indexqueue"}

    def __init__(self):
        self.changes = []

    def saved(self, sender, created, **kwargs):
        label = sender._meta.label_lower
        if label not in self.IGNORED:
            self.changes.append((label, "created" if created else "changed"))

    def deleted(self, sender, **kwargs):
        label = sender._meta.label_lower
        if label not in self.IGNORED:
            self.changes.append((label, "deleted"))


# POSTs that change nothing when they succeed, but show a result (the name in the page's
# context that holds it).
SHOWS_RESULT = {"registration:verify": "result"}
# The form sent twice on purpose, as a double click does: it must be done once.
DOUBLE_SENT = "consultations:comment_post"
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


class Walker:
    """One person's browser: signed in again whenever a page signed them out."""

    def __init__(self, walk, role, user, hints=None):
        self.walk = walk
        self.role = role
        self.user = user
        self.hints = hints or {}
        self.requests = 0
        self.changes = []
        self.client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        self.client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = LANGUAGES[role]

    def sign_in(self):
        if self.user is not None and "_auth_user_id" not in self.client.session:
            self.client.force_login(self.user)

    def csrf(self):
        """The CSRF cookie's value, as the page's form would send it (a browser without one
        gets one of the shape Django makes)."""
        token = self.client.cookies.get(django_settings.CSRF_COOKIE_NAME)
        if token is None or not token.value:
            self.client.cookies[django_settings.CSRF_COOKIE_NAME] = "walker" + "0" * 26
            token = self.client.cookies[django_settings.CSRF_COOKIE_NAME]
        return token.value

    def materialize(self, data, *, fresh=True):
        """The values sent: texts typed anew, files chosen anew and, `fresh`, the form's token
        of a page loaded anew (each sending of a form is a new sending, except on purpose)."""
        sent = {}
        for name, value in data.items():
            if isinstance(value, Typed):
                value = typed(value.name, value.kind, self.walk.serial(), self.hints)
            elif isinstance(value, Upload):
                value = SimpleUploadedFile(value.name, value.content)
            elif fresh and name == idempotency.FIELD and _TOKEN.match(str(value)):
                value = idempotency.new_token()
            sent[name] = value
        return sent

    def send(self, method, url, data=None, *, as_json=False, raw=None, fresh=True):
        """One request, the work it leaves for after the commit (emails) included; a failure is
        recorded, not raised. Returns the response; `changes` holds what it changed."""
        self.sign_in()
        data = self.materialize(dict(data or {}), fresh=fresh)
        self.requests += 1
        # Rate limits count per person and per client in the cache: every request is the first
        # of its minute, so that a limit never hides what is behind it.
        cache.clear()
        mail.outbox = []
        log = self.walk.log
        log.records.clear()
        effects = self.walk.effects
        effects.changes = []
        problems = []
        response = None
        try:
            with TestCase.captureOnCommitCallbacks(execute=True):
                if method == "GET":
                    response = self.client.get(url, data)
                elif raw is not None or as_json:
                    body = raw if raw is not None else json.dumps(data)
                    response = self.client.post(url, body, content_type="application/json")
                else:
                    response = self.client.post(url, {**data, "csrfmiddlewaretoken": self.csrf()})
        except Exception as error:  # noqa: BLE001 - what the work after the commit raised
            if response is None:
                raise
            problems.append(f"after the commit: {type(error).__name__}: {error}"[:500])
        self.changes = list(effects.changes)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if response.status_code >= 500:
            problems.append(f"status {response.status_code}")
        problems += log.problems(response.status_code)
        if len(body) > MAX_BODY_BYTES:
            problems.append(f"a body of {len(body)} bytes")
        for message in mail.outbox:
            text = message.subject + message.body
            if has_control_characters(text) or len(text) > MAX_BODY_BYTES:
                problems.append(f"an email to {message.to} holds control characters or is huge")
        self.walk.emails += len(mail.outbox)
        if raw is not None:
            data = {"<body>": raw if isinstance(raw, str) else repr(raw)}
        if problems:
            self.walk.failures.append(Failure(self.role, method, url, data, "; ".join(problems)))
        self.walk.record(method, url, response, self.changes)
        return response


def _rotations(names, values):
    """Requests giving every name every value: request k gives name i value (k + i) mod n."""
    names = sorted(names)
    for k in range(len(values)):
        yield {name: values[(k + i) % len(values)] for i, name in enumerate(names)}


def _reached(response):
    """Whether the walker reached the page (not a redirect to sign in, a 403 or a 404): then it
    reads its parameters past the permission check."""
    if response.status_code in (301, 302, 303, 307, 308):
        target = urlsplit(response["Location"]).path
        return target not in (reverse("account_login"), reverse("admin:login"))
    return response.status_code < 300 or response.status_code in (400, 409, 413)


def _view_name(url):
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return ""


# Cookie values: a session key's length with NUL in it, Unicode digits, a bidi override, a long
# one.
COOKIE_NASTY = ["\x00" * 32, "abc\x00" * 8, "²", "\u202e", "x" * 4000]

# A few values of different classes, for the pages a person did not reach.
LIGHT = ["²", "99999999999999999999999", "\x00", "0000-01-01", "-1"]


class Walk:
    """Every route, as one person after another. The whole of NASTY goes to each page and method
    once, as the first person who reaches it; Hypothesis draws for everyone who reaches it."""

    def __init__(self, log):
        self.log = log
        self.effects = Effects()
        self.failures = []
        self.requests = 0
        self.treated = set()
        self._serial = 0
        # What the walk did: the routes with a successful POST (→ the models it changed), the
        # rows it created by model, the emails sent.
        self.posted = {}
        self.created = Counter()
        self.emails = 0
        self.double_sent = False

    def serial(self):
        self._serial += 1
        return self._serial

    def record(self, method, url, response, changes):
        for label, what in changes:
            if what == "created":
                self.created[label] += 1
        if method != "POST" or response.status_code >= 400:
            return
        name = _view_name(url)
        if name in SHOWS_RESULT:
            context = response.context
            if context is None or not context.get(SHOWS_RESULT[name]):
                return
            name += " (file)" if response.wsgi_request.FILES else " (text)"
        elif not changes:
            return
        self.posted.setdefault(name, set()).update(label for label, _what in changes)

    def walk(self, role, world):
        walker = Walker(self, role, world.users[role], world.hints)
        if role == "registrar":
            walker.client.defaults["HTTP_AUTHORIZATION"] = f"Token {world.api_secret}"
        if role in COOKIE_ROLES:
            self.cookies(walker)
        self.search_index(walker)
        forms_by_path = {}
        visited = []
        for route in routes():
            if not route.name:
                self.unnamed(walker, route)
                continue
            if route.excluded():
                continue
            real, hostile = addresses(route, world)
            reached = []
            for url in real:
                with Reads() as reads:
                    response = walker.send("GET", url)
                fields = {}
                for form in forms_of(response, url):
                    forms_by_path.setdefault(form.action, []).append(form)
                    if form.method == "get" and form.action == urlsplit(url).path:
                        fields.update(form.fields)
                for name in reads.names(response.wsgi_request.GET):
                    fields.setdefault(name, FormField(name, "text"))
                reached.append(_reached(response))
                if not route.name.startswith("admin:"):
                    visited.append((route, url, response.status_code))
                self.treat(walker, "GET", route, url, fields, response, baseline(fields))
            # Hostile values in the address: as the anonymous visitor (whose lookups come
            # first) and as the first person who reaches the page.
            first = any(reached) and (route.name, "address") not in self.treated
            if first:
                self.treated.add((route.name, "address"))
            if first or role == "anonymous":
                for url in hostile:
                    walker.send("GET", url)
        # The POSTs, those that take the walker out of the world last.
        visited.sort(key=lambda visit: bool(LAST.search(visit[0].name)))
        for route, url, get_status in visited:
            body = api_body_of(route) if route.name.startswith("api:") else None
            if body is not None:
                self.api_post(walker, route, url, body)
                continue
            if get_status == 200:
                # The page loaded again just before its form is sent, as a person does: what
                # the earlier POSTs changed (a new version, a proposal published) is in it.
                fresh = walker.send("GET", url)
                own = [form for form in forms_of(fresh, url) if form.action == urlsplit(url).path]
                if own:
                    forms_by_path[urlsplit(url).path] = own
            forms = [
                form for form in forms_by_path.get(urlsplit(url).path, []) if form.method == "post"
            ]
            if not forms and get_status != 405:
                continue  # no form posts here and the page answers GETs: nothing to post
            fields = {}
            for form in forms:
                fields.update(form.fields)
            # The form as a browser fills it; if the page refuses it, as a person would fill
            # it next: the one the page takes is the base of the one-field-at-a-time values.
            with Reads() as reads:
                for sent in variants(fields):
                    response = walker.send("POST", url, sent)
                    if response.status_code < 400 and walker.changes:
                        break
            for name in reads.names(response.wsgi_request.POST) - {"csrfmiddlewaretoken"}:
                fields.setdefault(name, FormField(name, "text"))
            if response.status_code == 405:
                continue
            if route.name == DOUBLE_SENT and walker.changes and not self.double_sent:
                self.double_send(walker, url, sent)
            self.treat(walker, "POST", route, url, fields, response, sent)
        self.search_index(walker, search=True)
        self.requests += walker.requests

    def cookies(self, walker):
        """Cookies the site never set, each in a browser of its own that otherwise holds the
        person's cookies: what the middleware reads before any page (the session's key
        included)."""
        walker.sign_in()
        names = [
            django_settings.SESSION_COOKIE_NAME,
            django_settings.CSRF_COOKIE_NAME,
            django_settings.LANGUAGE_COOKIE_NAME,
            "messages",
        ]
        for name in names:
            for value in COOKIE_NASTY:
                browser = Walker(self, walker.role, None)
                for kept, morsel in walker.client.cookies.items():
                    browser.client.cookies[kept] = morsel.value
                # As a WSGI server hands the header over: the UTF-8 bytes read as Latin-1.
                browser.client.cookies[name] = value.encode().decode("latin-1")
                browser.send("GET", reverse("home"))
                browser.send("POST", reverse("set_language"), {"language": "bg", "next": "/"})
                walker.requests += browser.requests

    def unnamed(self, walker, route):
        url = UNNAMED_WALKED.get(route.pattern.lstrip("/"))
        if url is not None:
            for query in _rotations(["q"], LIGHT):
                walker.send("GET", url, query)
                walker.send("POST", url, query)

    def search_index(self, walker, *, search=False):
        """The search index takes in what is queued (as the worker does after each commit):
        before the walk, the world; after it, all the walker wrote, which is then searched."""
        self.log.records.clear()
        try:
            indexing.drain()
        except Exception as error:  # noqa: BLE001 - recorded with the walk's failures
            self.log.records.append(
                logging.makeLogRecord({"levelname": "ERROR", "name": "drain", "msg": repr(error)})
            )
        for problem in self.log.problems():
            self.failures.append(Failure(walker.role, "drain", "", {}, problem))
        if search:
            for text in ["Text scris de cineva", *TYPED_TEXT[:2], "²⁰²⁵ \u202e"]:
                walker.send("GET", reverse("search:search"), {"q": text})

    def double_send(self, walker, url, sent):
        """The form sent twice with one token (a double click, a resend after a timeout): the
        second sending changes nothing and lands where the first did."""
        self.double_sent = True
        data = walker.materialize(sent)
        first = walker.send("POST", url, data, fresh=False)
        second = walker.send("POST", url, data, fresh=False)
        same_place = first.get("Location") is not None and first.get("Location") == second.get(
            "Location"
        )
        if walker.changes or not same_place:
            problem = (
                f"the same form sent twice: {first.status_code} then {second.status_code} "
                f"({first.get('Location')!r}, {second.get('Location')!r}), the second changed "
                f"{walker.changes!r}"
            )
            self.failures.append(Failure(walker.role, "POST", url, data, problem))

    def treat(self, walker, method, route, url, fields, response, base):
        """The whole of NASTY the first time anyone reaches this page with this method (`base`:
        the values a browser sends); Hypothesis' draws every time."""
        first = _reached(response) and (route.name, method) not in self.treated
        if first:
            self.treated.add((route.name, method))
        if not fields:
            if first:
                # Nothing read that the walker saw: a few usual names, in case the view reads
                # them some other way (iterating over the parameters).
                walker.send(method, url, {"page": "²", "year": "0000", "q": "\u202e", "id": "-1"})
            return
        if not _reached(response):
            # Refused (or sent to sign in): what a view reads before refusing, in one request.
            walker.send(method, url, next(_rotations(fields, LIGHT)))
            return
        if first:
            if method == "GET":
                # NUL in a query string is refused before the view (core.middleware): those
                # values go one at a time, the others together.
                for value in CONTROL:
                    walker.send(method, url, {min(fields): value})
                values = [value for value in NASTY if value not in CONTROL]
            else:
                values = NASTY
            for data in _rotations(fields, values):
                walker.send(method, url, data)
            if method == "POST":
                # One hostile field at a time, the others as a browser sends them: a value that
                # passes the field's own check reaches the code behind a valid form.
                for name, entry in sorted(fields.items()):
                    for value in typed_nasty(entry):
                        walker.send(method, url, {**base, name: value})
        drawn(walker, method, url, {name: field_value(entry) for name, entry in fields.items()})

    def api_post(self, walker, route, url, body):
        """The API's writes take JSON: a registrar's program's body, then (the first time one
        reaches it) every field hostile in turn, values of every JSON type, bodies that are not
        what it reads; Hypothesis' draws every time."""
        base = {name: api_value(name, prop) for name, prop in body.items()}
        response = walker.send("POST", url, base, as_json=True)
        if not _reached(response):
            walker.send("POST", url, next(_rotations(body, LIGHT)), as_json=True)
            return
        if (route.name, "POST") not in self.treated:
            self.treated.add((route.name, "POST"))
            for data in _rotations(body, NASTY):
                walker.send("POST", url, data, as_json=True)
            for name in sorted(body):
                for value in [*JSON_NASTY, *TYPED_TEXT]:
                    walker.send("POST", url, {**base, name: value}, as_json=True)
                left_out = {other: value for other, value in base.items() if other != name}
                walker.send("POST", url, left_out, as_json=True)
            for raw in RAW_BODIES:
                walker.send("POST", url, raw=raw)
        strategies = {name: json_value(name, prop) for name, prop in body.items()}
        drawn(walker, "POST", url, strategies, as_json=True)


def drawn(walker, method, url, strategies, **options):
    """EXAMPLES requests drawn by Hypothesis, derandomized: each field keeps a browser's value,
    takes another of its choices or turns hostile."""
    strategy = st.fixed_dictionaries(dict(sorted(strategies.items())))

    @hypothesis_settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def one(data):
        walker.send(method, url, data, **options)

    one()


@pytest.fixture
def error_log():
    handler = ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORTS_DIR = tmp_path / "exports"


@pytest.fixture
def _search_index(settings, tmp_path):
    """A Whoosh index of the test's own (haystack keeps the settings it was made with)."""
    original = haystack_connections.connections_info
    settings.HAYSTACK_CONNECTIONS = {
        alias: dict(options) for alias, options in settings.HAYSTACK_CONNECTIONS.items()
    }
    settings.HAYSTACK_CONNECTIONS["default"]["PATH"] = str(tmp_path / "whoosh")
    haystack_connections.connections_info = settings.HAYSTACK_CONNECTIONS
    haystack_connections.reload("default")
    yield
    haystack_connections.connections_info = original
    haystack_connections.reload("default")


# The people who walk with DEBUG off, so that the site's own error pages (400, 403, 404, 500)
# are rendered, in their languages, rather than Django's debugging pages.
WITHOUT_DEBUG = {"anonymous", "citizen"}
# Cookies are the same for everyone signed in: walked by one of them and the anonymous visitor.
COOKIE_ROLES = {"anonymous", "citizen"}

# Pages whose POST the walk must have done successfully (a 2xx or 3xx that changed this model),
# and what it must have created: a walk that is refused everywhere finds nothing.
MUST_POST = {
    "consultations:comment_post": "consultations.stagecomment",
    "consultations:reply": "consultations.stagecomment",
    "consultations:react": "consultations.reaction",
    "consultations:flag": "consultations.flag",
    "consultations:disposition": "consultations.disposition",
    "consultations:synthesis_publish": "consultations.synthesis",
    "proposals:edit": "proposals.attachment",
    "proposals:publish": "proposals.proposal",
    "proposals:submit": "registrations.submission",
    "proposals:import_new": "proposals.documentimport",
    "proposals:import_review": "proposals.revision",
    "registration:register": "registrations.submission",
    "registration:declare": "registrations.submission",
    "registration:extend": "registrations.submission",
    "registration:answer": "registrations.submission",
    "registration:log": "registrations.submission",
    "registration:verify (text)": None,
    "registration:verify (file)": None,
    "api:authority_register": "registrations.submission",
    "api:authority_answer": "registrations.submission",
}
MUST_CREATE = {
    "consultations.stagecomment": 10,
    "consultations.flag": 1,
    "consultations.disposition": 1,
    "consultations.synthesis": 1,
    "registrations.submission": 5,
    "registrations.submissiondocument": 1,
    "proposals.attachment": 1,
    "proposals.documentimport": 1,
}


def test_hostile_walk_finds_no_server_error(db, error_log, settings, _search_index):
    walk = Walk(error_log)
    signals = [(post_save, walk.effects.saved), (post_delete, walk.effects.deleted)]
    for signal, receiver in signals:
        signal.connect(receiver, weak=False, dispatch_uid=f"hostile-walk-{signal}")
    try:
        for role in ROLES:
            settings.DEBUG = role not in WITHOUT_DEBUG
            haystack_connections["default"].get_backend().clear()
            # Each person walks a world of their own: what one did (a proposal withdrawn, an
            # organisation left) is undone before the next one starts.
            with transaction.atomic():
                walk.walk(role, build_world())
                transaction.set_rollback(True)
    finally:
        for signal, _receiver in signals:
            signal.disconnect(dispatch_uid=f"hostile-walk-{signal}")
    failures = "\n".join(str(failure) for failure in walk.failures)
    assert not walk.failures, (
        f"{len(walk.failures)} failures in {walk.requests} requests:\n{failures}"
    )
    # The walk reached the pages and did what they are for (a walk that is refused everywhere
    # finds nothing): the pages were reached, their forms sent and taken.
    assert {name for name, _method in walk.treated} >= {
        "proposals:list",
        "proposals:edit",
        "consultations:stage_edit",
        "registration:log",
        "consultations:moderate",
        "admin:accounts_user_changelist",
    }
    missing = {
        name: model
        for name, model in MUST_POST.items()
        if name not in walk.posted or (model is not None and model not in walk.posted[name])
    }
    posted = {name: sorted(models) for name, models in sorted(walk.posted.items())}
    assert not missing, f"no successful POST to {missing}; POSTs taken: {posted}"
    too_few = {
        label: walk.created[label]
        for label, least in MUST_CREATE.items()
        if walk.created[label] < least
    }
    assert not too_few, f"too few rows created: {too_few} of {dict(walk.created)}"
    assert walk.double_sent
    assert walk.emails > 0


def test_routes_cover_every_named_pattern():
    # The walk reads the resolver: the pages of every app are there, and the exclusions are few.
    names = {route.name for route in routes()}
    assert {"home", "proposals:detail", "consultations:stage", "registration:public"} <= names
    assert {"api:proposals", "search:search", "accounts:dashboard", "admin:index"} <= names
    walked = [route for route in routes() if route.name and not route.excluded()]
    assert len(walked) > 120


def test_reads_records_the_names_a_view_looks_up():
    query = QueryDict("a=1&b=2")
    with Reads() as reads:
        query.get("a")
        "b" in query  # noqa: B015 - the lookup is what is recorded
        query.getlist("c")
    assert reads.names(query) == {"a", "b", "c"}
    assert QueryDict.__dict__.get("get") is None
