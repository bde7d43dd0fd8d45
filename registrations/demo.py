"""Demo submissions, built through the registration functions so their history is real.

- The Law 350/2005 amendment on public reporting (Centrul pentru Politici Publice Deschise),
  after its public consultation (consultations/demo.py, loaded first), is submitted to the
  Ministry of Development, Public Works and Administration (it coordinates local public
  administration, the main funders under that law), registered there and answered "partially
  accepted". (The other Law 350/2005 amendment, by Asociația Vrancea Civică, is still in public
  consultation.)
- Primăria Municipiului Focșani's register: the local funding policy submitted through the platform
  and registered 60 days ago, now overdue; and a proposal that arrived by post.
- Primăria Municipiului Focșani's annual report on decisional transparency (Law 52/2003 art.
  13) for the current year, as a draft its admins complete: the year is not over and the
  public debate on its parking draft is still to come, so it is not published.
"""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Organization
from proposals.models import Proposal, ProposalStatus
from registrations import domain, reports
from registrations.models import AnnualReport, AnswerStatus, Submission, local_today

MINISTRY = "ministerul-dezvoltarii-lucrarilor-publice-si-administratiei"
FOCSANI = "primaria-municipiului-focsani"

COVER_LAW_350 = (
    "Stimate domnule ministru,\n\n"
    "Vă transmitem propunerea Centrului pentru Politici Publice Deschise de modificare a Legii "
    "nr. 350/2005 privind raportarea publică a finanțărilor nerambursabile. Vă rugăm să o "
    "înregistrați și să ne comunicați răspunsul în termenul prevăzut de O.G. nr. 27/2002.\n\n"
    "Cu stimă,\nRadu Stan"
)
ANSWER_LAW_350 = (
    "Ministerul susține publicarea raportului anual în format deschis (art. 35), care va fi "
    "inclusă în proiectul de lege aflat în pregătire. Publicarea punctajelor fiecărui "
    "solicitant (art. 21^1) nu este acceptată în forma propusă: punctajele conțin date "
    "personale ale persoanelor fizice autorizate și se comunică individual solicitanților."
)


def load_demo_submissions(users):
    """Create the demo submissions once. `users` maps demo emails to users."""
    radu = users["radu.stan@demo.consult.ro"]
    andrei = users["andrei.popa@demo.consult.ro"]
    elena = users["elena.dumitru@demo.consult.ro"]
    ministry = Organization.objects.get(slug=MINISTRY)
    focsani = Organization.objects.get(slug=FOCSANI)
    today = local_today(focsani)

    law = Proposal.objects.get(slug="legea-350-2005-raportare-publica")
    if (
        law.status in ProposalStatus.submittable()
        and law.target_authority_id == ministry.pk
        and not law.submissions.exists()
    ):
        sent = timezone.now() - timedelta(days=40)
        submission = domain.submit_proposal(
            radu, law, law.current_revision, COVER_LAW_350, now=sent
        )
        registered = timezone.localdate(sent) + timedelta(days=1)
        domain.register_submission(
            andrei, submission, number="12.457", registration_date=registered
        )
        domain.answer_submission(
            andrei,
            submission,
            answer_status=AnswerStatus.PARTIALLY_ACCEPTED,
            text=ANSWER_LAW_350,
            answered_on=registered + timedelta(days=27),
        )

    policy = Proposal.objects.get(slug="finantarea-ong-focsani")
    if policy.status in ProposalStatus.submittable() and not policy.submissions.exists():
        sent = timezone.now() - timedelta(days=62)
        submission = domain.submit_proposal(
            radu,
            policy,
            policy.current_revision,
            "Vă rugăm să analizați propunerea de politică locală anexată.",
            now=sent,
        )
        domain.register_submission(
            elena,
            submission,
            number="4.318",
            registration_date=timezone.localdate(sent) + timedelta(days=2),
        )

    if not Submission.objects.filter(authority=focsani, channel="post").exists():
        received = today - timedelta(days=12)
        domain.log_external_submission(
            elena,
            focsani,
            sender_name="Asociația Locatarilor Bloc 7, str. Cuza Vodă",
            title="Amenajarea unui loc de joacă în parcul Cuza Vodă",
            channel="post",
            received_on=received,
            registration_number="4.702",
            registration_date=received,
            notes="Scrisoare primită prin poștă, cu 48 de semnături ale locatarilor.",
        )

    year = reports.current_year(focsani)
    if (
        focsani.is_verified
        and not AnnualReport.objects.filter(authority=focsani, year=year).exists()
    ):
        reports.save_report_draft(
            elena,
            focsani,
            year,
            court_actions=0,
            court_actions_text="Primăria nu a fost acționată în justiție pentru nerespectarea "
            "Legii nr. 52/2003.",
            assessment=(
                "Asociațiile din municipiu au participat activ la consultările publice; "
                "recomandările primite pe hârtie și prin e-mail au fost înregistrate alături de "
                "cele primite pe platformă și au primit fiecare un răspuns scris."
            ),
            closed_meetings=0,
        )
