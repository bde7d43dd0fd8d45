"""Drafting together, in a browser: a participant suggests new wording for an amendment row, the
organisation's editor accepts it from the answer page, saves it from the editor, and the new
revision's comparative table shows it (issue 16)."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from consultations.models import AppliedSuggestion, Disposition
from tests.browser.test_accessibility import WCAG
from tests.browser.test_proposal_versions import sign_in
from tests.consultations.page_helpers import open_stage_for
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    PublishedProposalFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROW = "k00000000a1"
SUGGESTED = "Textul propus al articolului, publicat și pe pagina de internet."


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        locale="ro-RO", base_url=live_server.url, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def check_page(page):
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_suggestion_on_an_amendment_row_accepted_into_the_next_revision(phone):
    ngo = OrganizationFactory(name="Asociația Vrancea Civică", slug="vrancea-civica")
    ana = MembershipFactory(organization=ngo, role="editor", user__display_name="Ana Pop").user
    proposal = PublishedProposalFactory(
        editor=ana, organization=ngo, kind="amendment", slug="legea-350-art"
    )
    stage = open_stage_for(ana, proposal)
    citizen = UserFactory(display_name="Ion Vasile")

    # The participant suggests new wording for the amendment row.
    sign_in(phone, citizen.email)
    phone.goto(stage.get_absolute_url())
    form = phone.locator("#comment-form form")
    form.locator("select[name=block]").select_option(ROW)
    form.locator("input[name=stance][value=oppose]").check()
    form.locator("input[name=suggestion][value=replace]").check()
    form.locator("textarea[name=suggested_text]").fill(SUGGESTED)
    form.locator("textarea[name=text]").fill("Publicarea pe internet ajută organizațiile mici.")
    form.locator("button[type=submit]").click()
    phone.wait_for_load_state()
    comment = proposal.consultation.stages.get().comments.get()
    suggestion = phone.locator(f"#comment-{comment.pk} .comment-suggestion")
    assert suggestion.locator("ins").inner_text() == ", publicat și pe pagina de internet"
    phone.context.clear_cookies()

    # The editor accepts it from the answer page: the editor opens with the wording in place.
    sign_in(phone, ana.email)
    phone.goto(f"/comments/{comment.pk}/answer/")
    check_page(phone)
    phone.locator(f"a[href='/comments/{comment.pk}/apply/']").click()
    phone.wait_for_url(f"**/comments/{comment.pk}/apply/")
    assert phone.input_value("#blocks-0-proposed") == SUGGESTED
    assert phone.locator("#applying-heading").is_visible()
    check_page(phone)
    phone.locator("form.editor button[name=op][value=save]").click()
    phone.wait_for_url("**/proposals/legea-350-art/v/2/")
    assert "Ion Vasile" in phone.locator(".revision-meta").inner_text()

    # The comparative table of the new revision shows the suggested wording.
    phone.goto("/proposals/legea-350-art/v/2/table/")
    row = phone.locator("table tbody tr").first
    assert SUGGESTED.replace(" ", "") in row.inner_text().replace(" ", "").replace("\n", "")
    applied = AppliedSuggestion.objects.get()
    assert (applied.comment_id, applied.revision.number) == (comment.pk, 2)
    assert Disposition.objects.get(comment=comment).applied_in == applied.revision
