"""A form sent twice does its work once.

Every form whose sending creates something (a comment, a reply, a flag, an answer, a submission,
a registration) carries a token the page renders (`{% form_token %}`, a hidden field). The view
runs its domain command through `run_once`: in the command's transaction, the token is claimed by
inserting a `PostedForm` row (unique); the command runs; the row records its result. A second
request with the same token and the same content — a double click, a duplicated tab, a resend
after a timeout — cannot claim it: on PostgreSQL its insert waits until the first transaction
ends, then finds the row and returns the first result, and the view shows it as if the second
request had made it. The row keeps a fingerprint of the address and the fields sent: the same
token with other content (a form edited after Back, in a duplicated tab) is a new sending and is
done. A
command that fails rolls the claim back with everything else, so the same form can be corrected
and sent again. Not a time window: the token is the form's own identity.

A command with no effect outside its transaction (posting a comment: no file written, emails
sent after commit) can claim its token last (`claim_last=True`): the row, with its result, is
inserted at the end of the command's transaction, in one statement instead of a savepoint, an
insert and an update. A resend of a form already done is still answered with the first result
before anything is done again (one indexed read). Two sendings at the same moment both do the
command: the second's claim fails when the first is committed (on PostgreSQL it waits for the
first transaction to end), its whole transaction is rolled back, and it answers with the first
result as above (also when it was refused meanwhile, the stage closing between the two).

A request without a (well-formed) token runs the command as usual: old pages, API clients.
"""

import hashlib
import re
import secrets
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import sql
from core.errors import DomainError
from core.models import PostedForm
from core.sql import Insert

FIELD = "form_token"
_FORMAT = re.compile(r"^[0-9a-f]{32}$")


def fingerprint(request):
    """SHA-256 of the address and the fields (and file names and sizes) a form sent, the token
    and the CSRF token left out. Side effects: none."""
    digest = hashlib.sha256(request.path.encode("utf-8"))
    for name in sorted(request.POST):
        if name in (FIELD, "csrfmiddlewaretoken"):
            continue
        for value in request.POST.getlist(name):
            digest.update(b"\x1f" + name.encode("utf-8") + b"\x1e" + value.encode("utf-8"))
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            digest.update(f"\x1f{name}\x1e{upload.name}:{upload.size}".encode())
    return digest.hexdigest()


def new_token():
    """A token for one rendering of a form. Side effects: none."""
    return secrets.token_hex(16)


def token_of(request):
    """The well-formed token the request carries, or None. Side effects: none."""
    token = request.POST.get(FIELD, "") if request.method == "POST" else ""
    return token if _FORMAT.match(token) else None


def sent_before(request, kind):
    """The result of the first sending of this request's form, when it was already sent and
    done (committed); else None. For views that check the state of things before running the
    command (a proposal already submitted is refused): a resend is not a refusal but the first
    result. Side effects: none."""
    token = token_of(request)
    if token is None:
        return None
    user_id = request.user.pk if request.user.is_authenticated else None
    earlier = PostedForm.objects.filter(
        token=token, kind=kind, user_id=user_id, fingerprint=fingerprint(request)
    ).first()
    return earlier.result if earlier is not None else None


def _same_sending(earlier, kind, user, sent):
    """Whether the claim `earlier` is this form sent again by the same person with the same
    content. Not so for another person's token, another form's, or this form edited after Back
    or in a duplicated tab: a new sending, done as such."""
    owner = getattr(user, "pk", None)
    return earlier is not None and (earlier.kind, earlier.user_id, earlier.fingerprint) == (
        kind,
        owner,
        sent,
    )


def _result_of(result):
    """The claim's result columns for the object a command returned."""
    if result is None or getattr(result, "pk", None) is None:
        return {}
    return {"result_type": ContentType.objects.get_for_model(result), "result_id": str(result.pk)}


def run_once(request, kind, action, *, claim_last=False):
    """Run `action()` (one domain command, returning the object it made) unless this form was
    already sent. Returns (result, repeated): the command's result, or the first sending's
    with repeated=True. Exceptions of `action` propagate, with nothing claimed.

    With `claim_last`, only for commands with no effect outside the database transaction (see
    the module), the command claims the token itself, last in its own transaction: it is run
    as `action(claim)` and calls `claim(result)` before it commits (`claim` is None when there
    is nothing to claim). One transaction, no savepoint around the command.

    Side effects: those of `action`; one `PostedForm` row, in the same transaction."""
    token = token_of(request)
    if token is None:
        return (action(None) if claim_last else action()), False
    user = request.user if request.user.is_authenticated else None
    sent = fingerprint(request)
    if claim_last:
        return _run_then_claim(token, kind, user, sent, action)
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = PostedForm.objects.create(
                    token=token, kind=kind, user=user, fingerprint=sent
                )
        except IntegrityError:
            earlier = PostedForm.objects.filter(token=token).first()
            if not _same_sending(earlier, kind, user, sent):
                return action(), False
            return earlier.result, True
        result = action()
        found = _result_of(result)
        if found:
            claim.result_type, claim.result_id = found["result_type"], found["result_id"]
            claim.save(update_fields=["result_type", "result_id"])
    return result, False


def _claimed_sql():
    table, (token,) = sql.quoted(PostedForm, ["token"])
    return f"SELECT 1 FROM {table} WHERE {token} = %s"


def _claimed(token):
    """Whether `token` is claimed (committed): one indexed read, written once per process."""
    return sql.one("token_claimed", _claimed_sql, [token]) is not None


def _earlier_result(token, kind, user, sent):
    """(the first sending's result, True) when `token`'s claim is this sending's; else None."""
    earlier = PostedForm.objects.filter(token=token).first()
    if _same_sending(earlier, kind, user, sent):
        return earlier.result, True
    return None


def _run_then_claim(token, kind, user, sent, action):
    # A resend of a form already done (the usual double click, a retry after a timeout) is
    # answered with the first result before anything is done again: the command might refuse
    # it now (the stage closed meanwhile) although the first sending was published.
    if _claimed(token):
        return _earlier_result(token, kind, user, sent) or (action(None), False)
    claimed = []

    def claim(result):
        Insert.of(PostedForm).execute(
            PostedForm(token=token, kind=kind, user=user, fingerprint=sent, **_result_of(result))
        )
        claimed.append(result)

    try:
        result = action(claim)
    except IntegrityError:
        # Taken meanwhile by a sending committed while this one worked (on PostgreSQL the
        # claim waited for it): this one is rolled back whole. An integrity error that is not
        # the token's is the command's own: raised as it would be without a token, or the
        # command done again without a claim for a token that is not this sending's.
        if not _claimed(token):
            raise
        return _earlier_result(token, kind, user, sent) or (action(None), False)
    except DomainError:
        # Refused now, but perhaps done meanwhile by the same form sent at the same moment.
        found = _earlier_result(token, kind, user, sent) if _claimed(token) else None
        if found is None:
            raise
        return found
    if not claimed:
        raise RuntimeError(f"The command of {kind!r} did not claim the form's token.")
    return result, False


@shared_task(name="core.tasks.purge_form_tokens", ignore_result=True)
def purge_form_tokens():
    """Daily (Celery beat): forget old form tokens."""
    return purge()


def purge(now=None):
    """Forget the tokens of forms sent more than FORM_TOKEN_DAYS ago. Returns how many.
    Side effects: deletes those rows."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.FORM_TOKEN_DAYS)
    deleted, _rows = PostedForm.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def export_posted_forms(user):
    """A person's data: the forms they sent while their tokens are kept (kind and moment)."""
    return [
        {"kind": kind, "sent_at": sent_at.isoformat()}
        for kind, sent_at in PostedForm.objects.filter(user=user)
        .order_by("created_at")
        .values_list("kind", "created_at")
    ]


def erase_posted_forms(user):
    """Deleting an account forgets the forms it sent (their results stay, as public records)."""
    PostedForm.objects.filter(user=user).delete()
