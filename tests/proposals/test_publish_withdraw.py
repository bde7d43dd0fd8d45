"""Publishing and withdrawing a proposal."""

import pytest
from django.utils import timezone

from core.errors import DomainError
from core.models import ActivityLog
from proposals import domain
from proposals.models import Proposal
from tests.helpers import messages_of, save, text_block

DETAIL = "/proposals/finantare-multianuala/"
PUBLISH = DETAIL + "publish/"
WITHDRAW = DETAIL + "withdraw/"


def _log(verb):
    return list(
        ActivityLog.objects.filter(verb=verb)
        .order_by("id")
        .values_list("actor_id", "old_value", "new_value", "data")
    )


@pytest.fixture
def editor_client(en_client, ngo_editor):
    en_client.force_login(ngo_editor)
    return en_client


@pytest.mark.django_db
def test_publish_draft_logs_and_sets_published_at(editor_client, proposal, ngo_editor):
    before = timezone.now()
    response = editor_client.post(PUBLISH)
    assert response.status_code == 302
    assert response["Location"] == DETAIL
    assert messages_of(response) == ["The proposal is now public."]
    stored = Proposal.objects.get(pk=proposal.pk)
    assert stored.status == "published"
    assert before <= stored.published_at <= timezone.now()
    assert _log("proposal.published") == [(ngo_editor.pk, "draft", "published", {})]
    entry = ActivityLog.objects.get(verb="proposal.published")
    assert entry.target == proposal


@pytest.mark.django_db
def test_publish_twice_refused_with_message_and_one_log_row(editor_client, proposal):
    editor_client.post(PUBLISH)
    published_at = Proposal.objects.get(pk=proposal.pk).published_at
    response = editor_client.post(PUBLISH, follow=True)
    assert response.redirect_chain == [(DETAIL, 302)]
    assert "A proposal that is published cannot become published." in response.content.decode()
    assert len(_log("proposal.published")) == 1
    assert Proposal.objects.get(pk=proposal.pk).published_at == published_at


@pytest.mark.django_db
def test_publish_by_admin_allowed(en_client, proposal, ngo_admin):
    en_client.force_login(ngo_admin)
    en_client.post(PUBLISH)
    assert Proposal.objects.get(pk=proposal.pk).status == "published"
    assert _log("proposal.published") == [(ngo_admin.pk, "draft", "published", {})]


@pytest.mark.django_db
def test_publish_makes_every_revision_public(client, proposal, ngo_editor):
    save(ngo_editor, proposal, [text_block(proposal.current_revision.blocks[0]["key"], "Doi.")])
    assert client.get(DETAIL + "v/1/").status_code == 404
    domain.publish_proposal(ngo_editor, proposal)
    assert client.get(DETAIL + "v/1/").status_code == 200
    assert client.get(DETAIL + "v/2/").status_code == 200


@pytest.mark.django_db
def test_withdraw_without_reason_form_error(editor_client, proposal, ngo_editor):
    domain.publish_proposal(ngo_editor, proposal)
    for reason in ("", "   \n  "):
        response = editor_client.post(WITHDRAW, {"reason": reason})
        assert response.status_code == 200
        assert list(response.context["form"].errors["reason"]) == ["This field is required."]
    assert Proposal.objects.get(pk=proposal.pk).status == "published"
    assert _log("proposal.withdrawn") == []


@pytest.mark.django_db
def test_withdraw_with_reason_logs_and_shows_reason(editor_client, proposal, ngo_editor):
    domain.publish_proposal(ngo_editor, proposal)
    response = editor_client.post(WITHDRAW, {"reason": "Legea a fost modificată între timp.  "})
    assert response.status_code == 302
    assert response["Location"] == DETAIL
    assert messages_of(response) == ["The proposal was withdrawn. It stays readable."]
    stored = Proposal.objects.get(pk=proposal.pk)
    assert (stored.status, stored.withdrawal_reason) == (
        "withdrawn",
        "Legea a fost modificată între timp.",
    )
    assert stored.withdrawn_at is not None
    assert _log("proposal.withdrawn") == [
        (
            ngo_editor.pk,
            "published",
            "withdrawn",
            {"withdrawal_reason": "Legea a fost modificată între timp."},
        )
    ]
    editor_client.logout()  # also forgets the cookies: choose English again
    editor_client.cookies["consult_language"] = "en"
    html = editor_client.get(DETAIL).content.decode()
    assert '<span class="badge badge-status-withdrawn">Withdrawn</span>' in html
    assert "Reason: Legea a fost modificată între timp." in html


@pytest.mark.django_db
def test_withdraw_reason_is_escaped_on_page(editor_client, client, proposal, ngo_editor):
    domain.publish_proposal(ngo_editor, proposal)
    domain.withdraw_proposal(ngo_editor, proposal, "<script>alert(1)</script>")
    html = client.get(DETAIL).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.django_db
def test_withdraw_draft_refused(editor_client, proposal):
    response = editor_client.post(WITHDRAW, {"reason": "Nu mai vrem."})
    assert response.status_code == 200
    assert list(response.context["form"].non_field_errors()) == [
        "A proposal that is draft cannot become withdrawn."
    ]
    assert Proposal.objects.get(pk=proposal.pk).status == "draft"
    assert _log("proposal.withdrawn") == []


@pytest.mark.django_db
def test_withdraw_twice_refused(editor_client, proposal, ngo_editor):
    domain.publish_proposal(ngo_editor, proposal)
    domain.withdraw_proposal(ngo_editor, proposal, "Primul motiv.")
    response = editor_client.post(WITHDRAW, {"reason": "Al doilea motiv."})
    assert response.status_code == 200
    assert list(response.context["form"].non_field_errors()) == [
        "A proposal that is withdrawn cannot become withdrawn."
    ]
    assert Proposal.objects.get(pk=proposal.pk).withdrawal_reason == "Primul motiv."
    assert len(_log("proposal.withdrawn")) == 1


@pytest.mark.django_db
def test_withdrawn_cannot_be_published(editor_client, proposal, ngo_editor):
    domain.publish_proposal(ngo_editor, proposal)
    domain.withdraw_proposal(ngo_editor, proposal, "Motiv.")
    response = editor_client.post(PUBLISH, follow=True)
    assert "A proposal that is withdrawn cannot become published." in response.content.decode()
    assert Proposal.objects.get(pk=proposal.pk).status == "withdrawn"
    assert len(_log("proposal.published")) == 1


@pytest.mark.django_db
def test_withdrawn_cannot_be_edited(editor_client, proposal, ngo_editor):
    key = proposal.current_revision.blocks[0]["key"]
    domain.publish_proposal(ngo_editor, proposal)
    domain.withdraw_proposal(ngo_editor, proposal, "Motiv.")
    data = {
        "base": "1",
        "block_count": "1",
        "title": "T",
        "blocks-0-key": key,
        "blocks-0-type": "text",
        "blocks-0-text": "Text nou.",
    }
    assert editor_client.get(DETAIL + "edit/").status_code == 403
    assert editor_client.post(DETAIL + "edit/", data).status_code == 403
    assert editor_client.post(DETAIL + "v/1/restore/").status_code == 403
    assert list(proposal.revisions.values_list("number", flat=True)) == [1]


@pytest.mark.django_db
def test_withdraw_domain_without_reason_refused(proposal, ngo_editor):
    domain.publish_proposal(ngo_editor, proposal)
    with pytest.raises(DomainError):
        domain.withdraw_proposal(ngo_editor, proposal, " \n ")
    assert Proposal.objects.get(pk=proposal.pk).status == "published"


@pytest.mark.django_db
def test_activity_page_lists_state_changes(en_client, proposal, ngo_editor):
    domain.publish_proposal(ngo_editor, proposal)
    domain.withdraw_proposal(ngo_editor, proposal, "Motiv.")
    response = en_client.get(DETAIL + "activity/")
    assert response.status_code == 200
    entries = [entry.verb for entry, _member in response.context["entries"]]
    assert entries == [
        "proposal.withdrawn",
        "proposal.published",
        "revision.created",
        "proposal.created",
    ]
    html = response.content.decode()
    assert "Published → Withdrawn" in html
    assert "Draft → Published" in html
