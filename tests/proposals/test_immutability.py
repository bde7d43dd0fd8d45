"""Revisions are append-only at every layer: model, queryset, admin and (PostgreSQL) database."""

import pytest
from django.db import DatabaseError, connection, transaction

from core.models import AppendOnlyError
from proposals.models import Revision
from tests.helpers import first_version_message, save, text_block


def _row(revision):
    return (
        Revision.objects.filter(pk=revision.pk)
        .values("number", "title", "summary", "blocks", "content_hash", "message", "author_id")
        .get()
    )


@pytest.fixture
def revision(proposal, ngo_editor):
    key = proposal.current_revision.blocks[0]["key"]
    return save(ngo_editor, proposal, [text_block(key, "Textul versiunii doi.")], message="Doi")


@pytest.mark.django_db
def test_revision_save_existing_row_raises(revision):
    before = _row(revision)
    revision.title = "Schimbat pe ascuns"
    with pytest.raises(AppendOnlyError):
        revision.save()
    assert _row(revision) == before


@pytest.mark.django_db
def test_revision_save_with_update_fields_raises(revision):
    revision.message = "Alt mesaj"
    with pytest.raises(AppendOnlyError):
        revision.save(update_fields=["message"])
    assert Revision.objects.get(pk=revision.pk).message == "Doi"


@pytest.mark.django_db
def test_revision_delete_instance_raises(revision):
    with pytest.raises(AppendOnlyError):
        revision.delete()
    assert Revision.objects.filter(pk=revision.pk).exists()


@pytest.mark.django_db
def test_revision_queryset_update_raises(revision):
    before = _row(revision)
    with pytest.raises(AppendOnlyError):
        Revision.objects.filter(pk=revision.pk).update(title="Schimbat")
    assert _row(revision) == before


@pytest.mark.django_db
def test_revision_queryset_delete_raises(revision):
    with pytest.raises(AppendOnlyError):
        Revision.objects.filter(proposal=revision.proposal).delete()
    assert Revision.objects.filter(proposal=revision.proposal).count() == 2


@pytest.mark.django_db
def test_revision_related_manager_update_and_delete_raise(revision, proposal):
    with pytest.raises(AppendOnlyError):
        proposal.revisions.all().update(message="x")
    with pytest.raises(AppendOnlyError):
        proposal.revisions.all().delete()
    assert list(proposal.revisions.order_by("number").values_list("number", "message")) == [
        (1, first_version_message()),
        (2, "Doi"),
    ]


@pytest.mark.django_db
def test_revision_bulk_update_raises(revision):
    revision.title = "Schimbat"
    with pytest.raises(AppendOnlyError):
        Revision.objects.bulk_update([revision], ["title"])
    assert Revision.objects.get(pk=revision.pk).title == "Finanțare multianuală pentru ONG-uri"


@pytest.mark.django_db
def test_revision_admin_change_page_is_read_only(client, superuser, revision):
    client.force_login(superuser)
    url = f"/admin/proposals/revision/{revision.pk}/change/"
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="_save"' not in html
    assert "Textul versiunii doi." in html  # shown as read-only content


@pytest.mark.django_db
def test_revision_admin_post_to_change_page_changes_nothing(client, superuser, revision):
    client.force_login(superuser)
    before = _row(revision)
    response = client.post(
        f"/admin/proposals/revision/{revision.pk}/change/",
        {"title": "Schimbat din admin", "message": "x", "_save": "Save"},
    )
    assert response.status_code == 403
    assert _row(revision) == before


@pytest.mark.django_db
def test_revision_admin_add_and_delete_forbidden(client, superuser, revision):
    client.force_login(superuser)
    assert client.get("/admin/proposals/revision/add/").status_code == 403
    assert client.get(f"/admin/proposals/revision/{revision.pk}/delete/").status_code == 403
    response = client.post(f"/admin/proposals/revision/{revision.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    # The bulk "delete selected" action is not offered: posting it anyway deletes nothing.
    response = client.post(
        "/admin/proposals/revision/",
        {"action": "delete_selected", "_selected_action": [revision.pk], "post": "yes"},
    )
    assert response.status_code == 200  # the list again, not the confirmation page
    assert Revision.objects.filter(pk=revision.pk).exists()
    assert Revision.objects.count() == 2


@pytest.mark.django_db
def test_revision_admin_list_shows_revisions_to_superuser(client, superuser, revision):
    client.force_login(superuser)
    response = client.get("/admin/proposals/revision/")
    assert response.status_code == 200
    assert revision.content_hash in response.content.decode()


@pytest.mark.django_db
def test_revision_raw_sql_update_refused_by_postgresql(revision):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    before = _row(revision)
    # The trigger raises; Django reports it as InternalError, a kind of DatabaseError.
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE proposals_revision SET title = %s WHERE id = %s", ["Schimbat", revision.pk]
        )
    assert _row(revision) == before


@pytest.mark.django_db
def test_revision_raw_sql_delete_refused_by_postgresql(revision):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    before = _row(revision)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM proposals_revision WHERE id = %s", [revision.pk])
    assert _row(revision) == before
