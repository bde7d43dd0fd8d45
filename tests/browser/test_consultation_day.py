"""A consultation seen through a browser: a citizen comments on a paragraph and replies; the
organisation answers every comment and publishes the synthesis."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consultations import domain
from consultations.models import Disposition, Stage, StageComment, Synthesis
from proposals import content
from proposals import domain as proposals_domain
from tests.browser.test_proposal_versions import sign_in
from tests.factories import (
    AuthorityFactory,
    MembershipFactory,
    OrganizationFactory,
    ProposalFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PARAGRAPHS = [
    "Finanțările nerambursabile se acordă prin selecție publică de proiecte.",
    "Autoritatea publică informează solicitanții în termen de 30 de zile.",
]


def _open_stage():
    ngo = OrganizationFactory(name="Asociația Vrancea Civică", slug="vrancea-civica")
    editor = MembershipFactory(organization=ngo, role="editor", user__display_name="Ana").user
    proposal = ProposalFactory(
        editor=editor,
        organization=ngo,
        title="Modificarea Legii nr. 350/2005",
        slug="legea-350",
        target_authority=AuthorityFactory(),
    )
    revision = proposal.current_revision
    proposals_domain.save_revision(
        editor,
        proposal,
        base_number=revision.number,
        title=revision.title,
        summary="",
        blocks=[{"key": content.new_block_key(), "type": "text", "text": t} for t in PARAGRAPHS],
        message="Textul propus",
    )
    proposal.refresh_from_db()
    proposals_domain.publish_proposal(editor, proposal)
    consultation = domain.create_consultation(editor, proposal, title="Consultare Legea 350")
    now = timezone.now()
    stage = domain.add_stage(
        editor,
        consultation,
        kind="written",
        title="Recomandări scrise",
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=10),
        revision=proposal.current_revision,
        now=now,
    )
    return editor, stage


def _english(page, live_server):
    page.context.add_cookies([{"name": "consult_language", "value": "en", "url": live_server.url}])


def test_citizen_comments_and_replies_then_the_ngo_answers_and_publishes(page, live_server):
    editor, stage = _open_stage()
    other = UserFactory(display_name="Maria Enache")
    earlier = domain.post_comment(
        other, stage, text="Termenul de 30 de zile este prea lung.", stance="oppose"
    )
    citizen = UserFactory(display_name="Ion Vasile")
    stage_url = "/proposals/legea-350/consultation/stages/1/"
    second_key = stage.revision.blocks[1]["key"]

    # The citizen comments on the second paragraph, quoting it.
    _english(page, live_server)
    sign_in(page, citizen.email)
    page.goto(stage_url)
    page.get_by_role("link", name="Comment on this paragraph (paragraph 2)").click()
    assert page.locator("#id_block").input_value() == second_key
    page.fill("#id_quote", "în termen de 30 de zile")
    page.locator("label[for=id_stance_0]").click()
    page.fill("#id_text", "Propun un termen de 15 zile lucrătoare.")
    page.get_by_role("button", name="Publish the comment").click()
    mine = StageComment.objects.get(user=citizen)
    page.wait_for_selector(f"#comment-{mine.pk}")
    assert (
        "Propun un termen de 15 zile lucrătoare."
        in page.locator(f"#comment-{mine.pk}").inner_text()
    )
    assert (mine.block_key, mine.quote, mine.stance, mine.level) == (
        second_key,
        "în termen de 30 de zile",
        "support",
        0,
    )

    # …and replies to the other comment.
    page.goto(f"/comments/{earlier.pk}/reply/")
    page.fill("textarea", "Sunt de acord: 30 de zile înseamnă o lună pierdută.")
    page.get_by_role("button", name="Publish the reply").click()
    reply = StageComment.objects.get(user=citizen, level=1)
    page.wait_for_selector(f"#comment-{reply.pk}")
    assert (reply.parent_id, reply.thread_id) == (earlier.pk, earlier.pk)
    page.context.clear_cookies()

    # Ten days later the stage has closed.
    past = timezone.now() - timedelta(days=11)
    Stage.objects.filter(pk=stage.pk).update(
        opens_at=past, closes_at=timezone.now() - timedelta(minutes=1)
    )

    # The organisation answers both top-level comments and publishes the synthesis.
    _english(page, live_server)
    sign_in(page, editor.email)
    answers_url = f"{stage_url}answers/"
    for comment, outcome, reason in [
        (earlier, "accepted", "Reducem termenul."),
        (mine, "partially", "Termenul devine de 20 de zile."),
    ]:
        page.goto(answers_url)
        page.locator(f"a[href^='/comments/{comment.pk}/answer/']").click()
        page.locator(f"input[name=outcome][value={outcome}]").check()
        page.fill("textarea[name=reason]", reason)
        page.get_by_role("button", name="Save the answer").click()
        page.wait_for_url(f"**{answers_url}**")
    assert page.locator("progress").get_attribute("value") == "2"

    page.goto(f"{stage_url}publish-synthesis/")
    page.get_by_role("button", name="Publish the synthesis").click()
    page.wait_for_url(f"**{stage_url}synthesis/")
    assert "Termenul devine de 20 de zile." in page.content()

    synthesis = Synthesis.objects.get(stage=stage)
    assert synthesis.counts == {
        "total": 2,
        "stance": {"oppose": 1, "support": 1},
        "outcome": {"accepted": 1, "partially": 1},
    }
    assert dict(Disposition.objects.values_list("comment_id", "outcome")) == {
        earlier.pk: "accepted",
        mine.pk: "partially",
    }
