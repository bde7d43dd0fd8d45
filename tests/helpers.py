"""Plain helpers shared by several test folders (no fixtures here: those live in conftest.py).

Everything acts through the domain functions, as the site does.
"""

import lxml.html
from django.contrib.messages import get_messages
from django.test import Client

from proposals import coauthors, domain
from registrations import domain as registration
from tests.factories import FIRST_MESSAGE


def en_client_for(user):
    """A separate, signed-in English browser (for two people editing at once)."""
    browser = Client()
    browser.cookies["consult_language"] = "en"
    browser.force_login(user)
    return browser


def messages_of(response):
    """The texts of the messages a response queued (or showed)."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def save(user, proposal, blocks, *, title=None, summary=None, message="", base=None):
    """Save a revision through the domain, based on the current one unless `base` is given."""
    proposal.refresh_from_db()
    current = proposal.current_revision
    return domain.save_revision(
        user,
        proposal,
        base_number=current.number if base is None else base,
        title=current.title if title is None else title,
        summary=current.summary if summary is None else summary,
        blocks=blocks,
        message=message,
    )


def text_block(key, text):
    return {"key": key, "type": "text", "text": text}


def editor_data(blocks, *, base, title, summary="", message="", op="save"):
    """The POST of the editor form for these blocks, as the page's form would send it."""
    data = {
        "base": str(base),
        "block_count": str(len(blocks)),
        "title": title,
        "summary": summary,
        "message": message,
        "op": op,
    }
    for index, block in enumerate(blocks):
        prefix = f"blocks-{index}-"
        data[prefix + "position"] = str(index + 1)
        for name, value in block.items():
            data[prefix + name] = value
    return data


def form_data(response, **changes):
    """What a browser without JavaScript sends back from the editor form of `response`: every
    field as shown (checked boxes and radios only), then `changes`, pressing "save"."""
    page = lxml.html.fromstring(response.content.decode())
    form = next(form for form in page.forms if "editor" in form.get("class", ""))
    data = {}
    for name, value in form.form_values():
        data.setdefault(name, []).append(value)
    data.update({name: [value] for name, value in changes.items()})
    data["op"] = ["save"]
    return data


def first_version_message():
    """The message of revision 1 as ProposalFactory saves it."""
    return FIRST_MESSAGE


def submit(user, proposal, *, cover_letter="Vă rugăm să înregistrați propunerea.", now=None):
    """Submit `proposal`'s current revision to its target authority (`submit_proposal`)."""
    proposal.refresh_from_db()
    return registration.submit_proposal(
        user, proposal, proposal.current_revision, cover_letter, now=now
    )


def add_coauthor(owner_editor, proposal, organization, admin, *, now=None):
    """`organization` co-authors `proposal`: invited by `owner_editor`, accepted by its `admin`
    (both at `now`, default: the present). Returns the Coauthorship."""
    coauthorship = coauthors.invite_coauthor(owner_editor, proposal, organization, now=now)
    return coauthors.accept_coauthorship(admin, coauthorship, now=now)
