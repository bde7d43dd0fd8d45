"""Two editors at once, in a browser on a phone: the second save merges what it can and shows
both texts of the paragraph both changed; the editor chooses and saves."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from proposals import domain
from proposals.models import Revision
from tests.browser.test_accessibility import WCAG
from tests.browser.test_proposal_versions import sign_in
from tests.factories import MembershipFactory, OrganizationFactory, ProposalFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

K1, K2 = "k00000000d1", "k00000000d2"


def blocks(first, second):
    return [
        {"key": K1, "type": "text", "text": first},
        {"key": K2, "type": "text", "text": second},
    ]


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        locale="ro-RO", base_url=live_server.url, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def test_conflicting_paragraph_shown_side_by_side_and_resolved_on_a_phone(phone):
    ngo = OrganizationFactory(name="Asociația Vrancea Civică", slug="vrancea-civica")
    ana = MembershipFactory(organization=ngo, role="editor", user__display_name="Ana Pop").user
    mihai = MembershipFactory(organization=ngo, role="editor").user
    proposal = ProposalFactory(
        editor=ana,
        organization=ngo,
        slug="finantare",
        title="Finanțare multianuală",
        blocks=blocks("Finanțarea se acordă anual.", "Raportarea se face lunar."),
    )
    sign_in(phone, mihai.email)
    phone.goto("/proposals/finantare/edit/")
    # Ana saves while Mihai is writing: she changes both paragraphs.
    domain.save_revision(
        ana,
        proposal,
        base_number=1,
        title="Finanțare multianuală",
        summary=proposal.summary,
        blocks=blocks("Finanțarea se acordă multianual.", "Raportarea se face trimestrial."),
        message="Ana",
    )
    phone.fill("#blocks-1-text", "Raportarea se face semestrial.")
    phone.get_by_role("button", name="Salvați o versiune nouă").click()
    phone.wait_for_load_state()

    assert phone.locator("#conflict-heading").inner_text() == (
        "Atât dumneavoastră, cât și versiunea 2 ați modificat o parte"
    )
    both = phone.locator(f"#edit-{K2} .side-by-side")
    assert both.locator("del").inner_text() == "trimestrial"
    assert both.locator("ins").inner_text() == "semestrial"
    # Ana's other change is already in the form.
    assert phone.input_value("#blocks-0-text") == "Finanțarea se acordă multianual."
    results = Axe().run(phone, options=WCAG)
    assert results.violations_count == 0, results.generate_report()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    phone.check(f"#resolve-{K2}-mine")
    phone.get_by_role("button", name="Salvați o versiune nouă").click()
    phone.wait_for_url("**/proposals/finantare/v/3/")
    third = Revision.objects.get(proposal=proposal, number=3)
    assert third.blocks == blocks(
        "Finanțarea se acordă multianual.", "Raportarea se face semestrial."
    )
    assert third.author == mihai
