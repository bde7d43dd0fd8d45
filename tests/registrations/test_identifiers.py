"""Registration numbers that look identical are one number of the register (core.text,
"Identifiers"): compared by their key, unique by it in the database, stored without invisible
characters."""

import importlib
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone, translation

from core.errors import DomainError
from core.models import ActivityLog
from proposals import domain
from registrations import domain as registration
from registrations.models import Submission
from tests.concurrency import second_while_first_is_open
from tests.factories import ProposalFactory
from tests.helpers import submit

SENT = datetime(2026, 1, 29, 10, 0, tzinfo=ZoneInfo("Europe/Bucharest"))
DAY = date(2026, 1, 30)
TODAY = date(2026, 2, 2)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def sent_proposal(editor, organization, slug):
    proposal = ProposalFactory(editor=editor, organization=organization, slug=slug)
    domain.publish_proposal(editor, proposal)
    return submit(editor, proposal, now=SENT)


@pytest.fixture
def first(ngo, ngo_editor, verified_authority):
    return sent_proposal(ngo_editor, ngo, "prima")


@pytest.fixture
def second(ngo, ngo_editor, verified_authority):
    return sent_proposal(ngo_editor, ngo, "a-doua")


def register(registrar, submission, number, day=DAY, today=TODAY):
    return registration.register_submission(
        registrar, submission, number=number, registration_date=day, today=today
    )


def log(registrar, authority, number, title="Iluminat public"):
    return registration.log_external_submission(
        registrar,
        authority,
        sender_name="Ion Vasile",
        title=title,
        channel="post",
        received_on=DAY,
        registration_number=number,
        today=TODAY,
    )


def duplicate(number, year=2026):
    return (
        "duplicate",
        f"Registration number {number} is already used in {year} in this authority's register; "
        "check the number.",
    )


def refusal(call, *args, **kwargs):
    with pytest.raises(DomainError) as error:
        call(*args, **kwargs)
    return error.value.code, str(error.value.message)


def test_register_stores_the_number_without_invisible_characters(first, registrar):
    register(registrar, first, "\u200b4.702\u00ad  /\u202eB\ufeff ")
    row = Submission.objects.get(pk=first.pk)
    assert (row.registration_number, row.registration_number_key) == ("4.702 /B", "4.702 /b")
    logged = ActivityLog.objects.get(verb="submission.registered")
    assert logged.data == {"number": "4.702 /B", "date": "2026-01-30"}


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("12/a", "12/a"),  # case
        ("12/A\u200b", "12/A"),  # a zero-width space
        ("\u202e12/A", "12/A"),  # a right-to-left override
        ("12/\u0410", "12/\u0410"),  # a Cyrillic А
        ("\uff11\uff12/A", "\uff11\uff12/A"),  # full-width digits
    ],
)
def test_register_refuses_a_number_that_looks_like_a_registered_one(
    first, second, registrar, typed, shown
):
    register(registrar, first, "12/A")
    assert refusal(register, registrar, second, typed) == duplicate(shown)
    row = Submission.objects.get(pk=second.pk)
    assert (row.status, row.registration_number, row.registration_number_key) == (
        "submitted",
        "",
        None,
    )
    assert not ActivityLog.objects.filter(
        verb="submission.registered", target_id=str(second.pk)
    ).exists()


def test_the_same_number_is_free_in_another_year_and_another_authority(
    first, second, registrar, verified_authority
):
    register(registrar, first, "12/A")
    register(registrar, second, "12/\u0430", day=date(2027, 1, 4), today=date(2027, 1, 5))
    assert Submission.objects.get(pk=second.pk).registration_number_key == "12/a"


def test_declare_refuses_a_number_that_looks_like_a_declared_one(ngo, ngo_editor, authority):
    # Sent to an authority nobody represents on the platform: the sender declares the number.
    declared, other = (sent_proposal(ngo_editor, ngo, slug) for slug in ("prima", "a-doua"))
    registration.declare_registration(
        ngo_editor, declared, number="РД-02-14", registration_date=DAY, today=TODAY
    )
    # Latin P and Cyrillic Д: the number a Bulgarian register gave, typed on a Latin keyboard.
    assert refusal(
        registration.declare_registration,
        ngo_editor,
        other,
        number="PД-02-14",
        registration_date=DAY,
        today=TODAY,
    ) == duplicate("PД-02-14")
    assert Submission.objects.get(pk=other.pk).status == "submitted"
    assert Submission.objects.get(pk=declared.pk).registration_number_key == "pд-02-14"


def test_log_external_submission_refuses_a_number_that_looks_like_a_registered_one(
    first, registrar, verified_authority
):
    register(registrar, first, "ВХ-7")  # Cyrillic В and Х
    count = Submission.objects.count()
    assert refusal(log, registrar, verified_authority, "bx-7\u2060") == duplicate("bx-7")
    assert Submission.objects.count() == count


def test_the_database_refuses_a_look_alike_number_written_past_the_domain(first, second, registrar):
    register(registrar, first, "5/A")
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.filter(pk=second.pk).update(
            registration_number="5/\u0430", registration_year=2026, registration_date=DAY
        )
    assert Submission.objects.get(pk=second.pk).registration_number == ""


def test_the_key_follows_the_number_on_save_and_update(first, registrar):
    register(registrar, first, "7")
    Submission.objects.filter(pk=first.pk).update(registration_number="7/Ţ")
    assert Submission.objects.get(pk=first.pk).registration_number_key == "7/ț"
    row = Submission.objects.get(pk=first.pk)
    row.registration_number = "8"
    row.save(update_fields=["registration_number"])
    assert Submission.objects.get(pk=first.pk).registration_number_key == "8"


def test_migration_fills_keys_and_leaves_earlier_look_alikes_without_one(
    first, second, registrar, verified_authority
):
    register(registrar, first, "12/A")
    third = log(registrar, verified_authority, "13")
    # As before the migration: no keys, and a look-alike number the old check let through.
    Submission.objects.filter(pk=second.pk).update(
        registration_number="12/A\u200b",
        registration_number_key=None,
        registration_year=2026,
        registration_date=DAY,
        registered_at=timezone.now(),
    )
    Submission.objects.update(registration_number_key=None)
    migration = importlib.import_module("registrations.migrations.0002_registration_number_key")
    migration.fill_keys(apps, SimpleNamespace(connection=connection))
    keys = dict(Submission.objects.values_list("pk", "registration_number_key"))
    assert keys == {first.pk: "12/a", second.pk: None, third.pk: "13"}
    # The number stays taken by the first, and each row keeps its text.
    assert refusal(log, registrar, verified_authority, "12/a") == duplicate("12/a")
    assert Submission.objects.get(pk=second.pk).registration_number == "12/A\u200b"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_look_alike_number_registered_by_a_transaction_not_yet_committed_is_refused(
    registrar, verified_authority
):
    """The second registrar checks the number free before the first commits; the unique key
    decides, and the second gets the same message as for a number taken long ago."""
    count = Submission.objects.count()
    with pytest.raises(DomainError) as error:
        second_while_first_is_open(
            lambda: log(registrar, verified_authority, "12/A", title="Primul"),
            lambda: log(registrar, verified_authority, "12/\u0410", title="Al doilea"),
        )
    assert (error.value.code, str(error.value.message)) == duplicate("12/\u0410")
    assert Submission.objects.count() == count + 1
    assert Submission.objects.get(title="Primul").registration_number_key == "12/a"


# --- The page ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "ro",
            "Numărul de înregistrare 44/B este deja folosit în {year} în registrul acestei "
            "autorități publice; verificați numărul.",
        ),
        (
            "bg",
            "Регистрационен номер 44/B вече е използван през {year} г. в регистъра на този "
            "публичен орган; проверете номера.",
        ),
    ],
)
def test_register_form_refuses_a_look_alike_number_in_the_registrars_language(
    first, second, registrar, language, message
):
    today = timezone.localdate()
    registration.register_submission(registrar, first, number="44/b", registration_date=today)
    client = Client()
    client.cookies["consult_language"] = language
    client.force_login(registrar)
    response = client.post(
        f"/register/s/{second.tracking_code}/register/",
        {
            "registration_number": "44/B\u200b",
            "registration_date": today.isoformat(),
            "confirm": "on",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "registration_number": [message.format(year=today.year)]
    }
    assert Submission.objects.get(pk=second.pk).status == "submitted"


def test_the_register_search_finds_a_number_typed_with_look_alike_letters(
    first, second, registrar, verified_authority
):
    register(registrar, first, "РД-02/15")  # Cyrillic Р and Д… as the registry wrote it
    register(registrar, second, "77")
    client = Client()
    client.force_login(registrar)
    url = f"/register/authority/{verified_authority.slug}/"
    found = client.get(url, {"q": "pд-02/15"})  # Latin p, Cyrillic д, lower case
    assert [row.pk for row in found.context["page"].object_list] == [first.pk]
    nothing = client.get(url, {"q": "\u200b"})  # only an invisible character: no number
    assert list(nothing.context["page"].object_list) == []
