"""Who may do what: every page of running, moderating, answering, publishing and exporting, as
a matrix of role × action with the exact status code, and the database unchanged on refusal."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from consultations import domain
from consultations.models import Consultation, Disposition, Stage, StageComment, Synthesis
from core.models import ActivityLog
from proposals import domain as proposals_domain
from tests.consultations.conftest import T0, add_written_stage, during
from tests.factories import MembershipFactory, ProposalFactory, UserFactory

BASE = "/proposals/legea-350/consultation"
ROLES = [
    "anonymous",
    "citizen",
    "other ngo editor",
    "authority member",
    "moderator",
    "editor",
    "admin",
]
EDITORS = {"editor", "admin"}


@pytest.fixture
def consultation_world(editor, ngo_admin, ngo, debated_proposal, consultation, citizen, citizen2,
                       moderator, other_ngo_editor):  # fmt: skip
    """Stage 1: written comments, closed, two answered comments (one flagged). Stage 2: a
    meeting that took place. Stage 3: written comments, scheduled. Also a published proposal
    without a consultation, of the same organisation."""
    written = add_written_stage(editor, consultation, opens_at=T0)
    first = domain.post_comment(
        citizen, written, text="Primul comentariu", stance="support", now=during(written)
    )
    second = domain.post_comment(
        citizen2, written, text="Al doilea", stance="oppose", now=during(written, 2)
    )
    domain.flag_comment(UserFactory(), first, reason="spam", now=during(written, 3))
    for comment in (first, second):
        domain.set_disposition(editor, comment, outcome="rejected", reason="Nu se reține.")
    meeting_at = T0 + timedelta(days=11)
    domain.add_stage(
        editor,
        consultation,
        kind="meeting",
        title="Dezbatere publică",
        opens_at=meeting_at,
        closes_at=meeting_at + timedelta(hours=3),
        meeting_at=meeting_at,
        now=meeting_at - timedelta(days=1),
    )
    add_written_stage(
        editor,
        consultation,
        opens_at=timezone.now() + timedelta(days=5),
        now=timezone.now(),
        title="A doua etapă",
    )
    other = ProposalFactory(editor=editor, organization=ngo, slug="fara-consultare")
    proposals_domain.publish_proposal(editor, other)
    authority = debated_proposal.target_authority
    return {
        "anonymous": None,
        "citizen": citizen,
        "other ngo editor": other_ngo_editor,
        "authority member": MembershipFactory(organization=authority, role="registrar").user,
        "moderator": moderator,
        "editor": editor,
        "admin": ngo_admin,
        "comment": first,
    }


def stage_post():
    year = timezone.now().year + 1
    return {
        "kind": "written",
        "title": "Etapa a treia",
        "description": "",
        "opens_date": f"{year}-03-10",
        "opens_time": "09:00",
        "closes_date": f"{year}-03-25",
        "closes_time": "09:00",
        "revision": "",
        "short_period_reason": "",
        "meeting_date": "",
        "meeting_time": "",
        "meeting_place": "",
        "meeting_link": "",
        "agenda": "",
    }


def with_revision(data, consultation_world):
    data["revision"] = (
        consultation_world["editor"]
        .memberships.get()
        .organization.proposals.get(slug="legea-350")
        .current_revision_id
    )
    return data


# (name, method, url, data, who may: "editors" | "staff" | "everyone" | "nobody" | "editors-read")
ACTIONS = [
    ("create form", "get", "/proposals/fara-consultare/consultation/new/", None, "editors"),
    ("create", "post", "/proposals/fara-consultare/consultation/new/", {"title": "C"}, "editors"),
    ("edit form", "get", f"{BASE}/edit/", None, "editors"),
    ("edit", "post", f"{BASE}/edit/", {"title": "Titlu nou", "intro": ""}, "editors"),
    ("stage create form", "get", f"{BASE}/stages/new/", None, "editors"),
    ("stage create", "post", f"{BASE}/stages/new/", "STAGE", "editors"),
    ("stage edit form", "get", f"{BASE}/stages/3/edit/", None, "editors"),
    ("stage edit", "post", f"{BASE}/stages/3/edit/", "STAGE_EDIT", "editors"),
    ("stage cancel form", "get", f"{BASE}/stages/3/cancel/", None, "editors"),
    ("stage cancel", "post", f"{BASE}/stages/3/cancel/", {"reason": "Amânată."}, "editors"),
    ("stage remove form", "get", f"{BASE}/stages/3/remove/", None, "editors"),
    ("stage remove", "post", f"{BASE}/stages/3/remove/", {}, "editors"),
    ("minutes form", "get", f"{BASE}/stages/2/minutes/", None, "editors"),
    ("minutes", "post", f"{BASE}/stages/2/minutes/", {"minutes": "PV", "participants": 9},
     "editors"),
    ("answers", "get", f"{BASE}/stages/1/answers/", None, "editors"),
    ("disposition form", "get", "/comments/COMMENT/answer/", None, "editors"),
    ("disposition", "post", "/comments/COMMENT/answer/",
     {"outcome": "accepted", "reason": "Acceptat."}, "editors"),
    ("publish form", "get", f"{BASE}/stages/1/publish-synthesis/", None, "editors"),
    ("publish", "post", f"{BASE}/stages/1/publish-synthesis/", {"intro": "Sinteza"}, "editors"),
    ("moderation queue", "get", "/moderation/", None, "staff"),
    ("moderate form", "get", "/moderation/comments/COMMENT/", None, "staff"),
    ("moderate", "post", "/moderation/comments/COMMENT/", {"action": "hide", "reason": "Spam."},
     "staff"),
    ("synthesis preview", "get", f"{BASE}/stages/1/synthesis/", None, "editors-read"),
    ("comments csv", "get", f"{BASE}/stages/1/comments.csv", None, "everyone"),
    ("comments json", "get", f"{BASE}/stages/1/comments.json", None, "everyone"),
    ("synthesis csv", "get", f"{BASE}/stages/1/synthesis.csv", None, "nobody"),
    ("synthesis pdf", "get", f"{BASE}/stages/1/synthesis.pdf", None, "nobody"),
]  # fmt: skip


def expected_status(role, method, who):
    """The exact status code `role` gets."""
    if who == "everyone":
        return 200
    if who == "nobody":
        return 404  # the synthesis is not published yet
    if who == "editors-read":
        return 200 if role in EDITORS else 404
    allowed = role in EDITORS if who == "editors" else role == "moderator"
    if role == "anonymous":
        return 302  # to the sign-in page
    if not allowed:
        return 403
    return 302 if method == "post" else 200


def snapshot():
    """Everything these pages could change."""
    return {
        "consultations": list(
            Consultation.objects.order_by("pk").values_list("pk", "title", "intro")
        ),
        "stages": list(
            Stage.objects.order_by("pk").values_list(
                "pk", "position", "title", "description", "opens_at", "closes_at",
                "cancelled_at", "cancellation_reason", "minutes", "participants",
            )
        ),
        "dispositions": list(
            Disposition.objects.order_by("pk").values_list(
                "comment_id", "outcome", "reason", "applied_in_id"
            )
        ),
        "syntheses": list(Synthesis.objects.values_list("pk", flat=True)),
        "comments": list(
            StageComment.objects.order_by("pk").values_list(
                "pk", "state", "state_reason", "flags_reviewed"
            )
        ),
        "log": ActivityLog.objects.count(),
    }  # fmt: skip


def browser(consultation_world, role):
    client = Client()
    client.cookies["consult_language"] = "en"
    if consultation_world[role] is not None:
        client.force_login(consultation_world[role])
    return client


def attempt(consultation_world, role, method, url, data):
    """(status, database changed?) of one request, undone afterwards so that every role meets
    the same consultation_world."""
    with transaction.atomic():
        before = snapshot()
        response = getattr(browser(consultation_world, role), method)(url, data or {})
        after = snapshot()
        if response.status_code == 302 and role == "anonymous":
            assert response["Location"].startswith("/accounts/login/?next=")
        changed = after != before
        if changed:
            assert after["log"] > before["log"]  # every change is logged
        transaction.set_rollback(True)
    return response.status_code, changed


@pytest.mark.parametrize(
    ("name", "method", "url", "data", "who"), ACTIONS, ids=[a[0] for a in ACTIONS]
)
def test_permission_matrix(consultation_world, name, method, url, data, who):
    """One row of the matrix: every role tries the action; only the allowed ones change
    anything, and only by posting."""
    url = url.replace("COMMENT", str(consultation_world["comment"].pk))
    if data == "STAGE":
        data = with_revision(stage_post(), consultation_world)
    elif data == "STAGE_EDIT":
        data = with_revision(stage_post(), consultation_world)
        data["title"] = "A doua etapă, mutată"
    results = {role: attempt(consultation_world, role, method, url, data) for role in ROLES}
    expected = {}
    for role in ROLES:
        status = expected_status(role, method, who)
        changes = method == "post" and status == 302 and role != "anonymous"
        expected[role] = (status, changes)
    assert results == expected


# --- Invisible proposals, site administrators ---------------------------------------------------


@pytest.fixture
def draft(editor, ngo):
    return ProposalFactory(editor=editor, organization=ngo, slug="ciorna")


@pytest.mark.parametrize("role", ["citizen", "other ngo editor", "authority member", "moderator"])
@pytest.mark.parametrize(
    "url",
    [
        "/proposals/ciorna/consultation/new/",
        "/proposals/ciorna/consultation/edit/",
        "/proposals/ciorna/consultation/stages/new/",
        "/proposals/ciorna/consultation/stages/1/answers/",
        "/proposals/ciorna/consultation/stages/1/comments.csv",
        "/proposals/ciorna/consultation/stages/1/synthesis/",
    ],
)
def test_a_private_draft_is_invisible_to_everyone_outside_its_organisation(
    consultation_world, draft, role, url
):
    client = browser(consultation_world, role)
    before = snapshot()
    assert client.get(url).status_code == 404
    assert client.post(url, {"title": "Consultare"}).status_code == 404
    assert snapshot() == before


def test_a_draft_can_be_opened_by_its_editors_but_not_put_to_consultation(
    consultation_world, draft
):
    client = browser(consultation_world, "editor")
    assert client.get("/proposals/ciorna/consultation/new/").status_code == 200
    response = client.post("/proposals/ciorna/consultation/new/", {"title": "Consultare"})
    assert response.status_code == 400
    assert not Consultation.objects.filter(proposal=draft).exists()


def test_a_superuser_outside_the_organisation_cannot_run_or_answer(consultation_world):
    root = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(root)
    before = snapshot()
    assert client.get(f"{BASE}/edit/").status_code == 403
    url = f"/comments/{consultation_world['comment'].pk}/answer/"
    assert client.post(url, {"outcome": "accepted", "reason": "Da."}).status_code == 403
    assert client.post(f"{BASE}/stages/1/publish-synthesis/").status_code == 403
    assert snapshot() == before


def test_an_inactive_staff_account_cannot_moderate(consultation_world):
    consultation_world["moderator"].is_active = False
    consultation_world["moderator"].save()
    client = Client()
    client.force_login(consultation_world["moderator"])
    response = client.get("/moderation/")
    assert response.status_code in (302, 403)
    assert not response.headers.get("Location", "").startswith("/moderation")


@pytest.mark.parametrize("role", ROLES)
def test_published_synthesis_and_its_exports_are_public(consultation_world, role):
    domain.publish_synthesis(consultation_world["editor"], Stage.objects.get(position=1))
    client = browser(consultation_world, role)
    for suffix in ("synthesis/", "synthesis.csv", "synthesis.pdf"):
        assert client.get(f"{BASE}/stages/1/{suffix}").status_code == 200
    before = snapshot()
    url = f"/comments/{consultation_world['comment'].pk}/answer/"
    response = client.post(url, {"outcome": "accepted", "reason": "Prea târziu."})
    assert response.status_code == {"anonymous": 302, "editor": 400, "admin": 400}.get(role, 403)
    assert snapshot() == before
