"""Browser test: an NGO editor uploads a DOCX with an extract of a law, ticks two articles,
writes the proposed texts, saves, and reads the comparative table."""

import pytest

from proposals.models import Proposal
from tests.browser.test_proposal_versions import sign_in
from tests.factories import AuthorityFactory, MembershipFactory, OrganizationFactory
from tests.proposals import documents

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_import_a_law_extract_amend_two_articles_and_see_the_table(page, tmp_path):
    ngo = OrganizationFactory(name="Asociația Vrancea Civică", slug="vrancea-civica")
    AuthorityFactory(name="Ministerul Test", slug="ministerul-test")
    editor = MembershipFactory(organization=ngo, role="editor").user
    law = tmp_path / "legea-350-extras.docx"
    law.write_bytes(documents.law_docx())
    sign_in(page, editor.email)

    page.goto("/proposals/new/import/")
    page.check("input[name=mode][value=act]")
    page.set_input_files("#id_upload", str(law))
    page.select_option("#id_organization", label="Asociația Vrancea Civică")
    page.fill("#id_title", "Modificarea Legii nr. 350/2005")
    page.select_option("#id_kind", "amendment")
    page.select_option("#id_target_authority", label="Ministerul Test (Vrancea)")
    page.fill("#id_reference_act", "Legea nr. 350/2005")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/proposals/import/*/")
    assert not Proposal.objects.exists()  # nothing saved before confirming

    # Tick Art. 13 alin. (2) and Art. 16^1 (shown as 16¹).
    page.get_by_label("Art. 13 alin. (2)").check()
    page.get_by_label("Art. 16¹").check()
    page.locator("button[name=op][value=choose]").click()

    legends = page.locator("main fieldset legend").all_inner_texts()
    assert legends == ["Art. 13 alin. (2)", "Art. 16¹"]
    proposed = page.locator("textarea[name$='-proposed']")
    assert proposed.nth(0).input_value() == (
        "(2) Anunţul se publică cu cel puţin 30 de zile înainte de data-limită."
    )
    proposed.nth(0).fill("(2) Anunțul se publică cu cel puțin 45 de zile înainte de data-limită.")
    proposed.nth(1).fill("Plata se face în tranșe, iar prima tranșă în 30 de zile.")
    page.locator("textarea[name$='-rationale']").nth(0).fill(
        "Organizațiile mici au nevoie de timp."
    )
    page.locator("button[name=op][value=confirm]").click()
    page.wait_for_url("**/proposals/modificarea-legii-350-2005/v/1/table/")

    proposal = Proposal.objects.get()
    revision = proposal.current_revision
    assert [(block["article"], block["action"]) for block in revision.blocks] == [
        ("Art. 13 alin. (2)", "modify"),
        ("Art. 16^1", "modify"),
    ]
    assert revision.blocks[0]["in_force"] == (
        "(2) Anunţul se publică cu cel puţin 30 de zile înainte de data-limită."
    )
    assert [attachment.name for attachment in revision.attachments.all()] == [
        "legea-350-extras.docx"
    ]

    rows = page.locator("table.comparative-table tbody tr")
    assert rows.count() == 2
    first = rows.nth(0)
    assert first.locator("td").nth(1).inner_text().startswith("Art. 13 alin. (2)")
    # Only the number changed: ţ/ț spelling differences are not marked.
    assert first.locator("td").nth(2).locator("del").all_inner_texts() == ["30"]
    assert first.locator("td").nth(3).locator("ins").all_inner_texts() == ["45"]
    assert rows.nth(1).locator("td").nth(1).inner_text().startswith("Art. 16¹")
