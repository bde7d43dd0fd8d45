"""Answering a form-letter campaign from the answers page, on a phone: the group list, the
confirmation and the synthesis preview, each without WCAG violations and without sideways
scrolling at 390 px."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.test_accessibility import WCAG, demo  # noqa: F401  (fixture)
from tests.browser.test_proposal_versions import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

STAGE = "/proposals/modificarea-legii-350-2005/consultation/stages/3/"


def fits_and_passes(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width} px wide"
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def test_editor_answers_a_campaign_at_once_on_a_phone(page, demo):  # noqa: F811
    from consultations.models import CommentGroup, Disposition

    group = CommentGroup.objects.get(stage__position=3)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "ana.popescu@demo.consult.ro", password="consult-demo-2026")
    page.goto(f"{STAGE}answers/")
    fits_and_passes(page)
    page.locator("details.comment-groups summary").click()
    page.get_by_role("link", name=f"Grupul {group.pk}").first.click()
    page.wait_for_url(f"**answers/?group={group.pk}")
    assert page.locator("ol.answer-list > li").count() == 4
    page.get_by_role("button", name="Răspundeți celor 4 comentarii selectate deodată").click()
    page.wait_for_url(f"**answers/bulk/?group={group.pk}")
    fits_and_passes(page)
    page.get_by_label("Acceptată", exact=True).check()
    page.get_by_label("Motiv").fill("Păstrăm termenul de 60 de zile în forma finală.")
    page.get_by_role("button", name="Răspundeți la 4 comentarii").click()
    page.wait_for_url(f"**answers/?group={group.pk}")
    assert "Răspunsul a fost salvat pentru 4 comentarii." in page.content()
    assert set(
        Disposition.objects.filter(comment__group=group).values_list("outcome", "reason")
    ) == {("accepted", "Păstrăm termenul de 60 de zile în forma finală.")}
    page.goto(f"{STAGE}synthesis/")
    assert page.locator("article.comment-group").count() == 1
    fits_and_passes(page)
