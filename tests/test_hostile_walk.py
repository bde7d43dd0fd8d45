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

import logging
import os
import re
import string
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction
from django.http import QueryDict
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import Organization, Role
from consultations import domain as consultations
from consultations import notifications as consultation_notifications
from core.text import has_control_characters
from proposals import domain as proposals
from proposals.models import ProposalKind
from registrations import domain as registrations
from registrations.models import DocumentKind
from tests.factories import (
    AUTHORITY_SLUG,
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
LAST = re.compile(r"(leave|remove|delete|withdraw|revoke|cancel|logout|deactivate)")


# --- The world ---------------------------------------------------------------------------------


@dataclass
class World:
    users: dict
    # The registrar's API token: the registrar reads and writes the API with it.
    api_secret: str
    # URL parameter values that belong together (a proposal's slug with its revisions, stages
    # and files…): each family whose names cover a pattern's parameters gives one address.
    families: list


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
    document_import = DocumentImportFactory(proposal=draft)

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
        "position": [1, 2, 3],
        "fmt": ["pdf", "docx", "odt", "csv", "json"],
    }
    families = [
        {"slug": [consulted.slug], **proposal_family},
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
            "tracking_code": [submission.tracking_code, inbox.tracking_code],
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
    return World(users=users, families=families, api_secret=api_token.secret)


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


@dataclass
class Form:
    action: str
    method: str
    fields: dict = field(default_factory=dict)


class FormParser(HTMLParser):
    def __init__(self, base):
        super().__init__(convert_charrefs=True)
        self.base = base
        self.forms = []
        self.form = None
        self.select = None
        self.textarea = None

    def _add(self, name, kind, value="", choice=None):
        if self.form is None or not name or name == "csrfmiddlewaretoken":
            return
        entry = self.form.fields.setdefault(name, FormField(name, kind, value))
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
            self._add(attrs.get("name"), kind, value, choice)
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
            self._add(self.textarea, "textarea")

    def handle_data(self, data):
        if self.textarea and self.form is not None and self.textarea in self.form.fields:
            self.form.fields[self.textarea].value += data

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


def browser_value(entry):
    """What a browser filling the form sensibly would send for this field."""
    today = timezone.localdate()
    if entry.choices:
        return entry.choices[0]
    if entry.value:
        return entry.value
    return {
        "date": today.isoformat(),
        "time": "10:00",
        "datetime-local": f"{today.isoformat()}T10:00",
        "number": "1",
        "email": "walker@example.org",
        "url": "https://example.org/",
        "password": "not-the-password-1",
        "file": "",
    }.get(entry.kind, "Text scris de cineva")


def baseline(fields, *, ahead=False):
    """The whole form as a browser filling it sensibly sends it: its dates today (for what
    happened: a registration, an answer), or `ahead`, one after another weeks from now (for
    what is planned: a stage opens, then closes)."""
    values = {name: browser_value(entry) for name, entry in fields.items()}
    if ahead:
        empty_dates = [
            name
            for name, entry in fields.items()
            if entry.kind == "date" and not entry.value and not entry.choices
        ]
        for weeks, name in enumerate(empty_dates, start=3):
            values[name] = (timezone.localdate() + timedelta(weeks=weeks)).isoformat()
    return values


# --- Hostile values ----------------------------------------------------------------------------

TYPED_NASTY = {
    "date": ["0001-01-01", "9999-12-31", "1000-01-01", "1899-12-31", "3000-01-01", "29.02.2100"],
    "time": ["24:00", "23:59:59", "00:00"],
    "number": ["-0", "1" * 40, "1e3"],
}


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
    options = [browser_value(entry), *entry.choices[:5], *TYPED_NASTY.get(entry.kind, [])]
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
        shown = {
            key: value if len(value) < 60 else value[:60] + "…" for key, value in self.data.items()
        }
        return f"[{self.role}] {self.method} {self.url!r} {shown!r}\n    {self.problem}"


class ErrorLog(logging.Handler):
    """Every record at ERROR or above, from any logger (django.request's tracebacks included)."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


class Walker:
    """One person's browser: signed in again whenever a page signed them out."""

    def __init__(self, role, user, log, failures):
        self.role = role
        self.user = user
        self.log = log
        self.failures = failures
        self.requests = 0
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

    def send(self, method, url, data=None):
        """One request; a failure is recorded, not raised. Returns the response."""
        self.sign_in()
        data = dict(data or {})
        self.requests += 1
        self.log.records.clear()
        if method == "GET":
            response = self.client.get(url, data)
        else:
            response = self.client.post(url, {**data, "csrfmiddlewaretoken": self.csrf()})
        body = b"".join(response.streaming_content) if response.streaming else response.content
        problems = []
        if response.status_code >= 500:
            problems.append(f"status {response.status_code}")
        for record in self.log.records:
            if record.name.startswith("django.security.") and response.status_code == 400:
                # Django refuses a suspicious request (SuspiciousOperation) with a 400 and
                # reports it there at ERROR, for the operators' alerts, by design: the right
                # answer to a hostile value.
                continue
            text = record.getMessage()
            if record.exc_info:
                text += (
                    " — " + logging.Formatter().formatException(record.exc_info).splitlines()[-1]
                )
            problems.append(f"logged {record.levelname} ({record.name}): {text[:500]}")
        if len(body) > MAX_BODY_BYTES:
            problems.append(f"a body of {len(body)} bytes")
        if problems:
            self.failures.append(Failure(self.role, method, url, data, "; ".join(problems)))
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
        self.failures = []
        self.requests = 0
        self.treated = set()

    def walk(self, role, world):
        walker = Walker(role, world.users[role], self.log, self.failures)
        if role == "registrar":
            walker.client.defaults["HTTP_AUTHORIZATION"] = f"Token {world.api_secret}"
        self.cookies(walker)
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
                cache.clear()  # rate limits and cached fragments: each page starts afresh
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
            cache.clear()
            fields = {}
            for form in forms_by_path.get(urlsplit(url).path, []):
                if form.method == "post":
                    fields.update(form.fields)
            if not fields and get_status != 405:
                continue  # no form posts here and the page answers GETs: nothing to post
            # The form as a browser fills it, with today's dates, else with dates ahead: the one
            # the page accepts is the base of the one-field-at-a-time values.
            for ahead in (False, True):
                sent = baseline(fields, ahead=ahead)
                with Reads() as reads:
                    response = walker.send("POST", url, sent)
                if response.status_code in (302, 303) or sent == baseline(fields, ahead=True):
                    break
            for name in reads.names(response.wsgi_request.POST) - {"csrfmiddlewaretoken"}:
                fields.setdefault(name, FormField(name, "text"))
            if response.status_code == 405:
                continue
            self.treat(walker, "POST", route, url, fields, response, sent)
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
                browser = Walker(walker.role, None, self.log, self.failures)
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
                # A control character anywhere in a query string is refused before the view
                # (core.middleware): those values go one at a time, the others together.
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
                    for value in TYPED_NASTY.get(entry.kind, []):
                        walker.send(method, url, {**base, name: value})
        drawn(walker, method, url, fields)


def drawn(walker, method, url, fields):
    """EXAMPLES requests drawn by Hypothesis, derandomized: each field keeps a browser's value,
    takes another of its choices or turns hostile."""
    strategy = st.fixed_dictionaries(
        {name: field_value(entry) for name, entry in sorted(fields.items())}
    )

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
        walker.send(method, url, data)

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


def test_hostile_walk_finds_no_server_error(db, error_log):
    walk = Walk(error_log)
    for role in ROLES:
        # Each person walks a world of their own: what one did (a proposal withdrawn, an
        # organisation left) is undone before the next one starts.
        with transaction.atomic():
            walk.walk(role, build_world())
            transaction.set_rollback(True)
    failures = "\n".join(str(failure) for failure in walk.failures)
    assert not walk.failures, (
        f"{len(walk.failures)} failures in {walk.requests} requests:\n{failures}"
    )
    # The walk reached the pages (a walk that is refused everywhere finds nothing).
    assert {name for name, _method in walk.treated} >= {
        "proposals:list",
        "proposals:edit",
        "consultations:stage_edit",
        "registration:log",
        "consultations:moderate",
        "admin:accounts_user_changelist",
    }


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
