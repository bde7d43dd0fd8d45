import pytest

from proposals.models import Proposal
from tests.factories import PASSWORD, AuthorityFactory, MembershipFactory, OrganizationFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def sign_in(page, email, password=PASSWORD):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/accounts/dashboard/")


def test_create_edit_twice_and_compare_versions(page):
    ngo = OrganizationFactory(name="Asociația Vrancea Civică", slug="vrancea-civica")
    AuthorityFactory(name="Primăria Orașului Test", slug="primaria-orasului-test")
    editor = MembershipFactory(organization=ngo, role="editor").user
    sign_in(page, editor.email)

    page.goto("/proposals/new/")
    page.fill("#id_title", "Finanțare multianuală pentru ONG-uri")
    page.select_option("#id_kind", "other")
    # A hundred and more authorities: the search box leaves the ones that match what is typed.
    page.fill("#id_target_authority-filter", "orasului test")
    visible = page.locator("#id_target_authority option:not([hidden])")
    assert visible.all_inner_texts() == ["---------", "Primăria Orașului Test (Vrancea)"]
    assert page.locator("#id_target_authority-filter-status").inner_text() == (
        "Autorități găsite: 1"
    )
    page.select_option("#id_target_authority", label="Primăria Orașului Test (Vrancea)")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/proposals/finantare-multianuala-pentru-ong-uri/edit/")

    # The live preview (JavaScript) renders Markdown through the sanitising renderer.
    page.fill("#blocks-0-text", "**Important** <script>window.bad = 1</script>")
    page.locator("#blocks-0-text").press("End")
    page.wait_for_selector(".markdownx-preview strong")
    assert page.locator(".markdownx-preview strong").inner_text() == "Important"
    assert page.locator(".markdownx-preview script").count() == 0
    assert page.evaluate("typeof window.bad") == "undefined"

    # The draft has no revision until this first save (no empty template in its history).
    assert not Proposal.objects.get(slug="finantare-multianuala-pentru-ong-uri").revisions.exists()
    page.fill("#blocks-0-text", "Finanțarea se acordă prin concurs de proiecte.")
    page.fill("#id_message", "Primul text")
    page.locator("button[name=op][value=save]").click()
    page.wait_for_url("**/v/1/")

    page.goto("/proposals/finantare-multianuala-pentru-ong-uri/edit/")
    page.fill("#blocks-0-text", "Finanțarea se acordă anual, prin concurs de proiecte.")
    page.fill("#id_message", "Anual")
    page.locator("button[name=op][value=save]").click()
    page.wait_for_url("**/v/2/")

    page.goto("/proposals/finantare-multianuala-pentru-ong-uri/edit/")
    page.fill("#blocks-0-text", "Finanțarea se acordă multianual, prin concurs de proiecte.")
    page.fill("#id_message", "Multianual")
    page.locator("button[name=op][value=save]").click()
    page.wait_for_url("**/v/3/")

    proposal = Proposal.objects.get(slug="finantare-multianuala-pentru-ong-uri")
    assert list(proposal.revisions.order_by("number").values_list("number", "message")) == [
        (1, "Primul text"),
        (2, "Anual"),
        (3, "Multianual"),
    ]

    page.goto("/proposals/finantare-multianuala-pentru-ong-uri/history/")
    page.check("input[name=a][value='1']")
    page.check("input[name=b][value='3']")
    page.locator("main form[action$='/compare/'] button[type=submit]").click()
    page.wait_for_url("**/compare/1/3/")
    assert page.locator(".diff-text del").all_inner_texts() == []
    assert page.locator(".diff-text ins").all_inner_texts() == ["multianual, "]

    page.goto("/proposals/finantare-multianuala-pentru-ong-uri/compare/2/3/?view=side")
    assert page.locator(".side-by-side del").all_inner_texts() == ["anual"]
    assert page.locator(".side-by-side ins").all_inner_texts() == ["multianual"]
