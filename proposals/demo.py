"""Demo proposals, built through the domain functions so that their history is real."""

from django.utils import translation

from accounts.models import Organization, User
from proposals import coauthors, domain, endorsements
from proposals.models import Proposal, Topic


def _amendment(key, article, action, in_force, proposed, rationale):
    return {
        "key": key,
        "type": "amendment",
        "article": article,
        "action": action,
        "in_force": in_force,
        "proposed": proposed,
        "rationale": rationale,
    }


def _law_350_versions():
    """Four successive texts of an amendment to Law 350/2005 (keys are stable across them)."""
    # (v1 to v4; a fifth revision restores v3.)
    a1 = _amendment(
        "k350a00001",
        "Art. 15 alin. (1)",
        "modify",
        "Autoritățile finanțatoare au obligația de a publica programul anual propriu pentru "
        "acordarea de finanțări nerambursabile în Monitorul Oficial al României, Partea a VI-a.",
        "Autoritățile finanțatoare au obligația de a publica programul anual propriu pentru "
        "acordarea de finanțări nerambursabile în Monitorul Oficial al României, Partea a VI-a, "
        "și pe pagina proprie de internet, până cel târziu la 31 ianuarie.",
        "Publicarea pe pagina de internet și un termen fix permit organizațiilor mici să își "
        "planifice proiectele din timp.",
    )
    a2 = _amendment(
        "k350a00002",
        "Art. 20 alin. (1)",
        "modify",
        "Procedura de selecție se desfășoară în cel puțin 30 de zile de la data publicării "
        "anunțului de participare.",
        "Procedura de selecție se desfășoară în cel puțin 45 de zile de la data publicării "
        "anunțului de participare.",
        "Treizeci de zile nu ajung pentru pregătirea documentației și a cofinanțării.",
    )
    a3 = _amendment(
        "k350a00003",
        "Art. 16^1",
        "insert",
        "",
        "Autoritatea finanțatoare poate încheia contracte de finanțare multianuale, pe o "
        "durată de cel mult trei ani, pentru programe cu caracter permanent.",
        "Serviciile sociale și culturale continue nu pot fi planificate de la un an la altul.",
    )
    a4 = _amendment(
        "k350a00004",
        "Art. 12 alin. (2)",
        "modify",
        "Beneficiarul are obligația de a asigura o contribuție de minimum 10% din valoarea "
        "totală a finanțării.",
        "Beneficiarul are obligația de a asigura o contribuție de minimum 5% din valoarea "
        "totală a finanțării; contribuția poate fi și în natură.",
        "Cofinanțarea de 10% în bani exclude organizațiile din mediul rural.",
    )
    v1 = [a1]
    v2 = [a1, a2]
    a2_changed = dict(
        a2,
        proposed=a2["proposed"].replace("45 de zile", "60 de zile"),
        rationale=a2["rationale"] + " Consultarea cu membrii durează.",
    )
    v3 = [a1, a2_changed, a3]
    v4 = [a3, a1, a2_changed, a4]  # a3 moved first, a4 added
    return v1, v2, v3, v4


POLICY_SECTIONS = [
    "În Focșani, finanțările nerambursabile pentru ONG-uri se anunță tardiv și se plătesc "
    "după încheierea activităților; multe organizații renunță.",
    "Un calendar anual previzibil; plata primei tranșe în 30 de zile de la semnare; "
    "raportare simplificată pentru granturi sub 20.000 lei.",
    "Varianta 1: păstrarea situației actuale. Varianta 2: calendar fix și plăți în avans "
    "(impact bugetar neutru, impact social pozitiv).",
    "Modificarea Regulamentului local privind finanțările nerambursabile aprobat prin "
    "hotărâre a Consiliului Local.",
    "Dezbatere publică cu organizațiile locale și consultare scrisă de 30 de zile.",
    "Direcția economică monitorizează termenele de plată; raport anual publicat în martie.",
]

BG_TEXT = (
    "Предлагаме Столична община да публикува всички проекти на наредби поне 30 дни преди "
    "приемането им и да публикува справка за постъпилите предложения с мотиви за неприетите."
)


def _policy_blocks():
    """The H.G. 775/2005 sections (in Romanian) with the Focșani policy's texts."""
    with translation.override("ro"):
        blocks = domain.policy_template()
    texts = iter(POLICY_SECTIONS)
    for block in blocks:
        if block["type"] == "text":
            block["text"] = next(texts)
    return blocks


def load_demo_proposals(users):
    """Create the demo proposals once. `users` maps demo emails to users."""
    ana = users["ana.popescu@demo.consult.ro"]
    mihai = users["mihai.ionescu@demo.consult.ro"]
    radu = users["radu.stan@demo.consult.ro"]
    ivan = users["ivan.petrov@demo.consult.bg"]
    vrancea = Organization.objects.get(slug="vrancea-civica")

    if not Proposal.objects.filter(slug="modificarea-legii-350-2005").exists():
        v1, v2, v3, v4 = _law_350_versions()
        proposal = domain.create_proposal(
            ana,
            vrancea,
            title="Modificarea Legii nr. 350/2005 privind finanțările nerambursabile",
            slug="modificarea-legii-350-2005",
            summary="Propunere de modificare a regimului finanțărilor nerambursabile din fonduri "
            "publice pentru activități nonprofit de interes general.",
            kind="amendment",
            # The ministry coordinating local public administration, the main funders under
            # Law 350/2005.
            target_authority=Organization.objects.get(
                slug="ministerul-dezvoltarii-lucrarilor-publice-si-administratiei"
            ),
            reference_act="Legea nr. 350/2005",
            language="ro",
            topics=Topic.objects.filter(slug__in=["public-funding", "civil-society"]),
            blocks=v1,
            message="Prima versiune: publicarea programului anual",
        )
        title, summary = proposal.title, proposal.summary
        domain.save_revision(
            ana,
            proposal,
            base_number=1,
            title=title,
            summary=summary,
            blocks=v2,
            message="Primele două amendamente",
        )
        domain.save_revision(
            mihai,
            proposal,
            base_number=2,
            title=title,
            summary=summary,
            blocks=v3,
            message="Termen de 60 de zile; contracte multianuale",
        )
        domain.save_revision(
            ana,
            proposal,
            base_number=3,
            title=title,
            summary=summary,
            blocks=v4,
            message="Cofinanțare redusă; reordonare",
        )
        domain.restore_revision(mihai, proposal, 3)
        domain.publish_proposal(ana, proposal)

    law_350 = Proposal.objects.get(slug="modificarea-legii-350-2005")
    if not law_350.coauthorships.exists():
        _law_350_partners(law_350, users)

    if not Proposal.objects.filter(slug="legea-350-2005-raportare-publica").exists():
        # A second, earlier amendment to the same law, already through its course: it is the
        # one submitted to the ministry in the registration demo (registrations/demo.py).
        policy = Organization.objects.get(slug="politici-publice-deschise")
        proposal = domain.create_proposal(
            radu,
            policy,
            title="Legea nr. 350/2005: raportarea publică a finanțărilor acordate",
            slug="legea-350-2005-raportare-publica",
            summary="Publicarea rapoartelor anuale ale autorităților finanțatoare și a "
            "rezultatelor fiecărei sesiuni de selecție, într-un format deschis.",
            kind="amendment",
            target_authority=Organization.objects.get(
                slug="ministerul-dezvoltarii-lucrarilor-publice-si-administratiei"
            ),
            reference_act="Legea nr. 350/2005",
            language="ro",
            topics=Topic.objects.filter(slug__in=["public-funding", "transparency"]),
            blocks=[
                _amendment(
                    "k350b00001",
                    "Art. 35 alin. (1)",
                    "modify",
                    "Autoritatea finanțatoare are obligația să întocmească un raport anual "
                    "privind contractele de finanțare nerambursabilă atribuite.",
                    "Autoritatea finanțatoare are obligația să întocmească un raport anual "
                    "privind contractele de finanțare nerambursabilă atribuite și să îl publice "
                    "pe pagina proprie de internet, în format deschis, până la 31 martie a anului "
                    "următor.",
                    "Raportul există, dar rareori ajunge la public; publicarea lui într-un "
                    "format deschis permite comparații între autorități.",
                ),
                _amendment(
                    "k350b00002",
                    "Art. 21^1",
                    "insert",
                    "",
                    "Rezultatele fiecărei sesiuni de selecție, cu punctajele obținute de fiecare "
                    "solicitant, se publică în termen de 10 zile de la încheierea evaluării.",
                    "Solicitanții și publicul pot verifica modul de aplicare a criteriilor de "
                    "evaluare.",
                ),
            ],
            message="Textul amendamentelor",
        )
        domain.publish_proposal(radu, proposal)

    if not Proposal.objects.filter(slug="finantarea-ong-focsani").exists():
        policy = Organization.objects.get(slug="politici-publice-deschise")
        proposal = domain.create_proposal(
            radu,
            policy,
            title="Politica locală de finanțare a organizațiilor neguvernamentale din Focșani",
            slug="finantarea-ong-focsani",
            summary="Calendar previzibil și plăți în avans pentru granturile locale.",
            kind="policy",
            target_authority=Organization.objects.get(slug="primaria-municipiului-focsani"),
            reference_act="H.G. nr. 775/2005",
            language="ro",
            topics=Topic.objects.filter(slug__in=["public-funding", "local-government"]),
            blocks=_policy_blocks(),
            message="Prima versiune completă",
        )
        domain.publish_proposal(radu, proposal)

    if not Proposal.objects.filter(slug="prozrachnost-na-naredbite").exists():
        proposal = domain.create_proposal(
            ivan,
            Organization.objects.get(slug="grazhdani-za-prozrachnost"),
            title="Прозрачност при приемането на общински наредби",
            slug="prozrachnost-na-naredbite",
            summary="Предложение за по-дълги срокове за обществени консултации.",
            kind="other",
            target_authority=Organization.objects.get(slug="stolichna-obshtina"),
            reference_act="Закон за нормативните актове, чл. 26",
            language="bg",
            topics=Topic.objects.filter(slug__in=["transparency", "local-government"]),
            blocks=[{"key": "k0b6000001", "type": "text", "text": BG_TEXT}],
            message="Първа версия",
        )
        domain.publish_proposal(ivan, proposal)


def _law_350_partners(proposal, users):
    """The amendment to Law 350/2005 is co-authored by the association of municipalities and
    the think-tank (an invitation also declined, kept in the history), and endorsed by a
    federation of NGOs and two participants (one endorsement withdrawn, then given again)."""
    ana = users["ana.popescu@demo.consult.ro"]
    for slug, email in [
        ("asociatia-municipiilor", "gabriela.neagu@demo.consult.ro"),
        ("politici-publice-deschise", "radu.stan@demo.consult.ro"),
    ]:
        invitation = coauthors.invite_coauthor(ana, proposal, Organization.objects.get(slug=slug))
        coauthors.accept_coauthorship(users[email], invitation)
    declined = coauthors.invite_coauthor(
        ana, proposal, Organization.objects.get(slug="grazhdani-za-prozrachnost")
    )
    coauthors.decline_coauthorship(users["ivan.petrov@demo.consult.bg"], declined)

    endorsements.endorse(
        users["dan.matei@demo.consult.ro"],
        proposal,
        organization=Organization.objects.get(slug="federatia-ong-vrancea"),
        statement="Organizațiile din federație susțin termenul de 60 de zile și contractele "
        "multianuale: finanțarea previzibilă ne permite să ne planificăm activitatea.",
    )
    first = endorsements.endorse(users["ion.vasile@demo.consult.ro"], proposal)
    endorsements.withdraw_endorsement(users["ion.vasile@demo.consult.ro"], first)
    endorsements.endorse(
        users["ion.vasile@demo.consult.ro"],
        proposal,
        statement="Am citit varianta revizuită: o susțin fără rezerve.",
    )
    endorsements.endorse(users["georgi.dimitrov@demo.consult.bg"], proposal)


def demo_users():
    return {user.email: user for user in User.objects.filter(email__contains="@demo.consult.")}
