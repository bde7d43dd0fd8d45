"""Fixtures for the proposals tests: proposals built through the domain, so revision 1 exists."""

import factory
import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import translation

from accounts.models import Organization
from proposals import domain
from proposals.models import Proposal, ProposalKind
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

AUTHORITY_SLUG = "primaria-municipiului-focsani"


@pytest.fixture(autouse=True)
def _default_language():
    # A request leaves its language active in the test thread; start and end on the default.
    translation.deactivate()
    yield
    translation.deactivate()


FIRST_MESSAGE = "Prima versiune"
FIRST_TEXT = "Prima formă a textului."


def first_blocks(kind):
    """The text of revision 1 made by ProposalFactory: real content of the proposal's kind (a
    proposal never starts with an empty template revision)."""
    if kind == ProposalKind.AMENDMENT:
        return [
            {
                "key": "k00000000a1",
                "type": "amendment",
                "article": "Art. 1",
                "action": "modify",
                "in_force": "Textul în vigoare al articolului.",
                "proposed": "Textul propus al articolului.",
                "rationale": "",
            }
        ]
    if kind == ProposalKind.POLICY:
        blocks = domain.policy_template()
        for block in blocks:
            if block["type"] == "text":
                block["text"] = "Textul secțiunii."
        return blocks
    return [{"key": "k00000000b1", "type": "text", "text": FIRST_TEXT}]


class ProposalFactory(factory.Factory):
    """A draft proposal made by `domain.create_proposal`, with revision 1 (`first_blocks` of
    its kind unless `blocks=` is given; `blocks=None` for a draft with no text yet) and its log
    rows.

    Pass `editor=` (a user with the editor or admin role in `organization=`); without them a new
    NGO and editor are made.
    """

    class Meta:
        model = Proposal

    editor = factory.LazyAttribute(lambda o: MembershipFactory(role="editor").user)
    organization = factory.LazyAttribute(lambda o: o.editor.memberships.get().organization)
    title = factory.Sequence(lambda n: f"Propunere de politică publică {n}")
    slug = factory.Sequence(lambda n: f"propunere-{n}")
    summary = "Rezumatul propunerii."
    kind = ProposalKind.OTHER
    target_authority = factory.LazyFunction(lambda: Organization.objects.get(slug=AUTHORITY_SLUG))
    reference_act = ""
    language = "ro"
    blocks = factory.LazyAttribute(lambda o: first_blocks(o.kind))
    message = FIRST_MESSAGE

    @classmethod
    def _create(cls, model_class, *, editor, organization, **kwargs):
        if kwargs.get("blocks") is None:
            kwargs.pop("message", None)
        return domain.create_proposal(editor, organization, **kwargs)

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError("Proposals exist only through domain.create_proposal.")


@pytest.fixture
def authority(db):
    """A public authority from the directory loaded by the migrations."""
    return Organization.objects.get(slug=AUTHORITY_SLUG)


@pytest.fixture
def second_editor(ngo):
    return MembershipFactory(
        organization=ngo, role="editor", user__display_name="Mihai Ionescu"
    ).user


@pytest.fixture
def other_member(db):
    """An editor of another NGO."""
    other = OrganizationFactory(name="Alt ONG", slug="alt-ong")
    return MembershipFactory(organization=other, role="editor", user__display_name="Alt").user


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, display_name="Moderator")


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True, display_name="Root")


@pytest.fixture
def proposal(ngo, ngo_editor):
    """A draft of `ngo`, kind "other": revision 1 has one text block (`first_blocks`)."""
    return ProposalFactory(
        editor=ngo_editor,
        organization=ngo,
        title="Finanțare multianuală pentru ONG-uri",
        slug="finantare-multianuala",
    )


@pytest.fixture
def en_client(client):
    """A browser that chose English, so page text is the stable English source."""
    client.cookies["consult_language"] = "en"
    return client


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


def first_version_message():
    """The message of revision 1 as ProposalFactory saves it."""
    return FIRST_MESSAGE


# --- Submissions -------------------------------------------------------------------------------


@pytest.fixture
def verified_authority(authority):
    """Primăria Municipiului Focșani, verified so that its registrars can act for it."""
    from django.utils import timezone

    authority.verified_at = timezone.now()
    authority.save(update_fields=["verified_at"])
    return authority


@pytest.fixture
def registrar(verified_authority):
    return MembershipFactory(
        organization=verified_authority,
        role="registrar",
        user__display_name="Elena Registratura",
    ).user


@pytest.fixture
def published(proposal, ngo_editor):
    """`proposal` with a text in revision 2, published."""
    key = proposal.current_revision.blocks[0]["key"]
    save(ngo_editor, proposal, [text_block(key, "Finanțarea se acordă multianual.")])
    domain.publish_proposal(ngo_editor, proposal)
    proposal.refresh_from_db()
    return proposal


def submit(user, proposal, *, cover_letter="Vă rugăm să înregistrați propunerea.", now=None):
    from registrations import domain as registration

    proposal.refresh_from_db()
    return registration.submit_proposal(
        user, proposal, proposal.current_revision, cover_letter, now=now
    )


@pytest.fixture
def submission(published, ngo_editor, verified_authority):
    """`published` submitted to the verified Focșani authority (no registrar yet)."""
    return submit(ngo_editor, published)
