"""Fixtures of an authority's own drafts (issue 17), imported by the tests that use them: the
verified Focșani city hall drafting a local decision with its substantiation note, a verified
NGO asking for a public debate, and the people of each role."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from consultations import domain
from proposals import domain as proposals_domain
from proposals.attachments import store_upload
from tests.factories import PDF, MembershipFactory, OrganizationFactory, UserFactory
from tests.helpers import text_block

BUCHAREST = ZoneInfo("Europe/Bucharest")
# Monday 2 March 2026, 09:00 in Bucharest: the announcement of the draft.
ANNOUNCED = datetime(2026, 3, 2, 9, 0, tzinfo=BUCHAREST)
# Its planned adoption: 30 working days counted whole after 2 March (Good Friday 10 April and
# Easter Monday 13 April 2026 are public holidays in Romania) end on 15 April.
ADOPTION = ANNOUNCED.date().replace(month=4, day=16)


def draft_of(admin, authority, *, slug="hcl-parcari"):
    """A published draft decision of `authority` whose revision 2 lists the substantiation note
    (returned as the second value)."""
    proposal = proposals_domain.create_proposal(
        admin,
        authority,
        title="Proiect de hotărâre privind parcările de reședință",
        slug=slug,
        summary="Regulamentul parcărilor de reședință.",
        kind="draft_decision",
        target_authority=None,
        blocks=[text_block("", "Art. 1. Se aprobă Regulamentul parcărilor de reședință.")],
        message="Prima versiune",
    )
    note = store_upload(
        admin, proposal, SimpleUploadedFile("Referat de aprobare.pdf", PDF, "application/pdf")
    )
    revision = proposal.current_revision
    proposals_domain.save_revision(
        admin,
        proposal,
        base_number=revision.number,
        title=revision.title,
        summary=revision.summary,
        blocks=[
            *revision.blocks,
            text_block("", "Art. 2. Hotărârea se publică pe pagina de internet a primăriei."),
        ],
        message="Cu referatul de aprobare",
        attachments=[note],
    )
    proposal.refresh_from_db()
    return proposals_domain.publish_proposal(admin, proposal), note


def announce(admin, consultation, note, *, opens_at, days=10, adoption=None, now=None, **kw):
    return domain.add_stage(
        admin,
        consultation,
        kind="announcement",
        title="Anunțul proiectului de hotărâre",
        opens_at=opens_at,
        closes_at=opens_at + timedelta(days=days),
        revision=consultation.proposal.current_revision,
        adoption_planned_on=adoption,
        substantiation=note,
        now=now or opens_at - timedelta(days=1),
        **kw,
    )


@pytest.fixture
def authority_admin(verified_authority):
    return MembershipFactory(
        organization=verified_authority, role="admin", user__display_name="Ion Primăria"
    ).user


@pytest.fixture
def verified_ngo(db):
    return OrganizationFactory(
        name="Asociația Focșani Civic", slug="focsani-civic", verified_at=timezone.now()
    )


@pytest.fixture
def ngo_member_editor(verified_ngo):
    return MembershipFactory(
        organization=verified_ngo, role="editor", user__display_name="Maria Civic"
    ).user


@pytest.fixture
def ngo_member_admin(verified_ngo):
    return MembershipFactory(
        organization=verified_ngo, role="admin", user__display_name="Dan Civic"
    ).user


@pytest.fixture
def citizen(db):
    return UserFactory(display_name="Vasile Cetățean")


@pytest.fixture
def draft_decision(authority_admin, verified_authority):
    return draft_of(authority_admin, verified_authority)


@pytest.fixture
def draft_consultation(authority_admin, draft_decision):
    proposal, _ = draft_decision
    return domain.create_consultation(
        authority_admin, proposal, title="Consultarea publică a proiectului de hotărâre"
    )
