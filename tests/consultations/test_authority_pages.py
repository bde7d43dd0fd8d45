# ruff: noqa: F811  (the fixtures of tests/consultations/authority_drafts.py are imported by name)
"""The pages of an authority's own drafts, for every kind of visitor: drafting ("new
proposal"), requesting and answering a public debate, logging recommendations received. The
rules decide (`core.permissions`); each row of the matrix is one person."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultations import domain
from consultations.models import Channel, DebateRequest, DebateStatus, StageComment
from proposals.models import Proposal
from tests.consultations.authority_drafts import (  # noqa: F401  (fixtures)
    announce,
    authority_admin,
    citizen,
    draft_consultation,
    draft_decision,
    ngo_member_admin,
    ngo_member_editor,
    verified_ngo,
)
from tests.helpers import en_client_for

PEOPLE = ["authority_admin", "registrar", "ngo_member_editor", "ngo_member_admin", "citizen", None]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def browser_of(request):
    def browser(who):
        if who is None:
            anonymous = Client()
            anonymous.cookies["consult_language"] = "en"
            return anonymous
        return en_client_for(request.getfixturevalue(who))

    return browser


@pytest.fixture
def open_announcement(authority_admin, draft_consultation, draft_decision):
    """The draft's announcement, open since an hour ago for 20 days."""
    _, note = draft_decision
    opens = timezone.now() - timedelta(hours=1)
    zone = draft_consultation.proposal.organization.zone
    adoption = domain.earliest_adoption(timezone.localtime(opens, zone).date(), "RO")
    adoption = max(adoption, timezone.localtime(opens, zone).date() + timedelta(days=21))
    return announce(
        authority_admin,
        draft_consultation,
        note,
        opens_at=opens,
        days=20,
        adoption=adoption,
        now=opens - timedelta(minutes=1),
    )


def _expected(who, allowed):
    if who is None:
        return 302  # to the sign-in page
    return 200 if who in allowed else 403


@pytest.mark.parametrize("who", PEOPLE)
def test_new_proposal_page(who, browser_of, registrar, verified_ngo):
    response = browser_of(who).get(reverse("proposals:create"))
    assert response.status_code == _expected(
        who, {"authority_admin", "ngo_member_editor", "ngo_member_admin"}
    )


def test_an_authority_admin_creates_a_draft_decision_it_adopts_itself(
    authority_admin, verified_authority
):
    response = en_client_for(authority_admin).post(
        reverse("proposals:create"),
        {
            "organization": verified_authority.pk,
            "title": "Proiect de hotărâre privind taxele locale",
            "slug": "hcl-taxe-locale",
            "summary": "",
            "kind": "draft_decision",
            "target_authority": "",
            "reference_act": "",
            "language": "ro",
        },
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get(slug="hcl-taxe-locale")
    assert (proposal.organization, proposal.target_authority, proposal.kind) == (
        verified_authority,
        verified_authority,
        "draft_decision",
    )


def test_an_authority_does_not_draft_an_ngo_kind(authority_admin, verified_authority):
    response = en_client_for(authority_admin).post(
        reverse("proposals:create"),
        {
            "organization": verified_authority.pk,
            "title": "Politică publică",
            "slug": "politica",
            "kind": "policy",
            "language": "ro",
        },
    )
    assert response.status_code == 200
    assert "An authority drafts decisions, orders and laws" in response.content.decode()
    assert 'value="Politică publică"' in response.content.decode()
    assert not Proposal.objects.filter(slug="politica").exists()


@pytest.mark.parametrize("who", PEOPLE)
def test_debate_request_page(who, browser_of, registrar, open_announcement, draft_consultation):
    url = reverse("consultations:debate_request_create", args=[draft_consultation.proposal.slug])
    assert browser_of(who).get(url).status_code == _expected(
        who, {"ngo_member_editor", "ngo_member_admin"}
    )


def test_an_ngo_requests_and_the_consultation_page_shows_it(
    ngo_member_editor, verified_ngo, open_announcement, draft_consultation
):
    slug = draft_consultation.proposal.slug
    browser = en_client_for(ngo_member_editor)
    page = browser.get(reverse("consultations:detail", args=[slug])).content.decode()
    assert "Request a public debate" in page
    response = browser.post(
        reverse("consultations:debate_request_create", args=[slug]),
        {"organization": verified_ngo.pk, "message": "Cerem o dezbatere publică."},
    )
    item = DebateRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == item.get_absolute_url()
    anonymous = Client()
    anonymous.cookies["consult_language"] = "en"
    page = anonymous.get(reverse("consultations:detail", args=[slug])).content.decode()
    assert "Request by Asociația Focșani Civic" in page
    assert "Requested by Asociația Focșani Civic on" in page
    assert "The authority answers by" in page
    assert "Overdue" not in page
    # A second request of the same organisation: refused, the text kept.
    again = browser.post(
        reverse("consultations:debate_request_create", args=[slug]),
        {"organization": verified_ngo.pk, "message": "Din nou."},
    )
    assert again.status_code == 400
    assert "has already requested a public debate" in again.content.decode()
    assert "Din nou." in again.content.decode()


@pytest.mark.parametrize("who", PEOPLE)
def test_answering_a_request(
    who,
    browser_of,
    registrar,
    open_announcement,
    draft_consultation,
    ngo_member_editor,
    verified_ngo,
):
    item = domain.request_debate(ngo_member_editor, draft_consultation, verified_ngo)
    url = item.get_absolute_url()
    browser = browser_of(who)
    page = browser.get(url)
    assert page.status_code == 200
    assert ("Refuse the request" in page.content.decode()) == (who == "authority_admin")
    response = browser.post(url, {"action": "refuse", "reason": "Dezbaterea a avut loc deja."})
    item.refresh_from_db()
    if who == "authority_admin":
        assert response.status_code == 302
        assert (item.status, item.refusal_reason) == (
            DebateStatus.REFUSED,
            "Dezbaterea a avut loc deja.",
        )
    else:
        assert response.status_code == 403
        assert item.status == DebateStatus.PENDING


def test_an_empty_refusal_keeps_the_form(
    authority_admin, open_announcement, draft_consultation, ngo_member_editor, verified_ngo
):
    item = domain.request_debate(ngo_member_editor, draft_consultation, verified_ngo)
    response = en_client_for(authority_admin).post(
        item.get_absolute_url(), {"action": "refuse", "reason": ""}
    )
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.status == DebateStatus.PENDING


@pytest.mark.parametrize("who", PEOPLE)
def test_recommendation_log_page(who, browser_of, registrar, open_announcement, draft_consultation):
    url = reverse(
        "consultations:recommendation_log",
        args=[draft_consultation.proposal.slug, open_announcement.position],
    )
    browser = browser_of(who)
    assert browser.get(url).status_code == _expected(who, {"authority_admin", "registrar"})
    today = timezone.localdate(timezone=draft_consultation.proposal.organization.zone)
    response = browser.post(
        url,
        {
            "author": "Ion Ionescu",
            "channel": Channel.EMAIL,
            "received_on": today.isoformat(),
            "block_key": "",
            "text": "Propun gratuitate pentru pensionari.",
        },
    )
    logged = StageComment.objects.filter(user_name="Ion Ionescu")
    if who in ("authority_admin", "registrar"):
        assert response.status_code == 302
        assert logged.get().channel == "email"
        page = Client().get(open_announcement.get_absolute_url()).content.decode()
        assert "Ion Ionescu" in page
    else:
        assert response.status_code in (302, 403) if who is None else response.status_code == 403
        assert not logged.exists()


def test_a_recommendation_dated_before_the_period_keeps_the_text(
    registrar, open_announcement, draft_consultation
):
    url = reverse(
        "consultations:recommendation_log",
        args=[draft_consultation.proposal.slug, open_announcement.position],
    )
    response = en_client_for(registrar).post(
        url,
        {
            "author": "Ion Ionescu",
            "channel": Channel.PAPER,
            "received_on": "2026-01-05",
            "text": "Textul meu de pe hârtie.",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "was received between" in body
    assert "Textul meu de pe hârtie." in body
    assert not StageComment.objects.exists()


def test_the_stage_form_refuses_an_announcement_without_its_note(
    authority_admin, draft_consultation
):
    today = timezone.localdate(timezone=draft_consultation.proposal.organization.zone)
    response = en_client_for(authority_admin).post(
        reverse("consultations:stage_create", args=[draft_consultation.proposal.slug]),
        {
            "kind": "announcement",
            "title": "Anunțul proiectului",
            "opens_date": (today + timedelta(days=1)).isoformat(),
            "opens_time": "09:00",
            "closes_date": (today + timedelta(days=11)).isoformat(),
            "closes_time": "09:00",
            "revision": draft_consultation.proposal.current_revision_id,
            "adoption_planned_on": (today + timedelta(days=60)).isoformat(),
            "substantiation": "",
        },
    )
    assert response.status_code == 400
    assert "Attach the substantiation note" in response.content.decode()
    assert 'value="Anunțul proiectului"' in response.content.decode()


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("authority_admin", True),
        ("registrar", False),
        ("ngo_member_editor", False),
        ("ngo_member_admin", False),
        ("citizen", False),
    ],
)
def test_who_drafts_for_the_authority(who, allowed, request, verified_authority, verified_ngo):
    from core.errors import NotAllowed
    from proposals import domain as proposals_domain

    user = request.getfixturevalue(who)

    def create():
        return proposals_domain.create_proposal(
            user,
            verified_authority,
            title="Proiect de hotărâre",
            slug="hcl-matrice",
            summary="",
            kind="draft_decision",
            target_authority=None,
        )

    if allowed:
        assert create().target_authority == verified_authority
    else:
        with pytest.raises(NotAllowed):
            create()
        assert not Proposal.objects.filter(slug="hcl-matrice").exists()


def test_an_unverified_authoritys_admin_does_not_draft(authority_admin, verified_authority):
    from core.errors import NotAllowed
    from core.permissions import can
    from proposals import domain as proposals_domain

    verified_authority.verified_at = None
    verified_authority.save(update_fields=["verified_at"])
    assert not can(authority_admin, "proposals.add_proposal")
    with pytest.raises(NotAllowed):
        proposals_domain.create_proposal(
            authority_admin,
            verified_authority,
            title="Proiect",
            slug="hcl-neverificat",
            summary="",
            kind="draft_decision",
            target_authority=None,
        )


def test_an_ngo_does_not_draft_an_authoritys_kind(ngo_member_editor, verified_ngo, authority):
    from proposals import domain as proposals_domain

    with pytest.raises(domain.DomainError) as refused:
        proposals_domain.create_proposal(
            ngo_member_editor,
            verified_ngo,
            title="Proiect",
            slug="ong-proiect-hotarare",
            summary="",
            kind="draft_decision",
            target_authority=authority,
        )
    assert refused.value.code == "kind"


def test_an_authority_no_longer_verified_acts_no_more_on_its_drafts(
    authority_admin, registrar, verified_authority, open_announcement, draft_consultation
):
    from core.permissions import can

    proposal = draft_consultation.proposal
    assert can(authority_admin, "proposals.change_proposal", proposal)
    assert can(authority_admin, "consultations.answer_debate", proposal)
    assert can(registrar, "consultations.log_recommendation", proposal)
    verified_authority.verified_at = None
    verified_authority.save(update_fields=["verified_at"])
    proposal = type(proposal).objects.select_related("organization").get(pk=proposal.pk)
    for who, perm in (
        (authority_admin, "proposals.change_proposal"),
        (authority_admin, "proposals.withdraw_proposal"),
        (authority_admin, "consultations.answer_debate"),
        (registrar, "consultations.log_recommendation"),
    ):
        assert not can(who, perm, proposal), perm
