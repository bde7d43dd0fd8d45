"""The main pages laid out on a 390 px phone and a 1280 px laptop: nothing wider than the screen,
no two controls drawn over each other, and on the phone a header of at most 120 px.

A control is a visible link, button, input, select, textarea or summary; an inline link that wraps
is measured line by line (its client rectangles), so that two links on neighbouring lines do not
count as overlapping. Whatever a test finds is named in the failure: page, width and the two
controls' text.
"""

import pytest

from tests.browser.test_accessibility import (
    debate_request_path,
    demo,  # noqa: F401 (the demo data, a fixture)
    newer_public_pages,
)
from tests.browser.test_proposal_versions import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = [390, 1280]
PHONE_HEADER_MAX = 120
PROPOSAL = "/proposals/modificarea-legii-350-2005/"
AUTHORITY = "/register/authority/primaria-municipiului-focsani/"
DRAFT = "/proposals/hcl-parcari-resedinta-focsani/"  # the authority's own draft (demo)

MEASURE = """() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  const boxes = [];
  for (const element of document.querySelectorAll(selector)) {
    const style = getComputedStyle(element);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    for (const r of element.getClientRects()) {
      // Visually hidden (1 px) and off-screen (the skip link until focused) draw nothing.
      if (r.width <= 1 || r.height <= 1 || r.right <= 0 || r.bottom <= 0) continue;
      boxes.push({element, r});
    }
  }
  const text = (e) => (e.innerText || e.value || e.name || '').trim().slice(0, 40);
  const name = (e) => `${e.tagName.toLowerCase()} "${text(e)}"`;
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      const nested = a.element.contains(b.element) || b.element.contains(a.element);
      if (a.element === b.element || nested) continue;
      const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
      const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
      if (x > 2 && y > 2) overlaps.push(`${name(a.element)} over ${name(b.element)}`);
    }
  }
  // A stacked data table (usa-table--stacked) must fit its box: on a phone it is one block per
  // row, nothing to scroll sideways.
  const tables = [];
  for (const table of document.querySelectorAll('table.usa-table--stacked')) {
    if (table.closest('details:not([open])')) continue;  // not drawn until opened
    const box = table.parentElement;
    const wide = Math.round(table.getBoundingClientRect().width);
    if (wide > box.clientWidth + 1 || box.scrollWidth > box.clientWidth + 1) {
      const caption = (table.caption ? table.caption.innerText : '').slice(0, 40);
      tables.push(`table "${caption}" ${wide}px in ${box.clientWidth}px`);
    }
  }
  return {
    tables,
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
    header: document.querySelector('body > header').getBoundingClientRect().height,
    overlaps: [...new Set(overlaps)],
  };
}"""


def layout_problems(browser, base_url, paths, email=None):
    problems = []
    for width in WIDTHS:
        context = browser.new_context(
            locale="ro-RO", base_url=base_url, viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        page.set_default_timeout(15000)
        if email:
            sign_in(page, email, password="consult-demo-2026")
        for path in paths:
            response = page.goto(path)
            assert response.status == 200, (path, response.status)
            found = page.evaluate(MEASURE)
            if found["scrollWidth"] > found["clientWidth"]:
                problems.append(f"{path} at {width}px: {found['scrollWidth']}px wide")
            if width < 640 and found["header"] > PHONE_HEADER_MAX:
                problems.append(f"{path} at {width}px: header {found['header']:.0f}px tall")
            problems.extend(f"{path} at {width}px: {o}" for o in found["overlaps"])
            if width < 480:  # where USWDS stacks them
                problems.extend(f"{path} at {width}px: {t}" for t in found["tables"])
        context.close()
    return problems


def test_public_pages_fit_a_phone_and_a_laptop(browser, live_server, demo):  # noqa: F811
    from consultations.models import StageComment
    from registrations.models import Submission

    law = Submission.objects.get(proposal__slug="legea-350-2005-raportare-publica")
    comment = StageComment.objects.filter(level=0, state="visible").order_by("pk").first()
    paths = [
        "/",
        "/proposals/",
        PROPOSAL,
        PROPOSAL + "v/5/",
        PROPOSAL + "compare/1/5/",
        PROPOSAL + "compare/2/4/?view=side",
        PROPOSAL + "v/5/table/",
        PROPOSAL + "consultation/",
        PROPOSAL + "consultation/stages/3/",
        PROPOSAL + "consultation/stages/1/synthesis/",
        f"/comments/{comment.pk}/",
        law.get_absolute_url(),
        "/register/",
        "/register/verify/",
        "/organisations/",
        "/organisations/vrancea-civica/",
        "/search/?q=transparen%C8%9B%C4%83",
        "/accounts/login/",
        "/accounts/signup/",
    ]
    assert layout_problems(browser, live_server.url, paths) == []


def test_the_editors_pages_fit_a_phone_and_a_laptop(browser, live_server, demo):  # noqa: F811
    paths = [
        "/accounts/dashboard/",
        "/accounts/profile/",
        PROPOSAL + "edit/",
        PROPOSAL + "consultation/stages/1/answers/",
        "/proposals/new/",
    ]
    problems = layout_problems(browser, live_server.url, paths, email="ana.popescu@demo.consult.ro")
    assert problems == []


def test_the_registrars_pages_fit_a_phone_and_a_laptop(browser, live_server, demo):  # noqa: F811
    from registrations.models import Submission

    overdue = Submission.objects.get(proposal__slug="finantarea-ong-focsani")
    from registrations.reports import current_year

    report = f"{AUTHORITY}report/{current_year(overdue.authority)}/"
    paths = [
        AUTHORITY,
        AUTHORITY + "inbox/",
        overdue.get_absolute_url(),
        report,
        report + "received/",
    ]
    problems = layout_problems(
        browser, live_server.url, paths, email="elena.dumitru@demo.consult.ro"
    )
    assert problems == []


def test_the_questionnaire_pages_fit_a_phone_and_a_laptop(browser, live_server, demo):  # noqa: F811
    base = "/proposals/hcl-parcari-resedinta-focsani/consultation/stages/1/questionnaire/"
    # A participant who answered (the form with their answers), then the organisers' pages.
    problems = layout_problems(
        browser, live_server.url, [base], email="andrei.munteanu@demo.consult.ro"
    )
    problems += layout_problems(
        browser,
        live_server.url,
        # (The results page is left out: its charts load lazily and could still be asked for
        # once the test has ended.)
        [base + "questions/"],
        email="elena.dumitru@demo.consult.ro",
    )
    assert problems == []


def test_the_newer_public_pages_fit_a_phone_and_a_laptop(browser, live_server, demo):  # noqa: F811
    # Co-authors, endorsements, an authority's draft with its meeting on request, the pages
    # that give Atom and iCalendar links, and the stacked data tables.
    paths = [*newer_public_pages(), PROPOSAL + "consultation/stages/1/figures/"]
    assert layout_problems(browser, live_server.url, paths) == []


def test_the_newer_editors_and_authoritys_pages_fit_a_phone_and_a_laptop(
    browser,
    live_server,
    demo,  # noqa: F811
):
    from proposals.models import Coauthorship

    partner = Coauthorship.objects.filter(proposal__slug="modificarea-legii-350-2005").first()
    editor = [
        PROPOSAL + f"authors/{partner.pk}/",
        PROPOSAL + "consultation/stages/2/registrations/",
        DRAFT + "consultation/stages/2/register/",
    ]
    problems = layout_problems(
        browser, live_server.url, editor, email="ana.popescu@demo.consult.ro"
    )
    authority = [
        DRAFT + "edit/",
        DRAFT + "consultation/stages/1/recommendations/new/",
        DRAFT + "consultation/stages/2/registrations/",
        debate_request_path(),
        AUTHORITY + "inbox/",
    ]
    problems += layout_problems(
        browser, live_server.url, authority, email="elena.dumitru@demo.consult.ro"
    )
    assert problems == []
