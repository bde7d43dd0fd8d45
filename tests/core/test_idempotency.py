"""Form tokens (core.idempotency): well-formed tokens only, and forgotten after FORM_TOKEN_DAYS."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from core import idempotency
from core.models import PostedForm


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"),
        ("0123456789ABCDEF0123456789ABCDEF", None),  # not as we make them
        ("0123", None),
        ("0123456789abcdef0123456789abcdef\x00", None),
        ("", None),
    ],
)
def test_only_tokens_as_we_make_them_are_read(value, expected):
    request = RequestFactory().post("/", {"form_token": value})
    assert idempotency.token_of(request) == expected
    assert idempotency.token_of(RequestFactory().get("/", {"form_token": value})) is None


def test_a_new_token_is_well_formed_and_never_repeats():
    tokens = {idempotency.new_token() for _n in range(1000)}
    assert len(tokens) == 1000
    assert all(idempotency.token_of(RequestFactory().post("/", {"form_token": t})) for t in tokens)


@pytest.mark.django_db
def test_tokens_are_forgotten_after_the_configured_days(settings):
    settings.FORM_TOKEN_DAYS = 7
    now = timezone.now()
    old = PostedForm.objects.create(token="a" * 32, kind="comment")
    recent = PostedForm.objects.create(token="b" * 32, kind="comment")
    PostedForm.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=7, seconds=1))
    PostedForm.objects.filter(pk=recent.pk).update(created_at=now - timedelta(days=6))
    assert idempotency.purge(now=now) == 1
    assert list(PostedForm.objects.values_list("token", flat=True)) == ["b" * 32]


@pytest.mark.django_db
def test_a_deleted_account_forgets_the_forms_it_sent(user):
    from accounts import domain

    PostedForm.objects.create(token="c" * 32, kind="comment", user=user, fingerprint="f")
    assert idempotency.export_posted_forms(user)[0]["kind"] == "comment"
    domain.delete_account(user)
    assert not PostedForm.objects.exists()
