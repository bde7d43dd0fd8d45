# ruff: noqa: F811  (the fixtures of tests/consultations/authority_drafts.py are imported by name)
"""The annual report on decisional transparency (Law 52/2003 art. 13): the figures of a fixture
year counted by hand, what is not counted, the draft, publication and correction, who sees it,
its PDF and CSV."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from django.db import ProgrammingError, connection, transaction
from django.urls import reverse
from pypdf import PdfReader

from consultations import domain
from core.errors import DomainError, InvalidTransition, NotAllowed
from core.models import ActivityLog, AppendOnlyError
from registrations import reports
from registrations.models import AnnualReport, AnnualReportVersion
from tests.consultations.authority_drafts import (  # noqa: F401  (fixtures)
    ANNOUNCED,
    BUCHAREST,
    announce,
    authority_admin,
    citizen,
    draft_consultation,
    draft_decision,
    draft_of,
    verified_ngo,
)
from tests.factories import (
    AnnualReportVersionFactory,
    AuthorityFactory,
    MembershipFactory,
    SubmissionFactory,
    UserFactory,
)

YEAR = 2026
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _adoption(day):
    return domain.earliest_adoption(day, "RO") + timedelta(days=1)


def _comment(stage, text, at, user=None, parent_id=None):
    return domain.post_comment(
        user or UserFactory(),
        stage,
        text=text,
        now=at,
        parent_id=parent_id,
        stance="" if parent_id else "neutral",
    )


@pytest.fixture
def year_of_consultations(
    authority_admin, verified_authority, draft_consultation, draft_decision, staff
):
    """The fixture year 2026 of Focșani, counted by hand:

    (a) received 5: three comments on the site, one by email, one on paper, in the
        announcement of 2–12 March 2026. Not counted: a reply, a withdrawn comment, a hidden
        comment; the comment of a stage that ended at midnight on 1 January 2026 (counted in
        2025); another authority's comment; a proposal an NGO registered with Focșani.
    (b) included 3: two accepted (one on the site, the email), one partially accepted; not
        the rejected one nor the paper one, unanswered.
    (c) participants 27: the first debate's minutes say 25 (3 registered, 2 marked present);
        the second has no minutes and 2 marked present of 3 registered. Not counted: a
        cancelled meeting.
    (d) debates 2."""
    proposal, note = draft_decision
    announcement = announce(
        authority_admin,
        draft_consultation,
        note,
        opens_at=ANNOUNCED,
        days=10,
        adoption=_adoption(ANNOUNCED.date()),
    )
    at = ANNOUNCED + timedelta(days=1)
    accepted = _comment(announcement, "Recomandăm tragerea la sorți.", at)
    partially = _comment(announcement, "Tariful să fie 120 de lei.", at)
    rejected = _comment(announcement, "Renunțați la regulament.", at)
    _comment(announcement, "Sunt de acord.", at, parent_id=accepted.pk)
    author = UserFactory()
    withdrawn = _comment(announcement, "Retrag ce am scris.", at, user=author)
    domain.withdraw_comment(author, withdrawn, now=at + timedelta(hours=1))
    hidden = _comment(announcement, "Reclamă la o parcare privată.", at)
    domain.hide_comment(staff, hidden, "Publicitate.", now=at + timedelta(hours=1))
    emailed = domain.log_recommendation(
        authority_admin,
        announcement,
        author="Ion Popescu",
        received_on=date(2026, 3, 4),
        text="Locuri pentru riverani.",
        channel="email",
        now=at + timedelta(days=2),
    )
    domain.log_recommendation(
        authority_admin,
        announcement,
        author="Maria Ionescu",
        received_on=date(2026, 3, 5),
        text="Scutire pentru pensionari.",
        channel="paper",
        now=at + timedelta(days=3),
    )
    for comment, outcome in (
        (accepted, "accepted"),
        (partially, "partially"),
        (rejected, "rejected"),
        (emailed, "accepted"),
    ):
        domain.set_disposition(authority_admin, comment, outcome=outcome, reason="Motivul.")

    def meeting(day, title):
        moment = datetime(2026, 3, day, 17, 0, tzinfo=BUCHAREST)
        return domain.add_stage(
            authority_admin,
            draft_consultation,
            kind="meeting",
            title=title,
            opens_at=moment,
            closes_at=moment + timedelta(hours=2),
            meeting_at=moment,
            meeting_place="Sala de ședințe",
            now=ANNOUNCED,
        )

    first, second, cancelled = (
        meeting(20, "Prima dezbatere"),
        meeting(27, "A doua dezbatere"),
        meeting(30, "Dezbaterea anulată"),
    )
    for stage in (first, second):
        registrations = [
            domain.register_for_meeting(
                UserFactory(), stage, name=f"Participant {n}", category="citizen", now=ANNOUNCED
            )
            for n in range(3)
        ]
        after = stage.meeting_at + timedelta(hours=3)
        domain.mark_attendance(authority_admin, stage, [r.pk for r in registrations[:2]], now=after)
    domain.publish_minutes(
        authority_admin,
        first,
        minutes="Au participat 25 de persoane, 23 fără înscriere.",
        participants=25,
        reason="Au venit și persoane neînscrise.",
        now=first.meeting_at + timedelta(days=1),
    )
    domain.cancel_stage(authority_admin, cancelled, "Sala indisponibilă.", now=ANNOUNCED)

    # The year before: a stage that ended at midnight on 1 January 2026 belongs to 2025.
    earlier, earlier_note = draft_of(authority_admin, verified_authority, slug="hcl-taxe")
    earlier_consultation = domain.create_consultation(
        authority_admin, earlier, title="Consultarea taxelor locale"
    )
    opens = datetime(2025, 12, 22, 0, 0, tzinfo=BUCHAREST)
    late = announce(
        authority_admin,
        earlier_consultation,
        earlier_note,
        opens_at=opens,
        days=10,
        adoption=_adoption(opens.date()),
    )
    assert late.closes_at == datetime(2026, 1, 1, 0, 0, tzinfo=BUCHAREST)
    _comment(late, "Taxele să nu crească.", opens + timedelta(days=2))

    # Another authority's draft, announced the same days.
    other = AuthorityFactory()
    other_admin = MembershipFactory(organization=other, role="admin").user
    other_draft, other_note = draft_of(other_admin, other, slug="hcl-alta")
    other_consultation = domain.create_consultation(other_admin, other_draft, title="Alta")
    other_stage = announce(
        other_admin,
        other_consultation,
        other_note,
        opens_at=ANNOUNCED,
        days=10,
        adoption=_adoption(ANNOUNCED.date()),
    )
    _comment(other_stage, "La altă primărie.", at)

    # A proposal an NGO sent to Focșani: a petition, not a recommendation on its draft.
    SubmissionFactory(proposal__target_authority=verified_authority)
    return {"announcement": announcement, "first": first, "second": second}


def test_figures_of_the_fixture_year_match_the_hand_count(
    verified_authority, year_of_consultations
):
    figures = reports.count_figures(verified_authority, YEAR)
    assert {key: figures[key] for key in ("received", "included", "accepted", "partially")} == {
        "received": 5,
        "included": 3,
        "accepted": 2,
        "partially": 1,
    }
    assert (figures["participants"], figures["debates"]) == (27, 2)
    [stage] = figures["stages"]
    announcement = year_of_consultations["announcement"]
    assert stage["id"] == announcement.pk
    assert stage["ended_on"] == "2026-03-12"
    assert (stage["web"], stage["email"], stage["paper"]) == (3, 1, 1)
    assert (stage["rejected"], stage["not_applicable"], stage["answered"]) == (1, 0, 4)
    assert stage["url"] == announcement.get_absolute_url()
    assert [(m["stage"], m["participants"], m["source"]) for m in figures["meetings"]] == [
        ("Prima dezbatere", 25, "minutes"),
        ("A doua dezbatere", 2, "attendance"),
    ]


def test_a_stage_ending_at_midnight_on_new_year_counts_in_the_year_before(
    verified_authority, year_of_consultations
):
    figures = reports.count_figures(verified_authority, 2025)
    assert (figures["received"], figures["included"], figures["debates"]) == (1, 0, 0)
    assert figures["stages"][0]["ended_on"] == "2025-12-31"


def test_a_year_without_data_gives_zeros(verified_authority, year_of_consultations):
    figures = reports.count_figures(verified_authority, 2019)
    assert [figures[key] for key in ("received", "included", "participants", "debates")] == [
        0,
        0,
        0,
        0,
    ]
    assert figures["stages"] == figures["meetings"] == []


def test_a_meeting_still_to_come_is_not_a_debate_held(verified_authority, year_of_consultations):
    before = datetime(2026, 3, 25, 12, 0, tzinfo=BUCHAREST)
    figures = reports.count_figures(verified_authority, YEAR, now=before)
    assert (figures["debates"], figures["participants"]) == (1, 25)


def _parts(**changes):
    parts = {
        "court_actions": 1,
        "court_actions_text": "Dosarul 123/2026, pe rol.",
        "assessment": "Asociațiile au participat activ.",
        "closed_meetings": 2,
        "closed_meetings_reasons": "Date personale ale angajaților.",
    }
    return {**parts, **changes}


def test_publishing_freezes_the_figures_and_a_correction_adds_a_version(
    authority_admin, verified_authority, year_of_consultations
):
    version = reports.publish_report(authority_admin, verified_authority, YEAR, **_parts())
    report = AnnualReport.objects.get(authority=verified_authority, year=YEAR)
    assert (report.status, report.published_version, version.number) == ("published", 1, 1)
    assert (version.figures["received"], version.figures["participants"]) == (5, 27)
    assert (version.court_actions, version.closed_meetings) == (1, 2)
    # Later data changes the draft's count, not the published version.
    domain.set_disposition(
        authority_admin,
        year_of_consultations["announcement"].comments.get(user_name="Maria Ionescu"),
        outcome="accepted",
        reason="Preluată.",
    )
    assert reports.count_figures(verified_authority, YEAR)["included"] == 4
    version.refresh_from_db()
    assert version.figures["included"] == 3
    with pytest.raises(AppendOnlyError):
        version.save()
    with pytest.raises(DomainError) as refused:
        reports.publish_report(authority_admin, verified_authority, YEAR, **_parts())
    assert refused.value.code == "required"
    corrected = reports.publish_report(
        authority_admin,
        verified_authority,
        YEAR,
        correction_reason="Recomandarea pe hârtie a fost preluată.",
        **_parts(court_actions=0),
    )
    assert (corrected.number, corrected.figures["included"], corrected.court_actions) == (2, 4, 0)
    assert list(
        AnnualReportVersion.objects.filter(report=report).values_list("number", "court_actions")
    ) == [(2, 0), (1, 1)]
    assert list(
        ActivityLog.objects.filter(verb__startswith="annual_report.")
        .order_by("id")
        .values_list("verb", flat=True)
    ) == [
        "annual_report.saved",
        "annual_report.published",
        # the refused publication saved nothing
        "annual_report.saved",
        "annual_report.corrected",
    ]


def test_only_the_authoritys_admins_write_the_report(
    verified_authority, authority_admin, registrar, year_of_consultations
):
    for user in (registrar, UserFactory()):
        with pytest.raises(NotAllowed):
            reports.save_report_draft(user, verified_authority, YEAR, **_parts())
    with pytest.raises(InvalidTransition):
        reports.save_report_draft(authority_admin, verified_authority, YEAR + 1, **_parts())
    with pytest.raises(DomainError):
        reports.save_report_draft(
            authority_admin, verified_authority, YEAR, **_parts(assessment="a\x00b")
        )
    assert not AnnualReport.objects.exists()


def _url(authority, year=YEAR, name="report", *args):
    return reverse(f"registration:{name}", args=[authority.slug, year, *args])


def test_the_draft_is_seen_by_the_authority_only(
    client, verified_authority, authority_admin, registrar, year_of_consultations
):
    url = _url(verified_authority)
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(registrar)
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["figures"]["received"] == 5
    assert page.context["form"] is None  # a registrar reads the draft, the admins write it
    assert client.post(url, {**_parts(), "action": "save"}).status_code == 403
    client.force_login(authority_admin)
    page = client.get(url)
    assert page.context["form"] is not None
    assert page.context["shown"].is_draft


def test_the_admin_saves_and_publishes_and_the_public_reads_it(
    client, verified_authority, authority_admin, year_of_consultations
):
    client.force_login(authority_admin)
    url = _url(verified_authority)
    response = client.post(url, {**_parts(), "action": "save"})
    assert response.status_code == 302
    report = AnnualReport.objects.get()
    assert (report.status, report.closed_meetings) == ("draft", 2)
    bad = client.post(url, {**_parts(), "court_actions": "-1", "action": "publish"})
    assert bad.status_code == 400
    assert "Asociațiile au participat activ." in bad.content.decode()
    assert "correction_reason" not in client.get(url).context["form"].fields
    assert client.post(url, {**_parts(), "action": "publish"}).status_code == 302
    # A correction needs its reason; without one nothing is published and the text stays.
    assert "correction_reason" in client.get(url).context["form"].fields
    refused = client.post(url, {**_parts(assessment="Corectat."), "action": "publish"})
    assert refused.status_code == 400
    assert "Corectat." in refused.content.decode()
    assert AnnualReportVersion.objects.count() == 1
    client.logout()
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["shown"].version.number == 1
    html = page.content.decode()
    assert "Dosarul 123/2026, pe rol." in html
    assert _url(verified_authority, YEAR, "report_figure", "received") + "?version=1" in html
    listing = client.get(_url(verified_authority, YEAR, "report_figure", "debates"))
    assert listing.status_code == 200
    assert [row["participants"] for row in listing.context["meetings"]] == [25, 2]
    assert client.get(url + "?version=2").status_code == 404
    assert client.get(_url(verified_authority, YEAR, "report_figure", "other")).status_code == 404


def test_years_out_of_range_give_404(client, verified_authority, authority_admin):
    client.force_login(authority_admin)
    assert client.get(_url(verified_authority, 2019)).status_code == 200
    for year in (1999, 2002, YEAR + 1, 99999999999999999999):
        assert client.get(_url(verified_authority, year)).status_code == 404
    ngo = verified_authority.__class__.objects.create(
        kind="ngo", name="ONG", slug="un-ong", country="RO"
    )
    assert client.get(_url(ngo)).status_code == 404
    # The law is Romania's: a Bulgarian authority has no such report.
    sofia = AuthorityFactory(country="BG", slug="obshtina-test-bg")
    bg_admin = MembershipFactory(organization=sofia, role="admin").user
    client.force_login(bg_admin)
    assert client.get(_url(sofia)).status_code == 404
    with pytest.raises(InvalidTransition) as refused:
        reports.save_report_draft(bg_admin, sofia, YEAR, **_parts())
    assert refused.value.code == "country"


def test_csv_and_pdf_of_the_published_report(
    client, verified_authority, authority_admin, year_of_consultations
):
    reports.publish_report(authority_admin, verified_authority, YEAR, **_parts(assessment="=CMD()"))
    response = client.get(_url(verified_authority, YEAR, "report_csv"))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(row[0], row[2]) for row in rows[1:10]] == [
        ("a", "5"),
        ("b", "3"),
        ("c", "27"),
        ("d", "2"),
        ("e", "1"),
        ("e", "Dosarul 123/2026, pe rol."),
        ("f", "'=CMD()"),
        ("g", "2"),
        ("g", "Date personale ale angajaților."),
    ]
    assert rows[10][0] == "a" and rows[10][2] == "5"
    pdf = client.get(_url(verified_authority, YEAR, "report_pdf"))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert "-v1.pdf" in pdf["Content-Disposition"]


def test_the_report_page_reads_a_constant_number_of_queries(
    client, verified_authority, authority_admin, year_of_consultations, django_assert_num_queries
):
    reports.publish_report(authority_admin, verified_authority, YEAR, **_parts())
    url = _url(verified_authority)
    client.get(url)
    with django_assert_num_queries(5):
        assert client.get(url).status_code == 200
    # The draft counts its figures in two queries, whatever the number of comments.
    client.force_login(authority_admin)
    client.get(url)
    with django_assert_num_queries(11):
        assert client.get(url).status_code == 200
    domain.log_recommendation(
        authority_admin,
        year_of_consultations["announcement"],
        author="Alt Cetățean",
        received_on=date(2026, 3, 6),
        text="Încă o recomandare.",
        channel="paper",
    )
    with django_assert_num_queries(11):
        assert client.get(url).context["figures"]["received"] == 6


def test_the_demo_drafts_focsanis_report_of_this_year():
    from io import StringIO

    from django.core.management import call_command

    from consultations.models import Stage
    from core.dates import last_day

    call_command("load_demo", stdout=StringIO())
    report = AnnualReport.objects.get(authority__slug="primaria-municipiului-focsani")
    focsani = report.authority
    assert (report.year, report.status) == (reports.current_year(focsani), "draft")
    assert report.updated_by.email == "elena.dumitru@demo.consult.ro"
    announcement = Stage.objects.get(
        consultation__proposal__slug="hcl-parcari-resedinta-focsani", kind="announcement"
    )
    year = last_day(announcement.closes_at, focsani.zone).year
    # While its period runs, nothing is counted yet.
    running = reports.count_figures(
        focsani, year, now=announcement.closes_at - timedelta(minutes=1)
    )
    assert (running["received"], running["stages"]) == (0, [])
    # Once it has ended: the three recommendations (site, email, paper), none answered yet.
    figures = reports.count_figures(focsani, year, now=announcement.closes_at)
    assert [figures[key] for key in ("received", "included")] == [3, 0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger")
def test_the_database_refuses_to_change_or_remove_a_published_version():
    version = AnnualReportVersionFactory()
    for statement in (
        "UPDATE registrations_annualreportversion SET assessment = 'altceva' WHERE id = %s",
        "DELETE FROM registrations_annualreportversion WHERE id = %s",
    ):
        with (
            pytest.raises(ProgrammingError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [version.pk])
    assert AnnualReportVersion.objects.get(pk=version.pk).assessment == version.assessment


def test_a_stage_still_running_is_not_counted_yet(verified_authority, year_of_consultations):
    """Counted on the eve of its closing, the announcement of March (closing in the year
    counted) is left out; from its closing moment, its five recommendations count."""
    closes_at = year_of_consultations["announcement"].closes_at
    before = reports.count_figures(verified_authority, YEAR, now=closes_at - timedelta(minutes=1))
    assert (before["received"], before["included"], before["stages"]) == (0, 0, [])
    after = reports.count_figures(verified_authority, YEAR, now=closes_at)
    assert (after["received"], after["included"]) == (5, 3)
    assert [row["id"] for row in after["stages"]] == [year_of_consultations["announcement"].pk]


def test_a_report_published_before_the_year_ends_says_up_to_when(
    en_client, verified_authority, authority_admin, year_of_consultations
):
    """Published on 1 June 2026 (the year not over): the page, the PDF and the CSV say the
    figures cover 2026 up to that day, also read later; a correction published in January 2027
    counts the whole year and says nothing of the kind."""
    june = datetime(2026, 6, 1, 10, 0, tzinfo=BUCHAREST)
    reports.publish_report(authority_admin, verified_authority, YEAR, now=june, **_parts())
    note = (
        "The year was not over when these figures were counted: they cover 2026 up to 1 June 2026."
    )
    page = en_client.get(_url(verified_authority))
    assert page.status_code == 200
    assert note in page.content.decode()
    pdf = en_client.get(_url(verified_authority, YEAR, "report_pdf"))
    words = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages).split()
    )
    assert note in words
    rows = list(
        csv.reader(
            io.StringIO(
                en_client.get(_url(verified_authority, YEAR, "report_csv")).content.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert rows[-1] == [
        "",
        "The year was not over when these figures were counted: they cover it up to",
        "1 June 2026",
    ]
    january = datetime(2027, 1, 5, 10, 0, tzinfo=BUCHAREST)
    reports.publish_report(
        authority_admin,
        verified_authority,
        YEAR,
        correction_reason="Anul întreg.",
        now=january,
        **_parts(),
    )
    page = en_client.get(_url(verified_authority)).content.decode()
    assert "Version 2, figures counted on" in page
    assert "The year was not over" not in page
    rows = list(
        csv.reader(
            io.StringIO(
                en_client.get(_url(verified_authority, YEAR, "report_csv")).content.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert rows[-1][0] == "d"
    assert note in en_client.get(_url(verified_authority) + "?version=1").content.decode()
