"""A municipality's day in the browser (issue 17): its admin drafts a decision and opens it for
recommendations; a verified NGO asks for a public debate; the municipality schedules the
meeting, people register and attend; the municipality answers the recommendations, publishes
the justification (synthesis) and generates its annual report (Law 52/2003 art. 13), whose
figures count what happened that day."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from consultations import domain
from consultations.models import DebateRequest, MeetingRegistration, Stage, StageComment
from proposals import domain as proposals_domain
from proposals.attachments import store_upload
from proposals.models import Proposal
from registrations.models import AnnualReport
from tests.browser.test_proposal_versions import sign_in
from tests.factories import (
    PDF,
    AuthorityFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SLUG = "hcl-parcari"
CONSULTATION = f"/proposals/{SLUG}/consultation/"


def _english(page, live_server):
    page.context.add_cookies([{"name": "consult_language", "value": "en", "url": live_server.url}])


def _as(page, live_server, user):
    page.context.clear_cookies()
    _english(page, live_server)
    sign_in(page, user.email)


def _attach_the_note_and_publish(admin):
    """The substantiation note, uploaded with the text's second revision, and the draft made
    public (the editor's upload and publication have their own browser tests)."""
    proposal = Proposal.objects.get(slug=SLUG)
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
        blocks=revision.blocks,
        message="Cu referatul de aprobare",
        attachments=[note],
    )
    proposal.refresh_from_db()
    proposals_domain.publish_proposal(admin, proposal)
    return note


def _fill_stage(page, *, kind, title, opens, closes):
    page.goto(f"{CONSULTATION}stages/new/")
    page.select_option("#id_kind", kind)
    page.fill("#id_title", title)
    page.fill("#id_opens_date", opens.date().isoformat())
    page.fill("#id_opens_time", opens.strftime("%H:%M"))
    page.fill("#id_closes_date", closes.date().isoformat())
    page.fill("#id_closes_time", closes.strftime("%H:%M"))


def test_a_municipality_drafts_consults_debates_answers_and_reports(page, live_server):
    authority = AuthorityFactory(name="Primăria Municipiului Test", slug="primaria-test")
    admin = MembershipFactory(
        organization=authority, role="admin", user__display_name="Elena Primăria"
    ).user
    ngo = OrganizationFactory(
        name="Asociația Vrancea Civică", slug="vrancea-civica", verified_at=timezone.now()
    )
    ngo_editor = MembershipFactory(organization=ngo, role="editor").user
    zone = authority.zone
    today = timezone.localtime(timezone.now(), zone)

    # The admin drafts the decision.
    _as(page, live_server, admin)
    page.goto("/proposals/new/")
    if page.locator("#id_organization").count():
        page.select_option("#id_organization", str(authority.pk))
    page.fill("#id_title", "Proiect de hotărâre privind parcările de reședință")
    page.fill("#id_slug", SLUG)
    page.select_option("#id_kind", "draft_decision")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/proposals/{SLUG}/edit/")
    page.fill("#blocks-0-text", "Art. 1. Se aprobă Regulamentul parcărilor de reședință.")
    page.fill("#id_message", "Proiectul inițial")
    page.locator("button[name=op][value=save]").click()
    page.wait_for_url("**/v/1/")
    note = _attach_the_note_and_publish(admin)

    # …and opens it for recommendations: the consultation, then the announcement.
    page.goto(f"{CONSULTATION}new/")
    page.fill("#id_title", "Consultarea publică a proiectului")
    page.get_by_role("button", name="Create the consultation").click()
    page.wait_for_url(f"**{CONSULTATION}**")
    opens = (today + timedelta(days=1)).replace(hour=9, minute=0)
    _fill_stage(
        page,
        kind="announcement",
        title="Anunțul proiectului",
        opens=opens,
        closes=opens + timedelta(days=10),
    )
    page.fill("#id_adoption_planned_on", (today + timedelta(days=70)).date().isoformat())
    page.select_option("#id_substantiation", str(note.pk))
    page.get_by_role("button", name="Add the stage").click()
    page.wait_for_url(f"**{CONSULTATION}**")
    announcement = Stage.objects.get(kind="announcement")
    assert announcement.substantiation_id == note.pk

    # The next day the announcement is open: a resident comments, a letter arrives on paper.
    now = timezone.now()
    Stage.objects.filter(pk=announcement.pk).update(
        opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(days=10)
    )
    resident = UserFactory(display_name="Ion Vasile")
    on_site = domain.post_comment(
        resident, announcement, text="Atribuiți locurile prin tragere la sorți.", stance="oppose"
    )
    on_paper = domain.log_recommendation(
        admin,
        announcement,
        author="Maria Ionescu",
        received_on=timezone.localdate(timezone=zone),
        text="Scutiți pensionarii de tarif.",
        channel="paper",
    )

    # A verified NGO asks for a public debate.
    _as(page, live_server, ngo_editor)
    page.goto(f"{CONSULTATION}debate/request/")
    page.fill("#id_message", "Cerem o dezbatere publică potrivit art. 7 din Legea nr. 52/2003.")
    page.get_by_role("button", name="Send the request").click()
    request = DebateRequest.objects.get()
    page.wait_for_url(f"**{request.get_absolute_url()}")

    # The municipality schedules the meeting and answers the request with it.
    _as(page, live_server, admin)
    meeting_at = (today + timedelta(days=3)).replace(hour=17, minute=0)
    _fill_stage(
        page,
        kind="meeting",
        title="Dezbaterea publică",
        opens=meeting_at,
        closes=meeting_at + timedelta(hours=2),
    )
    page.fill("#id_meeting_date", meeting_at.date().isoformat())
    page.fill("#id_meeting_time", "17:00")
    page.fill("#id_meeting_place", "Sala de ședințe a Consiliului Local")
    page.get_by_role("button", name="Add the stage").click()
    page.wait_for_url(f"**{CONSULTATION}**")
    meeting = Stage.objects.get(kind="meeting")
    page.goto(request.get_absolute_url())
    page.select_option("#id_meeting", str(meeting.pk))
    page.get_by_role("button", name="Schedule the debate as this meeting").click()
    page.wait_for_url(f"**{request.get_absolute_url()}")
    request.refresh_from_db()
    assert (request.status, request.meeting_id) == ("scheduled", meeting.pk)

    # Two people register for the meeting.
    people = [resident, UserFactory(display_name="Dan Popa")]
    for person in people:
        _as(page, live_server, person)
        page.goto(f"{CONSULTATION}stages/{meeting.position}/register/")
        page.select_option("#id_category", "citizen")
        page.get_by_role("button", name="Register").click()
        page.wait_for_url(f"**{CONSULTATION}stages/{meeting.position}/**")
    assert MeetingRegistration.objects.filter(stage=meeting, status="registered").count() == 2

    # Days later: the recommendations period is over and the meeting has taken place.
    now = timezone.now()
    Stage.objects.filter(pk=announcement.pk).update(
        opens_at=now - timedelta(days=11), closes_at=now - timedelta(days=1)
    )
    Stage.objects.filter(pk=meeting.pk).update(
        opens_at=now - timedelta(hours=3),
        closes_at=now - timedelta(hours=1),
        meeting_at=now - timedelta(hours=3),
    )

    # The municipality marks who came, answers the recommendations, publishes the synthesis.
    _as(page, live_server, admin)
    page.goto(f"{CONSULTATION}stages/{meeting.position}/registrations/")
    boxes = page.locator("section[aria-labelledby=attendance-heading] input[type=checkbox]")
    assert boxes.count() == 2, page.locator("main").inner_text()
    for index in range(2):
        boxes.nth(index).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save the attendance").click()
    assert MeetingRegistration.objects.filter(stage=meeting, attended=True).count() == 2

    answers_url = f"{CONSULTATION}stages/{announcement.position}/answers/"
    for comment, outcome, reason in [
        (on_site, "accepted", "Atribuirea se face prin tragere la sorți."),
        (on_paper, "rejected", "Scutirea nu are acoperire în buget."),
    ]:
        page.goto(answers_url)
        page.locator(f"a[href^='/comments/{comment.pk}/answer/']").click()
        page.locator(f"input[name=outcome][value={outcome}]").check()
        page.fill("textarea[name=reason]", reason)
        page.get_by_role("button", name="Save the answer").click()
        page.wait_for_url(f"**{answers_url}**")
    page.goto(f"{CONSULTATION}stages/{announcement.position}/publish-synthesis/")
    page.get_by_role("button", name="Publish the synthesis").click()
    page.wait_for_url(f"**{CONSULTATION}stages/{announcement.position}/synthesis/")
    assert "Scutirea nu are acoperire în buget." in page.content()
    assert StageComment.objects.filter(stage=announcement).count() == 2

    # The annual report, from the register: the day's figures, completed and published.
    page.goto(f"/register/authority/{authority.slug}/")
    page.get_by_role("link", name="Annual report (Law 52/2003)").click()
    year = today.year
    page.wait_for_url(f"**/register/authority/{authority.slug}/report/{year}/")
    table = page.locator("table.report-table")
    rows = table.locator("tr")
    assert [rows.nth(i).locator("td").inner_text().split("\n")[0] for i in range(4)] == [
        "2",
        "1",
        "2",
        "1",
    ]
    page.fill("#id_assessment", "Asociațiile au participat activ la consultare.")
    page.get_by_role("button", name="Publish the report").click()
    page.wait_for_url(f"**/register/authority/{authority.slug}/report/{year}/")
    report = AnnualReport.objects.get(authority=authority, year=year)
    version = report.versions.get()
    assert (report.status, version.number) == ("published", 1)
    assert [version.figures[key] for key in ("received", "included", "participants")] == [2, 1, 2]
    assert version.figures["debates"] == 1

    # Anyone reads the published report and the list behind each figure.
    page.context.clear_cookies()
    _english(page, live_server)
    page.goto(f"/register/authority/{authority.slug}/report/{year}/")
    assert "Asociațiile au participat activ la consultare." in page.locator("main").inner_text()
    page.get_by_role("link", name="Public debates held: 1, see the list").click()
    page.wait_for_url(f"**/report/{year}/debates/?version=1")
    assert "Dezbaterea publică" in page.locator("main table").inner_text()
