"""Running a consultation through its pages: the consultation, stages in the organisation's time
zone, legal periods, cancelling, removing, minutes. Pages use the real clock, so stages are placed
around `timezone.now()`; the form's reading of dates is also tested at fixed moments."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from consultations import domain
from consultations.forms_manage import StageForm, wall_clock
from consultations.models import Consultation, Stage, StageStatus
from core.models import ActivityLog
from proposals import domain as proposals_domain
from tests.consultations.conftest import add_written_stage
from tests.factories import MembershipFactory, OrganizationFactory, ProposalFactory
from tests.helpers import messages_of

BUCHAREST = ZoneInfo("Europe/Bucharest")
SOFIA = ZoneInfo("Europe/Sofia")
BASE = "/proposals/legea-350/consultation"


def log(obj):
    return [
        (row.verb, row.old_value, row.new_value)
        for row in ActivityLog.objects.for_object(obj).order_by("id")
    ]


def stage_data(opens, closes, *, revision=None, kind="written", **extra):
    """The stage form's fields; `opens` and `closes` are wall-clock (naive) datetimes."""
    data = {
        "kind": kind,
        "title": "Recomandări scrise",
        "description": "Trimiteți propunerile pe articole.",
        "opens_date": opens.strftime("%Y-%m-%d"),
        "opens_time": opens.strftime("%H:%M"),
        "closes_date": closes.strftime("%Y-%m-%d"),
        "closes_time": closes.strftime("%H:%M"),
        "revision": revision.pk if revision else "",
        "short_period_reason": "",
        "meeting_date": "",
        "meeting_time": "",
        "meeting_place": "",
        "meeting_link": "",
        "agenda": "",
    }
    data.update(extra)
    return data


def next_year(month, day, hour=9, minute=0):
    """A wall-clock moment in the coming year (pages refuse stages opening in the past)."""
    return datetime(timezone.now().year + 1, month, day, hour, minute)


@pytest.fixture
def editor_client(en_client, editor):
    en_client.force_login(editor)
    return en_client


@pytest.fixture
def bg_world(db):
    organization = OrganizationFactory(
        name="Сдружение „Гражданска инициатива“", slug="grazhdanska-initsiativa", country="BG"
    )
    editor = MembershipFactory(organization=organization, role="editor").user
    proposal = ProposalFactory(
        editor=editor,
        organization=organization,
        title="Наредба за обществените консултации",
        slug="naredba",
        language="bg",
    )
    proposals_domain.publish_proposal(editor, proposal)
    consultation = domain.create_consultation(editor, proposal, title="Обществена консултация")
    return {"editor": editor, "proposal": proposal, "consultation": consultation}


# --- The consultation --------------------------------------------------------------------------


def test_consultation_create_by_editor_creates_logs_and_goes_to_stages(
    editor_client, debated_proposal
):
    response = editor_client.get(f"{BASE}/new/")
    assert response.status_code == 200
    assert 'name="title"' in response.content.decode()
    response = editor_client.post(
        f"{BASE}/new/", {"title": "Consultare publică Legea 350", "intro": "Spuneți-vă părerea."}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}/stages/new/"
    consultation = Consultation.objects.get(proposal=debated_proposal)
    assert (consultation.title, consultation.intro) == (
        "Consultare publică Legea 350",
        "Spuneți-vă părerea.",
    )
    assert log(consultation) == [("consultation.created", "", "")]


def test_consultation_create_for_a_draft_is_refused_with_the_domain_message(en_client, editor, ngo):
    ProposalFactory(editor=editor, organization=ngo, slug="ciorna")
    en_client.force_login(editor)
    response = en_client.post("/proposals/ciorna/consultation/new/", {"title": "Consultare"})
    assert response.status_code == 400
    assert "Publish the proposal before opening a consultation on it." in response.content.decode()
    assert Consultation.objects.count() == 0


def test_consultation_create_for_a_withdrawn_proposal_is_refused(
    editor_client, editor, debated_proposal
):
    proposals_domain.withdraw_proposal(
        editor, debated_proposal, "Legea a fost modificată între timp."
    )
    response = editor_client.post(f"{BASE}/new/", {"title": "Consultare"})
    assert response.status_code == 400
    assert (
        "The proposal was withdrawn; it cannot be put to consultation." in response.content.decode()
    )
    assert Consultation.objects.count() == 0


def test_consultation_create_when_one_exists_goes_to_its_edit_page(editor_client, consultation):
    response = editor_client.get(f"{BASE}/new/")
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}/edit/"
    assert Consultation.objects.count() == 1


def test_consultation_edit_saves_and_logs_old_and_new_title(editor_client, consultation):
    response = editor_client.get(f"{BASE}/edit/")
    assert response.status_code == 200
    assert "Consultare publică Legea 350" in response.content.decode()
    response = editor_client.post(
        f"{BASE}/edit/", {"title": "Consultarea publică nr. 1", "intro": "Două etape."}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}/"
    consultation.refresh_from_db()
    assert (consultation.title, consultation.intro) == ("Consultarea publică nr. 1", "Două etape.")
    assert log(consultation)[-1] == (
        "consultation.changed",
        "Consultare publică Legea 350",
        "Consultarea publică nr. 1",
    )


def test_consultation_edit_unchanged_writes_no_log_row(editor_client, consultation):
    before = ActivityLog.objects.count()
    response = editor_client.post(
        f"{BASE}/edit/", {"title": consultation.title, "intro": consultation.intro}
    )
    assert response.status_code == 302
    assert ActivityLog.objects.count() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "Consultare\x00", "intro": ""}, "control characters"),
        ({"title": "Consultare", "intro": "x" * 10001}, "at most 10000 characters"),
        ({"title": "", "intro": ""}, "This field is required."),
    ],
)
def test_consultation_edit_bad_input_is_refused_and_nothing_changes(
    editor_client, consultation, data, message
):
    before = ActivityLog.objects.count()
    response = editor_client.post(f"{BASE}/edit/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    consultation.refresh_from_db()
    assert consultation.title == "Consultare publică Legea 350"
    assert ActivityLog.objects.count() == before


def test_stage_create_without_a_consultation_sends_to_create_it(editor_client, debated_proposal):
    response = editor_client.get(f"{BASE}/stages/new/")
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}/new/"


# --- Stages in the organisation's time zone ----------------------------------------------------


def test_stage_form_reads_romanian_wall_clock_as_bucharest_time(consultation):
    form = StageForm(
        stage_data(
            datetime(2026, 3, 10, 9, 0),
            datetime(2026, 3, 20, 9, 0),
            revision=consultation.proposal.current_revision,
        ),
        consultation=consultation,
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["opens_at"] == datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
    assert form.cleaned_data["closes_at"] == datetime(2026, 3, 20, 7, 0, tzinfo=UTC)
    assert (form.period.days, form.period.hours) == (10, 0)


def test_stage_form_reads_bulgarian_wall_clock_as_sofia_time(bg_world):
    consultation = bg_world["consultation"]
    assert consultation.proposal.organization.time_zone == "Europe/Sofia"
    form = StageForm(
        stage_data(
            datetime(2026, 3, 10, 9, 0),
            datetime(2026, 4, 9, 9, 0),
            revision=consultation.proposal.current_revision,
        ),
        consultation=consultation,
    )
    assert form.is_valid(), form.errors
    # Sofia is on EET (UTC+2) on 10 March and on EEST (UTC+3) on 9 April.
    assert form.cleaned_data["opens_at"] == datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
    assert form.cleaned_data["closes_at"] == datetime(2026, 4, 9, 6, 0, tzinfo=UTC)


def test_stage_form_across_the_spring_clock_change_counts_calendar_days(editor, consultation):
    # Clocks go from 03:00 to 04:00 on 29 March 2026: the stage lasts 10 calendar days, one hour
    # less on the clock, and is not shorter than the 10 days Law 52/2003 expects.
    form = StageForm(
        stage_data(
            datetime(2026, 3, 28, 9, 0),
            datetime(2026, 4, 7, 9, 0),
            revision=consultation.proposal.current_revision,
        ),
        consultation=consultation,
    )
    assert form.is_valid(), form.errors
    opens_at, closes_at = form.cleaned_data["opens_at"], form.cleaned_data["closes_at"]
    assert opens_at == datetime(2026, 3, 28, 7, 0, tzinfo=UTC)
    assert closes_at == datetime(2026, 4, 7, 6, 0, tzinfo=UTC)
    assert closes_at - opens_at == timedelta(days=9, hours=23)
    assert (form.period.days, form.period.hours) == (10, 0)
    stage = domain.add_stage(
        editor,
        consultation,
        kind="written",
        now=datetime(2026, 3, 1, tzinfo=UTC),
        **form.domain_fields(),
    )
    assert (stage.opens_at, stage.closes_at, stage.short_period_reason) == (
        opens_at,
        closes_at,
        "",
    )


def test_stage_form_refuses_a_time_the_clocks_skip(consultation):
    translation.activate("en")
    form = StageForm(
        stage_data(
            datetime(2026, 3, 29, 3, 30),
            datetime(2026, 4, 10, 9, 0),
            revision=consultation.proposal.current_revision,
        ),
        consultation=consultation,
    )
    assert not form.is_valid()
    assert form.errors["opens_time"] == [
        "There is no 03:30 on 29.03.2026 in Europe/Bucharest: the clocks move forward an hour "
        "that night. Choose another time."
    ]


def test_wall_clock_in_the_repeated_autumn_hour_is_the_first_one():
    moment = wall_clock(date(2026, 10, 25), time(3, 30), BUCHAREST)
    assert moment == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert wall_clock(date(2026, 10, 25), time(4, 30), BUCHAREST) == datetime(
        2026, 10, 25, 2, 30, tzinfo=UTC
    )


def test_stage_create_page_stores_a_romanian_stage_in_utc_and_shows_it_back(
    editor_client, consultation
):
    opens, closes = next_year(3, 10), next_year(3, 25, 16, 30)
    response = editor_client.post(
        f"{BASE}/stages/new/",
        stage_data(opens, closes, revision=consultation.proposal.current_revision),
    )
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == f"{BASE}/"
    stage = Stage.objects.get(consultation=consultation)
    assert stage.opens_at == datetime(opens.year, 3, 10, 7, 0, tzinfo=UTC)
    assert stage.closes_at == datetime(opens.year, 3, 25, 14, 30, tzinfo=UTC)
    assert (stage.kind, stage.title, stage.revision) == (
        "written",
        "Recomandări scrise",
        consultation.proposal.current_revision,
    )
    assert log(stage)[0][0] == "stage.added"
    page = editor_client.get(f"{BASE}/stages/1/edit/").content.decode()
    assert f'name="opens_date" value="{opens.year}-03-10"' in page
    assert 'name="opens_time" value="09:00"' in page
    assert f'name="closes_date" value="{opens.year}-03-25"' in page
    assert 'name="closes_time" value="16:30"' in page
    assert "Europe/Bucharest" in page


def test_stage_create_page_stores_a_bulgarian_stage_in_sofia_time(en_client, bg_world):
    en_client.force_login(bg_world["editor"])
    opens, closes = next_year(3, 10), next_year(4, 10)
    revision = bg_world["proposal"].current_revision
    response = en_client.post(
        "/proposals/naredba/consultation/stages/new/",
        stage_data(opens, closes, revision=revision, title="Писмени предложения"),
    )
    assert response.status_code == 302, response.content.decode()
    stage = Stage.objects.get(consultation=bg_world["consultation"])
    assert stage.opens_at == datetime(opens.year, 3, 10, 9, 0, tzinfo=SOFIA)
    assert stage.opens_at == datetime(opens.year, 3, 10, 7, 0, tzinfo=UTC)
    assert stage.closes_at == datetime(opens.year, 4, 10, 9, 0, tzinfo=SOFIA)
    page = en_client.get("/proposals/naredba/consultation/stages/1/edit/").content.decode()
    assert 'name="opens_time" value="09:00"' in page
    assert "Europe/Sofia" in page


# --- Legal periods -----------------------------------------------------------------------------


def test_short_romanian_period_warns_keeps_everything_typed_then_saves_with_the_reason(
    editor_client, consultation
):
    opens, closes = next_year(3, 10), next_year(3, 19)  # 9 days
    data = stage_data(
        opens,
        closes,
        revision=consultation.proposal.current_revision,
        title="Etapă scurtă <b>urgentă</b>",
        description="Descriere păstrată",
    )
    response = editor_client.post(f"{BASE}/stages/new/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "Law 52/2003 expects at least 10 calendar days for written recommendations; this stage "
        "is shorter. Give the reason, which will be shown publicly." in page
    )
    assert "As entered, the stage lasts 9 days" in page
    assert 'value="Etapă scurtă &lt;b&gt;urgentă&lt;/b&gt;"' in page
    assert "Descriere păstrată</textarea>" in page
    assert f'name="closes_date" value="{closes:%Y-%m-%d}"' in page
    assert Stage.objects.count() == 0

    data["short_period_reason"] = "Termenul de adoptare este 1 aprilie."
    response = editor_client.post(f"{BASE}/stages/new/", data)
    assert response.status_code == 302
    stage = Stage.objects.get()
    assert stage.short_period_reason == "Termenul de adoptare este 1 aprilie."
    assert stage.title == "Etapă scurtă <b>urgentă</b>"


def test_short_bulgarian_period_warns_under_30_days_and_is_refused_under_14(en_client, bg_world):
    en_client.force_login(bg_world["editor"])
    url = "/proposals/naredba/consultation/stages/new/"
    revision = bg_world["proposal"].current_revision
    data = stage_data(next_year(3, 10), next_year(3, 30), revision=revision)  # 20 days
    response = en_client.post(url, data)
    assert response.status_code == 400
    assert (
        "The Law on Normative Acts (art. 26) expects at least 30 days for written proposals; "
        "this stage is shorter." in response.content.decode()
    )
    assert Stage.objects.count() == 0

    short = stage_data(
        next_year(3, 10),
        next_year(3, 20),
        revision=revision,
        short_period_reason="Спешна промяна.",
    )  # 10 days, even with a reason
    response = en_client.post(url, short)
    assert response.status_code == 400
    assert (
        "Bulgarian law (Law on Normative Acts, art. 26) allows at most a shortening to 14 days"
        in response.content.decode()
    )
    assert Stage.objects.count() == 0

    data["short_period_reason"] = "Спешна промяна на наредбата."
    response = en_client.post(url, data)
    assert response.status_code == 302
    assert Stage.objects.get().short_period_reason == "Спешна промяна на наредбата."


def test_stage_form_shows_days_and_working_days(editor_client, consultation):
    # 10 days from a Monday 09:00: working days after the first day up to the last one.
    year = timezone.now().year + 1
    monday = date(year, 9, 1)
    monday += timedelta(days=(7 - monday.weekday()) % 7)
    opens = datetime.combine(monday, time(9, 0))
    data = stage_data(
        opens, opens + timedelta(days=10), revision=consultation.proposal.current_revision
    )
    data["title"] = ""
    response = editor_client.post(f"{BASE}/stages/new/", data)
    assert response.status_code == 400
    assert "The stage lasts 10 days (8 working days)." in response.content.decode()


# --- Changing, cancelling, removing ------------------------------------------------------------


@pytest.fixture
def scheduled(editor, consultation):
    return add_written_stage(
        editor,
        consultation,
        opens_at=timezone.now() + timedelta(days=5),
        now=timezone.now(),
        title="Etapa programată",
    )


def test_stage_edit_of_a_scheduled_stage_moves_it_and_logs(editor_client, scheduled):
    opens, closes = next_year(5, 4), next_year(5, 20, 18, 0)
    response = editor_client.post(
        f"{BASE}/stages/1/edit/",
        stage_data(
            opens,
            closes,
            revision=scheduled.revision,
            title="Etapa mutată",
            kind="meeting",  # disabled: the kind of a stage never changes
        ),
    )
    assert response.status_code == 302, response.content.decode()
    scheduled.refresh_from_db()
    assert (scheduled.kind, scheduled.title) == ("written", "Etapa mutată")
    assert scheduled.opens_at == datetime(opens.year, 5, 4, 6, 0, tzinfo=UTC)
    assert scheduled.closes_at == datetime(opens.year, 5, 20, 15, 0, tzinfo=UTC)
    assert log(scheduled)[-1] == ("stage.changed", "", "Etapa mutată")


def test_stage_edit_of_an_open_stage_changes_only_description_and_closing(
    editor_client, open_stage
):
    local = timezone.localtime(open_stage.closes_at, BUCHAREST)
    later = local.replace(tzinfo=None, second=0, microsecond=0) + timedelta(days=3)
    data = stage_data(
        datetime(2020, 1, 1, 9, 0),  # disabled fields: ignored
        later,
        revision=open_stage.revision,
        title="Alt titlu",
        description="Descriere nouă",
    )
    response = editor_client.post(f"{BASE}/stages/1/edit/", data)
    assert response.status_code == 302, response.content.decode()
    opened = open_stage.opens_at
    open_stage.refresh_from_db()
    assert open_stage.title == "Recomandări scrise"
    assert open_stage.opens_at == opened
    assert open_stage.description == "Descriere nouă"
    assert timezone.localtime(open_stage.closes_at, BUCHAREST).replace(tzinfo=None) == later


def test_stage_edit_of_an_open_stage_keeps_the_exact_closing_time_when_untouched(
    editor_client, open_stage
):
    closes_at = open_stage.closes_at
    assert closes_at.second or closes_at.microsecond  # the fixture's moment has seconds
    page = editor_client.get(f"{BASE}/stages/1/edit/").content.decode()
    assert "only its description and its closing date (to a later one) can change" in page
    local = timezone.localtime(closes_at, BUCHAREST)
    data = stage_data(local, local, revision=open_stage.revision, description="Doar descrierea")
    response = editor_client.post(f"{BASE}/stages/1/edit/", data)
    assert response.status_code == 302, response.content.decode()
    open_stage.refresh_from_db()
    assert open_stage.closes_at == closes_at
    assert open_stage.description == "Doar descrierea"


def test_stage_edit_shortening_an_open_stage_is_refused(editor_client, open_stage):
    local = timezone.localtime(open_stage.closes_at, BUCHAREST) - timedelta(days=1)
    response = editor_client.post(
        f"{BASE}/stages/1/edit/", stage_data(local, local, revision=open_stage.revision)
    )
    assert response.status_code == 400
    assert "An open stage can only be extended, not shortened." in response.content.decode()


def test_stage_edit_of_a_closed_stage_sends_back_with_a_message(editor_client, stage):
    assert stage.status == StageStatus.CLOSED
    response = editor_client.get(f"{BASE}/stages/1/edit/")
    assert response.status_code == 302
    assert messages_of(response) == ["The stage is closed; it can no longer be changed."]


def test_stage_cancel_asks_for_confirmation_and_a_reason(editor_client, open_stage):
    page = editor_client.get(f"{BASE}/stages/1/cancel/")
    assert page.status_code == 200
    assert "This cannot be undone." in page.content.decode()
    response = editor_client.post(f"{BASE}/stages/1/cancel/", {"reason": ""})
    assert response.status_code == 400
    open_stage.refresh_from_db()
    assert open_stage.cancelled_at is None
    response = editor_client.post(
        f"{BASE}/stages/1/cancel/", {"reason": "Textul se schimbă substanțial."}
    )
    assert response.status_code == 302
    open_stage.refresh_from_db()
    assert open_stage.status == StageStatus.CANCELLED
    assert open_stage.cancellation_reason == "Textul se schimbă substanțial."
    assert log(open_stage)[-1] == ("stage.cancelled", "open", "cancelled")


def test_stage_remove_is_refused_for_a_stage_that_opened(editor_client, open_stage):
    response = editor_client.get(f"{BASE}/stages/1/remove/")
    assert response.status_code == 302
    assert messages_of(response) == ["A stage that has opened is never removed; cancel it instead."]
    response = editor_client.post(f"{BASE}/stages/1/remove/")
    assert response.status_code == 302
    assert Stage.objects.filter(pk=open_stage.pk).exists()


def test_stage_remove_of_a_scheduled_stage_after_confirmation(
    editor_client, editor, consultation, scheduled
):
    later = add_written_stage(
        editor,
        consultation,
        opens_at=timezone.now() + timedelta(days=20),
        now=timezone.now(),
        title="A doua etapă",
    )
    page = editor_client.get(f"{BASE}/stages/1/remove/")
    assert page.status_code == 200
    assert "Remove the stage" in page.content.decode()
    response = editor_client.post(f"{BASE}/stages/1/remove/")
    assert response.status_code == 302
    assert not Stage.objects.filter(pk=scheduled.pk).exists()
    later.refresh_from_db()
    assert later.position == 1
    assert ActivityLog.objects.filter(verb="stage.removed").count() == 1


# --- Meetings ----------------------------------------------------------------------------------


@pytest.fixture
def meeting(editor, consultation):
    held = timezone.now() - timedelta(days=3)
    return domain.add_stage(
        editor,
        consultation,
        kind="meeting",
        title="Dezbatere publică",
        opens_at=held,
        closes_at=held + timedelta(hours=3),
        meeting_at=held,
        meeting_place="Sala mare a Primăriei",
        now=held - timedelta(days=1),
    )


def test_stage_minutes_are_published_for_a_meeting_that_took_place(editor_client, meeting):
    assert editor_client.get(f"{BASE}/stages/1/minutes/").status_code == 200
    response = editor_client.post(
        f"{BASE}/stages/1/minutes/",
        {"minutes": "Au participat 23 de persoane.", "participants": 23},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.minutes, meeting.participants) == ("Au participat 23 de persoane.", 23)
    assert meeting.minutes_published_at is not None
    assert log(meeting)[-1] == ("stage.minutes_published", "", "23")


def test_stage_minutes_before_the_meeting_are_refused(editor_client, editor, consultation):
    soon = timezone.now() + timedelta(days=2)
    domain.add_stage(
        editor,
        consultation,
        kind="meeting",
        title="Dezbatere",
        opens_at=soon,
        closes_at=soon + timedelta(hours=2),
    )
    response = editor_client.post(
        f"{BASE}/stages/1/minutes/", {"minutes": "Proces-verbal", "participants": 5}
    )
    assert response.status_code == 400
    assert (
        "The minutes can be published once the meeting has taken place."
        in response.content.decode()
    )
    assert Stage.objects.get().minutes == ""


@pytest.mark.parametrize(
    "data",
    [{"minutes": "Proces\x00verbal", "participants": 3}, {"minutes": "PV", "participants": -1}],
)
def test_stage_minutes_bad_input_is_refused(editor_client, meeting, data):
    response = editor_client.post(f"{BASE}/stages/1/minutes/", data)
    assert response.status_code == 400
    meeting.refresh_from_db()
    assert meeting.minutes == ""


def test_stage_minutes_of_a_written_stage_do_not_exist(editor_client, stage):
    assert editor_client.get(f"{BASE}/stages/1/minutes/").status_code == 404


def test_meeting_link_must_be_https(editor_client, consultation):
    opens = next_year(6, 2, 17, 0)
    response = editor_client.post(
        f"{BASE}/stages/new/",
        stage_data(
            opens,
            opens + timedelta(hours=2),
            kind="meeting",
            meeting_link="http://meet.example.org/x",
        ),
    )
    assert response.status_code == 400
    assert Stage.objects.count() == 0


def test_meeting_stage_is_created_with_its_meeting_fields(editor_client, consultation):
    opens = next_year(6, 2, 17, 0)
    response = editor_client.post(
        f"{BASE}/stages/new/",
        stage_data(
            opens,
            opens + timedelta(hours=2),
            kind="meeting",
            title="Dezbatere publică",
            meeting_date=f"{opens:%Y-%m-%d}",
            meeting_time="17:30",
            meeting_place="Sala de consiliu",
            meeting_link="https://meet.example.org/legea-350",
            agenda="1. Prezentare\n2. Discuții",
        ),
    )
    assert response.status_code == 302, response.content.decode()
    stage = Stage.objects.get()
    assert stage.kind == "meeting"
    assert stage.meeting_at == datetime(opens.year, 6, 2, 14, 30, tzinfo=UTC)
    assert (stage.meeting_place, stage.meeting_link, stage.agenda) == (
        "Sala de consiliu",
        "https://meet.example.org/legea-350",
        "1. Prezentare\n2. Discuții",
    )


# --- Bad addresses -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"{BASE}/stages/9/edit/",
        f"{BASE}/stages/9/cancel/",
        f"{BASE}/stages/9/remove/",
        f"{BASE}/stages/99999999999999999999/edit/",
        "/proposals/nu-exista/consultation/edit/",
    ],
)
def test_unknown_stage_or_proposal_is_404(editor_client, stage, url):
    assert editor_client.get(url).status_code == 404
    assert editor_client.post(url, {"reason": "x"}).status_code == 404


def test_stage_close_early_asks_for_confirmation_then_closes_and_shows_why(
    editor_client, editor, consultation, en_client
):
    now = timezone.now()
    stage = add_written_stage(
        editor, consultation, opens_at=now - timedelta(days=2), now=now - timedelta(days=3), days=20
    )
    detail = editor_client.get(f"{BASE}/")
    assert f'href="{BASE}/stages/1/close/"' in detail.content.decode()
    page = editor_client.get(f"{BASE}/stages/1/close/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "This cannot be undone." in html
    assert "less than the 10 days the law expects" in html
    # Two days after opening the period is short: the reason is required, nothing changes.
    response = editor_client.post(f"{BASE}/stages/1/close/", {"reason": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == [
        "Law 52/2003 expects at least 10 calendar days for written recommendations; this stage "
        "is shorter. Give the reason, which will be shown publicly."
    ]
    stage.refresh_from_db()
    assert (stage.planned_closes_at, stage.status) == (None, StageStatus.OPEN)
    planned = stage.closes_at
    response = editor_client.post(
        f"{BASE}/stages/1/close/", {"reason": "Proiectul a fost retras de minister."}
    )
    assert response.status_code == 302
    assert messages_of(response) == [
        "The stage “Recomandări scrise” was closed; its followers are told."
    ]
    stage.refresh_from_db()
    assert stage.status == StageStatus.CLOSED
    assert stage.planned_closes_at == planned
    assert stage.closed_early_reason == "Proiectul a fost retras de minister."
    # The opening, not yet recorded by the scheduled task, is recorded with the closing.
    assert [row[0] for row in log(stage)][-3:] == [
        "stage.closed_early",
        "stage.opened",
        "stage.closed",
    ]
    public = en_client.get(f"{BASE}/stages/1/").content.decode()
    assert "Closed early, on " in public
    assert "Reason: Proiectul a fost retras de minister." in public
    # Closed: the page refuses to close it again, with the domain's words.
    response = editor_client.get(f"{BASE}/stages/1/close/")
    assert response.status_code == 302
    assert messages_of(response) == ["Only an open stage can be closed early."]


def test_stage_close_early_is_for_the_organisations_editors(en_client, open_stage):
    outsider = MembershipFactory(role="editor").user
    en_client.force_login(outsider)
    assert en_client.get(f"{BASE}/stages/1/close/").status_code == 403
    assert en_client.post(f"{BASE}/stages/1/close/", {"reason": "x"}).status_code == 403
    open_stage.refresh_from_db()
    assert open_stage.planned_closes_at is None
