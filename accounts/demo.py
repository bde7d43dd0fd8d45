"""Demo accounts and organisations: Romanian and Bulgarian NGOs, the directory's authorities
given members and verified, and the people who sign in (README, "Demo logins").

Idempotent: loading again changes nothing that is already there. Every demo account has the
password DEMO_PASSWORD. `manage.py load_demo` (consult/management/commands) loads this first,
then each app's demo (proposals, consultations, registrations).
"""

from allauth.account.models import EmailAddress

from accounts import domain
from accounts.directory import load_directory
from accounts.models import Membership, Organization, Role, User

DEMO_PASSWORD = "consult-demo-2026"

PEOPLE = [
    # email, display name, locality, category, language, staff
    ("admin@demo.consult.ro", "Administrator Consult", "București", "other", "ro", True),
    ("ana.popescu@demo.consult.ro", "Ana Popescu", "Focșani", "ngo", "ro", False),
    ("mihai.ionescu@demo.consult.ro", "Mihai Ionescu", "Focșani", "ngo", "ro", False),
    ("radu.stan@demo.consult.ro", "Radu Stan", "București", "ngo", "ro", False),
    ("elena.dumitru@demo.consult.ro", "Elena Dumitru", "Focșani", "public_authority", "ro", False),
    (
        "cristina.marin@demo.consult.ro",
        "Cristina Marin",
        "București",
        "public_authority",
        "ro",
        False,
    ),
    (
        "andrei.popa@demo.consult.ro",
        "Andrei Popa",
        "București",
        "public_authority",
        "ro",
        False,
    ),
    ("ion.vasile@demo.consult.ro", "Ion Vasile", "Iași", "citizen", "ro", False),
    (
        "gabriela.neagu@demo.consult.ro",
        "Gabriela Neagu",
        "București",
        "public_authority",
        "ro",
        False,
    ),
    ("dan.matei@demo.consult.ro", "Dan Matei", "Focșani", "ngo", "ro", False),
    ("ivan.petrov@demo.consult.bg", "Иван Петров", "София", "ngo", "bg", False),
    (
        "maria.georgieva@demo.consult.bg",
        "Мария Георгиева",
        "София",
        "public_authority",
        "bg",
        False,
    ),
    ("georgi.dimitrov@demo.consult.bg", "Георги Димитров", "Пловдив", "citizen", "bg", False),
]

NGOS = [
    {
        "creator": "ana.popescu@demo.consult.ro",
        "kind": "ngo",
        "name": "Asociația Vrancea Civică",
        "slug": "vrancea-civica",
        "country": "RO",
        "county": "Vrancea",
        "locality": "Focșani",
        "fiscal_code": "",
        "website": "",
        "description": (
            "Organizație neguvernamentală din Focșani care urmărește transparența decizională "
            "și finanțarea nerambursabilă a activităților nonprofit (Legea nr. 350/2005)."
        ),
        "members": [("mihai.ionescu@demo.consult.ro", Role.EDITOR)],
    },
    {
        "creator": "radu.stan@demo.consult.ro",
        "kind": "ngo",
        "name": "Centrul pentru Politici Publice Deschise",
        "slug": "politici-publice-deschise",
        "country": "RO",
        "county": "București",
        "locality": "București",
        "fiscal_code": "",
        "website": "",
        "description": (
            "Think-tank care redactează propuneri alternative de politici publice după structura "
            "din H.G. nr. 775/2005."
        ),
        "members": [],
    },
    {
        # An association of municipalities: co-author of the amendment to Law 350/2005.
        "creator": "gabriela.neagu@demo.consult.ro",
        "kind": "other",
        "name": "Asociația Municipiilor din România",
        "slug": "asociatia-municipiilor",
        "country": "RO",
        "county": "București",
        "locality": "București",
        "fiscal_code": "",
        "website": "",
        "description": (
            "Structură asociativă a municipiilor, care reprezintă interesele autorităților "
            "locale finanțatoare în dezbaterea legislației privind finanțările nerambursabile."
        ),
        "members": [],
    },
    {
        # A federation of local NGOs: endorses the amendment to Law 350/2005.
        "creator": "dan.matei@demo.consult.ro",
        "kind": "ngo",
        "name": "Federația ONG-urilor din Vrancea",
        "slug": "federatia-ong-vrancea",
        "country": "RO",
        "county": "Vrancea",
        "locality": "Focșani",
        "fiscal_code": "",
        "website": "",
        "description": (
            "Federație a organizațiilor neguvernamentale din județul Vrancea, beneficiare ale "
            "finanțărilor nerambursabile acordate de autoritățile locale."
        ),
        "members": [],
    },
    {
        "creator": "ivan.petrov@demo.consult.bg",
        "kind": "ngo",
        "name": "Сдружение „Граждани за прозрачност“",
        "slug": "grazhdani-za-prozrachnost",
        "country": "BG",
        "county": "София (столица)",
        "locality": "София",
        "fiscal_code": "",
        "website": "",
        "description": (
            "Гражданско сдружение, което участва в обществени консултации по проекти на "
            "нормативни актове на Столична община."
        ),
        "members": [],
    },
]

# Directory authorities given members, and verified, so that they can act on the platform.
AUTHORITY_MEMBERS = [
    ("primaria-municipiului-focsani", "elena.dumitru@demo.consult.ro", Role.ADMIN),
    ("secretariatul-general-al-guvernului", "cristina.marin@demo.consult.ro", Role.ADMIN),
    ("stolichna-obshtina", "maria.georgieva@demo.consult.bg", Role.ADMIN),
    (
        "ministerul-dezvoltarii-lucrarilor-publice-si-administratiei",
        "andrei.popa@demo.consult.ro",
        Role.REGISTRAR,
    ),
]


# The county or province of the demo's localities (the profile's optional region).
REGIONS = {
    "Focșani": "RO-VN", "Adjud": "RO-VN", "Mărășești": "RO-VN", "Panciu": "RO-VN",
    "Odobești": "RO-VN", "București": "RO-B", "Iași": "RO-IS", "Brăila": "RO-BR",
    "Cluj-Napoca": "RO-CJ", "София": "BG-22", "Пловдив": "BG-16",
}  # fmt: skip


def demo_person(email, name, locality, category, language, staff=False):
    """The demo account with this email, made (with a confirmed address) if missing."""
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, is_staff=staff, is_superuser=staff)
        profile = user.profile
        profile.display_name = name
        profile.locality = locality
        profile.region = REGIONS.get(locality, "")
        profile.respondent_category = category
        profile.language = language
        profile.save()
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _member(actor, organization, user, role):
    if not Membership.objects.filter(organization=organization, user=user).exists():
        domain.add_member(actor, organization, user, role)


def load_demo_accounts():
    """The directory of authorities, the demo people, their NGOs and the authorities they work
    for. Returns the people by email."""
    load_directory(Organization)
    users = {row[0]: demo_person(*row) for row in PEOPLE}
    site_admin = users["admin@demo.consult.ro"]
    for spec in NGOS:
        spec = dict(spec)
        creator = users[spec.pop("creator")]
        members = spec.pop("members")
        organization = Organization.objects.filter(slug=spec["slug"]).first()
        if organization is None:
            organization = domain.create_organization(creator, **spec)
            domain.set_verified(site_admin, organization, True)
        for email, role in members:
            _member(creator, organization, users[email], role)
    for slug, email, role in AUTHORITY_MEMBERS:
        authority = Organization.objects.get(slug=slug)
        _member(site_admin, authority, users[email], role)
        domain.set_verified(site_admin, authority, True)
    return users
