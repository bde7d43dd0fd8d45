"""Automated WCAG 2.1 A/AA checks (axe-core) on the main pages, signed out and signed in.

axe finds only part of what WCAG asks (no check can judge, say, meaningful link text), but every
violation it does report is a real one: the test fails on any.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.test_proposal_versions import sign_in
from tests.factories import MembershipFactory, OrganizationFactory, first_legal_texts

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WCAG = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


@pytest.fixture
def demo(db):
    import io

    from django.core.management import call_command

    call_command("load_demo", stdout=io.StringIO())
    first_legal_texts()


def check(page, path):
    page.goto(path)
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, f"{path}\n{results.generate_report()}"


PUBLIC = [
    "/",
    "/proposals/",
    "/proposals/modificarea-legii-350-2005/",
    "/proposals/modificarea-legii-350-2005/history/",
    "/proposals/modificarea-legii-350-2005/compare/1/5/",
    "/proposals/modificarea-legii-350-2005/compare/2/4/?view=side",
    "/proposals/modificarea-legii-350-2005/v/5/table/",
    "/proposals/modificarea-legii-350-2005/activity/",
    "/proposals/modificarea-legii-350-2005/consultation/",
    "/proposals/modificarea-legii-350-2005/consultation/stages/1/",
    "/proposals/modificarea-legii-350-2005/consultation/stages/2/",
    "/proposals/modificarea-legii-350-2005/consultation/stages/3/",
    "/proposals/modificarea-legii-350-2005/consultation/figures/",
    "/proposals/modificarea-legii-350-2005/consultation/stages/1/figures/",
    "/organisations/",
    "/organisations/vrancea-civica/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/legal/terms/",
    "/legal/privacy/v/1/",
    "/search/",
    "/register/",
    "/register/verify/",
    "/no-such-page/",
]


def test_public_pages_have_no_wcag_violations(page, demo):
    from registrations.models import Submission

    law = Submission.objects.get(proposal__slug="legea-350-2005-raportare-publica")
    for path in [*PUBLIC, law.get_absolute_url()]:
        check(page, path)


def test_verification_result_has_no_wcag_violations(page, demo):
    from registrations.models import Submission

    law = Submission.objects.get(proposal__slug="legea-350-2005-raportare-publica")
    page.goto(f"/register/verify/?code={law.tracking_code}")
    page.fill("#id_text", "Un text care nu este cel înregistrat.")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector(".verification")
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()


def test_registrar_pages_have_no_wcag_violations(page, demo):
    from registrations.models import Submission

    sign_in(page, "elena.dumitru@demo.consult.ro", password="consult-demo-2026")
    base = "/register/authority/primaria-municipiului-focsani/"
    overdue = Submission.objects.get(proposal__slug="finantarea-ong-focsani")
    logged = Submission.objects.get(channel="post")
    from registrations.reports import current_year

    report = f"{base}report/{current_year(overdue.authority)}/"
    for path in [
        report,
        report + "received/",
        report + "debates/",
        base,
        base + "inbox/",
        base + "figures/",
        base + "log/",
        overdue.get_absolute_url(),
        overdue.get_absolute_url() + "answer/",
        logged.get_absolute_url() + "extend/",
    ]:
        check(page, path)


def test_submit_and_register_forms_have_no_wcag_violations(page, demo):
    sign_in(page, "ivan.petrov@demo.consult.bg", password="consult-demo-2026")
    check(page, "/proposals/prozrachnost-na-naredbite/submit/")


def test_signed_in_pages_have_no_wcag_violations(page, demo):
    ngo = OrganizationFactory(name="Asociația de Test", slug="asociatia-de-test")
    admin = MembershipFactory(organization=ngo, role="admin").user
    sign_in(page, admin.email)
    for path in [
        "/accounts/dashboard/",
        "/accounts/profile/",
        "/accounts/my-data/",
        "/accounts/delete/",
        "/accounts/email/",
        "/organisations/new/",
        "/organisations/asociatia-de-test/members/",
        "/organisations/asociatia-de-test/edit/",
        "/organisations/asociatia-de-test/history/",
        "/proposals/new/",
    ]:
        check(page, path)


def test_dashboard_with_coauthor_invitations_has_no_wcag_violations(page, demo):
    from proposals import coauthors
    from proposals.models import Proposal

    ngo = OrganizationFactory(name="Asociația de Test", slug="asociatia-de-test")
    admin = MembershipFactory(organization=ngo, role="admin").user
    proposal = Proposal.objects.get(slug="modificarea-legii-350-2005")
    owner_editor = proposal.organization.memberships.filter(role__in=["admin", "editor"]).first()
    coauthors.invite_coauthor(owner_editor.user, proposal, ngo)
    # The admin also edits for the owner: both lists show.
    MembershipFactory(organization=proposal.organization, role="editor", user=admin)
    sign_in(page, admin.email)
    check(page, "/accounts/dashboard/")
    assert page.locator("h2#coauthor-invitations-heading").count() == 1
    assert page.locator("h2#coauthor-sent-heading").count() == 1


def test_editor_has_no_wcag_violations(page, demo):
    # The editor of a Bulgarian proposal (the Romanian pages are checked above).
    sign_in(page, "ivan.petrov@demo.consult.bg", password="consult-demo-2026")
    check(page, "/proposals/prozrachnost-na-naredbite/edit/")
    # Closing its open stage early: the confirmation, and the refusal (five days into a
    # Bulgarian stage, less than the law's fourteen).
    check(page, "/proposals/prozrachnost-na-naredbite/consultation/stages/1/close/")
    page.get_by_role("button", name="Закриване на етапа сега").click()
    page.wait_for_load_state()
    assert "14" in page.get_by_role("alert").inner_text()
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()


def test_comment_pages_have_no_wcag_violations(page, demo):
    from consultations.models import StageComment

    reply = StageComment.objects.filter(level=1, state="visible").order_by("pk").first()
    check(page, f"/comments/{reply.pk}/")
    sign_in(page, "ion.vasile@demo.consult.ro", password="consult-demo-2026")
    open_reply = (
        StageComment.objects.filter(stage__position=3, level=1, state="visible")
        .exclude(user__email="ion.vasile@demo.consult.ro")
        .order_by("pk")
        .first()
    )
    for path in [
        "/",
        f"/comments/{open_reply.pk}/",
        f"/comments/{open_reply.pk}/reply/",
        f"/comments/{open_reply.pk}/flag/",
        "/proposals/modificarea-legii-350-2005/consultation/stages/3/",
    ]:
        check(page, path)


def test_synthesis_pages_have_no_wcag_violations(page, demo, settings):
    # The demo's synthesis (24 rows) in pages of 10, with its list of paragraphs, and large
    # enough for its PDF to be prepared in the background.
    settings.SYNTHESIS_PAGE_ROWS = 10
    settings.SYNTHESIS_PDF_PART_ROWS = 10
    base = "/proposals/modificarea-legii-350-2005/consultation/stages/1/"
    for path in [f"{base}synthesis/", f"{base}synthesis/?page=2", f"{base}synthesis.pdf"]:
        check(page, path)


def test_import_pages_have_no_wcag_violations(page, demo):
    from accounts.models import Organization, User
    from proposals import importing
    from tests.proposals import documents

    ana = User.objects.get(email="ana.popescu@demo.consult.ro")
    vrancea = Organization.objects.get(slug="vrancea-civica")
    document = importing.start_import(
        ana,
        organization=vrancea,
        mode="document",
        new_proposal={"title": "Politica", "slug": "politica", "kind": "policy", "language": "ro"},
        text="# Definirea problemei\n\nText **important**.\n\n# Obiective\n\n- unu\n\n# Opțiuni\n",
    )
    importing.process_import(document)
    law = importing.start_import(
        ana,
        organization=vrancea,
        mode="act",
        new_proposal={"title": "Legea", "slug": "legea", "kind": "amendment", "language": "ro"},
        text=documents.LAW_350_CEDILLA,
    )
    importing.process_import(law)
    sign_in(page, ana.email, password="consult-demo-2026")
    for path in [
        "/proposals/new/import/",
        "/proposals/modificarea-legii-350-2005/import/",
        document.get_absolute_url(),
        law.get_absolute_url(),
    ]:
        check(page, path)
    page.goto(law.get_absolute_url())
    page.get_by_label("Art. 16¹").check()
    page.locator("button[name=op][value=choose]").click()
    page.wait_for_selector("textarea[name$='-proposed']")
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()


def test_figures_charts_are_drawn_in_the_browser_and_fit_a_phone(page, demo):
    # The charts are images under their own policy: their inline styles must apply (a blocked
    # style would leave the bars black), and they shrink to a 390 px screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/proposals/modificarea-legii-350-2005/consultation/stages/1/figures/")
    images = page.locator("figure.chart img")
    assert images.count() == 5  # categories, counties/provinces, days, stances, outcomes
    for index in range(images.count()):
        image = images.nth(index)
        image.scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
        box = image.bounding_box()
        assert box["width"] <= 390
        # Some pixel has the first bar colour (Okabe–Ito blue, #0072B2).
        blue = page.evaluate(
            """img => {
                const canvas = document.createElement("canvas");
                canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
                const context = canvas.getContext("2d");
                context.drawImage(img, 0, 0);
                const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
                for (let i = 0; i < data.length; i += 4) {
                    if (Math.abs(data[i] - 0) < 8 && Math.abs(data[i + 1] - 114) < 8
                        && Math.abs(data[i + 2] - 178) < 8) return true;
                }
                return false;
            }""",
            image.element_handle(),
        )
        assert blue, index
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_questionnaire_pages_have_no_wcag_violations(page, demo):
    # Focșani's questionnaire beside its announcement (open): the questions to a visitor, the
    # form to someone who has not answered and to someone changing their response, and the
    # organisers' questions and results.
    base = "/proposals/hcl-parcari-resedinta-focsani/consultation/stages/1/questionnaire/"
    check(page, base)
    check(page, base + "results/")
    sign_in(page, "cristina.marin@demo.consult.ro", password="consult-demo-2026")
    check(page, base)
    page.locator("main form button[type=submit]").click()  # nothing chosen: the errors
    page.wait_for_load_state()
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()
    page.context.clear_cookies()
    sign_in(page, "andrei.munteanu@demo.consult.ro", password="consult-demo-2026")
    check(page, base)
    page.context.clear_cookies()
    sign_in(page, "elena.dumitru@demo.consult.ro", password="consult-demo-2026")
    check(page, base + "questions/")
    check(page, base + "results/")
    # Its charts (lazy images) are served before the test and its database end.
    page.wait_for_load_state("networkidle")


DRAFT = "/proposals/hcl-parcari-resedinta-focsani/"  # the authority's own draft (demo)
LAW = "/proposals/modificarea-legii-350-2005/"


def debate_request_path():
    """The page of the demo's request for a public debate on the authority's draft."""
    from consultations.models import DebateRequest

    item = DebateRequest.objects.get(consultation__proposal__slug="hcl-parcari-resedinta-focsani")
    return f"{DRAFT}consultation/debate/{item.pk}/"


def newer_public_pages():
    """Co-authors, endorsements, the authority's draft with its meeting on request and the
    request's page, the pages that give Atom and iCalendar links."""
    return [
        LAW + "authors/",
        LAW + "endorsements/",
        LAW + "history/",
        DRAFT,
        DRAFT + "consultation/",
        DRAFT + "consultation/stages/1/",
        DRAFT + "consultation/stages/2/",
        debate_request_path(),
        "/organisations/primaria-municipiului-focsani/",
    ]


def test_newer_pages_have_no_wcag_violations(page, demo):
    # Co-authors, endorsements, the authority's draft with its meeting on request, the pages
    # that give Atom and iCalendar links; then the same people's own pages.
    from proposals.models import Coauthorship

    for path in newer_public_pages():
        check(page, path)
    partner = Coauthorship.objects.filter(proposal__slug="modificarea-legii-350-2005").first()
    sign_in(page, "ana.popescu@demo.consult.ro", password="consult-demo-2026")
    for path in [
        LAW + f"authors/{partner.pk}/",
        LAW + "consultation/stages/2/registrations/",
        DRAFT + "consultation/stages/2/register/",
    ]:
        check(page, path)


def test_authoritys_draft_pages_have_no_wcag_violations(page, demo):
    sign_in(page, "elena.dumitru@demo.consult.ro", password="consult-demo-2026")
    for path in [
        DRAFT + "edit/",
        DRAFT + "consultation/stages/1/recommendations/new/",
        DRAFT + "consultation/stages/2/registrations/",
        debate_request_path(),
    ]:
        check(page, path)
