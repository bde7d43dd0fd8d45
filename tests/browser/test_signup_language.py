import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import User
from tests.factories import first_legal_texts

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

EMAIL = "ioana.radu@example.org"
PASSWORD = "un-parola-lunga-2026"


@pytest.fixture(autouse=True)
def legal_texts(db):
    return first_legal_texts()


def test_signup_verify_login_and_switch_to_bulgarian(page):
    # Sign up (the page is in Romanian by default).
    page.goto("/accounts/signup/")
    assert page.locator("html").get_attribute("lang") == "ro"
    assert page.locator("main h1").inner_text() == "Înregistrare"
    page.fill("input[name=display_name]", "Ioana Radu")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.check("input[name=consent]")
    page.locator("form[action='/accounts/signup/'] button[type=submit]").click()
    page.wait_for_url("**/accounts/confirm-email/")

    # Verify through the link in the email.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [EMAIL]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/accounts/dashboard/")
    assert EmailAddress.objects.get(email=EMAIL).verified is True
    user = User.objects.get(email=EMAIL)
    assert user.public_name == "Ioana Radu"
    assert sorted(user.consents.values_list("text__kind", "text__version")) == [
        ("privacy", 1),
        ("terms", 1),
    ]

    # Sign out, then sign in with the new account.
    page.locator("header form[action='/accounts/logout/'] button").click()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/accounts/dashboard/")
    assert page.locator("header form[action='/accounts/logout/']").count() == 1

    # Switch the interface to Bulgarian and see the page in Bulgarian.
    page.select_option("#language-select", "bg")
    page.locator("form.language-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "bg"
    assert page.locator("h2#organizations-heading").inner_text() == "Моите организации"
    assert page.locator("#language-select + button").inner_text() == "Смяна на езика"
    assert User.objects.get(email=EMAIL).profile.language == "bg"


def test_sign_up_and_the_legal_texts_fit_a_phone(browser, live_server):
    context = browser.new_context(
        locale="bg-BG", base_url=live_server.url, viewport={"width": 390, "height": 844}
    )
    phone = context.new_page()
    for path in ["/accounts/signup/", "/legal/terms/", "/legal/privacy/"]:
        phone.goto(path)
        assert phone.locator("html").get_attribute("lang") == "bg"
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
    # The consent's links lead to the texts.
    phone.goto("/accounts/signup/")
    phone.locator("#id_consent_helptext a").first.click()
    phone.wait_for_url("**/legal/terms/v/1/")
    assert phone.locator("main h1").inner_text() == "Условия за ползване"
    context.close()
