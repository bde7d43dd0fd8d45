"""A registrar's day in the browser: inbox → register → answer."""

import pytest
from django.utils import timezone

from proposals import domain
from proposals.models import Proposal
from registrations import domain as registration
from registrations.models import Submission
from tests.browser.test_proposal_versions import sign_in
from tests.factories import AuthorityFactory, MembershipFactory, OrganizationFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_registrar_registers_and_answers_from_the_inbox(page):
    # A verified authority of its own: the directory rows may have been flushed by an earlier
    # transactional test.
    authority = AuthorityFactory(name="Primăria Orașului Test", slug="primaria-orasului-test")
    registrar = MembershipFactory(organization=authority, role="registrar").user
    ngo = OrganizationFactory(name="Asociația Vrancea Civică", slug="vrancea-civica")
    editor = MembershipFactory(organization=ngo, role="editor").user
    proposal = domain.create_proposal(
        editor,
        ngo,
        title="Calendar anual pentru granturi",
        slug="calendar-granturi",
        summary="",
        kind="other",
        target_authority=authority,
        blocks=[{"key": "k00000000a1", "type": "text", "text": "Un calendar anual publicat."}],
    )
    domain.publish_proposal(editor, proposal)
    proposal.refresh_from_db()
    submission = registration.submit_proposal(
        editor, proposal, proposal.current_revision, "Vă rugăm să o înregistrați."
    )
    code = submission.tracking_code

    sign_in(page, registrar.email)
    page.goto("/register/authority/primaria-orasului-test/inbox/")
    page.locator(f"main a[href='/register/s/{code}/']").click()
    page.wait_for_url(f"**/register/s/{code}/")
    page.locator(f"main a[href='/register/s/{code}/register/']").click()
    page.fill("#id_registration_number", "4.812")
    page.fill("#id_registration_date", timezone.localdate().isoformat())
    page.check("#id_confirm")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/register/s/{code}/")
    submission.refresh_from_db()
    assert (submission.status, submission.registration_number) == ("registered", "4.812")
    assert page.locator("main").inner_text().count("4.812") >= 1

    page.locator(f"main a[href='/register/s/{code}/answer/']").click()
    page.check("input[name=answer_status][value=partially_accepted]")
    page.fill("#id_text", "Acceptăm calendarul; plata în avans nu este posibilă.")
    page.check("#id_confirm")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/register/s/{code}/")
    submission.refresh_from_db()
    assert (submission.status, submission.answer_status) == ("answered", "partially_accepted")
    assert Proposal.objects.get(pk=proposal.pk).status == "answered"
    assert "Acceptăm calendarul" in page.locator("main").inner_text()

    # The inbox is empty again; the register lists the answered proposal.
    page.goto("/register/authority/primaria-orasului-test/inbox/")
    assert page.locator(f"main a[href='/register/s/{code}/']").count() == 0
    page.goto("/register/authority/primaria-orasului-test/?status=answered")
    assert page.locator(f"main a[href='/register/s/{code}/']").count() == 1
    assert Submission.objects.count() == 1
