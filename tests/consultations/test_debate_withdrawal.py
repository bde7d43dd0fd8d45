# ruff: noqa: F811  (the fixtures of tests/consultations/authority_drafts.py are imported by name)
"""Withdrawing a request for a public debate: the organisation that asked takes it back before
the authority answers; the request stays on the record, marked withdrawn, and no longer waits
for an answer."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from consultations import domain
from consultations.models import DebateRequest, DebateStatus
from core.errors import InvalidTransition, NotAllowed
from core.models import ActivityLog
from tests.consultations.authority_drafts import (  # noqa: F401  (fixtures)
    ADOPTION,
    ANNOUNCED,
    announce,
    authority_admin,
    citizen,
    draft_consultation,
    draft_decision,
    ngo_member_admin,
    ngo_member_editor,
    verified_ngo,
)
from tests.factories import MembershipFactory, OrganizationFactory
from tests.helpers import en_client_for

REQUESTED = ANNOUNCED + timedelta(days=2, hours=3)  # Wednesday 4 March 2026, 12:00
WITHDRAWN = REQUESTED + timedelta(days=1, hours=2)  # Thursday 5 March 2026, 14:00


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def announcement(authority_admin, draft_consultation, draft_decision):
    _, note = draft_decision
    return announce(
        authority_admin, draft_consultation, note, opens_at=ANNOUNCED, days=20, adoption=ADOPTION
    )


@pytest.fixture
def pending(ngo_member_editor, verified_ngo, draft_consultation, announcement):
    return domain.request_debate(
        ngo_member_editor,
        draft_consultation,
        verified_ngo,
        message="Cerem dezbatere.",
        now=REQUESTED,
    )


def test_the_organisation_withdraws_its_request_and_the_authority_is_told(
    pending, ngo_member_admin, authority_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        domain.withdraw_debate(
            ngo_member_admin, pending, "Am obținut informațiile în alt mod.", now=WITHDRAWN
        )
    item = DebateRequest.objects.get(pk=pending.pk)
    assert (item.status, item.withdrawn_at, item.withdrawn_by, item.withdrawal_reason) == (
        DebateStatus.WITHDRAWN,
        WITHDRAWN,
        ngo_member_admin,
        "Am obținut informațiile în alt mod.",
    )
    assert (item.answered_at, item.answered_by) == (None, None)
    log = ActivityLog.objects.get(verb="debate.withdrawn")
    assert (log.actor, log.old_value, log.new_value, log.data) == (
        ngo_member_admin,
        "pending",
        "withdrawn",
        {"reason": "Am obținut informațiile în alt mod."},
    )
    [message] = mail.outbox
    assert message.to == [authority_admin.email]
    assert message.subject == (
        "Asociația Focșani Civic și-a retras cererea de dezbatere publică — "
        "Proiect de hotărâre privind parcările de reședință"
    )
    assert (
        "Asociația Focșani Civic și-a retras la 5 martie 2026, ora 14:00 cererea de dezbatere "
        "publică privind proiectul „Proiect de hotărâre privind parcările de reședință”. "
        "Nu mai este necesar un răspuns." in message.body
    )
    assert "Motiv: Am obținut informațiile în alt mod." in message.body


def test_a_withdrawn_request_is_neither_pending_nor_overdue_and_may_be_asked_again(
    pending, ngo_member_editor, verified_ngo, draft_consultation
):
    domain.withdraw_debate(ngo_member_editor, pending, now=WITHDRAWN)
    pending.refresh_from_db()
    assert not pending.is_pending
    assert not domain.is_overdue(pending, REQUESTED + timedelta(days=30))
    again = domain.request_debate(
        ngo_member_editor, draft_consultation, verified_ngo, now=WITHDRAWN + timedelta(hours=1)
    )
    assert [(row.pk, row.status) for row in DebateRequest.objects.order_by("pk")] == [
        (pending.pk, "withdrawn"),
        (again.pk, "pending"),
    ]


def test_an_answered_or_withdrawn_request_cannot_be_withdrawn(
    pending, ngo_member_editor, authority_admin
):
    domain.refuse_debate(authority_admin, pending, "Dezbaterea a avut loc.", now=WITHDRAWN)
    with pytest.raises(InvalidTransition) as refused:
        domain.withdraw_debate(ngo_member_editor, pending, now=WITHDRAWN)
    assert refused.value.code == "refused"
    pending.refresh_from_db()
    assert pending.status == DebateStatus.REFUSED
    assert not ActivityLog.objects.filter(verb="debate.withdrawn").exists()


def test_withdrawing_twice_is_refused(pending, ngo_member_editor, authority_admin):
    domain.withdraw_debate(ngo_member_editor, pending, now=WITHDRAWN)
    with pytest.raises(InvalidTransition):
        domain.withdraw_debate(ngo_member_editor, pending, now=WITHDRAWN)
    # Nor can the authority answer it any more.
    with pytest.raises(InvalidTransition):
        domain.refuse_debate(authority_admin, pending, "Nu.", now=WITHDRAWN)
    assert ActivityLog.objects.filter(verb="debate.withdrawn").count() == 1


@pytest.mark.parametrize("who", ["authority_admin", "registrar", "citizen", "other_ngo_editor"])
def test_only_the_requesters_editors_and_admins_withdraw(who, request, pending):
    if who == "other_ngo_editor":
        other = OrganizationFactory(name="Alt ONG", slug="alt-ong")
        user = MembershipFactory(organization=other, role="editor").user
    else:
        user = request.getfixturevalue(who)
    with pytest.raises(NotAllowed):
        domain.withdraw_debate(user, pending, now=WITHDRAWN)
    pending.refresh_from_db()
    assert pending.status == DebateStatus.PENDING


def test_the_request_page_withdraws_and_the_consultation_shows_it(
    pending, ngo_member_editor, authority_admin, draft_consultation
):
    url = reverse(
        "consultations:debate_request", args=[draft_consultation.proposal.slug, pending.pk]
    )
    authority = en_client_for(authority_admin)
    assert "Withdraw the request" not in authority.get(url).content.decode()
    assert authority.post(url, {"action": "withdraw"}).status_code == 403
    browser = en_client_for(ngo_member_editor)
    assert "Withdraw the request" in browser.get(url).content.decode()
    response = browser.post(url, {"action": "withdraw", "reason": "Nu mai este necesară."})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.withdrawal_reason) == ("withdrawn", "Nu mai este necesară.")
    page = browser.get(draft_consultation.get_absolute_url()).content.decode()
    assert "Withdrawn by the organisation" in page
    assert "Reason for withdrawing:</strong> Nu mai este necesară." in page
    # Withdrawn: the form is no longer offered, and a second post is refused with the message.
    assert "Withdraw the request" not in browser.get(url).content.decode()
    again = browser.post(url, {"action": "withdraw"})
    assert again.status_code == 400
    assert (
        "Only a request still waiting for the authority&#x27;s answer can be withdrawn."
        in again.content.decode()
    )
