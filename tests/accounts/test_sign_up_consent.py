"""Signing up asks for the public display name and the consent to the terms of use and the
privacy notice; the versions accepted are recorded, exported and kept; the texts have pages of
their own, every version in three languages."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation

from accounts import domain
from accounts.models import Consent, LegalText, User
from core.errors import NotAllowed
from core.models import ActivityLog, AppendOnlyError
from tests.accounts.helpers import sign_up_data
from tests.factories import UserFactory, first_legal_texts

CONSENT_REFUSED = (
    "To sign up, please accept the terms of use and confirm that you have read the privacy notice."
)


def sign_up(client, **kwargs):
    return client.post("/accounts/signup/", sign_up_data("new@example.org", **kwargs))


def consents_of(user):
    return list(
        Consent.objects.filter(user=user)
        .order_by("text__kind")
        .values_list("text__kind", "text__version")
    )


def publish(kind, marker, **kwargs):
    admin = UserFactory(is_superuser=True, is_staff=True)
    return domain.publish_legal_text(
        admin,
        kind,
        text_ro=f"Textul {marker} în română.",
        text_bg=f"Текстът {marker} на български.",
        text_en=f"The {marker} text in English.",
        **kwargs,
    )


# --- The first versions ------------------------------------------------------------------------


def test_first_versions_of_the_legal_texts_are_published_by_the_migrations(db):
    texts = LegalText.objects.order_by("kind")
    assert [(text.kind, text.version) for text in texts] == [("privacy", 1), ("terms", 1)]
    privacy, terms = texts
    assert "comments are public" in terms.text_en
    assert "comentariile dumneavoastră sunt publice" in terms.text_ro.lower()
    assert "коментари са публични" in terms.text_bg
    assert '"My data" page' in privacy.text_en
    assert "„Datele mele”" in privacy.text_ro
    assert "„Моите данни“" in privacy.text_bg


# --- Sign-up -----------------------------------------------------------------------------------


def test_sign_up_records_the_display_name_and_the_consents(en_client, db):
    before = timezone.now()
    response = sign_up(en_client, display_name="  Ioana\u200b   Radu ")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get()
    assert user.email == "new@example.org"
    assert user.profile.display_name == "Ioana Radu"
    assert user.public_name == "Ioana Radu"
    assert consents_of(user) == [("privacy", 1), ("terms", 1)]
    given = set(Consent.objects.values_list("given_at", flat=True))
    assert len(given) == 1
    assert before <= given.pop() <= timezone.now()
    # The confirmation email names the person by the display name, never the address.
    assert [m.to for m in mail.outbox] == [["new@example.org"]]
    assert "user Ioana Radu has given your email address" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("changes", "field", "errors"),
    [
        ({"display_name": ""}, "display_name", ["This field is required."]),
        ({"display_name": " \u200b "}, "display_name", ["This field is required."]),
        (
            {"display_name": "A"},
            "display_name",
            ["Ensure this value has at least 2 characters (it has 1)."],
        ),
        (
            {"display_name": "A" * 81},
            "display_name",
            ["Ensure this value has at most 80 characters (it has 81)."],
        ),
        (
            {"display_name": "Ana\x07Pop"},
            "display_name",
            ["This text contains control characters (such as NUL bytes); remove them."],
        ),
        ({"consent": False}, "consent", [CONSENT_REFUSED]),
    ],
)
def test_sign_up_without_a_good_name_or_the_consent_is_refused(
    en_client, db, changes, field, errors
):
    response = sign_up(en_client, **changes)

    assert response.status_code == 200
    assert response.context["form"].errors == {field: errors}
    assert not User.objects.exists()
    assert not Consent.objects.exists()
    assert mail.outbox == []
    # What was typed comes back in the form.
    html = response.content.decode()
    assert 'value="new@example.org"' in html
    if field == "consent":
        assert 'value="Ioana Radu"' in html


def test_a_nul_byte_in_the_name_is_refused_without_an_error_page(en_client, db):
    response = sign_up(en_client, display_name="Ana\x00Pop")
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "display_name": [
            "This text contains control characters (such as NUL bytes); remove them.",
            "Null characters are not allowed.",
        ]
    }
    assert not User.objects.exists()


def test_sign_up_with_a_taken_address_records_no_consent(en_client, user):
    response = en_client.post("/accounts/signup/", sign_up_data(user.email.upper()))
    assert response.status_code == 302
    assert User.objects.count() == 1
    assert not Consent.objects.exists()
    assert user.profile.display_name == "Ana Popescu"


def test_sign_up_consents_to_the_versions_in_force(en_client, db):
    publish("terms", "second")
    publish("privacy", "future", published_at=timezone.now() + timedelta(days=3))

    page = en_client.get("/accounts/signup/").content.decode()
    assert '<a href="/legal/terms/v/2/">terms of use (version 2)</a>' in page
    assert '<a href="/legal/privacy/v/1/">privacy notice (version 1)</a>' in page
    sign_up(en_client)

    assert consents_of(User.objects.get(email="new@example.org")) == [
        ("privacy", 1),
        ("terms", 2),
    ]


def test_nameless_accounts_keep_the_numbered_fallback(db):
    nameless = UserFactory()
    assert nameless.profile.display_name == ""
    with translation.override("ro"):
        assert nameless.public_name == f"Participant nr. {nameless.pk}"


# --- Export and erasure ------------------------------------------------------------------------


def test_data_export_lists_the_consents(en_client, db):
    sign_up(en_client)
    user = User.objects.get()
    en_client.force_login(user)

    data = json.loads(en_client.get("/accounts/my-data/", {"download": "1"}).content)

    terms = LegalText.objects.get(kind="terms")
    privacy = LegalText.objects.get(kind="privacy")
    given = Consent.objects.get(user=user, text=terms).given_at.isoformat()
    assert data["consents"] == [
        {
            "text": "privacy",
            "version": 1,
            "published": privacy.published_at.isoformat(),
            "given": given,
        },
        {
            "text": "terms",
            "version": 1,
            "published": terms.published_at.isoformat(),
            "given": given,
        },
    ]
    assert data["profile"]["display_name"] == "Ioana Radu"


def test_deleting_the_account_keeps_the_consents_of_the_anonymous_account(en_client, db):
    sign_up(en_client)
    user = User.objects.get()

    domain.delete_account(user)

    user.refresh_from_db()
    assert user.email is None
    assert user.profile.display_name == ""
    assert user.public_name == "Deleted account"
    assert consents_of(user) == [("privacy", 1), ("terms", 1)]


# --- Publishing a new version ------------------------------------------------------------------


def test_publishing_numbers_the_versions_and_keeps_the_earlier_ones(db):
    translation.activate("en")
    first = LegalText.objects.get(kind="terms")
    second = publish("terms", "second")
    third = publish("terms", "third")

    assert (second.version, third.version) == (2, 3)
    assert LegalText.objects.get(pk=first.pk).text_en == first.text_en
    assert list(
        ActivityLog.objects.filter(verb="legal_text.published")
        .order_by("id")
        .values_list("target_repr", "new_value")
    ) == [("Terms of use v2", "2"), ("Terms of use v3", "3")]
    assert domain.current_legal_texts()["terms"] == third


def test_publishing_is_for_site_administrators(db):
    with pytest.raises(NotAllowed):
        domain.publish_legal_text(
            UserFactory(is_staff=True), "terms", text_ro="a", text_bg="b", text_en="c"
        )
    assert LegalText.objects.count() == 2


def test_published_texts_are_never_changed_or_removed(db):
    text = LegalText.objects.get(kind="terms")
    text.text_en = "Changed."
    with pytest.raises(AppendOnlyError):
        text.save()
    with pytest.raises(AppendOnlyError):
        LegalText.objects.filter(pk=text.pk).update(text_en="Changed.")
    with pytest.raises(AppendOnlyError):
        LegalText.objects.all().delete()
    assert LegalText.objects.get(pk=text.pk).text_en != "Changed."


def test_admin_adds_a_version_and_cannot_change_one(client, db):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    client.cookies["consult_language"] = "en"
    response = client.post(
        "/admin/accounts/legaltext/add/",
        {
            "kind": "privacy",
            "published_at_0": "2026-12-01",
            "published_at_1": "10:00:00",
            "text_ro": "Versiunea a doua.",
            "text_bg": "Втората версия.",
            "text_en": "The second version.",
        },
    )
    assert response.status_code == 302
    second = LegalText.objects.get(kind="privacy", version=2)
    assert (second.text_ro, second.text_bg, second.text_en) == (
        "Versiunea a doua.",
        "Втората версия.",
        "The second version.",
    )
    change = client.post(
        f"/admin/accounts/legaltext/{second.pk}/change/",
        {"kind": "privacy", "text_ro": "x", "text_bg": "y", "text_en": "z"},
    )
    assert change.status_code == 403
    assert client.post(f"/admin/accounts/legaltext/{second.pk}/delete/").status_code == 403
    assert LegalText.objects.get(pk=second.pk).text_en == "The second version."


# --- The pages of the texts --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "title", "snippet"),
    [
        ("ro", "Condiții de utilizare", "Comentariile dumneavoastră sunt publice"),
        ("bg", "Условия за ползване", "Вашите коментари са публични"),
        ("en", "Terms of use", "Your comments are public"),
    ],
)
def test_terms_page_shows_the_version_in_force_in_the_visitors_language(
    client, db, language, title, snippet
):
    client.cookies["consult_language"] = language
    response = client.get("/legal/terms/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<h1>{title}</h1>" in html
    assert snippet in html
    assert f'<html lang="{language}"' in html


@pytest.mark.parametrize(
    ("language", "title", "snippet"),
    [
        ("ro", "Informare privind protecția datelor", "Drepturile dumneavoastră."),
        ("bg", "Уведомление за поверителност", "Вашите права."),
        ("en", "Privacy notice", "Your rights."),
    ],
)
def test_privacy_page_in_three_languages(client, db, language, title, snippet):
    client.cookies["consult_language"] = language
    html = client.get("/legal/privacy/").content.decode()
    assert f"<h1>{title}</h1>" in html
    assert snippet in html


def test_every_version_stays_readable(en_client, db, django_assert_max_num_queries):
    publish("terms", "second")

    with django_assert_max_num_queries(6):
        current = en_client.get("/legal/terms/").content.decode()
    assert "The second text in English." in current
    assert '<a href="/legal/terms/v/1/">Version 1,' in current
    assert '<strong aria-current="page">Version 2,' in current
    assert "This is an earlier version." not in current

    earlier = en_client.get("/legal/terms/v/1/").content.decode()
    assert "Your comments are public" in earlier
    assert "The second text in English." not in earlier
    assert (
        'This is an earlier version. The version in force is <a href="/legal/terms/v/2/">'
        "version 2</a>." in earlier
    )


@pytest.mark.parametrize("path", ["/legal/terms/v/9/", "/legal/cookies/", "/legal/terms/v/0/"])
def test_unknown_texts_and_versions_are_not_found(en_client, db, path):
    assert en_client.get(path).status_code == 404


def test_a_version_published_for_later_is_not_shown_yet(en_client, db):
    publish("terms", "future", published_at=timezone.now() + timedelta(days=1))
    assert en_client.get("/legal/terms/v/2/").status_code == 404
    assert "The future text" not in en_client.get("/legal/terms/").content.decode()


def test_a_version_published_while_signing_up_asks_for_the_consent_again(en_client, db):
    page = en_client.get("/accounts/signup/")
    shown = page.context["form"]["legal_versions"].value()
    assert shown == "privacy:1,terms:1"
    publish("terms", "second")

    response = en_client.post(
        "/accounts/signup/", {**sign_up_data("new@example.org"), "legal_versions": shown}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "consent": [
            "A new version of the terms of use or of the privacy notice came into force while "
            "you were filling in this form: please read it and tick the box again."
        ]
    }
    assert not User.objects.filter(email="new@example.org").exists()
    html = response.content.decode()
    assert 'name="legal_versions" value="privacy:1,terms:2"' in html
    assert 'name="consent" required' in html  # unticked
    assert '<a href="/legal/terms/v/2/">terms of use (version 2)</a>' in html

    # Sent again as the page now stands, it goes through with the new version.
    response = en_client.post(
        "/accounts/signup/",
        {**sign_up_data("new@example.org"), "legal_versions": "privacy:1,terms:2"},
    )
    assert response.status_code == 302
    assert consents_of(User.objects.get(email="new@example.org")) == [
        ("privacy", 1),
        ("terms", 2),
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_published_texts_nobody_signs_up_without_consent(en_client):
    # A transactional test starts from a flushed database: no legal text is published. Make
    # sure of it as the flush does (on PostgreSQL the append-only trigger refuses row deletes;
    # TRUNCATE, the flush's way, is not a row delete).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE accounts_consent, accounts_legaltext")
    else:
        LegalText.objects.all()._raw_delete(LegalText.objects.db)
    response = sign_up(en_client)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Signing up is not possible until the terms of use and the privacy notice are "
        "published. Please try again later."
    ]
    assert not User.objects.exists()
    # The texts the migrations publish, published again, open sign-up.
    first_legal_texts()
    assert sign_up(en_client).status_code == 302
    assert consents_of(User.objects.get()) == [("privacy", 1), ("terms", 1)]


# --- The database keeps them too (PostgreSQL) ---------------------------------------------------


def _raw(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE accounts_legaltext SET text_en = 'Changed' WHERE id = %s",
        "DELETE FROM accounts_legaltext WHERE id = %s",
    ],
)
def test_postgresql_refuses_to_change_or_delete_a_legal_text(db, sql):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    terms = LegalText.objects.get(kind="terms", version=1)
    before = LegalText.objects.filter(pk=terms.pk).values().get()
    with pytest.raises(DatabaseError, match="accounts_legaltext rows are append-only"):
        _raw(sql, [terms.pk])
    assert LegalText.objects.filter(pk=terms.pk).values().get() == before


def test_postgresql_lets_a_legal_text_be_written_back_unchanged(db):
    # Restoring saved rows (Django's serialized rollback) writes each row back as it is.
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    terms = LegalText.objects.get(kind="terms", version=1)
    before = LegalText.objects.filter(pk=terms.pk).values().get()
    _raw("UPDATE accounts_legaltext SET text_en = text_en WHERE id = %s", [terms.pk])
    assert LegalText.objects.filter(pk=terms.pk).values().get() == before


def test_postgresql_refuses_to_change_a_consent(db):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    user = UserFactory()
    consent = Consent.objects.create(user=user, text=LegalText.objects.get(kind="terms"))
    given = consent.given_at
    with pytest.raises(DatabaseError, match="accounts_consent rows are append-only"):
        _raw(
            "UPDATE accounts_consent SET given_at = given_at - interval '1 day' WHERE id = %s",
            [consent.pk],
        )
    assert Consent.objects.get(pk=consent.pk).given_at == given
    # The row goes only with its account.
    user.delete()
    assert not Consent.objects.filter(pk=consent.pk).exists()
