"""A small public world built through the domain functions, as a visitor would find it.

- `legea-350` (Asociația Vrancea Civică → Primăria Municipiului Focșani, amendment, topic
  public-funding): revision 1 (template), 2 (three paragraphs), 3 (paragraph 2 edited, 3 moved
  first, an amendment added, a PDF attached), published. Its consultation has
  1. written comments, closed: a visible thread (comment + reply), a hidden, a withdrawn and a
     held comment, one more visible comment answered then hidden after the synthesis was
     published; the synthesis is published;
  2. a public meeting, closed, minutes published;
  3. written comments on revision 3, scheduled.
- `politica-locala` (the same NGO, policy, published, no consultation, published in 2025).
- `ciorna-secreta`: a draft of the same NGO, never published.

Stage times are placed around the real clock (the API derives statuses from it).
"""

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.models import Organization
from consultations import domain as consultations
from proposals import domain as proposals
from proposals.attachments import store_upload
from proposals.models import Proposal, Topic
from tests.factories import ProposalFactory, UserFactory

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
AUTHORITY = "primaria-municipiului-focsani"
API = "/api/v1/"


def text_block(key, text):
    return {"key": key, "type": "text", "text": text}


BLOCKS_2 = [
    text_block("k0000000001", "Finanțările nerambursabile se acordă prin selecție publică."),
    text_block("k0000000002", "Autoritatea informează solicitanții în termen de 30 de zile."),
    text_block("k0000000003", "Contractul de finanțare se publică pe pagina autorității."),
]
AMENDMENT = {
    "key": "k0000000004",
    "type": "amendment",
    "article": "Art. 20 alin. (1)",
    "action": "modify",
    "in_force": "Procedura durează cel puțin 30 de zile.",
    "proposed": "Procedura durează cel puțin 45 de zile.",
    "rationale": "Treizeci de zile nu ajung.",
}
BLOCKS_3 = [
    BLOCKS_2[2],
    BLOCKS_2[0],
    text_block("k0000000002", "Autoritatea informează în scris solicitanții în termen de 15 zile."),
    AMENDMENT,
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORTS_DIR = tmp_path / "exports"


@pytest.fixture
def api():
    """A client that reads the API in English (stable messages)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["consult_language"] = "en"
    return client


def save(user, proposal, blocks, message, **kwargs):
    proposal.refresh_from_db()
    current = proposal.current_revision
    return proposals.save_revision(
        user,
        proposal,
        base_number=current.number,
        title=current.title,
        summary=current.summary,
        blocks=blocks,
        message=message,
        **kwargs,
    )


@pytest.fixture
def world(db, ngo, ngo_editor):
    now = timezone.now()
    authority = Organization.objects.get(slug=AUTHORITY)
    citizen = UserFactory(display_name="Ion Vasile")
    citizen2 = UserFactory(display_name="Maria Enache")
    flaggers = [UserFactory(display_name=f"Cititor {n}") for n in range(3)]
    moderator = UserFactory(is_staff=True, display_name="Moderator")

    proposal = ProposalFactory(
        editor=ngo_editor,
        organization=ngo,
        title="Modificarea Legii nr. 350/2005",
        slug="legea-350",
        summary="Finanțări nerambursabile mai previzibile.",
        kind="amendment",
        target_authority=authority,
        reference_act="Legea nr. 350/2005",
        topics=Topic.objects.filter(slug="public-funding"),
    )
    save(ngo_editor, proposal, BLOCKS_2, "Textul propus")
    proposal.refresh_from_db()
    proposals.publish_proposal(ngo_editor, proposal)
    consultation = consultations.create_consultation(
        ngo_editor, proposal, title="Consultare publică Legea 350", intro="Spuneți-vă părerea."
    )
    opens = now - timedelta(days=30)
    written = consultations.add_stage(
        ngo_editor,
        consultation,
        kind="written",
        title="Recomandări scrise",
        opens_at=opens,
        closes_at=opens + timedelta(days=11),
        revision=proposal.current_revision,
        now=opens - timedelta(days=1),
    )
    meeting = consultations.add_stage(
        ngo_editor,
        consultation,
        kind="meeting",
        title="Dezbatere publică",
        opens_at=now - timedelta(days=18),
        closes_at=now - timedelta(days=17),
        meeting_at=now - timedelta(days=18) + timedelta(hours=2),
        meeting_place="Sala mare a Primăriei",
        meeting_link="https://meet.example.org/legea-350",
        agenda="Prezentarea propunerii; discuții.",
        now=opens - timedelta(days=1),
    )

    def post(user, **kwargs):
        kwargs.setdefault("stance", "" if kwargs.get("parent_id") else "neutral")
        return consultations.post_comment(user, written, now=opens + timedelta(hours=1), **kwargs)

    thread = post(
        citizen, text="Susțin termenul propus.", block_key="k0000000001", stance="support"
    )
    reply = post(citizen2, text="Și eu, cu o precizare.", parent_id=thread.pk)
    hidden = post(citizen2, text="Text jignitor ascuns.", stance="oppose")
    withdrawn = post(citizen, text="M-am răzgândit, retrag.", block_key="k0000000002")
    held = post(citizen, text="Comentariu reținut pentru verificare.", block_key="k0000000003")
    later_hidden = post(
        citizen2, text="Contractul trebuie publicat integral.", block_key="k0000000003"
    )
    during = opens + timedelta(hours=2)
    consultations.hide_comment(moderator, hidden, "Limbaj jignitor.", now=during)
    consultations.withdraw_comment(citizen, withdrawn, now=during)
    for flagger in flaggers:
        consultations.flag_comment(flagger, held, reason="spam", now=during)

    attachment = store_upload(
        ngo_editor, proposal, SimpleUploadedFile("Anexa 1.pdf", PDF, "application/pdf")
    )
    revision3 = save(ngo_editor, proposal, BLOCKS_3, "Termen de 15 zile", attachments=[attachment])
    consultations.set_disposition(
        ngo_editor,
        thread,
        outcome="accepted",
        reason="Preluat în versiunea 3.",
        applied_in=revision3,
    )
    consultations.set_disposition(
        ngo_editor, later_hidden, outcome="rejected", reason="Depășește scopul propunerii."
    )
    closed = opens + timedelta(days=12)
    synthesis = consultations.publish_synthesis(
        ngo_editor, written, intro="Am primit două recomandări.", now=closed
    )
    consultations.hide_comment(moderator, later_hidden, "Date personale.", now=closed)
    consultations.publish_minutes(
        ngo_editor, meeting, minutes="Au participat 12 persoane.", participants=12, now=now
    )
    scheduled = consultations.add_stage(
        ngo_editor,
        consultation,
        kind="written",
        title="A doua rundă",
        opens_at=now + timedelta(days=5),
        closes_at=now + timedelta(days=16),
        revision=revision3,
        now=now,
    )

    # The opening and closing events, as the beat task runs them: legea-350's status follows.
    consultations.process_stage_events(now=now)

    policy = ProposalFactory(
        editor=ngo_editor,
        organization=ngo,
        title="Politica locală de finanțare",
        slug="politica-locala",
        summary="Calendar previzibil pentru granturi.",
        kind="policy",
        target_authority=authority,
        topics=Topic.objects.filter(slug="local-government"),
    )
    proposals.publish_proposal(ngo_editor, policy)
    year_2025 = timezone.make_aware(datetime(2025, 6, 1, 12, 0))
    Proposal.objects.filter(pk=policy.pk).update(published_at=year_2025)

    draft = ProposalFactory(
        editor=ngo_editor,
        organization=ngo,
        title="Ciornă secretă",
        slug="ciorna-secreta",
        summary="Nu trebuie să apară nicăieri.",
        kind="other",
        target_authority=authority,
    )
    return SimpleNamespace(
        now=now,
        ngo=ngo,
        editor=ngo_editor,
        authority=authority,
        citizen=citizen,
        citizen2=citizen2,
        moderator=moderator,
        proposal=proposal,
        revision3=revision3,
        attachment=attachment,
        consultation=consultation,
        written=written,
        meeting=meeting,
        scheduled=scheduled,
        synthesis=synthesis,
        comments=SimpleNamespace(
            thread=thread,
            reply=reply,
            hidden=hidden,
            withdrawn=withdrawn,
            held=held,
            later_hidden=later_hidden,
        ),
        policy=policy,
        draft=draft,
    )


def walk(value):
    """Every string inside a JSON value (keys included)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)
    elif isinstance(value, str):
        yield value


# --- Registrars, tokens and submissions (test_tokens.py, test_write.py) ------------------------


@pytest.fixture
def sent(ngo, ngo_editor, verified_authority):
    """A published proposal of `ngo` submitted through the platform to the verified authority."""
    from registrations import domain as registration

    proposal = ProposalFactory(
        editor=ngo_editor,
        organization=ngo,
        title="Finanțare multianuală",
        slug="finantare-multianuala",
        target_authority=verified_authority,
    )
    key = proposal.current_revision.blocks[0]["key"]
    save(ngo_editor, proposal, [text_block(key, "Finanțarea se acordă multianual.")], "Text")
    proposals.publish_proposal(ngo_editor, proposal)
    proposal.refresh_from_db()
    return registration.submit_proposal(
        ngo_editor, proposal, proposal.current_revision, "Vă rugăm să înregistrați propunerea."
    )


@pytest.fixture
def token_pair(registrar, verified_authority):
    """(token, secret) of the registrar for the verified authority."""
    from api import tokens

    return tokens.create_token(registrar, verified_authority, "Registratura electronică")


def bearer(secret, keyword="Token"):
    return {"HTTP_AUTHORIZATION": f"{keyword} {secret}"}
