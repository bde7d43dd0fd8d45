# ruff: noqa: F811  (the fixtures of tests/consultations/authority_drafts.py are imported by name)
"""The legal periods of an authority's announcement of its own draft, with exact dates: Romania
(Law 52/2003 art. 7: 30 working days before adoption over its public holidays, 10 calendar days
of recommendations) and Bulgaria (Law on Normative Acts art. 26: 30 days, at least 14 with a
public reason), and the substantiation note required before the announcement."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils.formats import date_format

from consultations import domain
from consultations.models import Stage
from core.errors import DomainError
from tests.consultations.authority_drafts import (  # noqa: F401  (fixtures)
    ADOPTION,
    ANNOUNCED,
    announce,
    authority_admin,
    draft_consultation,
    draft_decision,
    draft_of,
)
from tests.factories import MembershipFactory, OrganizationFactory

SOFIA = ZoneInfo("Europe/Sofia")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# --- The calendar -----------------------------------------------------------------------------


def test_romanian_earliest_adoption_over_orthodox_easter():
    # 30 working days after Monday 2 March 2026, Good Friday (10 April) and Easter Monday
    # (13 April) not counted: the 30th is Wednesday 15 April, so the 16th at the earliest.
    assert domain.earliest_adoption(date(2026, 3, 2), "RO") == date(2026, 4, 16)
    # Without the two holidays it would have been Tuesday 14 April.
    assert domain.earliest_adoption(date(2026, 3, 3), "RO") == date(2026, 4, 17)


def test_romanian_earliest_adoption_over_christmas_and_new_year():
    # From Monday 7 December 2026: 25 December, 1 January, 6 and 7 January (Epiphany, St John)
    # are holidays; the 30th working day is Friday 22 January 2027.
    assert domain.earliest_adoption(date(2026, 12, 7), "RO") == date(2027, 1, 23)


def test_bulgarian_earliest_adoption_is_after_the_period_only():
    assert domain.earliest_adoption(date(2026, 12, 7), "BG") == date(2026, 12, 8)


# --- Romania ----------------------------------------------------------------------------------


def test_announcement_on_the_earliest_adoption_day_is_accepted(
    authority_admin, draft_consultation, draft_decision
):
    _, note = draft_decision
    stage = announce(
        authority_admin, draft_consultation, note, opens_at=ANNOUNCED, adoption=ADOPTION
    )
    stage = Stage.objects.get(pk=stage.pk)
    assert (stage.kind, stage.adoption_planned_on, stage.substantiation_id) == (
        "announcement",
        date(2026, 4, 16),
        note.pk,
    )
    assert stage.short_period_reason == ""
    assert domain.announcement_working_days(stage) == 30
    from core.models import ActivityLog

    row = ActivityLog.objects.for_object(stage).get()
    assert (row.verb, row.data["adoption_planned_on"], row.data["substantiation"]) == (
        "stage.added",
        "2026-04-16",
        note.pk,
    )


def test_adoption_one_day_too_early_is_refused_naming_the_earliest_day(
    authority_admin, draft_consultation, draft_decision
):
    _, note = draft_decision
    with pytest.raises(DomainError) as refused:
        announce(
            authority_admin,
            draft_consultation,
            note,
            opens_at=ANNOUNCED,
            adoption=date(2026, 4, 15),
        )
    assert refused.value.code == "adoption_too_early"
    # Days as the language writes them in a sentence.
    assert date_format(date(2026, 3, 2), "DATE_FORMAT") in refused.value.message
    assert date_format(date(2026, 4, 16), "DATE_FORMAT") in refused.value.message
    assert not Stage.objects.filter(consultation=draft_consultation).exists()


def test_recommendations_shorter_than_ten_days_are_refused_even_with_a_reason(
    authority_admin, draft_consultation, draft_decision
):
    _, note = draft_decision
    with pytest.raises(DomainError) as refused:
        domain.add_stage(
            authority_admin,
            draft_consultation,
            kind="announcement",
            title="Anunț",
            opens_at=ANNOUNCED,
            closes_at=ANNOUNCED + timedelta(days=10) - timedelta(minutes=1),
            revision=draft_consultation.proposal.current_revision,
            adoption_planned_on=ADOPTION,
            substantiation=note,
            short_period_reason="Urgență",
            now=ANNOUNCED - timedelta(days=1),
        )
    assert refused.value.code == "recommendations_too_short"
    assert not Stage.objects.filter(consultation=draft_consultation).exists()


def test_ten_days_across_the_spring_clock_change_are_ten_days(
    authority_admin, draft_consultation, draft_decision
):
    # 20 March 00:00 to 30 March 00:00 in Bucharest: the clocks skip an hour on 29 March.
    _, note = draft_decision
    opens = datetime(2026, 3, 20, 0, 0, tzinfo=ANNOUNCED.tzinfo)
    stage = domain.add_stage(
        authority_admin,
        draft_consultation,
        kind="announcement",
        title="Anunț",
        opens_at=opens,
        closes_at=datetime(2026, 3, 30, 0, 0, tzinfo=ANNOUNCED.tzinfo),
        revision=draft_consultation.proposal.current_revision,
        substantiation=note,
        now=opens - timedelta(days=1),
        adoption_planned_on=domain.earliest_adoption(date(2026, 3, 20), "RO"),
    )
    # Good Friday, Easter Monday and 1 May (a Friday) are not counted: the 30th working day after
    # Friday 20 March is Wednesday 6 May.
    assert stage.adoption_planned_on == date(2026, 5, 7)
    stored = Stage.objects.get(pk=stage.pk)
    # In UTC the period lasts an hour less than ten days; the calendar counts ten.
    assert stored.closes_at - stored.opens_at == timedelta(days=9, hours=23)


def test_adoption_before_the_recommendations_end_is_refused(
    authority_admin, draft_consultation, draft_decision
):
    _, note = draft_decision
    with pytest.raises(DomainError) as refused:
        announce(
            authority_admin,
            draft_consultation,
            note,
            opens_at=ANNOUNCED,
            days=60,
            adoption=ADOPTION,
        )
    assert refused.value.code == "adoption_too_early"
    assert date_format(date(2026, 4, 16), "DATE_FORMAT") not in refused.value.message


def test_the_substantiation_note_is_required_before_the_announcement(
    authority_admin, draft_consultation
):
    with pytest.raises(DomainError) as refused:
        announce(authority_admin, draft_consultation, None, opens_at=ANNOUNCED, adoption=ADOPTION)
    assert refused.value.code == "no_substantiation"
    assert refused.value.message == (
        "Atașați referatul de aprobare (nota de fundamentare) la versiunea supusă dezbaterii "
        "și alegeți-l înainte de a anunța proiectul."
    )


def test_the_note_must_be_attached_to_the_revision_under_debate(
    authority_admin, verified_authority, draft_consultation
):
    _, other_note = draft_of(authority_admin, verified_authority, slug="alt-proiect")
    with pytest.raises(DomainError) as refused:
        announce(
            authority_admin, draft_consultation, other_note, opens_at=ANNOUNCED, adoption=ADOPTION
        )
    assert refused.value.code == "substantiation"


def test_closing_an_announcement_early_cannot_shorten_it_below_the_law(
    authority_admin, draft_consultation, draft_decision
):
    _, note = draft_decision
    stage = announce(
        authority_admin, draft_consultation, note, opens_at=ANNOUNCED, days=12, adoption=ADOPTION
    )
    with pytest.raises(DomainError) as refused:
        domain.close_stage_early(
            authority_admin, stage, "Avem destule", now=ANNOUNCED + timedelta(days=5)
        )
    assert refused.value.code == "recommendations_too_short"
    stage.refresh_from_db()
    assert stage.closes_at == ANNOUNCED + timedelta(days=12)


def test_an_ngo_proposal_has_no_announcement(editor, consultation):
    with pytest.raises(DomainError) as refused:
        domain.add_stage(
            editor,
            consultation,
            kind="announcement",
            title="Anunț",
            opens_at=ANNOUNCED,
            closes_at=ANNOUNCED + timedelta(days=10),
            revision=consultation.proposal.current_revision,
            adoption_planned_on=ADOPTION,
            now=ANNOUNCED - timedelta(days=1),
        )
    assert refused.value.code == "not_authority_draft"


# --- Bulgaria ---------------------------------------------------------------------------------


@pytest.fixture
def sofia_draft(db, settings, tmp_path):
    sofia = OrganizationFactory(
        kind="authority",
        name="Столична община",
        slug="obshtina-sofia-test",
        country="BG",
        county="София-град",
        locality="София",
        verified_at=ANNOUNCED,
    )
    admin = MembershipFactory(organization=sofia, role="admin").user
    proposal, note = draft_of(admin, sofia, slug="naredba-parkirane")
    consultation = domain.create_consultation(admin, proposal, title="Обществена консултация")
    return admin, consultation, note


# Monday 30 November 2026, 09:00 in Sofia: the 30 days end on 30 December, over Christmas Eve,
# Christmas and the 28 December holiday (calendar days: holidays count).
BG_OPENS = datetime(2026, 11, 30, 9, 0, tzinfo=SOFIA)


def test_bulgarian_thirty_days_over_christmas_need_no_reason(sofia_draft):
    admin, consultation, note = sofia_draft
    stage = announce(
        admin, consultation, note, opens_at=BG_OPENS, days=30, adoption=date(2026, 12, 31)
    )
    assert stage.closes_at == datetime(2026, 12, 30, 9, 0, tzinfo=SOFIA)
    assert stage.short_period_reason == ""


def test_bulgarian_adoption_on_the_last_day_of_the_period_is_refused(sofia_draft):
    admin, consultation, note = sofia_draft
    with pytest.raises(DomainError) as refused:
        announce(admin, consultation, note, opens_at=BG_OPENS, days=30, adoption=date(2026, 12, 30))
    assert refused.value.code == "adoption_too_early"


def test_bulgarian_shorter_term_needs_a_public_reason(sofia_draft):
    admin, consultation, note = sofia_draft
    with pytest.raises(domain.ShortPeriod):
        announce(admin, consultation, note, opens_at=BG_OPENS, days=14, adoption=date(2026, 12, 15))
    stage = announce(
        admin,
        consultation,
        note,
        opens_at=BG_OPENS,
        days=14,
        adoption=date(2026, 12, 15),
        short_period_reason="Срокът за прилагане на регламента изтича на 31 декември.",
    )
    assert stage.closes_at == datetime(2026, 12, 14, 9, 0, tzinfo=SOFIA)
    assert stage.short_period_reason == "Срокът за прилагане на регламента изтича на 31 декември."


def test_bulgarian_term_under_fourteen_days_is_refused(sofia_draft):
    admin, consultation, note = sofia_draft
    with pytest.raises(DomainError) as refused:
        announce(
            admin,
            consultation,
            note,
            opens_at=BG_OPENS,
            days=13,
            adoption=date(2026, 12, 31),
            short_period_reason="Спешно.",
        )
    assert refused.value.message == (
        "Legislația bulgară (Legea privind actele normative, art. 26) permite scurtarea "
        "termenului la cel mult 14 zile; această etapă durează mai puțin."
    )
    assert not Stage.objects.filter(consultation=consultation).exists()
