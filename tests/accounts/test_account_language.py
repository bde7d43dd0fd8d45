"""The account pages and emails speak correct Romanian (diacritics, the formal register) and
natural Bulgarian: our catalogue's translations of django-allauth's texts replace the package's.
"""

import gettext
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail

from accounts import allauth_messages
from tests.accounts.helpers import sign_up_data

COOKIE = settings.LANGUAGE_COOKIE_NAME

# What the package's own catalogues say, which must not reach a page.
PACKAGE_ROMANIAN = [
    "Inregistreaza-te",
    "Inregistrare",
    "Conecteaza-te",
    "Esti conectat",
    "Te rugam",
    "inregistreaza-te",
    "Ai deja un cont",
    "Parola (confirma)",
    "Tine-ma minte",
    "Ai uitat parola",
    "sa fie asemănătoare",  # Django's own, on the password help
]
PACKAGE_BULGARIAN = ["Забрави си паролата", "Запомни ме\n", "E-mail адрес", "вашия e-mail"]


def page(client, language, path):
    client.cookies[COOKIE] = language
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("language", "expected", "wrong"),
    [
        (
            "ro",
            [
                "<h1>\n        Înregistrare\n    </h1>",
                'Aveți deja un cont? <a href="/accounts/login/">Autentificați-vă</a>.',
                "Nume afișat",
                "Parola (din nou)",
                "Parola nu trebuie să conțină doar cifre.",
            ],
            PACKAGE_ROMANIAN,
        ),
        (
            "bg",
            [
                "<h1>\n        Регистрация\n    </h1>",
                'Вече имате акаунт? <a href="/accounts/login/">Влезте</a>.',
                "Публично име",
                "Парола (отново)",
            ],
            PACKAGE_BULGARIAN,
        ),
    ],
)
def test_sign_up_page_speaks_our_language(client, db, language, expected, wrong):
    html = page(client, language, "/accounts/signup/")
    for text in expected:
        assert text in html
    for text in wrong:
        assert text not in html


@pytest.mark.parametrize(
    ("language", "expected", "wrong"),
    [
        (
            "ro",
            [
                "<h1>\n        Autentificare\n    </h1>",
                "Dacă nu aveți încă un cont, vă rugăm să vă "
                '<a href="/accounts/signup/">înregistrați</a> mai întâi.',
                "Ați uitat parola?",
                "Păstrați sesiunea deschisă pe acest dispozitiv",
            ],
            PACKAGE_ROMANIAN,
        ),
        (
            "bg",
            [
                "<h1>\n        Вход\n    </h1>",
                'Ако все още нямате акаунт, моля, първо се <a href="/accounts/signup/">'
                "регистрирайте</a>.",
                "Забравили сте паролата си?",
            ],
            PACKAGE_BULGARIAN,
        ),
    ],
)
def test_sign_in_page_speaks_our_language(client, db, language, expected, wrong):
    html = page(client, language, "/accounts/login/")
    for text in expected:
        assert text in html
    for text in wrong:
        assert text not in html


@pytest.mark.parametrize(
    ("language", "subject", "lines"),
    [
        (
            "ro",
            "[Consult] Confirmați adresa de e-mail",
            [
                "Bună ziua de la ",
                "Primiți acest e-mail deoarece Ioana Radu a folosit adresa dumneavoastră de "
                "e-mail pentru a crea un cont pe ",
                "Pentru a confirma, deschideți http://testserver/accounts/confirm-email/",
                "Vă mulțumim că folosiți ",
            ],
        ),
        (
            "bg",
            "[Consult] Потвърдете имейл адреса си",
            [
                "Здравейте от ",
                "Получавате този имейл, защото Ioana Radu посочи Вашия имейл адрес, за да "
                "създаде акаунт в ",
                "За да потвърдите, отворете http://testserver/accounts/confirm-email/",
                "Благодарим Ви, че използвате ",
            ],
        ),
    ],
)
def test_confirmation_email_speaks_our_language(client, db, language, subject, lines):
    client.cookies[COOKIE] = language
    client.post("/accounts/signup/", sign_up_data("new@example.org"))

    [message] = mail.outbox
    assert message.subject == subject
    for line in lines:
        assert line in message.body
    for wrong in ["Te rugam", "Salutari", "Iti multumim", "Primești", "Вашият имейл"]:
        assert wrong not in message.body
        assert wrong not in message.subject


def test_sign_up_page_after_a_refusal_speaks_our_language(client, db):
    client.cookies[COOKIE] = "ro"
    response = client.post(
        "/accounts/signup/", sign_up_data("new@example.org", "12345678", consent=False)
    )
    html = response.content.decode()
    assert "Parola este prea scurtă: trebuie să aibă cel puțin 10 caractere." in html
    assert "Această parolă conține doar cifre." in html
    assert (
        "Pentru a vă înregistra, acceptați condițiile de utilizare și confirmați că ați citit "
        "informarea privind protecția datelor." in html
    )


def catalogue(language):
    path = Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.mo"
    with path.open("rb") as file:
        return gettext.GNUTranslations(file)


PLURALS = [
    (
        "There is %(unused_count)s out of %(total_count)s recovery codes available.",
        "There are %(unused_count)s out of %(total_count)s recovery codes available.",
    ),
    (
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
    ),
    (
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
    ),
]


@pytest.mark.parametrize("language", ["ro", "bg"])
def test_our_catalogue_translates_every_text_of_the_package_we_show(language):
    """Every text `accounts.allauth_messages` names is in our own compiled catalogue (not only
    in the package's): `makemessages --no-obsolete` keeps them, and a translation is there."""
    translations = catalogue(language)
    texts = [
        text
        for text in [*allauth_messages.MESSAGES, *allauth_messages.PASSWORD_MESSAGES]
        if isinstance(text, str)
    ]
    assert len(texts) == 199
    assert [text for text in texts if translations.gettext(text) == text] == []
    for singular, plural in PLURALS:
        for count in (1, 2, 20):
            assert translations.ngettext(singular, plural, count) not in (singular, plural)
    assert translations.pgettext("field label", "Login") != "Login"
