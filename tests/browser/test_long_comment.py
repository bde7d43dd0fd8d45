"""With JavaScript, a comment over the limit is flagged while it is typed and is not sent; the
text stays in the box (the server would refuse it too, keeping the text)."""

import pytest
from django.conf import settings

from consultations.models import StageComment
from tests.browser.test_consultation_day import _english, _open_stage
from tests.browser.test_proposal_versions import sign_in
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_form_warns_before_sending_a_comment_over_the_limit(page, live_server):
    _editor, stage = _open_stage()
    citizen = UserFactory(display_name="Ion Vasile")
    _english(page, live_server)
    sign_in(page, citizen.email)
    page.goto("/proposals/legea-350/consultation/stages/1/")
    limit = settings.CONSULTATION_COMMENT_MAX_LENGTH
    assert page.locator("#id_text-count").inner_text() == f"0 of {limit} characters."
    page.locator("label[for=id_stance_2]").click()
    long_text = "ș" * (limit + 1)
    page.fill("#id_text", long_text)
    warning = page.locator("#id_text-count")
    assert warning.inner_text() == (
        f"Your text is {limit + 1} characters long; the limit is {limit}. "
        "Shorten it before sending."
    )
    page.get_by_role("button", name="Publish the comment").click()
    assert page.url.endswith("/proposals/legea-350/consultation/stages/1/")
    assert page.locator("#id_text").input_value() == long_text
    assert not StageComment.objects.exists()
    page.fill("#id_text", "ș" * limit)
    assert warning.inner_text() == f"{limit} of {limit} characters."
    page.get_by_role("button", name="Publish the comment").click()
    page.wait_for_url("**/consultation/stages/1/#comment-*")
    assert StageComment.objects.get().comment == "ș" * limit
