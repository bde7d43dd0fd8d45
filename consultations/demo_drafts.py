"""Demo data of an authority's own draft (issue 17): Primăria Municipiului Focșani consults on a
draft local decision (the residents' parking regulation) under Law 52/2003: its substantiation
note, the announcement taking recommendations (open now; adoption planned 30 working days
after the announcement), recommendations received on the site, by email and on paper, and a
public debate requested by Asociația Vrancea Civică and scheduled as a public meeting, and a
questionnaire beside the recommendations with a few responses.

Loaded by `load_demo_consultations` (idempotent: nothing is added once the draft exists). The
demo is backdated, so commands take `now=`."""

from datetime import datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Organization
from consultations import domain
from consultations.domain import questionnaires
from consultations.models import Channel
from proposals import domain as proposals_domain
from proposals.attachments import store_upload
from proposals.exports import render_pdf
from proposals.models import Proposal

FOCSANI = "primaria-municipiului-focsani"
DRAFT_SLUG = "hcl-parcari-resedinta-focsani"
NGO = "vrancea-civica"

ARTICLES = [
    "Art. 1. Se aprobă Regulamentul de organizare și funcționare a parcărilor de reședință din "
    "municipiul Focșani, prevăzut în anexa care face parte integrantă din prezenta hotărâre.",
    "Art. 2. Locurile de parcare de reședință se atribuie pe bază de contract anual, prin "
    "licitație între solicitanții cu domiciliul în zona parcării, în limita locurilor "
    "disponibile.",
    "Art. 3. Tariful anual pentru un loc de parcare de reședință este de 240 lei; persoanele cu "
    "handicap grav sau accentuat sunt scutite de plata tarifului.",
    "Art. 4. Direcția Poliția Locală și Direcția Tehnică duc la îndeplinire prevederile "
    "prezentei hotărâri, care se publică pe pagina de internet a Primăriei Municipiului "
    "Focșani.",
]

REFERAT = [
    "Prin prezentul referat de aprobare propunem Consiliului Local al Municipiului Focșani "
    "aprobarea Regulamentului de organizare și funcționare a parcărilor de reședință.",
    "În cartierele Sud, Bahne și Obor, numărul autoturismelor înmatriculate de locatari "
    "depășește de peste două ori numărul locurilor de parcare existente. Regulamentul stabilește "
    "criterii transparente de atribuire și un tarif care acoperă costurile de întreținere.",
    "Proiectul se supune consultării publice potrivit Legii nr. 52/2003 privind transparența "
    "decizională în administrația publică, republicată.",
]

RECOMMENDATIONS = [
    # (day after the announcement, author or demo user, channel, text, answer)
    (
        2,
        "andrei",
        Channel.WEB,
        "Propun ca atribuirea să se facă prin tragere la sorți, nu prin licitație: licitația "
        "favorizează pe cei cu venituri mari.",
    ),
    (
        4,
        "Asociația de Proprietari Bloc 12 Sud",
        Channel.PAPER,
        "Solicităm rezervarea a cel puțin două locuri în fiecare parcare pentru vizitatori și "
        "pentru serviciile de urgență.",
    ),
    (
        5,
        "Gheorghe Stoica",
        Channel.EMAIL,
        "Tariful de 240 lei pe an este prea mare pentru pensionari; propun o reducere de 50%.",
    ),
]


QUESTIONS = [
    # (kind, text, options or (lowest, highest, labels), required)
    ("single", "Locuiți într-unul dintre cartierele Sud, Bahne sau Obor?",
     ["Da", "Nu", "Lucrez acolo, dar nu locuiesc acolo"], True),
    ("scale", "Cât de greu găsiți un loc de parcare seara, lângă locuință?",
     (1, 5, "foarte ușor", "foarte greu"), True),
    ("multiple", "Cum ar trebui atribuite locurile de parcare de reședință?",
     ["Prin licitație", "Prin tragere la sorți", "În ordinea cererilor", "După vechimea "
      "domiciliului în zonă"], False),
    ("text", "Ce altceva ar trebui să prevadă regulamentul?", None, False),
]  # fmt: skip

RESPONSES = [
    # (demo user, day after the announcement, answers in the order of QUESTIONS)
    ("andrei", 1, [0, 5, [1], "Locuri rezervate pentru mașinile electrice, cu prize."]),
    ("paul", 2, [0, 4, [1, 3], ""]),
    ("lucia", 3, [1, 2, [2], "Tarif redus pentru pensionari."]),
    ("daniela", 3, [2, 4, [0, 1], ""]),
    ("ion", 4, [0, 3, [3], "Abonamente de noapte în parcările publice din apropiere."]),
]


def _questionnaire(elena, stage, builder, *, before, announced):
    """The questions of the announcement (added before it opened) and a few responses."""
    questions = []
    for kind, text, options, required in QUESTIONS:
        extra = {}
        if kind == "scale":
            low, high, low_label, high_label = options
            extra = {"scale_min": low, "scale_max": high, "min_label": low_label,
                     "max_label": high_label}  # fmt: skip
        elif options:
            extra = {"choices": options}
        questions.append(
            questionnaires.add_question(
                elena, stage, kind=kind, text=text, required=required, now=before, **extra
            )
        )
    for person, day, answers in RESPONSES:
        questionnaires.submit_response(
            builder.user(person),
            stage,
            {question.pk: value for question, value in zip(questions, answers, strict=True)},
            now=announced + timedelta(days=day, hours=4),
        )


def _note(admin, proposal, authority):
    data = render_pdf(
        "consultations/demo/referat.html",
        {
            "authority": authority.name,
            "title": "Referat de aprobare",
            "paragraphs": REFERAT,
            "signature": "Primar, Elena Dumitru (semnătură de demonstrație)",
        },
    )
    upload = SimpleUploadedFile("Referat de aprobare.pdf", data, "application/pdf")
    return store_upload(admin, proposal, upload)


def load_demo_authority_draft(builder):
    """Create the Focșani draft decision and its consultation once. `builder` is the demo
    consultations' builder (it knows the demo people)."""
    if Proposal.objects.filter(slug=DRAFT_SLUG).exists():
        return None
    authority = Organization.objects.filter(slug=FOCSANI, verified_at__isnull=False).first()
    ngo = Organization.objects.filter(slug=NGO, verified_at__isnull=False).first()
    if authority is None or ngo is None:
        return None
    elena, ana = builder.user("elena"), builder.user("ana")
    zone = authority.zone
    today = timezone.localtime(timezone.now(), zone).date()
    announced = datetime.combine(today - timedelta(days=6), time(9, 0), tzinfo=zone)
    drafted = announced - timedelta(days=3)

    proposal = proposals_domain.create_proposal(
        elena,
        authority,
        title=(
            "Proiect de hotărâre privind aprobarea Regulamentului parcărilor de reședință din "
            "municipiul Focșani"
        ),
        slug=DRAFT_SLUG,
        summary=(
            "Atribuirea locurilor de parcare de reședință pe bază de contract anual, tariful "
            "anual și scutirile."
        ),
        kind="draft_decision",
        target_authority=None,
        reference_act="Legea nr. 52/2003",
        blocks=[{"type": "text", "text": text} for text in ARTICLES],
        message="Proiectul inițial",
    )
    note = _note(elena, proposal, authority)
    revision = proposal.current_revision
    proposals_domain.save_revision(
        elena,
        proposal,
        base_number=revision.number,
        title=revision.title,
        summary=revision.summary,
        blocks=[
            *revision.blocks,
            {
                "type": "text",
                "text": (
                    "Art. 5. Prezenta hotărâre intră în vigoare la 1 ianuarie a anului următor."
                ),
            },
        ],
        message="Cu referatul de aprobare și data intrării în vigoare",
        attachments=[note],
    )
    proposal.refresh_from_db()
    proposals_domain.publish_proposal(elena, proposal)
    consultation = domain.create_consultation(
        elena,
        proposal,
        title="Consultare publică: Regulamentul parcărilor de reședință",
        intro=(
            "Primăria Municipiului Focșani supune consultării publice, potrivit Legii nr. "
            "52/2003, proiectul de hotărâre privind parcările de reședință. Recomandările se "
            "pot trimite aici, prin e-mail la registratura@primariafocsani.ro sau pe hârtie, "
            "la registratura primăriei."
        ),
    )
    announcement = domain.add_stage(
        elena,
        consultation,
        kind="announcement",
        title="Anunțul proiectului: recomandări scrise",
        description="Recomandările primite până la închiderea perioadei primesc un răspuns scris.",
        opens_at=announced,
        closes_at=announced + timedelta(days=15),
        revision=proposal.current_revision,
        adoption_planned_on=max(
            domain.earliest_adoption(announced.date(), authority.country),
            announced.date() + timedelta(days=16),
        ),
        substantiation=note,
        now=drafted,
    )
    domain.process_stage_events(now=announced)
    _questionnaire(elena, announcement, builder, before=drafted, announced=announced)
    for day, author, channel, text in RECOMMENDATIONS:
        moment = announced + timedelta(days=day, hours=2)
        if channel == Channel.WEB:
            domain.post_comment(
                builder.user(author), announcement, text=text, stance="oppose", now=moment
            )
        else:
            domain.log_recommendation(
                elena,
                announcement,
                author=author,
                received_on=timezone.localtime(moment, zone).date(),
                text=text,
                channel=channel,
                now=moment + timedelta(hours=3),
            )
    requested = announced + timedelta(days=1, hours=5)
    request = domain.request_debate(
        ana,
        consultation,
        ngo,
        message=(
            "Asociația Vrancea Civică solicită, potrivit art. 7 din Legea nr. 52/2003, "
            "organizarea unei dezbateri publice: regulamentul privește mii de locatari din "
            "cartierele Sud, Bahne și Obor."
        ),
        now=requested,
    )
    meeting_at = datetime.combine(today + timedelta(days=3), time(17, 0), tzinfo=zone)
    meeting = domain.add_stage(
        elena,
        consultation,
        kind="meeting",
        title="Dezbatere publică: parcările de reședință",
        description="Dezbatere publică organizată la cererea Asociației Vrancea Civică.",
        opens_at=meeting_at,
        closes_at=meeting_at + timedelta(hours=2),
        revision=proposal.current_revision,
        meeting_at=meeting_at,
        meeting_place="Sala de ședințe a Consiliului Local, Bd. Dimitrie Cantemir nr. 1 bis",
        agenda="1. Prezentarea proiectului.\n2. Intervențiile participanților.\n3. Concluzii.",
        now=requested + timedelta(days=2),
    )
    domain.schedule_debate(elena, request, meeting, now=requested + timedelta(days=2, hours=1))
    domain.process_stage_events(now=timezone.now())
    return consultation
