"""Consultations and stages through the domain: time windows, legal periods, order, changes.

Every action takes `now=`, so boundaries are tested to the microsecond; dates are entered in the
organisation's zone (Europe/Bucharest, Europe/Sofia) and compared as moments.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from accounts.models import Organization
from consultations import domain
from consultations.models import Consultation, Follow, MinutesVersion, Stage, StageStatus
from core.errors import DomainError
from core.models import ActivityLog
from proposals import domain as proposals_domain
from proposals.models import Proposal, ProposalStatus
from tests.consultations.conftest import BUCHAREST, T0, add_written_stage, during, text_blocks
from tests.factories import MembershipFactory, OrganizationFactory, ProposalFactory

SOFIA = ZoneInfo("Europe/Sofia")
MICROSECOND = timedelta(microseconds=1)


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in the source language (the site's default is Romanian)."""
    with translation.override("en"):
        yield


def log(obj):
    """(verb, old, new) of the rows logged about `obj`, oldest first."""
    return [
        (row.verb, row.old_value, row.new_value)
        for row in ActivityLog.objects.for_object(obj).order_by("id")
    ]


def refused(function, *args, **kwargs):
    with pytest.raises(DomainError) as error:
        function(*args, **kwargs)
    return error.value


# --- Consultations -----------------------------------------------------------------------------


def test_create_consultation_records_and_follows(editor, debated_proposal):
    consultation = domain.create_consultation(
        editor, debated_proposal, title="Consultare publică  ", intro="Intro\r\nRândul 2\r\n"
    )
    assert (consultation.title, consultation.intro) == ("Consultare publică", "Intro\nRândul 2")
    assert consultation.created_by == editor
    assert log(consultation) == [("consultation.created", "", "")]
    assert list(Follow.objects.values_list("consultation_id", "user_id")) == [
        (consultation.pk, editor.pk)
    ]


def test_create_consultation_refuses_a_draft(editor, ngo):
    draft = ProposalFactory(editor=editor, organization=ngo)
    error = refused(domain.create_consultation, editor, draft, title="Consultare")
    assert error.message == "Publish the proposal before opening a consultation on it."
    assert Consultation.objects.count() == 0


def test_create_consultation_refuses_a_withdrawn_proposal(editor, debated_proposal):
    proposals_domain.withdraw_proposal(editor, debated_proposal, "Retrasă.")
    error = refused(domain.create_consultation, editor, debated_proposal, title="Consultare")
    assert error.message == "The proposal was withdrawn; it cannot be put to consultation."


def test_create_consultation_refuses_a_second_one(editor, debated_proposal, consultation):
    error = refused(domain.create_consultation, editor, debated_proposal, title="Din nou")
    assert error.message == "This proposal already has a consultation."
    assert Consultation.objects.count() == 1


@pytest.mark.parametrize("title", ["", "   ", "Titlu\x00", "T" * 301])
def test_create_consultation_refuses_bad_titles(editor, debated_proposal, title):
    refused(domain.create_consultation, editor, debated_proposal, title=title)
    assert Consultation.objects.count() == 0


# --- The time window ---------------------------------------------------------------------------


def test_stage_status_at_its_boundaries(stage):
    assert stage.opens_at == T0
    assert stage.status_at(T0 - MICROSECOND) == StageStatus.SCHEDULED
    assert stage.status_at(T0) == StageStatus.OPEN
    assert stage.status_at(stage.closes_at - MICROSECOND) == StageStatus.OPEN
    assert stage.status_at(stage.closes_at) == StageStatus.CLOSED


def test_comment_accepted_from_exactly_opens_at(stage, citizen):
    comment = domain.post_comment(citizen, stage, text="Primul.", stance="support", now=T0)
    assert comment.submit_date == T0


def test_comment_refused_a_microsecond_before_opening(stage, citizen):
    with translation.override("en"):
        error = refused(
            domain.post_comment, citizen, stage, text="Prea devreme.", stance="support",
            now=T0 - MICROSECOND,
        )  # fmt: skip
    assert isinstance(error, domain.StageClosed)
    assert error.code == StageStatus.SCHEDULED
    assert error.message.startswith("This stage opens on 2 March 2026, 09:00")


def test_comment_accepted_a_microsecond_before_closing(stage, citizen):
    moment = stage.closes_at - MICROSECOND
    comment = domain.post_comment(citizen, stage, text="Ultimul.", stance="oppose", now=moment)
    assert comment.submit_date == moment


def test_comment_refused_at_exactly_closes_at_and_text_kept_for_the_user(stage, citizen):
    with translation.override("en"):
        error = refused(
            domain.post_comment, citizen, stage, text="Prea târziu.", stance="oppose",
            now=stage.closes_at,
        )  # fmt: skip
    assert isinstance(error, domain.StageClosed)
    assert error.code == StageStatus.CLOSED
    assert error.message == (
        "This stage closed on 12 March 2026, 09:00; your comment was not saved. Your text "
        "is kept below so that you can copy it."
    )


def test_window_compares_moments_whatever_the_zone_they_are_given_in(stage, citizen):
    # 09:00 in Bucharest (UTC+2 in March) is 07:00 UTC and 02:00 in New York.
    utc = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    new_york = datetime(2026, 3, 2, 2, 0, tzinfo=ZoneInfo("America/New_York"))
    assert stage.opens_at == utc == new_york
    assert stage.status_at(utc - MICROSECOND) == StageStatus.SCHEDULED
    assert stage.status_at(new_york) == StageStatus.OPEN
    domain.post_comment(citizen, stage, text="Din New York.", stance="neutral", now=new_york)


@pytest.fixture
def bg_ngo(db):
    return OrganizationFactory(
        name="Сдружение „Граждани за прозрачност“",
        slug="grazhdani",
        country="BG",
        county="София (столица)",
        locality="София",
    )


@pytest.fixture
def bg_editor(bg_ngo):
    return MembershipFactory(
        organization=bg_ngo, role="editor", user__display_name="Иван Петров"
    ).user


@pytest.fixture
def bg_consultation(bg_ngo, bg_editor):
    proposal = ProposalFactory(
        editor=bg_editor,
        organization=bg_ngo,
        title="Прозрачност при приемането на общински наредби",
        slug="prozrachnost",
        language="bg",
        target_authority=Organization.objects.get(slug="stolichna-obshtina"),
    )
    proposals_domain.save_revision(
        bg_editor,
        proposal,
        base_number=1,
        title=proposal.title,
        summary="",
        blocks=text_blocks("Проектите на наредби се публикуват поне 30 дни преди приемането."),
        message="Текст",
    )
    proposal.refresh_from_db()
    proposals_domain.publish_proposal(bg_editor, proposal)
    return domain.create_consultation(bg_editor, proposal, title="Обществена консултация")


def bg_stage(editor, consultation, opens_at, closes_at, **kwargs):
    return domain.add_stage(
        editor,
        consultation,
        kind="written",
        title="Писмени предложения",
        opens_at=opens_at,
        closes_at=closes_at,
        revision=consultation.proposal.current_revision,
        now=opens_at - timedelta(days=1),
        **kwargs,
    )


def test_bulgarian_stage_opens_at_midnight_in_sofia(bg_editor, bg_consultation, citizen):
    opens = datetime(2026, 4, 1, 0, 0, tzinfo=SOFIA)
    stage = bg_stage(bg_editor, bg_consultation, opens, datetime(2026, 5, 1, 0, 0, tzinfo=SOFIA))
    stage.refresh_from_db()
    # Stored as the moment: 21:00 UTC the day before (Sofia is UTC+3 in April).
    assert stage.opens_at == datetime(2026, 3, 31, 21, 0, tzinfo=UTC)
    assert stage.short_period_reason == ""
    with pytest.raises(domain.StageClosed):
        domain.post_comment(citizen, stage, text="Рано.", stance="support", now=opens - MICROSECOND)
    comment = domain.post_comment(citizen, stage, text="Подкрепям.", stance="support", now=opens)
    assert comment.stage == stage


def test_bulgarian_closing_message_shows_sofia_time(bg_editor, bg_consultation, citizen):
    closes = datetime(2026, 5, 1, 0, 0, tzinfo=SOFIA)
    stage = bg_stage(bg_editor, bg_consultation, datetime(2026, 4, 1, tzinfo=SOFIA), closes)
    with translation.override("en"):
        error = refused(
            domain.post_comment, citizen, stage, text="Късно.", stance="oppose", now=closes
        )
    # In UTC this moment is 30 April, 21:00; the organisation's own date is shown.
    assert "closed on 1 May 2026, 00:00;" in error.message


def test_stage_across_the_spring_dst_change_lasts_ten_calendar_days(editor, consultation):
    # Clocks go from 03:00 to 04:00 on 29 March 2026: the period lasts 239 hours.
    opens = datetime(2026, 3, 20, 0, 0, tzinfo=BUCHAREST)
    closes = datetime(2026, 3, 30, 0, 0, tzinfo=BUCHAREST)
    stage = domain.add_stage(
        editor,
        consultation,
        kind="written",
        title="Recomandări",
        opens_at=opens,
        closes_at=closes,
        revision=consultation.proposal.current_revision,
        now=opens - timedelta(days=1),
    )
    stage = Stage.objects.get(pk=stage.pk)  # back from the database, in UTC
    assert stage.closes_at - stage.opens_at == timedelta(days=9, hours=23)
    assert domain.period_length(consultation, stage.opens_at, stage.closes_at) == timedelta(days=10)
    assert stage.short_period_reason == ""
    # Changing something else later does not suddenly ask for a short-period reason.
    changed = domain.change_stage(
        editor, stage, description="Trimiteți în scris.", now=opens - timedelta(hours=1)
    )
    assert changed.description == "Trimiteți în scris."
    # The boundaries are the local midnights, whatever the offset on each side.
    assert stage.opens_at == datetime(2026, 3, 19, 22, 0, tzinfo=UTC)
    assert stage.closes_at == datetime(2026, 3, 29, 21, 0, tzinfo=UTC)
    assert stage.status_at(datetime(2026, 3, 29, 20, 59, 59, 999999, tzinfo=UTC)) == "open"
    assert stage.status_at(datetime(2026, 3, 29, 21, 0, tzinfo=UTC)) == "closed"


def test_stage_an_hour_short_across_dst_needs_a_reason(editor, consultation):
    opens = datetime(2026, 3, 20, 0, 0, tzinfo=BUCHAREST)
    with pytest.raises(domain.ShortPeriod):
        domain.add_stage(
            editor,
            consultation,
            kind="written",
            title="Recomandări",
            opens_at=opens,
            closes_at=datetime(2026, 3, 29, 23, 0, tzinfo=BUCHAREST),
            revision=consultation.proposal.current_revision,
            now=opens - timedelta(days=1),
        )


# --- Legal periods -----------------------------------------------------------------------------


def test_romanian_written_stage_of_ten_days_needs_no_reason(editor, consultation):
    stage = add_written_stage(editor, consultation, opens_at=T0, days=10)
    assert stage.short_period_reason == ""


def test_romanian_written_stage_under_ten_days_needs_a_reason(editor, consultation):
    with translation.override("en"):
        error = refused(
            domain.add_stage,
            editor,
            consultation,
            kind="written",
            title="Scurtă",
            opens_at=T0,
            closes_at=T0 + timedelta(days=10) - MICROSECOND,
            revision=consultation.proposal.current_revision,
            now=T0 - timedelta(days=1),
        )
    assert isinstance(error, domain.ShortPeriod)
    assert error.code == "short_period"
    assert error.message == (
        "Law 52/2003 expects at least 10 calendar days for written recommendations; this stage "
        "is shorter. Give the reason, which will be shown publicly."
    )
    assert Stage.objects.count() == 0


def test_romanian_short_stage_with_a_reason_keeps_it(editor, consultation):
    stage = add_written_stage(
        editor,
        consultation,
        opens_at=T0,
        days=5,
        short_period_reason="Termen legal de transpunere a directivei.  \r\n",
    )
    assert stage.short_period_reason == "Termen legal de transpunere a directivei."
    assert stage.duration == timedelta(days=5)


@pytest.mark.parametrize("kind", ["meeting", "call_for_input"])
def test_short_periods_concern_only_written_comments(editor, consultation, kind):
    stage = domain.add_stage(
        editor,
        consultation,
        kind=kind,
        title="Scurt",
        opens_at=T0,
        closes_at=T0 + timedelta(hours=3),
        now=T0 - timedelta(days=1),
    )
    assert stage.short_period_reason == ""


def test_bulgarian_stage_under_thirty_days_needs_a_reason(bg_editor, bg_consultation):
    opens = datetime(2026, 4, 1, tzinfo=SOFIA)
    with translation.override("en"):
        error = refused(bg_stage, bg_editor, bg_consultation, opens, opens + timedelta(days=29))
    assert isinstance(error, domain.ShortPeriod)
    assert error.message == (
        "The Law on Normative Acts (art. 26) expects at least 30 days for written proposals; "
        "this stage is shorter. Give the reason, which will be shown publicly."
    )
    stage = bg_stage(
        bg_editor,
        bg_consultation,
        opens,
        opens + timedelta(days=14),
        short_period_reason="Спешност, свързана с бюджета.",
    )
    assert stage.short_period_reason == "Спешност, свързана с бюджета."


def test_bulgarian_stage_under_fourteen_days_is_refused_even_with_a_reason(
    bg_editor, bg_consultation
):
    opens = datetime(2026, 4, 1, tzinfo=SOFIA)
    with translation.override("en"):
        error = refused(
            bg_stage,
            bg_editor,
            bg_consultation,
            opens,
            opens + timedelta(days=14) - MICROSECOND,
            short_period_reason="Спешност.",
        )
    assert not isinstance(error, domain.ShortPeriod)
    assert error.message == (
        "Bulgarian law (Law on Normative Acts, art. 26) allows at most a shortening to 14 "
        "days; this stage lasts less."
    )
    assert Stage.objects.count() == 0


def test_bulgarian_thirty_days_need_no_reason(bg_editor, bg_consultation):
    opens = datetime(2026, 4, 1, tzinfo=SOFIA)
    stage = bg_stage(bg_editor, bg_consultation, opens, opens + timedelta(days=30))
    assert stage.short_period_reason == ""


# --- Adding stages: order, revisions, kinds ----------------------------------------------------


def test_stages_are_numbered_in_order(editor, consultation):
    first = add_written_stage(editor, consultation, opens_at=T0)
    second = domain.add_stage(
        editor,
        consultation,
        kind="meeting",
        title="Dezbatere publică",
        opens_at=T0 + timedelta(days=12),
        closes_at=T0 + timedelta(days=12, hours=3),
        meeting_place="Sala mare a Primăriei",
        meeting_link="https://meet.example.org/350",
        agenda="1. Prezentare\n2. Discuții",
        now=T0,
    )
    assert [(s.position, s.kind) for s in consultation.stages.all()] == [
        (1, "written"),
        (2, "meeting"),
    ]
    assert (second.meeting_place, second.meeting_link) == (
        "Sala mare a Primăriei",
        "https://meet.example.org/350",
    )
    row = ActivityLog.objects.for_object(first).get()
    assert (row.verb, row.new_value) == ("stage.added", "Recomandări scrise")
    assert row.data == {
        "kind": "written",
        "opens_at": T0.isoformat(),
        "closes_at": (T0 + timedelta(days=10)).isoformat(),
        "revision": 2,
    }


def test_stage_cannot_open_before_the_previous_one(editor, consultation, stage):
    error = refused(
        add_written_stage, editor, consultation, opens_at=T0 - timedelta(hours=1),
        now=T0 - timedelta(days=2),
    )  # fmt: skip
    assert (
        error.message == "Stages run in order: this stage cannot open before “Recomandări scrise”."
    )
    assert consultation.stages.count() == 1


def test_stage_cannot_open_in_the_past(editor, consultation):
    error = refused(
        add_written_stage, editor, consultation, opens_at=T0, now=T0 + timedelta(minutes=6)
    )
    assert error.message == "A new stage cannot open in the past."
    # A few minutes of slack for the time the editor spent on the form.
    stage = add_written_stage(editor, consultation, opens_at=T0, now=T0 + timedelta(minutes=4))
    assert stage.position == 1


def test_later_stages_pin_later_revisions(editor, debated_proposal, consultation):
    revision_2 = debated_proposal.current_revision
    add_written_stage(editor, consultation, opens_at=T0)
    proposals_domain.save_revision(
        editor,
        debated_proposal,
        base_number=2,
        title=revision_2.title,
        summary=revision_2.summary,
        blocks=[dict(revision_2.blocks[0], text="Text revizuit după consultare.")],
        message="Revizuit",
    )
    debated_proposal.refresh_from_db()
    revision_3 = debated_proposal.current_revision
    assert revision_3.number == 3
    later = T0 + timedelta(days=20)
    # Same revision again: allowed (a second round on the same text).
    same = add_written_stage(editor, consultation, opens_at=later, revision=revision_2, now=T0)
    assert same.revision == revision_2
    newer = add_written_stage(
        editor, consultation, opens_at=later + timedelta(days=11), revision=revision_3, now=T0
    )
    assert newer.revision == revision_3
    revision_1 = debated_proposal.revisions.get(number=1)
    error = refused(
        add_written_stage, editor, consultation, opens_at=later + timedelta(days=30),
        revision=revision_1, now=T0,
    )  # fmt: skip
    assert error.message == (
        "An earlier stage debates revision 3; a later stage cannot go back to revision 1."
    )


def test_written_stage_needs_a_revision_of_its_own_proposal(editor, consultation, ngo):
    error = refused(add_written_stage, editor, consultation, opens_at=T0, revision=None)
    assert error.message == "A written-comments stage needs the revision under debate."
    other = ProposalFactory(editor=editor, organization=ngo)
    error = refused(
        add_written_stage, editor, consultation, opens_at=T0, revision=other.current_revision
    )
    assert error.message == "That revision belongs to another proposal."
    assert Stage.objects.count() == 0


def test_synthesis_stage_pins_no_revision(editor, consultation):
    stage = domain.add_stage(
        editor,
        consultation,
        kind="synthesis",
        title="Sinteza",
        opens_at=T0,
        closes_at=T0 + timedelta(days=1),
        revision=consultation.proposal.current_revision,
        now=T0,
    )
    assert stage.revision is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "poll"}, "Choose the kind of stage."),
        ({"kind": "meeting", "meeting_link": "http://meet.example.org"}, None),
        ({"title": ""}, "The title cannot be empty."),
        ({"title": "Etapa\x00"}, None),
        ({"closes_at": T0}, "The stage must close after it opens."),
    ],
)
def test_add_stage_refuses_bad_input(editor, consultation, fields, message):
    values = {
        "kind": "written",
        "title": "Etapa",
        "opens_at": T0,
        "closes_at": T0 + timedelta(days=10),
        "revision": consultation.proposal.current_revision,
        **fields,
    }
    with translation.override("en"):
        error = refused(domain.add_stage, editor, consultation, now=T0, **values)
    if message:
        assert error.message == message
    assert Stage.objects.count() == 0


def test_add_stage_refused_once_the_proposal_is_withdrawn(editor, debated_proposal, consultation):
    proposals_domain.withdraw_proposal(editor, debated_proposal, "Retrasă.")
    error = refused(add_written_stage, editor, consultation, opens_at=T0)
    assert error.message == "The proposal is no longer open to consultation."


# --- Changing, cancelling, removing ------------------------------------------------------------


def test_scheduled_stage_changes_everything_and_logs_old_and_new(editor, consultation, stage):
    version = stage.comments_version
    new_opens = T0 + timedelta(days=1)
    changed = domain.change_stage(
        editor,
        stage,
        title="Recomandări (prelungit)",
        opens_at=new_opens,
        closes_at=new_opens + timedelta(days=15),
        now=T0 - timedelta(hours=1),
    )
    assert (changed.title, changed.opens_at, changed.closes_at) == (
        "Recomandări (prelungit)",
        new_opens,
        new_opens + timedelta(days=15),
    )
    assert changed.comments_version == version + 1
    row = ActivityLog.objects.filter(verb="stage.changed").get()
    assert row.new_value == "Recomandări (prelungit)"
    # Moments are logged in ISO 8601 with their offset.
    moments = {
        side: (
            row.data[side]["title"],
            datetime.fromisoformat(row.data[side]["opens_at"]),
            datetime.fromisoformat(row.data[side]["closes_at"]),
        )
        for side in ("old", "new")
    }
    assert moments == {
        "old": ("Recomandări scrise", T0, T0 + timedelta(days=10)),
        "new": ("Recomandări (prelungit)", new_opens, new_opens + timedelta(days=15)),
    }


def test_scheduled_stage_cannot_move_into_the_past(editor, stage):
    error = refused(
        domain.change_stage, editor, stage, opens_at=T0 - timedelta(days=3),
        closes_at=T0 + timedelta(days=10), now=T0 - timedelta(days=1),
    )  # fmt: skip
    assert error.message == "A stage cannot be moved to open in the past."


def test_open_stage_only_takes_a_new_description_or_a_later_close(editor, stage):
    now = T0 + timedelta(days=1)
    error = refused(domain.change_stage, editor, stage, title="Alt titlu", now=now)
    assert error.message == (
        "The stage is open: only its description and closing date can change (the closing "
        "date only to a later one), and a meeting's date and place until it starts."
    )
    error = refused(
        domain.change_stage, editor, stage, closes_at=stage.closes_at - timedelta(days=1), now=now
    )
    assert error.message == "An open stage can only be extended, not shortened."
    changed = domain.change_stage(
        editor,
        stage,
        title="Recomandări scrise",  # unchanged: allowed
        description="Prelungit cu o săptămână.",
        closes_at=stage.closes_at + timedelta(days=7),
        now=now,
    )
    assert changed.closes_at == T0 + timedelta(days=17)
    assert changed.description == "Prelungit cu o săptămână."


@pytest.mark.parametrize(("status", "offset"), [("closed", 11), ("cancelled", 1)])
def test_closed_or_cancelled_stage_cannot_change(editor, stage, status, offset):
    if status == "cancelled":
        domain.cancel_stage(editor, stage, "Amânat.", now=T0 - timedelta(days=1))
    with translation.override("en"):
        error = refused(
            domain.change_stage, editor, stage, description="x", now=T0 + timedelta(days=offset)
        )
    assert error.message == f"The stage is {status}; it can no longer be changed."


def test_cancel_scheduled_stage_logs_reason(editor, consultation, stage):
    moment = T0 - timedelta(days=1)
    cancelled = domain.cancel_stage(editor, stage, "Amânat din lipsă de sală.\n", now=moment)
    assert (cancelled.cancelled_at, cancelled.cancellation_reason) == (
        moment,
        "Amânat din lipsă de sală.",
    )
    assert cancelled.status_at(T0 + timedelta(days=1)) == StageStatus.CANCELLED
    assert log(stage)[-1] == ("stage.cancelled", "scheduled", "cancelled")
    assert ActivityLog.objects.get(verb="stage.cancelled").data == {
        "reason": "Amânat din lipsă de sală."
    }
    # A cancelled stage never opened: the proposal keeps its status.
    assert Proposal.objects.get(pk=consultation.proposal_id).status == ProposalStatus.PUBLISHED


def test_cancel_open_stage_closes_the_consultation(editor, consultation, stage):
    domain.process_stage_events(now=T0)
    assert Proposal.objects.get(pk=consultation.proposal_id).status == "in_consultation"
    domain.cancel_stage(editor, stage, "Textul se rescrie.", now=T0 + timedelta(days=2))
    assert log(stage)[-1] == ("stage.cancelled", "open", "cancelled")
    proposal = Proposal.objects.get(pk=consultation.proposal_id)
    assert proposal.status == ProposalStatus.CONSULTATION_CLOSED
    # The closing of a cancelled stage is never processed.
    assert domain.process_stage_events(now=T0 + timedelta(days=30)) == 0


def test_cancel_refused_when_closed_twice_or_without_reason(editor, stage):
    error = refused(domain.cancel_stage, editor, stage, "", now=T0)
    assert error.message == "The reason cannot be empty."
    error = refused(domain.cancel_stage, editor, stage, "Motiv", now=stage.closes_at)
    assert error.message == "The stage has closed; a stage that took place cannot be cancelled."
    domain.cancel_stage(editor, stage, "Motiv", now=T0)
    error = refused(domain.cancel_stage, editor, stage, "Din nou", now=T0)
    assert error.message == "The stage was already cancelled."
    assert ActivityLog.objects.filter(verb="stage.cancelled").count() == 1


def test_remove_scheduled_stage_renumbers_the_later_ones(editor, consultation, stage):
    second = add_written_stage(editor, consultation, opens_at=T0 + timedelta(days=20), now=T0)
    third = add_written_stage(editor, consultation, opens_at=T0 + timedelta(days=40), now=T0)
    domain.remove_stage(editor, second, now=T0 + timedelta(days=1))
    assert list(consultation.stages.order_by("position").values_list("pk", "position")) == [
        (stage.pk, 1),
        (third.pk, 2),
    ]
    row = ActivityLog.objects.get(verb="stage.removed")
    assert (row.old_value, row.target_id) == ("Recomandări scrise", str(consultation.proposal_id))


def test_opened_stage_is_never_removed(editor, stage):
    error = refused(domain.remove_stage, editor, stage, now=T0)
    assert error.message == "A stage that has opened is never removed; cancel it instead."
    assert Stage.objects.filter(pk=stage.pk).exists()


# --- Public meeting minutes --------------------------------------------------------------------


@pytest.fixture
def meeting(editor, consultation):
    return domain.add_stage(
        editor,
        consultation,
        kind="meeting",
        title="Dezbatere publică",
        opens_at=T0,
        closes_at=T0 + timedelta(hours=3),
        meeting_at=T0 + timedelta(hours=1),
        meeting_place="Sala de consiliu",
        now=T0 - timedelta(days=7),
    )


def test_minutes_published_after_the_meeting(editor, meeting):
    error = refused(
        domain.publish_minutes, editor, meeting, minutes="Procesul-verbal", participants=12,
        now=T0 + timedelta(minutes=59),
    )  # fmt: skip
    assert error.message == "The minutes can be published once the meeting has taken place."
    first_time = T0 + timedelta(hours=4)
    stage = domain.publish_minutes(
        editor, meeting, minutes="Au participat 12 persoane.", participants=12, now=first_time
    )
    assert (stage.minutes, stage.participants, stage.minutes_published_at) == (
        "Au participat 12 persoane.",
        12,
        first_time,
    )
    stage = domain.publish_minutes(
        editor, meeting, minutes="Corectat.", participants=13, now=first_time + timedelta(days=1)
    )
    assert (stage.participants, stage.minutes_published_at) == (13, first_time)
    rows = ActivityLog.objects.filter(verb="stage.minutes_published").order_by("id")
    assert [(r.new_value, r.data) for r in rows] == [
        # Counted by hand (no attendance was taken), so no reason is needed.
        ("12", {"first": True, "version": 1, "attendance": None, "reason": ""}),
        ("13", {"first": False, "version": 2, "attendance": None, "reason": ""}),
    ]
    # History is sacred: the first version stays, the stage holds the current one.
    versions = MinutesVersion.objects.filter(stage=meeting).order_by("number")
    assert [(v.number, v.minutes, v.participants, v.published_at) for v in versions] == [
        (1, "Au participat 12 persoane.", 12, first_time),
        (2, "Corectat.", 13, first_time + timedelta(days=1)),
    ]
    assert stage.minutes_version == 2
    # The same minutes and count again: nothing new.
    domain.publish_minutes(
        editor, meeting, minutes="Corectat.", participants=13, now=first_time + timedelta(days=2)
    )
    assert (versions.count(), rows.count()) == (2, 2)


def test_minutes_refused_for_written_stages_and_bad_input(editor, stage, meeting):
    later = T0 + timedelta(days=20)
    error = refused(domain.publish_minutes, editor, stage, minutes="x", participants=1, now=later)
    assert error.message == "Only a public meeting has minutes."
    error = refused(domain.publish_minutes, editor, meeting, minutes="", participants=1, now=later)
    assert error.message == "The minutes cannot be empty."
    error = refused(
        domain.publish_minutes, editor, meeting, minutes="x", participants=None, now=later
    )
    assert error.message == "Give the number of participants."


# --- Proposal status -------------------------------------------------------------------------


def test_proposal_moves_into_and_out_of_consultation(editor, consultation, stage):
    proposal = consultation.proposal
    assert proposal.status == ProposalStatus.PUBLISHED
    assert domain.process_stage_events(now=T0 - MICROSECOND) == 0
    assert domain.process_stage_events(now=T0) == 1
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.IN_CONSULTATION
    assert domain.process_stage_events(now=stage.closes_at) == 1
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONSULTATION_CLOSED
    assert log(proposal)[-2:] == [
        ("proposal.consultation_opened", "published", "in_consultation"),
        ("proposal.consultation_closed", "in_consultation", "consultation_closed"),
    ]
    assert log(stage) == [
        ("stage.added", "", "Recomandări scrise"),
        ("stage.opened", "", ""),
        ("stage.closed", "", ""),
    ]


def test_second_stage_reopens_the_consultation(editor, consultation, stage):
    second = add_written_stage(editor, consultation, opens_at=T0 + timedelta(days=20), now=T0)
    # The first stage opened and closed between two runs: both moves are logged.
    assert domain.process_stage_events(now=T0 + timedelta(days=11)) == 2
    consultation.proposal.refresh_from_db()
    assert consultation.proposal.status == ProposalStatus.CONSULTATION_CLOSED
    assert log(consultation.proposal)[-2:] == [
        ("proposal.consultation_opened", "published", "in_consultation"),
        ("proposal.consultation_closed", "in_consultation", "consultation_closed"),
    ]
    domain.process_stage_events(now=second.opens_at)
    consultation.proposal.refresh_from_db()
    assert consultation.proposal.status == ProposalStatus.IN_CONSULTATION


def test_withdrawn_proposal_refuses_comments(editor, debated_proposal, stage, citizen):
    domain.process_stage_events(now=T0)
    proposals_domain.withdraw_proposal(editor, debated_proposal, "Nu mai este de actualitate.")
    with translation.override("en"):
        error = refused(
            domain.post_comment, citizen, stage, text="Păcat.", stance="oppose", now=during(stage)
        )
    assert isinstance(error, domain.StageClosed)
    assert (error.code, error.message) == (
        "withdrawn",
        "The proposal was withdrawn; the consultation no longer takes comments.",
    )
    # Events of a withdrawn proposal's stages no longer move its status.
    domain.process_stage_events(now=stage.closes_at)
    debated_proposal.refresh_from_db()
    assert debated_proposal.status == ProposalStatus.WITHDRAWN


# --- Closing a stage early ---------------------------------------------------------------------


def test_close_early_keeps_the_planned_date_logs_and_records_the_closing(
    editor, consultation, citizen
):
    stage = add_written_stage(editor, consultation, opens_at=T0, days=20)
    Follow.objects.create(consultation=consultation, user=citizen)
    domain.process_stage_events(now=T0)
    domain.post_comment(citizen, stage, text="Înainte de închidere.", stance="support",
                        now=T0 + timedelta(days=1))  # fmt: skip
    planned = stage.closes_at
    moment = T0 + timedelta(days=12)
    closed = domain.close_stage_early(
        editor, stage, "Am primit propunerile necesare.\n", now=moment
    )
    assert (closed.closes_at, closed.planned_closes_at) == (moment, planned)
    assert closed.closed_early_reason == "Am primit propunerile necesare."
    assert closed.closing_processed_at == moment
    assert closed.status_at(moment) == StageStatus.CLOSED
    assert log(stage)[-2:] == [
        ("stage.closed_early", "2026-03-22T07:00:00+00:00", "2026-03-14T07:00:00+00:00"),
        ("stage.closed", "", ""),
    ]
    entry = ActivityLog.objects.get(verb="stage.closed_early")
    assert entry.data == {"reason": "Am primit propunerile necesare."}
    with translation.override("ro"), timezone.override(BUCHAREST):
        assert (str(entry.label), entry.old_display, entry.new_display) == (
            "Etapă închisă înainte de data planificată",
            "22 martie 2026, ora 09:00",
            "14 martie 2026, ora 09:00",
        )
    proposal = Proposal.objects.get(pk=consultation.proposal_id)
    assert proposal.status == ProposalStatus.CONSULTATION_CLOSED
    # Nobody comments after it; the closing is never recorded twice.
    error = refused(domain.post_comment, citizen, stage, text="Prea târziu.", stance="oppose",
                    now=moment)  # fmt: skip
    assert isinstance(error, domain.StageClosed)
    assert domain.process_stage_events(now=planned + timedelta(days=1)) == 0
    assert stage.comments.count() == 1


def test_close_early_needs_a_reason_below_the_legal_minimum(editor, consultation):
    stage = add_written_stage(editor, consultation, opens_at=T0, days=20)
    error = refused(domain.close_stage_early, editor, stage, "", now=T0 + timedelta(days=5))
    assert isinstance(error, domain.ShortPeriod)
    assert error.message == (
        "Law 52/2003 expects at least 10 calendar days for written recommendations; this stage "
        "is shorter. Give the reason, which will be shown publicly."
    )
    stage.refresh_from_db()
    assert stage.planned_closes_at is None
    assert not ActivityLog.objects.filter(verb="stage.closed_early").exists()
    closed = domain.close_stage_early(
        editor, stage, "Proiectul a fost retras de minister.", now=T0 + timedelta(days=5)
    )
    assert closed.closed_early_reason == "Proiectul a fost retras de minister."
    # Past the minimum, the reason may stay empty.
    later = add_written_stage(
        editor, consultation, opens_at=T0 + timedelta(days=30), days=20, now=T0
    )
    closed = domain.close_stage_early(editor, later, "", now=T0 + timedelta(days=41))
    assert (closed.closed_early_reason, closed.status_at(T0 + timedelta(days=41))) == ("", "closed")


def test_close_early_below_fourteen_days_is_refused_in_bulgaria(bg_editor, bg_consultation):
    opens = datetime(2026, 4, 1, tzinfo=ZoneInfo("Europe/Sofia"))
    stage = bg_stage(bg_editor, bg_consultation, opens, opens + timedelta(days=30))
    error = refused(domain.close_stage_early, bg_editor, stage, "Спешно.",
                    now=opens + timedelta(days=13))  # fmt: skip
    assert error.message == (
        "Bulgarian law (Law on Normative Acts, art. 26) allows at most a shortening to 14 days; "
        "this stage lasts less."
    )
    closed = domain.close_stage_early(
        bg_editor, stage, "Спешна промяна на закона.", now=opens + timedelta(days=15)
    )
    assert closed.planned_closes_at == opens + timedelta(days=30)


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        (timedelta(days=-1), "Only an open stage can be closed early."),
        (timedelta(days=10), "Only an open stage can be closed early."),
    ],
)
def test_close_early_only_an_open_stage(editor, stage, offset, message):
    error = refused(domain.close_stage_early, editor, stage, "Motiv", now=T0 + offset)
    assert error.message == message
    domain.cancel_stage(editor, stage, "Anulat.", now=T0 + timedelta(hours=1))
    error = refused(domain.close_stage_early, editor, stage, "Motiv", now=T0 + timedelta(days=2))
    assert error.message == "Only an open stage can be closed early."


def test_close_early_only_by_the_organisations_editors(other_ngo_editor, stage):
    error = refused(domain.close_stage_early, other_ngo_editor, stage, "Motiv",
                    now=T0 + timedelta(days=11))  # fmt: skip
    assert error.message == "Only the organisation's editors and admins can run its consultation."
    stage.refresh_from_db()
    assert stage.planned_closes_at is None
