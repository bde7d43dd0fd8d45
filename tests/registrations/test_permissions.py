"""Who may register, extend, answer, declare and read registers: a matrix of role × action.

Refusals are 403 (or 404 where even the object's existence is private) and change nothing.
"""

from datetime import date

import pytest
from django.utils import timezone

from registrations import domain as registration
from registrations.models import Submission
from tests.factories import AuthorityFactory, MembershipFactory, UserFactory
from tests.helpers import submit

ROLES = [
    "anonymous",
    "outsider",
    "other ngo editor",
    "ngo editor",
    "ngo admin",
    "other authority registrar",
    "staff",
    "superuser",
    "registrar",
    "authority admin",
]
ACTING = {"registrar", "authority admin"}


@pytest.fixture
def register_world(published, ngo_editor, ngo_admin, registrar, verified_authority, other_member):
    other_authority = AuthorityFactory(name="Primăria Orașului Marginea", slug="marginea")
    return {
        "submission": submit(ngo_editor, published),
        "outsider": UserFactory(),
        "other ngo editor": other_member,
        "ngo editor": ngo_editor,
        "ngo admin": ngo_admin,
        "other authority registrar": MembershipFactory(
            organization=other_authority, role="registrar"
        ).user,
        "staff": UserFactory(is_staff=True),
        "superuser": UserFactory(is_staff=True, is_superuser=True),
        "registrar": registrar,
        "authority admin": MembershipFactory(organization=verified_authority, role="admin").user,
        "authority": verified_authority,
    }


def _today():
    return timezone.localdate().isoformat()


def _state(submission):
    row = Submission.objects.get(pk=submission.pk)
    return (
        row.status,
        row.registration_number,
        row.deadline,
        row.extended_at,
        row.answer_status,
        row.registration_source,
    )


def _login(client, register_world, role):
    if role != "anonymous":
        client.force_login(register_world[role])


def _register(register_world):
    return registration.register_submission(
        register_world["registrar"],
        register_world["submission"],
        number="10",
        registration_date=timezone.localdate(),
    )


ACTIONS = {
    "register": lambda today: {
        "registration_number": "55",
        "registration_date": today,
        "confirm": "on",
    },
    "extend": lambda today: {"reason": "Avem nevoie de avizul juridic.", "confirm": "on"},
    "answer": lambda today: {
        "answer_status": "accepted",
        "answered_on": today,
        "text": "Acceptăm.",
        "confirm": "on",
    },
}


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_registrar_actions_by_role(client, register_world, role, action):
    submission = register_world["submission"]
    if action != "register":
        _register(register_world)
    _login(client, register_world, role)
    url = f"/register/s/{submission.tracking_code}/{action}/"
    before = _state(submission)
    got_page = client.get(url).status_code
    response = client.post(url, ACTIONS[action](_today()))
    if role == "anonymous":
        assert (got_page, response.status_code) == (302, 302)
        assert response["Location"].startswith("/accounts/login/")
    elif role in ACTING:
        assert (got_page, response.status_code) == (200, 302)
        assert response["Location"] == submission.get_absolute_url()
        assert _state(submission) != before
        return
    else:
        assert (got_page, response.status_code) == (403, 403)
    assert _state(submission) == before


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(ACTIONS))
def test_registrar_of_unverified_authority_refused(client, register_world, action):
    submission = register_world["submission"]
    if action != "register":
        _register(register_world)
    register_world["authority"].verified_at = None
    register_world["authority"].save(update_fields=["verified_at"])
    before = _state(submission)
    client.force_login(register_world["registrar"])
    response = client.post(
        f"/register/s/{submission.tracking_code}/{action}/", ACTIONS[action](_today())
    )
    assert response.status_code == 403
    assert _state(submission) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "code", ["CNS-ZZZZ-ZZZZ", "CNS-0000", "../../etc", "1", "CNS-7K4Q-92XU", "%00"]
)
@pytest.mark.parametrize("suffix", ["", "register/", "answer/", "extend/", "dossier.pdf"])
def test_forged_tracking_codes_are_404(client, register_world, code, suffix):
    client.force_login(register_world["registrar"])
    before = _state(register_world["submission"])
    assert client.get(f"/register/s/{code}/{suffix}").status_code == 404
    assert client.post(
        f"/register/s/{code}/{suffix}", ACTIONS["register"](_today())
    ).status_code in (
        404,
        405,
    )
    assert _state(register_world["submission"]) == before


@pytest.mark.django_db
def test_logged_submission_private_to_its_authority(client, register_world):
    logged = registration.log_external_submission(
        register_world["registrar"],
        register_world["authority"],
        sender_name="Ion Vasile",
        title="Iluminat public",
        channel="post",
        received_on=date.today(),
        registration_number="301",
        registration_date=timezone.localdate(),
    )
    url = logged.get_absolute_url()
    for role in ROLES:
        client.logout()
        _login(client, register_world, role)
        expected = 200 if role in ACTING else 404
        assert client.get(url).status_code == expected, role
    client.force_login(register_world["other authority registrar"])
    assert client.post(f"{url}answer/", ACTIONS["answer"](_today())).status_code == 404
    assert Submission.objects.get(pk=logged.pk).status == "registered"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_authority_register_pages_by_role(client, register_world, role):
    _login(client, register_world, role)
    base = "/register/authority/primaria-municipiului-focsani/"
    pages = ["", "inbox/", "register.csv", "figures/", "log/"]
    got = [client.get(base + page).status_code for page in pages]
    if role == "anonymous":
        assert got == [302] * len(pages)
    elif role in ACTING:
        assert got == [200] * len(pages)
    else:
        assert got == [403] * len(pages)


@pytest.mark.django_db
def test_register_of_an_ngo_or_unknown_slug_is_404(client, register_world):
    client.force_login(register_world["registrar"])
    assert client.get("/register/authority/vrancea-civica/").status_code == 404
    assert client.get("/register/authority/no-such-authority/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_log_post_by_role(client, register_world, role):
    _login(client, register_world, role)
    response = client.post(
        "/register/authority/primaria-municipiului-focsani/log/",
        {
            "sender_name": "Ion Vasile",
            "title": "Iluminat",
            "channel": "email",
            "received_on": _today(),
            "registration_number": "700",
        },
    )
    count = Submission.objects.filter(channel="email").count()
    if role in ACTING:
        assert (response.status_code, count) == (302, 1)
    else:
        assert (response.status_code, count) == (302 if role == "anonymous" else 403, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_declare_by_role_when_authority_not_on_platform(client, register_world, role):
    authority = register_world["authority"]
    authority.memberships.all().delete()  # nobody registers for it on the platform
    _login(client, register_world, role)
    submission = register_world["submission"]
    response = client.post(
        f"/register/s/{submission.tracking_code}/declare/",
        {"registration_number": "9/2026", "registration_date": _today(), "confirm": "on"},
    )
    row = Submission.objects.get(pk=submission.pk)
    if role in ("ngo editor", "ngo admin"):
        assert response.status_code == 302
        assert (row.registration_number, row.registration_source) == ("9/2026", "submitter")
    else:
        expected = 302 if role == "anonymous" else 403
        assert response.status_code == expected
        assert (row.registration_number, row.registration_source) == ("", "")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_submit_page_by_role(
    client, published, ngo_editor, ngo_admin, other_member, role, registrar
):
    people = {
        "outsider": UserFactory(),
        "other ngo editor": other_member,
        "ngo editor": ngo_editor,
        "ngo admin": ngo_admin,
        "other authority registrar": MembershipFactory(
            organization=AuthorityFactory(), role="registrar"
        ).user,
        "staff": UserFactory(is_staff=True),
        "superuser": UserFactory(is_staff=True, is_superuser=True),
        "registrar": registrar,
        "authority admin": registrar,
    }
    if role != "anonymous":
        client.force_login(people[role])
    url = f"/proposals/{published.slug}/submit/"
    response = client.post(
        url,
        {"revision": str(published.current_revision.number), "cover_letter": "", "confirm": "on"},
    )
    if role in ("ngo editor", "ngo admin"):
        assert response.status_code == 302
        assert Submission.objects.count() == 1
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert Submission.objects.count() == 0
