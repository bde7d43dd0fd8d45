"""Demo consultations, built through the domain functions so that their record is real.

The amendment to Law 350/2005 by Asociația Vrancea Civică gets three stages:

1. written comments on revision 2, closed: 26 comments and their replies by the demo citizens and
   a few more demo participants, reactions, one comment hidden by a moderator and one withdrawn
   by its author, every comment answered, and the synthesis published;
2. a public meeting on revision 3, with its minutes;
3. written comments on revision 5 (the text after the consultation), open for about two more
   weeks, with a handful of comments.

The Bulgarian NGO's proposal to Столична община gets an open 35-day stage with comments in
Bulgarian.

The amendment on public reporting by Centrul pentru Politici Publice Deschise had its
consultation before it was submitted to the ministry (proposals/demo_registration.py, which
runs after this module): one written-comments stage on its current revision, closed 60 days
ago, every comment answered and the synthesis published, so that its dossier carries them.

Dates are placed relative to the day the demo is loaded (in the organisation's zone), and every
action passes `now=` so that the domain checks the window as it would have then. Idempotent: a
proposal that already has a consultation is left alone (and one already submitted gets none).
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.utils import timezone

from accounts.demo import demo_person
from consultations import domain
from consultations.models import Consultation
from core import mail
from proposals.models import Proposal, ProposalStatus

LAW_350 = "modificarea-legii-350-2005"
REPORTING = "legea-350-2005-raportare-publica"
SOFIA_PROPOSAL = "prozrachnost-na-naredbite"

# Keys of the blocks of the Law 350/2005 amendment (proposals/demo.py).
ART_15 = "k350a00001"  # Art. 15 alin. (1): the annual programme, published by 31 January
ART_20 = "k350a00002"  # Art. 20 alin. (1): the selection procedure, 45 then 60 days
ART_16_1 = "k350a00003"  # Art. 16^1 (from revision 3): multiannual contracts
# Keys of the blocks of the amendment on public reporting (proposals/demo.py).
REPORT_35 = "k350b00001"  # Art. 35 alin. (1): the annual report, public in an open format
REPORT_21 = "k350b00002"  # Art. 21^1: the results of each selection session, with the scores

# More people taking part than the demo logins (same password, see README).
PARTICIPANTS = [
    # email, display name, locality, category, language
    ("andrei.munteanu@demo.consult.ro", "Andrei Munteanu", "Focșani", "citizen", "ro"),
    ("ioana.constantin@demo.consult.ro", "Ioana Constantin", "Adjud", "ngo", "ro"),
    ("gabriel.toma@demo.consult.ro", "Gabriel Toma", "Mărășești", "public_authority", "ro"),
    ("daniela.ene@demo.consult.ro", "Daniela Ene", "Focșani", "ngo", "ro"),
    ("florin.neagu@demo.consult.ro", "Florin Neagu", "Brăila", "business", "ro"),
    ("alina.stoica@demo.consult.ro", "Alina Stoica", "Cluj-Napoca", "academia", "ro"),
    ("victor.barbu@demo.consult.ro", "Victor Barbu", "Panciu", "ngo", "ro"),
    ("carmen.iordache@demo.consult.ro", "Carmen Iordache", "București", "ngo", "ro"),
    ("paul.dobre@demo.consult.ro", "Paul Dobre", "Focșani", "citizen", "ro"),
    ("lucia.pavel@demo.consult.ro", "Lucia Pavel", "Odobești", "citizen", "ro"),
    ("petya.nikolova@demo.consult.bg", "Петя Николова", "София", "citizen", "bg"),
    ("stefan.kolev@demo.consult.bg", "Стефан Колев", "София", "business", "bg"),
    ("nadezhda.ivanova@demo.consult.bg", "Надежда Иванова", "Пловдив", "ngo", "bg"),
]


@dataclass
class Reply:
    author: str
    text: str
    replies: list = field(default_factory=list)


@dataclass
class Thread:
    """A top-level comment, `day` days after its stage opened, with what happened to it."""

    author: str
    day: float
    stance: str
    text: str
    block: str = ""
    quote: str = ""
    replies: list = field(default_factory=list)
    answer: tuple = ()  # (outcome, reason, number of the revision it was applied in or None)
    agree: tuple = ()
    disagree: tuple = ()
    flags: tuple = ()
    hidden: str = ""  # the moderator's reason
    withdrawn: bool = False


def r(author, text, *replies):
    return Reply(author, text, list(replies))


# --- Stage 1: written comments on revision 2 ---------------------------------------------------

STAGE_1 = [
    Thread(
        "andrei", 0.4, "support",
        "Foarte bine că programul anual trebuie publicat și pe site-ul autorității. Monitorul "
        "Oficial, Partea a VI-a, nu îl citește nimeni dintre voluntarii noștri; aflăm de "
        "finanțări de la alții, de obicei prea târziu.",
        block=ART_15, quote="pe pagina proprie de internet",
        replies=[
            r("ioana", "Exact. Anul trecut am aflat de sesiunea de finanțare a Consiliului "
              "Județean cu patru zile înainte de termen.",
              r("andrei", "Ar ajuta și o secțiune dedicată pe site, nu doar un anunț pierdut "
                "printre știri.",
                r("mihai", "Notăm sugestia. O secțiune dedicată ține de practica fiecărei "
                  "autorități, dar o vom menționa în expunerea de motive."))),
        ],
        answer=("accepted", "Amendamentul rămâne în forma propusă; sugestia unei secțiuni "
                "dedicate pe pagina de internet a autorității este preluată în expunerea de "
                "motive.", None),
        agree=("ioana", "daniela", "victor", "carmen"),
    ),
    Thread(
        "elena", 1.1, "oppose",
        "Termenul de 31 ianuarie nu este realist pentru autoritățile locale: bugetul local se "
        "aprobă de regulă în februarie sau chiar în martie, după adoptarea legii bugetului de "
        "stat. Nu putem publica un program anual fără să știm sumele alocate.",
        block=ART_15, quote="până cel târziu la 31 ianuarie",
        replies=[
            r("radu", "Programul se poate publica pe baza proiectului de buget, cu mențiunea că "
              "sumele sunt estimative. Așa procedează deja câteva municipii.",
              r("elena", "Se poate, dar apoi riscăm contestații dacă suma finală e mai mică. "
                "Poate un termen de 30 de zile de la aprobarea bugetului ar fi mai sigur.",
                r("ana", "Un termen legat de aprobarea bugetului ar însemna, în anii cu buget "
                  "întârziat, un program publicat abia în mai. Analizăm varianta cu sume "
                  "estimative."))),
            r("gabriel", "Confirm problema: la Mărășești bugetul pe anul trecut s-a aprobat pe "
              "28 februarie."),
        ],
        answer=("partially", "Păstrăm termenul de 31 ianuarie, dar precizăm în expunerea de "
                "motive că programul poate cuprinde sume estimative, actualizate după "
                "aprobarea bugetului. Un termen legat de aprobarea bugetului ar amâna "
                "sesiunile în anii cu buget întârziat.", None),
        agree=("gabriel", "cristina"), disagree=("andrei", "ioana"),
    ),
    Thread(
        "ioana", 1.6, "oppose",
        "45 de zile sunt tot prea puține pentru asociațiile mici. Trebuie să obținem acordul "
        "adunării generale, să strângem cofinanțarea și să pregătim bugetul detaliat. Propunem "
        "minimum 60 de zile.",
        block=ART_20, quote="cel puțin 45 de zile",
        replies=[
            r("daniela", "Susțin 60 de zile. La noi, doar certificatul de atestare fiscală și "
              "celelalte adeverințe durează aproape două săptămâni."),
            r("florin", "Un termen mai lung întârzie și începerea proiectelor. Dacă procedura "
              "durează 60 de zile, proiectele de vară încep abia în august.",
              r("ioana", "De aceea contează și termenul de 31 ianuarie de la art. 15: cu "
                "programul publicat devreme, cele 60 de zile nu mai sunt o problemă.")),
            r("mihai", "Mulțumim, argumentul ne-a convins; vom propune 60 de zile în versiunea "
              "următoare."),
        ],
        answer=("accepted", "Am modificat termenul la 60 de zile (art. 20 alin. (1), revizia "
                "3): pregătirea documentației și aprobările interne ale asociațiilor mici "
                "durează mai mult decât estimasem.", 3),
        agree=("daniela", "victor", "carmen", "andrei", "lucia"), disagree=("florin",),
    ),
    Thread(
        "florin", 2.0, "oppose",
        "Din experiența mea de consultant, problema nu este durata procedurii, ci documentele "
        "cerute. Mai bine reduceți lista de acte la depunere și cereți restul doar "
        "câștigătorilor; atunci și 30 de zile ar fi suficiente.",
        block=ART_20,
        replies=[
            r("radu", "Sunt două lucruri diferite și ambele ajută. Simplificarea documentelor "
              "ține însă de regulamentele locale, nu de lege.",
              r("florin", "Legea ar putea spune explicit că documentele justificative se cer "
                "doar după evaluare.")),
        ],
        answer=("not_applicable", "Lista documentelor este stabilită prin regulamentele "
                "autorităților finanțatoare, nu prin art. 20; propunerea depășește obiectul "
                "amendamentului. O reținem pentru o propunere separată privind simplificarea "
                "dosarului.", None),
        agree=("radu",), disagree=("ioana",),
    ),
    Thread(
        "alina", 2.4, "neutral",
        "Ar fi util ca expunerea de motive să includă date: câte autorități publică efectiv "
        "programul anual, cu cât timp înainte se lansează sesiunile și câte organizații depun "
        "proiecte. Altfel, discuția despre termene rămâne la nivel de impresii.",
        replies=[
            r("ana", "Avem date pentru județul Vrancea (12 autorități, 2022–2024); le vom "
              "publica în anexa expunerii de motive.",
              r("alina", "Mulțumesc. Dacă ajută, le putem compara cu datele strânse anul "
                "trecut pentru județul Cluj.",
                r("ana", "Cu plăcere, vă scriem săptămâna aceasta."))),
        ],
        answer=("accepted", "Anexăm expunerii de motive datele colectate pentru 12 autorități "
                "din județul Vrancea (2022–2024).", None),
        agree=("radu", "carmen"),
    ),
    Thread(
        "victor", 3.0, "support",
        "Propunerea ar trebui să prevadă și contracte pe mai mulți ani. Festivalul nostru de "
        "folclor din Panciu are loc în fiecare an; în fiecare an depunem același proiect de la "
        "zero și nu putem angaja pe nimeni mai mult de câteva luni.",
        replies=[
            r("carmen", "Aceeași problemă o au serviciile sociale: un centru de zi nu poate "
              "funcționa cu contracte de opt luni.",
              r("daniela", "La centrul nostru pentru vârstnici, fiecare ianuarie înseamnă trei "
                "luni fără finanțare.")),
            r("ana", "Am primit mai multe comentarii în acest sens; pregătim un articol nou "
              "despre contractele multianuale.",
              r("victor", "Foarte bine. Ar trebui limitat la programele care se repetă, ca să "
                "nu blocheze bugetul.")),
        ],
        answer=("accepted", "Am introdus art. 16^1 (revizia 3): contracte de finanțare "
                "multianuale, de cel mult trei ani, pentru programe cu caracter permanent.", 3),
        agree=("carmen", "daniela", "ioana", "ion", "andrei"),
    ),
    Thread(
        "cristina", 3.5, "neutral",
        "Un termen fix pentru publicarea programului anual trebuie corelat cu calendarul "
        "bugetar prevăzut de Legea nr. 273/2006 privind finanțele publice locale. Recomandăm "
        "consultarea Ministerului Finanțelor înainte de depunerea formei finale.",
        replies=[
            r("mihai", "Mulțumim. Vom solicita punctul de vedere al Ministerului Finanțelor "
              "înainte de a depune forma finală."),
        ],
        answer=("accepted", "Solicităm punctul de vedere al Ministerului Finanțelor și îl "
                "anexăm propunerii finale.", None),
    ),
    Thread(
        "ion", 4.2, "support",
        "Publicarea doar în Monitorul Oficial este o formalitate. Ar fi bine ca programul să fie "
        "publicat și într-un format deschis (de exemplu CSV), ca să poată fi centralizat pe un "
        "singur portal.",
        block=ART_15, quote="Monitorul Oficial al României, Partea a VI-a",
        replies=[
            r("alina", "De acord; datele deschise ar permite și monitorizarea termenelor.",
              r("ion", "Exact. Acum fiecare primărie publică un PDF scanat, greu de găsit.")),
        ],
        answer=("partially", "Formatul deschis este o practică bună pe care o recomandăm în "
                "expunerea de motive; legea nu poate impune aici un format tehnic anume, care "
                "se schimbă în timp.", None),
        agree=("alina", "andrei"),
    ),
    Thread(
        "gabriel", 4.8, "oppose",
        "Pentru primăriile mici, o procedură mai lungă înseamnă că banii se contractează abia "
        "vara. Noi avem un singur funcționar care se ocupă și de achiziții, și de finanțări.",
        block=ART_20, quote="45 de zile",
        replies=[
            r("ioana", "Tocmai de aceea ajută programul publicat până la 31 ianuarie: procedura "
              "poate începe din februarie.",
              r("gabriel", "Dacă bugetul e aprobat, da. Altfel, nu.")),
            r("elena", "Susțin observația colegului: termenele trebuie gândite și pentru "
              "primăriile cu personal puțin."),
        ],
        answer=("rejected", "Termenul procedurii privește timpul lăsat solicitanților, nu "
                "volumul de muncă al autorității; cu programul publicat până la 31 ianuarie, "
                "procedura se poate încheia înainte de vară. Am păstrat 60 de zile (revizia "
                "3).", None),
        agree=("elena",), disagree=("ioana", "daniela"),
    ),
    Thread(
        "daniela", 5.3, "support",
        "Pe lângă termene, ar trebui reglementată și plata în avans a unei tranșe. Majoritatea "
        "ONG-urilor mici nu pot acoperi cheltuielile din fonduri proprii până la decontare.",
        replies=[
            r("florin", "Avansul există deja în multe regulamente locale, până la 30%.",
              r("daniela", "Există, dar e opțional și puține autorități îl acordă.")),
            r("mihai", "Plățile în avans sunt subiectul propunerii Centrului pentru Politici "
              "Publice Deschise pentru Focșani; aici ne limităm la termene."),
        ],
        answer=("not_applicable", "Plata în avans nu face obiectul amendamentelor supuse "
                "dezbaterii; subiectul este tratat în propunerea de politică publică privind "
                "finanțarea ONG-urilor din Focșani.", None),
        agree=("victor", "lucia"),
    ),
    Thread(
        "carmen", 5.9, "support",
        "Confirmăm din partea federației: planificarea este principala problemă semnalată de "
        "membrii noștri în ultimii trei ani. Susținem amendamentul în forma propusă.",
        block=ART_15, quote="să își planifice proiectele din timp",
        replies=[
            r("radu", "Ar fi util să publicați și rezultatele sondajului federației.",
              r("carmen", "Le atașăm la un comentariu în etapa următoare.")),
        ],
        answer=("accepted", "Mulțumim pentru susținere; amendamentul rămâne în forma "
                "propusă.", None),
        agree=("victor",),
    ),
    Thread(
        "paul", 6.3, "oppose",
        "Nu schimbați nimic, toți funcționarii de la primărie sunt niște incompetenți și hoți, "
        "banii ajung oricum la prietenii lor.",
        flags=("elena", "gabriel"),
        hidden="Acuzații generale și jignitoare la adresa unor persoane; regulile de "
        "participare cer un ton civilizat. Critica procedurilor este binevenită.",
    ),
    Thread(
        "lucia", 6.8, "neutral",
        "Cred că pentru proiectele culturale ar trebui să fie 90 de zile.",
        block=ART_20, withdrawn=True,
    ),
    Thread(
        "paul", 7.2, "oppose",
        "Mai importantă decât durata este evaluarea publică: punctajele fiecărui proiect ar "
        "trebui publicate, nu doar lista câștigătorilor.",
        block=ART_20,
        replies=[
            r("alina", "Susțin. Transparența punctajelor ar reduce și contestațiile."),
            r("elena", "La Focșani publicăm deja punctajele, dar nu este obligatoriu peste "
              "tot."),
        ],
        answer=("not_applicable", "Publicarea punctajelor ține de alt articol al legii, care nu "
                "face obiectul acestei propuneri; o avem în vedere pentru o etapă ulterioară.",
                None),
        agree=("alina", "ion", "andrei"),
    ),
    Thread(
        "radu", 7.9, "neutral",
        "Propun să se precizeze ce conține programul anual: domeniile, sumele pe domeniu și "
        "calendarul sesiunilor. Altfel, unele autorități vor publica doar un titlu.",
        block=ART_15, quote="programul anual propriu",
        replies=[
            r("ana", "Bună observație. Conținutul minim este stabilit de alin. (2) al aceluiași "
              "articol, dar îl putem completa cu calendarul sesiunilor.",
              r("radu", "Calendarul este partea cea mai utilă pentru organizații."),
              r("cristina", "Atenție la suprapunerea cu normele metodologice; o trimitere la "
                "alin. (2) ar fi suficientă.")),
        ],
        answer=("partially", "Conținutul programului rămâne cel din art. 15 alin. (2); în "
                "expunerea de motive recomandăm includerea calendarului sesiunilor.", None),
        agree=("carmen", "ioana"),
    ),
    Thread(
        "andrei", 8.5, "support",
        "Susțin prelungirea termenului. Din experiența mea de voluntar, 30 de zile înseamnă de "
        "fapt 20, pentru că anunțul apare pe site cu întârziere.",
        block=ART_20,
        replies=[
            r("gabriel", "Anunțul apare cu întârziere pentru că Monitorul Oficial îl publică la "
              "câteva zile după transmitere.",
              r("andrei", "Atunci termenul ar trebui să curgă de la publicarea pe site, nu de "
                "la Monitorul Oficial.")),
        ],
        answer=("accepted", "Termenul a devenit 60 de zile în revizia 3.", 3),
        agree=("ioana",),
    ),
    Thread(
        "ioana", 9.1, "neutral",
        "Ce se întâmplă dacă autoritatea nu publică programul până la 31 ianuarie? Fără o "
        "consecință, termenul va fi ignorat, ca multe altele.",
        block=ART_15, quote="până cel târziu la 31 ianuarie",
        replies=[
            r("radu", "O sancțiune contravențională ar fi disproporționată; poate o raportare "
              "publică anuală a autorităților care nu respectă termenul.",
              r("elena", "Și noi am prefera raportarea în locul sancțiunii.",
                r("ioana", "Raportarea publică mi se pare o soluție bună."))),
        ],
        answer=("partially", "Nu introducem sancțiuni; propunem ca raportul anual prevăzut de "
                "Legea nr. 52/2003 să menționeze data publicării programului.", None),
        agree=("radu", "lucia"),
    ),
    Thread(
        "victor", 9.7, "support",
        "Cofinanțarea de 10% este partea cea mai grea pentru noi. Un termen mai lung ne lasă "
        "timp să găsim sponsori locali.",
        block=ART_20, quote="pregătirea documentației și a cofinanțării",
        replies=[
            r("florin", "Sau cofinanțarea ar putea fi și în natură, prin voluntariat.",
              r("victor", "Voluntariatul ar fi o soluție excelentă pentru asociațiile "
                "culturale.")),
            r("mihai", "Am discutat varianta contribuției în natură; o supunem dezbaterii "
              "separat, pentru că modifică art. 12."),
        ],
        answer=("partially", "Termenul de 60 de zile lasă mai mult timp pentru cofinanțare "
                "(revizia 3); contribuția în natură modifică art. 12 și va fi discutată "
                "separat.", 3),
        agree=("daniela", "carmen"),
    ),
    Thread(
        "alina", 10.4, "neutral",
        "Ar trebui clarificat dacă termenul este în zile calendaristice sau lucrătoare. În "
        "practică, un termen de 45 de zile care include Paștele sau Crăciunul este mult mai "
        "scurt.",
        block=ART_20,
        replies=[
            r("ana", "Termenul este în zile calendaristice, ca în Legea nr. 52/2003; îl vom "
              "preciza explicit."),
        ],
        answer=("accepted", "Precizăm în expunerea de motive că termenele sunt în zile "
                "calendaristice, ca în Legea nr. 52/2003.", None),
    ),
    Thread(
        "elena", 11.0, "neutral",
        "Ca autoritate finanțatoare, avem nevoie de claritate: termenul se aplică și "
        "sesiunilor suplimentare organizate în a doua parte a anului?",
        block=ART_20,
        replies=[
            r("mihai", "Da, se aplică oricărei proceduri de selecție.",
              r("elena", "Atunci o sesiune suplimentară din septembrie nu se mai poate "
                "finaliza până la sfârșitul anului.",
                r("carmen", "Aici contractele multianuale ar rezolva problema."))),
        ],
        answer=("accepted", "Termenul se aplică oricărei proceduri de selecție; precizăm acest "
                "lucru în expunerea de motive, iar contractele multianuale (art. 16^1) "
                "permit sesiuni care trec de sfârșitul anului.", 3),
    ),
    Thread(
        "ion", 11.6, "support",
        "E bine că se discută public. Aș propune ca rezultatul acestei consultări să fie trimis "
        "și parlamentarilor de Vrancea.",
        replies=[
            r("ana", "Vom trimite forma finală Secretariatului General al Guvernului și "
              "parlamentarilor de Vrancea."),
        ],
        answer=("accepted", "Transmitem forma finală și parlamentarilor din circumscripția "
                "Vrancea.", None),
        agree=("andrei", "lucia"),
    ),
    Thread(
        "daniela", 12.2, "support",
        "Pentru serviciile sociale licențiate, un calendar cunoscut din ianuarie ne ajută să "
        "păstrăm personalul între proiecte.",
        block=ART_15, quote="planifice proiectele din timp",
        replies=[r("ioana", "La fel și pentru activitățile de tineret din vacanța de vară.")],
        answer=("accepted", "Amendamentul la art. 15 alin. (1) rămâne în forma propusă.", None),
    ),
    Thread(
        "florin", 12.9, "neutral",
        "Depunerea electronică a proiectelor ar trebui să fie obligatorie. Depunerea pe hârtie "
        "costă și timp, și bani.",
        replies=[
            r("radu", "Obligativitatea ar exclude unele organizații din mediul rural, fără "
              "acces bun la internet.",
              r("florin", "Atunci ambele variante, cu prioritate pentru depunerea "
                "electronică.")),
            r("lucia", "La Odobești, depunerea electronică ar fi un mare câștig, nu o "
              "barieră."),
        ],
        answer=("not_applicable", "Modul de depunere ține de regulamentele autorităților "
                "finanțatoare și nu face obiectul acestor amendamente.", None),
        agree=("lucia",), disagree=("radu",),
    ),
    Thread(
        "gabriel", 13.6, "oppose",
        "Nu toate comunele au o pagină de internet actualizată. Obligația ar trebui să fie "
        "publicarea pe pagina proprie sau, în lipsa acesteia, pe cea a consiliului județean.",
        block=ART_15, quote="pe pagina proprie de internet",
        replies=[
            r("alina", "Codul administrativ obligă deja toate unitățile administrativ-"
              "teritoriale să aibă o pagină de internet.",
              r("gabriel", "Obligă, dar realitatea e alta în comunele mici.",
                r("ana", "Tocmai de aceea publicarea pe pagina proprie trebuie să rămână "
                  "regula."))),
        ],
        answer=("rejected", "Codul administrativ obligă deja fiecare unitate administrativ-"
                "teritorială să publice pe pagina proprie de internet; nu prevedem o excepție "
                "care ar legitima lipsa ei.", None),
        agree=("elena",), disagree=("alina", "ion"),
    ),
    Thread(
        "carmen", 14.5, "support",
        "Susținem prelungirea. Termenul actual a fost stabilit în 2005, când la depunere se "
        "cereau mult mai puține documente.",
        block=ART_20, quote="30 de zile",
        answer=("accepted", "Termenul a devenit 60 de zile în revizia 3.", 3),
        agree=("daniela", "victor"),
    ),
    Thread(
        "lucia", 15.2, "support",
        "Am aflat anul trecut de programul de finanțare al orașului doar de la o vecină. "
        "Publicarea pe site și un termen fix ar ajuta foarte mult.",
        block=ART_15,
        replies=[
            r("andrei", "Și o listă de e-mail la care să te poți abona ar ajuta.",
              r("lucia", "Da, un abonament prin e-mail ar fi ideal.")),
        ],
        answer=("partially", "Publicarea pe pagina de internet rămâne; o listă de abonare prin "
                "e-mail este o practică bună, recomandată în expunerea de motive, dar nu o "
                "putem impune prin lege.", None),
        agree=("andrei", "ion"),
    ),
]  # fmt: skip


def _count_replies(replies):
    return sum(1 + _count_replies(reply.replies) for reply in replies)


SYNTHESIS_INTRO = (
    f"Am primit {len(STAGE_1)} de comentarii și "
    f"{sum(_count_replies(thread.replies) for thread in STAGE_1)} de răspunsuri de la cetățeni, "
    "organizații și autorități locale și am răspuns fiecărui comentariu. Principalele schimbări "
    "din revizia 3: termenul procedurii de selecție crește de la 45 la 60 de zile, iar un "
    "articol nou (art. 16^1) permite contracte de finanțare multianuale. Un comentariu a fost "
    "ascuns de moderatori pentru limbaj jignitor, iar unul a fost retras de autoarea lui."
)

MEETING_AGENDA = (
    "1. Prezentarea sintezei primei etape de consultare.\n"
    "2. Termenul procedurii de selecție (art. 20) și contractele multianuale (art. 16^1).\n"
    "3. Întrebări și propuneri ale participanților."
)

MEETING_MINUTES = (
    "Dezbaterea a avut loc la Biblioteca Județeană „Duiliu Zamfirescu” din Focșani, cu "
    "transmisiune online. Au participat reprezentanți ai 14 organizații neguvernamentale, ai "
    "Primăriei Municipiului Focșani, ai primăriilor Mărășești și Panciu și cetățeni.\n\n"
    "Ana Popescu a prezentat sinteza primei etape și modificările din revizia 3. Participanții "
    "au susținut termenul de 60 de zile. Reprezentanții primăriilor au cerut ca programul "
    "anual să poată cuprinde sume estimative; s-a convenit ca acest lucru să fie precizat în "
    "expunerea de motive.\n\n"
    "Despre contractele multianuale, mai mulți participanți au cerut ca o parte din buget să "
    "rămână pentru proiecte anuale, deschise organizațiilor noi. Propunerea va fi discutată în "
    "a doua etapă de comentarii scrise."
)

# --- Stage 3: written comments on revision 5, open -------------------------------------------

STAGE_3 = [
    Thread(
        "victor", 0.3, "support",
        "Trei ani sunt un început bun. Ar fi util ca la finalul contractului să existe o "
        "evaluare publică, înainte de reînnoire.",
        block=ART_16_1, quote="pe o durată de cel mult trei ani",
        replies=[r("carmen", "Evaluarea ar trebui făcută de autoritate, cu participarea "
                   "beneficiarilor.")],
        agree=("carmen", "daniela"),
    ),
    Thread(
        "elena", 0.8, "neutral",
        "Contractele multianuale angajează bugete viitoare. Ar trebui precizat că angajamentul "
        "se face în limita creditelor de angajament aprobate.",
        block=ART_16_1,
        replies=[r("mihai", "Corect, vom adăuga trimiterea la creditele de angajament.",
                   r("elena", "Mulțumesc."))],
        agree=("cristina",),
    ),
    Thread(
        "ioana", 1.2, "support",
        "Mulțumim că ați ținut cont de comentariile din prima etapă. 60 de zile este un termen "
        "realist.",
        block=ART_20, quote="cel puțin 60 de zile",
        agree=("daniela", "andrei", "victor"),
    ),
    Thread(
        "florin", 1.6, "oppose",
        "Contractele pe trei ani pot bloca accesul organizațiilor noi: aceleași asociații vor "
        "primi banii ani la rând.",
        block=ART_16_1,
        replies=[r("daniela", "Se poate rezerva o parte din buget pentru proiecte anuale, "
                   "deschise tuturor.")],
        disagree=("victor",),
    ),
    Thread(
        "alina", 2.0, "neutral",
        "Versiunea nouă este mai clară. Rămâne de precizat cum se calculează termenele când "
        "ultima zi cade într-o zi nelucrătoare.",
    ),
]  # fmt: skip

# A small form-letter campaign in the open stage: the same letter, signed by four people (the
# answers page groups them, `consultations.domain.grouping`).
CAMPAIGN_LETTER = (
    "Mă numesc {name} și locuiesc în {town}. Susțin termenul de cel puțin 60 de zile pentru "
    "informarea solicitanților și vă rog să îl păstrați în forma finală a legii. Asociațiile "
    "mici au nevoie de timp pentru a-și pregăti proiectele, iar un termen scurt le exclude din "
    "competiție."
)
STAGE_3 += [
    Thread(author, day, "support", CAMPAIGN_LETTER.format(name=name, town=town), block=ART_20)
    for author, day, name, town in (
        ("andrei", 2.2, "Andrei Munteanu", "Focșani"),
        ("paul", 2.3, "Paul Dobre", "Focșani"),
        ("lucia", 2.5, "Lucia Pavel", "Odobești"),
        ("gabriel", 2.6, "Gabriel Toma", "Mărășești"),
    )
]

# --- The Bulgarian consultation ------------------------------------------------------------------

SOFIA_STAGE = [
    Thread(
        "georgi", 0.4, "support",
        "Подкрепям. Досега проектите на наредби често се публикуват две седмици преди "
        "заседанието на Столичния общински съвет и няма време за становища.",
        block="first", quote="поне 30 дни преди приемането им",
        replies=[r("petya", "Същото наблюдавахме и при наредбата за паркирането миналата "
                   "година.",
                   r("georgi", "Точно така, консултацията беше по време на празниците."))],
        agree=("petya", "nadezhda"),
    ),
    Thread(
        "stefan", 1.1, "oppose",
        "Тридесет дни за всяка наредба ще забавят спешните промени, например при промяна в "
        "закона. Трябва да има изключение за спешни случаи.",
        block="first",
        replies=[r("ivan", "Законът за нормативните актове вече допуска 14 дни по изключение, "
                   "с мотиви. Предложението не променя това.",
                   r("stefan", "Тогава е добре това да се посочи изрично в текста."))],
        disagree=("georgi",),
    ),
    Thread(
        "nadezhda", 2.0, "support",
        "Справката с мотиви за неприетите предложения е най-важната част. Често не получаваме "
        "никакъв отговор на становищата си.",
        block="first", quote="справка за постъпилите предложения",
        replies=[r("petya", "И справката да се публикува преди гласуването, а не след него.")],
        agree=("georgi", "petya", "stefan"),
    ),
    Thread(
        "petya", 2.6, "neutral",
        "Предлагам проектите и справките да се публикуват и в машинночетим формат на портала "
        "за отворени данни.",
        agree=("nadezhda",),
    ),
]  # fmt: skip

# --- The reporting amendment (Centrul pentru Politici Publice Deschise), before its submission --

REPORTING_STAGE = [
    Thread(
        "carmen", 0.5, "support",
        "Susținem publicarea raportului anual în format deschis. Astăzi raportul apare, când "
        "apare, ca document scanat din care nu se pot extrage sumele pe beneficiari. Propunem "
        "să se precizeze câmpurile minime: beneficiarul, proiectul, suma contractată și suma "
        "plătită.",
        block=REPORT_35, quote="în format deschis",
        replies=[
            r("alina", "Ar ajuta și codul fiscal al beneficiarului, ca datele să poată fi "
              "comparate între autorități.",
              r("radu", "Mulțumim. Câmpurile minime le enumerăm în expunerea de motive; "
                "formatul tehnic este mai bine stabilit prin normele metodologice.")),
        ],
        answer=("partially", "Legea păstrează obligația formatului deschis. Câmpurile minime "
                "(beneficiarul și codul lui fiscal, proiectul, suma contractată și suma "
                "plătită) sunt enumerate în expunerea de motive; formatul tehnic rămâne să fie "
                "stabilit prin normele metodologice, ca să nu fie nevoie de o lege nouă la "
                "fiecare schimbare tehnică.", None),
        agree=("alina", "victor", "daniela"),
    ),
    Thread(
        "elena", 1.2, "oppose",
        "Pentru autoritățile locale, 31 martie este prea devreme: rapoartele finale ale "
        "beneficiarilor se depun până la sfârșitul lui ianuarie, iar verificarea cheltuielilor "
        "durează. Propunem termenul de 30 aprilie.",
        block=REPORT_35, quote="până la 31 martie a anului următor",
        replies=[
            r("ioana", "Dacă raportul apare în mai, sesiunile de finanțare din primăvară se "
              "desfășoară fără el și nu mai poate fi folosit la evaluare.",
              r("elena", "Înțeleg. Atunci autoritatea ar trebui să poată actualiza ulterior "
                "sumele plătite după 31 martie.")),
        ],
        answer=("rejected", "Păstrăm termenul de 31 martie: raportul trebuie să fie public "
                "înaintea sesiunilor de finanțare din primăvară, ca solicitanții și comisiile "
                "de evaluare să îl poată folosi. Sumele plătite după această dată se pot "
                "actualiza ulterior în același set de date.", None),
        agree=("ioana", "carmen"), disagree=("gabriel",),
    ),
    Thread(
        "gabriel", 2.5, "neutral",
        "Primăriile mici nu au personal pentru date deschise. Ar fi utilă o machetă unică a "
        "raportului, pusă la dispoziție de minister, pe care autoritățile doar să o "
        "completeze.",
        block=REPORT_35,
        answer=("accepted", "Recomandăm în expunerea de motive ca ministerul să pună la "
                "dispoziția autorităților o machetă unică a raportului anual; amendamentul nu "
                "cere alt format decât unul deschis, astfel încât macheta poate fi folosită "
                "de orice primărie.", None),
        agree=("elena", "paul"),
    ),
    Thread(
        "florin", 4.0, "oppose",
        "Punctajele fiecărui solicitant sunt date sensibile pentru persoanele fizice "
        "autorizate și pentru organizațiile care nu au câștigat. Publicarea lor nominală poate "
        "afecta reputația unor solicitanți mici.",
        block=REPORT_21, quote="cu punctajele obținute de fiecare solicitant",
        replies=[
            r("daniela", "Fără punctaje nu se poate verifica dacă grila de evaluare a fost "
              "aplicată la fel pentru toți solicitanții."),
        ],
        answer=("partially", "Menținem publicarea punctajelor pentru solicitanții persoane "
                "juridice, fără de care aplicarea criteriilor nu poate fi verificată. Pentru "
                "solicitanții persoane fizice, expunerea de motive precizează că numele se "
                "înlocuiește cu un cod, potrivit Regulamentului (UE) 2016/679.", None),
        agree=("lucia",), disagree=("daniela",),
    ),
    Thread(
        "victor", 6.0, "support",
        "Zece zile sunt suficiente. Astăzi rezultatele se comunică doar câștigătorilor, iar "
        "ceilalți solicitanți află târziu că nu au fost selectați și pierd termenul de "
        "contestație.",
        block=REPORT_21, quote="în termen de 10 zile de la încheierea evaluării",
        answer=("accepted", "Termenul de 10 zile rămâne în forma propusă; expunerea de motive "
                "arată legătura lui cu termenul de contestare a rezultatelor selecției.", None),
        agree=("carmen", "ioana", "paul"),
    ),
    Thread(
        "paul", 8.3, "support",
        "Ca cetățean, vreau să văd într-un singur loc ce asociații au primit bani de la "
        "primărie și pentru ce proiecte. Propun un registru național al finanțărilor "
        "nerambursabile.",
        answer=("rejected", "Un registru național depășește obiectul amendamentului și ar "
                "avea nevoie de o instituție care să îl administreze; propunerea se limitează "
                "la obligațiile de publicare ale fiecărei autorități finanțatoare. Reținem "
                "ideea pentru o propunere separată.", None),
        agree=("lucia",),
    ),
    Thread(
        "alina", 11.0, "neutral",
        "Raportul ar trebui să cuprindă și rezultatele proiectelor, nu doar sumele. Altfel nu "
        "se poate evalua ce s-a obținut cu banii publici.",
        block=REPORT_35,
        replies=[
            r("radu", "Indicatorii diferă mult de la un program la altul; ne gândim la o "
              "descriere scurtă a rezultatelor raportate de beneficiar."),
        ],
        answer=("partially", "Expunerea de motive recomandă ca raportul să cuprindă, pentru "
                "fiecare contract, principalele rezultate raportate de beneficiar; legea nu "
                "impune indicatori comuni, care diferă de la un program la altul.", None),
        agree=("carmen",),
    ),
]  # fmt: skip

REPORTING_SYNTHESIS_INTRO = (
    "Am primit propuneri de la organizații neguvernamentale, autorități locale, mediul academic "
    "și mediul de afaceri și am răspuns fiecăreia. Textul amendamentelor rămâne cel supus "
    "consultării; precizările acceptate sunt preluate în expunerea de motive care însoțește "
    "propunerea transmisă Ministerului Dezvoltării, Lucrărilor Publice și Administrației."
)

SHORT_NAMES = {
    "ana": "ana.popescu@demo.consult.ro",
    "mihai": "mihai.ionescu@demo.consult.ro",
    "radu": "radu.stan@demo.consult.ro",
    "elena": "elena.dumitru@demo.consult.ro",
    "cristina": "cristina.marin@demo.consult.ro",
    "ion": "ion.vasile@demo.consult.ro",
    "admin": "admin@demo.consult.ro",
    "ivan": "ivan.petrov@demo.consult.bg",
    "georgi": "georgi.dimitrov@demo.consult.bg",
    **{email.split(".")[0]: email for email, *_rest in PARTICIPANTS},
}


def _participants():
    return {row[0]: demo_person(*row) for row in PARTICIPANTS}


def _midnight(day, zone):
    return datetime.combine(day, time(0), tzinfo=zone)


class _Builder:
    def __init__(self, people):
        self.people = people

    def user(self, short):
        return self.people[SHORT_NAMES[short]]

    def post_threads(self, stage, threads, *, reply_hours, first_block=None):
        """Post the threads (and their replies, reactions, flags...); return [(thread, comment)]."""
        posted = []
        for thread in threads:
            moment = stage.opens_at + timedelta(days=thread.day)
            block = first_block if thread.block == "first" else thread.block
            comment = domain.post_comment(
                self.user(thread.author),
                stage,
                text=thread.text,
                block_key=block,
                quote=thread.quote,
                stance=thread.stance,
                now=moment,
            )
            self._replies(stage, comment, thread.replies, moment, reply_hours)
            later = moment + timedelta(hours=reply_hours)
            for value, people in (("agree", thread.agree), ("disagree", thread.disagree)):
                for person in people:
                    domain.react(self.user(person), comment, value, now=later)
            for person in thread.flags:
                domain.flag_comment(self.user(person), comment, reason="abuse", now=later)
            if thread.hidden:
                domain.hide_comment(
                    self.user("admin"), comment, thread.hidden, now=later + timedelta(hours=2)
                )
            if thread.withdrawn:
                domain.withdraw_comment(
                    self.user(thread.author), comment, now=later + timedelta(hours=5)
                )
            posted.append((thread, comment))
        return posted

    def _replies(self, stage, parent, replies, parent_moment, hours):
        for index, reply in enumerate(replies, start=1):
            moment = parent_moment + timedelta(hours=hours * index)
            comment = domain.post_comment(
                self.user(reply.author), stage, text=reply.text, parent_id=parent.pk, now=moment
            )
            self._replies(stage, comment, reply.replies, moment, hours)


def load_demo_consultations(users):
    """Create the demo consultations once. `users` maps demo emails to users."""
    people = {**users, **_participants()}
    builder = _Builder(people)
    with mail.silenced():
        law = Proposal.objects.filter(slug=LAW_350).first()
        if law is not None and not Consultation.objects.filter(proposal=law).exists():
            _law_350(builder, law)
        sofia = Proposal.objects.filter(slug=SOFIA_PROPOSAL).first()
        if sofia is not None and not Consultation.objects.filter(proposal=sofia).exists():
            _sofia(builder, sofia)
        # Last: its stage events are recorded at dates weeks ago, and `process_stage_events`
        # handles every stage due then; the other demo stages are all recorded by now.
        reporting = Proposal.objects.filter(slug=REPORTING).first()
        if (
            reporting is not None
            and reporting.status == ProposalStatus.PUBLISHED
            and not reporting.submissions.exists()
            and not Consultation.objects.filter(proposal=reporting).exists()
        ):
            _reporting(builder, reporting)
        # Primăria Municipiului Focșani's own draft decision, with a debate requested by an
        # NGO (issue 17).
        from consultations.demo_drafts import load_demo_authority_draft

        load_demo_authority_draft(builder)


def _law_350(builder, proposal):
    ana, mihai = builder.user("ana"), builder.user("mihai")
    zone = proposal.organization.zone
    now = timezone.now()
    today = timezone.localtime(now, zone).date()
    revisions = {revision.number: revision for revision in proposal.revisions.all()}

    consultation = domain.create_consultation(
        ana,
        proposal,
        title="Consultare publică: modificarea Legii nr. 350/2005",
        intro=(
            "Asociația Vrancea Civică supune dezbaterii publice propunerea de modificare a "
            "Legii nr. 350/2005 privind regimul finanțărilor nerambursabile din fonduri "
            "publice alocate pentru activități nonprofit de interes general. Consultarea are "
            "trei etape: comentarii scrise pe prima versiune, o dezbatere publică la Focșani "
            "și comentarii scrise pe versiunea revizuită."
        ),
    )
    domain.follow(mihai, consultation)

    # Stage 1: 20 days of written comments on revision 2, seventy days ago.
    opens_1 = _midnight(today - timedelta(days=70), zone)
    closes_1 = _midnight(today - timedelta(days=50), zone)
    stage_1 = domain.add_stage(
        ana,
        consultation,
        kind="written",
        title="Comentarii scrise pe prima versiune",
        description=(
            "Comentați fiecare amendament sau textul în ansamblu. Răspundem fiecărui "
            "comentariu și publicăm sinteza după închiderea etapei."
        ),
        opens_at=opens_1,
        closes_at=closes_1,
        revision=revisions[2],
        now=opens_1 - timedelta(days=3),
    )
    domain.process_stage_events(now=opens_1)
    posted = builder.post_threads(stage_1, STAGE_1, reply_hours=5)
    domain.process_stage_events(now=closes_1)
    for index, (thread, comment) in enumerate(posted):
        if thread.answer:
            outcome, reason, applied = thread.answer
            domain.set_disposition(
                mihai if index % 2 else ana,
                comment,
                outcome=outcome,
                reason=reason,
                applied_in=revisions[applied] if applied else None,
            )
    domain.publish_synthesis(
        ana, stage_1, intro=SYNTHESIS_INTRO, now=closes_1 + timedelta(days=10, hours=11)
    )

    # Stage 2: the public meeting on revision 3, five weeks ago.
    meeting_at = datetime.combine(today - timedelta(days=35), time(17, 0), tzinfo=zone)
    added_at = closes_1 + timedelta(days=11)
    stage_2 = domain.add_stage(
        ana,
        consultation,
        kind="meeting",
        title="Dezbatere publică la Focșani",
        description="Dezbatere publică deschisă tuturor, organizată la cererea a trei asociații.",
        opens_at=meeting_at,
        closes_at=meeting_at + timedelta(hours=3),
        revision=revisions[3],
        meeting_at=meeting_at,
        meeting_place="Biblioteca Județeană „Duiliu Zamfirescu”, sala de conferințe, Focșani",
        meeting_link="https://meet.example.org/legea-350-focsani",
        agenda=MEETING_AGENDA,
        now=added_at,
    )
    # Stage 3: written comments on the revised text, open for about two more weeks.
    opens_3 = _midnight(today - timedelta(days=3), zone)
    closes_3 = _midnight(today + timedelta(days=15), zone)
    stage_3 = domain.add_stage(
        mihai,
        consultation,
        kind="written",
        title="Comentarii scrise pe versiunea revizuită",
        description=(
            "Versiunea revizuită după prima etapă și după dezbaterea publică: termenul de 60 "
            "de zile și contractele multianuale (art. 16^1)."
        ),
        opens_at=opens_3,
        closes_at=closes_3,
        revision=proposal.current_revision,
        now=added_at,
    )
    _meeting_registrations(builder, ana, stage_2, added_at)
    domain.process_stage_events(now=stage_2.opens_at)
    domain.process_stage_events(now=stage_2.closes_at)
    domain.publish_minutes(
        mihai,
        stage_2,
        minutes=MEETING_MINUTES,
        participants=34,
        reason=MEETING_WALK_INS,
        now=stage_2.closes_at + timedelta(days=2),
    )
    domain.process_stage_events(now=opens_3)
    builder.post_threads(stage_3, STAGE_3, reply_hours=3)
    _suggestions(builder, stage_3, ana, mihai)
    # Grouped after each comment's commit; here too when loading runs in one transaction.
    domain.group_stage(stage_3)
    domain.process_stage_events(now=timezone.now())
    return stage_3


# Suggestions of wording on the revised text (issue 16): (who, block, the words replaced, the
# new words, the comment, the answer). The first is applied in a new revision that credits its
# author; the second is rejected.
SUGGESTIONS = [
    (
        "andrei",
        ART_15,
        "și pe pagina proprie de internet",
        "și pe pagina proprie de internet, într-un format deschis care poate fi descărcat",
        "Programul publicat doar ca document scanat nu poate fi căutat; propun formatul deschis.",
        None,
    ),
    (
        "florin",
        ART_20,
        "60 de zile",
        "40 de zile",
        "Șaizeci de zile întârzie prea mult proiectele de vară.",
        (
            "rejected",
            "Dezbaterea publică a arătat că organizațiile mici au nevoie de cel puțin 60 de "
            "zile pentru cofinanțare; păstrăm termenul.",
        ),
    ),
]


def _suggestions(builder, stage, ana, mihai):
    """Two suggestions of wording on the open stage's text: one accepted and applied in a new
    revision (the editor opened from it, as `consultations.views.suggestions` does), one
    rejected."""
    for day, (who, key, old, new, text, answer) in enumerate(SUGGESTIONS, start=1):
        block = stage.revision.block(key)
        comment = domain.post_comment(
            builder.user(who),
            stage,
            text=text,
            stance="oppose" if answer else "support",
            block_key=key,
            suggestion="replace",
            suggested_text=block["proposed"].replace(old, new),
            now=stage.opens_at + timedelta(hours=10 * day),
        )
        if answer is None:
            current, draft = domain.suggestion_draft(comment)
            domain.save_suggestion(
                ana,
                comment,
                base_number=current.number,
                title=draft.title,
                summary=draft.summary,
                blocks=draft.blocks,
                message="Format deschis pentru programul anual",
            )
        else:
            outcome, reason = answer
            domain.set_disposition(mihai, comment, outcome=outcome, reason=reason)


# Registrations for the Focșani meeting: (who, show their name, organisation, present). Eight
# places: the last two wait, Florin Neagu cancels and the first of them gets his seat.
MEETING_REGISTRATIONS = [
    ("andrei", True, "", True),
    ("ioana", True, "Asociația Pro Adjud", True),
    ("gabriel", False, "Primăria Mărășești", True),
    ("daniela", True, "Vrancea Civică", True),
    ("florin", False, "Neagu Construct SRL", False),
    ("alina", True, "Universitatea Babeș-Bolyai", True),
    ("victor", False, "", False),
    ("carmen", True, "Centrul pentru Politici Publice", True),
    ("paul", True, "", True),
    ("lucia", False, "", False),
]
MEETING_WALK_INS = (
    "Pe lângă cele 7 persoane înscrise și prezente, au participat 27 de persoane venite fără "
    "înscriere, consemnate pe lista de prezență semnată în sală."
)


def _meeting_registrations(builder, organiser, stage, announced_at):
    """Registrations for a meeting in the past: eight places, a waiting list, a cancellation
    that gives a seat to the first person waiting, and the attendance marked after it."""
    stage = domain.set_capacity(organiser, stage, 8, now=announced_at)
    registrations = {}
    for index, (short, show_name, organization, _present) in enumerate(MEETING_REGISTRATIONS):
        user = builder.user(short)
        registrations[short] = domain.register_for_meeting(
            user,
            stage,
            name=user.public_name,
            organization=organization,
            category=user.profile.respondent_category,
            show_name=show_name,
            now=announced_at + timedelta(days=1, hours=3 * index),
        )
    domain.cancel_registration(
        builder.user("florin"),
        registrations["florin"],
        now=stage.opens_at - timedelta(days=2),
    )
    present = [
        registrations[short].pk for short, _show, _org, came in MEETING_REGISTRATIONS if came
    ]
    domain.mark_attendance(organiser, stage, present, now=stage.closes_at)


def _sofia(builder, proposal):
    ivan = builder.user("ivan")
    zone = proposal.organization.zone
    today = timezone.localtime(timezone.now(), zone).date()
    consultation = domain.create_consultation(
        ivan,
        proposal,
        title="Обществена консултация: прозрачност при приемането на общински наредби",
        intro=(
            "Сдружение „Граждани за прозрачност“ предлага на Столична община по-дълги срокове "
            "за обществени консултации и публикуване на справка за постъпилите предложения. "
            "Очакваме вашите предложения и становища."
        ),
    )
    opens = _midnight(today - timedelta(days=5), zone)
    stage = domain.add_stage(
        ivan,
        consultation,
        kind="written",
        title="Писмени предложения и становища",
        description="Срокът е 35 дни, в съответствие с чл. 26 от Закона за нормативните актове.",
        opens_at=opens,
        closes_at=_midnight(today + timedelta(days=30), zone),
        revision=proposal.current_revision,
        now=opens - timedelta(days=2),
    )
    domain.process_stage_events(now=opens)
    builder.post_threads(
        stage, SOFIA_STAGE, reply_hours=4, first_block=stage.revision.blocks[0]["key"]
    )
    domain.process_stage_events(now=timezone.now())
    return stage


def _reporting(builder, proposal):
    """The reporting amendment's consultation, over before the proposal is submitted to the
    ministry (proposals/demo_registration.py, 40 days before loading): 15 days of written
    comments on its current revision, ending 60 days ago, every comment answered and the
    synthesis published a week later. The proposal is "consultation closed" again at the end."""
    radu = builder.user("radu")
    zone = proposal.organization.zone
    today = timezone.localtime(timezone.now(), zone).date()
    consultation = domain.create_consultation(
        radu,
        proposal,
        title="Consultare publică: raportarea publică a finanțărilor acordate",
        intro=(
            "Centrul pentru Politici Publice Deschise supune dezbaterii publice două "
            "amendamente la Legea nr. 350/2005: publicarea raportului anual al autorității "
            "finanțatoare în format deschis (art. 35) și publicarea rezultatelor fiecărei "
            "sesiuni de selecție (art. 21^1). După consultare, propunerea se transmite "
            "Ministerului Dezvoltării, Lucrărilor Publice și Administrației."
        ),
    )
    opens = _midnight(today - timedelta(days=75), zone)
    closes = _midnight(today - timedelta(days=60), zone)
    stage = domain.add_stage(
        radu,
        consultation,
        kind="written",
        title="Comentarii scrise pe amendamentele privind raportarea publică",
        description=(
            "Comentați fiecare amendament sau propunerea în ansamblu. Răspundem fiecărui "
            "comentariu înainte de a transmite propunerea ministerului."
        ),
        opens_at=opens,
        closes_at=closes,
        revision=proposal.current_revision,
        now=opens - timedelta(days=3),
    )
    domain.process_stage_events(now=opens)
    posted = builder.post_threads(stage, REPORTING_STAGE, reply_hours=5)
    domain.process_stage_events(now=closes)
    for thread, comment in posted:
        outcome, reason, _applied = thread.answer
        domain.set_disposition(radu, comment, outcome=outcome, reason=reason)
    domain.publish_synthesis(
        radu, stage, intro=REPORTING_SYNTHESIS_INTRO, now=closes + timedelta(days=7, hours=10)
    )
    return stage
