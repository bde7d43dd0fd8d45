"""Fixtures for the consultations tests: everything made through the domain functions.

`T0` is a fixed moment; stages are placed around it and actions take `now=` so the time window
is tested exactly. Pages use the real clock, so page tests place stages around `timezone.now()`.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from consultations import domain
from proposals import content
from proposals import domain as proposals_domain
from tests.factories import MembershipFactory, ProposalFactory, UserFactory

BUCHAREST = ZoneInfo("Europe/Bucharest")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=BUCHAREST)


def text_blocks(*texts):
    return [{"key": content.new_block_key(), "type": "text", "text": t} for t in texts]


@pytest.fixture
def debated_proposal(editor, ngo):
    """A published proposal whose revision 2 has three text blocks (`consultation` debates it)."""
    proposal = ProposalFactory(
        editor=editor,
        organization=ngo,
        title="Modificarea Legii nr. 350/2005",
        slug="legea-350",
    )
    revision = proposal.current_revision
    proposals_domain.save_revision(
        editor,
        proposal,
        base_number=revision.number,
        title=revision.title,
        summary=revision.summary,
        blocks=text_blocks(
            "Finanțările nerambursabile se acordă prin selecție publică de proiecte.",
            "Autoritatea publică informează solicitanții în termen de 30 de zile.",
            "Contractul de finanțare se publică pe pagina de internet a autorității.",
        ),
        message="Textul propus",
    )
    proposal.refresh_from_db()
    return proposals_domain.publish_proposal(editor, proposal)


@pytest.fixture
def consultation(editor, debated_proposal):
    return domain.create_consultation(
        editor, debated_proposal, title="Consultare publică Legea 350"
    )


def add_written_stage(editor, consultation, *, opens_at, days=10, **kwargs):
    kwargs.setdefault("revision", consultation.proposal.current_revision)
    return domain.add_stage(
        editor,
        consultation,
        kind="written",
        title=kwargs.pop("title", "Recomandări scrise"),
        opens_at=opens_at,
        closes_at=opens_at + timedelta(days=days),
        now=kwargs.pop("now", opens_at - timedelta(days=1)),
        **kwargs,
    )


@pytest.fixture
def stage(editor, consultation):
    """A written-comments stage open from T0 for 10 days (in the fixed-time tests)."""
    return add_written_stage(editor, consultation, opens_at=T0)


@pytest.fixture
def open_stage(editor, consultation):
    """A written-comments stage open now (for page tests, which use the real clock)."""
    now = timezone.now()
    return add_written_stage(
        editor, consultation, opens_at=now - timedelta(minutes=1), now=now, days=10
    )


@pytest.fixture
def citizen(db):
    return UserFactory(display_name="Ion Vasile")


@pytest.fixture
def citizen2(db):
    return UserFactory(display_name="Maria Enache")


@pytest.fixture
def moderator(staff):
    """The site's staff user, who moderates comments."""
    return staff


@pytest.fixture
def other_ngo_editor(db):
    return MembershipFactory(role="editor", user__display_name="Alt editor").user


def during(stage, hours=1):
    return stage.opens_at + timedelta(hours=hours)


def first_block_key(stage):
    return stage.revision.blocks[0]["key"]


# A comment thread with someone to reply to it (the reply emails' tests).
@pytest.fixture
def author(db):
    return UserFactory(display_name="Ion Vasile", language="en")


@pytest.fixture
def replier(db):
    return UserFactory(display_name="Maria Enache", language="en")


@pytest.fixture
def thread(stage, author):
    return domain.post_comment(
        author, stage, text="Termenul e prea scurt.", stance="oppose", now=during(stage)
    )
