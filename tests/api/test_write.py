"""The registrar endpoints: token only, scoped to the token's authority, the domain's rules."""

import json
from datetime import timedelta

import pytest
from django.test import Client

from api import tokens
from api.models import ApiToken
from core.models import ActivityLog
from registrations import domain as registration
from registrations.models import Submission
from tests.api.conftest import API, bearer
from tests.factories import AuthorityFactory, MembershipFactory

SUBMISSIONS = f"{API}authority/submissions/"


def post(api, path, data, secret):
    return api.post(path, data=json.dumps(data), content_type="application/json", **bearer(secret))


def verbs(submission):
    return list(
        ActivityLog.objects.for_scope(submission)
        .filter(target_id=submission.pk)
        .order_by("pk")
        .values_list("verb", "actor__email")
    )


@pytest.fixture
def secret(token_pair):
    return token_pair[1]


# --- Who may call --------------------------------------------------------------------------------


def test_no_token_is_401_with_a_challenge(api, sent):
    for response in (
        api.get(SUBMISSIONS),
        api.get(f"{SUBMISSIONS}{sent.tracking_code}/"),
        api.post(f"{SUBMISSIONS}{sent.tracking_code}/register/", {}, "application/json"),
        api.post(f"{SUBMISSIONS}{sent.tracking_code}/answer/", {}, "application/json"),
    ):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Token realm="api"'
        assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_a_signed_in_session_is_not_a_token(registrar, sent):
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(registrar)
    assert browser.get(SUBMISSIONS).status_code == 401
    response = browser.post(
        f"{SUBMISSIONS}{sent.tracking_code}/register/",
        {"number": "1", "date": sent.local_today().isoformat()},
        "application/json",
    )
    assert response.status_code == 401
    sent.refresh_from_db()
    assert sent.status == "submitted"


@pytest.mark.parametrize(
    "header",
    ["Token nope", "Bearer " + "x" * 43, "Token a b", "Token " + "x" * 300],
)
def test_unknown_or_malformed_tokens_are_401(api, sent, header):
    response = api.get(SUBMISSIONS, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert "detail" in response.json()


def test_registrar_lists_and_reads_their_authoritys_submissions(api, sent, secret, token_pair):
    response = api.get(SUBMISSIONS, **bearer(secret))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["tracking_code"] == sent.tracking_code
    assert row["status"] == "submitted"
    assert row["authority"] == "primaria-municipiului-focsani"
    assert row["channel"] == "platform"
    assert row["content_hash"] == sent.content_hash
    assert row["registration_number"] == "" and row["deadline"] is None
    assert row["overdue"] is False and row["days_left"] is None
    assert row["register_url"].endswith(f"{SUBMISSIONS}{sent.tracking_code}/register/")
    assert api.get(row["url"], **bearer(secret)).json() == row
    # Typed loosely (lower case, no dashes), the code still finds it.
    loose = sent.tracking_code.replace("-", "").lower()
    assert api.get(f"{SUBMISSIONS}{loose}/", **bearer(secret)).status_code == 200
    token = ApiToken.objects.get(pk=token_pair[0].pk)
    assert token.last_used_at is not None


def test_filters(api, sent, secret):
    def codes(**params):
        response = api.get(SUBMISSIONS, params, **bearer(secret))
        assert response.status_code == 200, response.json()
        return [row["tracking_code"] for row in response.json()["results"]]

    year = sent.submitted_at.year
    assert codes(status="submitted") == [sent.tracking_code]
    assert codes(status="registered") == []
    assert codes(overdue="true") == []
    assert codes(overdue="false") == [sent.tracking_code]
    assert codes(year=year) == [sent.tracking_code]
    assert codes(year=year - 1) == []
    bad = api.get(SUBMISSIONS, {"status": "lost", "year": "soon"}, **bearer(secret))
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"status", "year"}


def test_overdue_flag_and_filter(api, sent, registrar, secret):
    today = sent.local_today()
    registration.register_submission(registrar, sent, number="7", registration_date=today)
    Submission.objects.filter(pk=sent.pk).update(deadline=today - timedelta(days=1))
    response = api.get(SUBMISSIONS, {"overdue": "true"}, **bearer(secret))
    [row] = response.json()["results"]
    assert row["overdue"] is True and row["days_left"] == -1


def test_registrar_of_another_authority_gets_404(api, sent):
    other = AuthorityFactory()
    other_registrar = MembershipFactory(organization=other, role="registrar").user
    _token, other_secret = tokens.create_token(other_registrar, other, "Alt sistem")
    assert api.get(SUBMISSIONS, **bearer(other_secret)).json()["count"] == 0
    code = sent.tracking_code
    assert api.get(f"{SUBMISSIONS}{code}/", **bearer(other_secret)).status_code == 404
    today = sent.local_today().isoformat()
    response = post(
        api, f"{SUBMISSIONS}{code}/register/", {"number": "1", "date": today}, other_secret
    )
    assert response.status_code == 404
    assert response.json() == {
        "detail": "Your authority's register has no submission with this code."
    }
    sent.refresh_from_db()
    assert sent.status == "submitted"


def test_unknown_code_is_404(api, sent, secret):
    for code in ("CNS-0000-0000", "nonsense", "x" * 500):
        assert api.get(f"{SUBMISSIONS}{code}/", **bearer(secret)).status_code == 404


def test_unverified_authority_is_refused(api, sent, secret, verified_authority):
    verified_authority.verified_at = None
    verified_authority.save(update_fields=["verified_at"])
    response = api.get(SUBMISSIONS, **bearer(secret))
    assert response.status_code == 403
    assert response.json() == {
        "detail": "The authority of this token is no longer verified on the platform."
    }


def test_user_who_lost_the_role_is_refused(api, sent, secret, registrar):
    membership = registrar.memberships.get()
    membership.role = "editor"
    membership.save(update_fields=["role"])
    response = api.get(SUBMISSIONS, **bearer(secret))
    assert response.status_code == 403
    assert "no longer a registrar or admin" in response.json()["detail"]
    membership.delete()
    assert api.get(SUBMISSIONS, **bearer(secret)).status_code == 403


def test_inactive_user_is_401(api, sent, secret, registrar):
    registrar.is_active = False
    registrar.save(update_fields=["is_active"])
    assert api.get(SUBMISSIONS, **bearer(secret)).status_code == 401


# --- Register and answer -------------------------------------------------------------------------


def test_register_through_the_api(api, sent, secret, registrar):
    today = sent.local_today()
    response = post(
        api,
        f"{SUBMISSIONS}{sent.tracking_code}/register/",
        {"number": " 1024 ", "date": today.isoformat()},
        secret,
    )
    assert response.status_code == 200, response.json()
    sent.refresh_from_db()
    assert sent.status == "registered"
    assert sent.registration_number == "1024"
    assert sent.registration_date == today
    assert sent.registration_year == today.year
    assert sent.registration_source == "authority"
    assert sent.registered_by == registrar
    assert sent.deadline is not None and sent.deadline == sent.original_deadline
    sent.proposal.refresh_from_db()
    assert sent.proposal.status == "registered"
    body = response.json()
    assert body["status"] == "registered"
    assert body["registration_number"] == "1024"
    assert body["registration_date"] == today.isoformat()
    assert body["deadline"] == sent.deadline.isoformat()
    assert verbs(sent) == [
        ("submission.submitted", sent.submitted_by.email),
        ("submission.registered", registrar.email),
    ]
    log = ActivityLog.objects.get(verb="submission.registered")
    assert log.data == {"number": "1024", "date": today.isoformat()}
    assert ActivityLog.objects.filter(
        verb="proposal.registered", actor=registrar, target_id=sent.proposal_id
    ).exists()

    again = post(
        api,
        f"{SUBMISSIONS}{sent.tracking_code}/register/",
        {"number": "1025", "date": today.isoformat()},
        secret,
    )
    assert again.status_code == 409
    assert "already registered under number 1024" in again.json()["detail"]


def test_duplicate_registration_number_is_400_with_the_message(
    api, sent, secret, registrar, verified_authority
):
    today = sent.local_today()
    registration.log_external_submission(
        registrar,
        verified_authority,
        sender_name="Ion Popescu",
        title="Petiție",
        channel="post",
        received_on=today,
        registration_number="1024",
        registration_date=today,
    )
    response = post(
        api,
        f"{SUBMISSIONS}{sent.tracking_code}/register/",
        {"number": "1024", "date": today.isoformat()},
        secret,
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"Registration number 1024 is already used in {today.year} in this "
        "authority's register; check the number."
    }
    sent.refresh_from_db()
    assert sent.status == "submitted"
    assert ActivityLog.objects.filter(verb="submission.registered").count() == 0


def test_register_with_bad_input_is_400(api, sent, secret):
    url = f"{SUBMISSIONS}{sent.tracking_code}/register/"
    future = (sent.local_today() + timedelta(days=2)).isoformat()
    response = post(api, url, {"number": "5", "date": future}, secret)
    assert response.status_code == 400
    assert response.json() == {"detail": "The registration date cannot be in the future."}
    missing = post(api, url, {"date": "31-12-2025"}, secret)
    assert missing.status_code == 400
    assert missing.json()["detail"] == "Some fields of the request body are not valid."
    assert set(missing.json()["errors"]) == {"number", "date"}
    malformed = api.post(url, data="{not json", content_type="application/json", **bearer(secret))
    assert malformed.status_code == 400
    assert malformed.json()["detail"].startswith("The request body is not valid JSON: ")
    sent.refresh_from_db()
    assert sent.status == "submitted"


def test_oversized_body_is_413(api, sent, secret, settings):
    settings.API_MAX_BODY_BYTES = 1024
    response = post(
        api,
        f"{SUBMISSIONS}{sent.tracking_code}/answer/",
        {"status": "accepted", "text": "x" * 2000},
        secret,
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is larger than 1 kB."}


def test_answer_before_registration_is_409(api, sent, secret):
    response = post(
        api,
        f"{SUBMISSIONS}{sent.tracking_code}/answer/",
        {"status": "accepted", "text": "Acceptăm."},
        secret,
    )
    assert response.status_code == 409
    assert response.json() == {"detail": "Register the proposal before recording the answer."}
    sent.refresh_from_db()
    assert sent.status == "submitted" and sent.answer_status == ""


def test_answer_through_the_api(api, sent, secret, registrar):
    today = sent.local_today()
    registration.register_submission(registrar, sent, number="12", registration_date=today)
    response = post(
        api,
        f"{SUBMISSIONS}{sent.tracking_code}/answer/",
        {"status": "partially_accepted", "text": "Preluăm primul articol."},
        secret,
    )
    assert response.status_code == 200, response.json()
    sent.refresh_from_db()
    assert sent.status == "answered"
    assert sent.answer_status == "partially_accepted"
    assert sent.answer_text == "Preluăm primul articol."
    assert sent.answered_on == today
    assert sent.answered_by == registrar
    sent.proposal.refresh_from_db()
    assert sent.proposal.status == "answered"
    assert response.json()["answer_status"] == "partially_accepted"
    assert verbs(sent)[-1] == ("submission.answered", registrar.email)
    log = ActivityLog.objects.get(verb="submission.answered")
    assert (log.old_value, log.new_value) == ("registered", "partially_accepted")

    again = post(
        api,
        f"{SUBMISSIONS}{sent.tracking_code}/answer/",
        {"status": "rejected", "text": "Nu."},
        secret,
    )
    assert again.status_code == 409
    bad = post(
        api, f"{SUBMISSIONS}{sent.tracking_code}/answer/", {"status": "maybe", "text": ""}, secret
    )
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"status", "text"}


def test_token_rate_limit_is_429_with_retry_after(api, sent, secret, settings):
    settings.API_TOKEN_RATE = "2/min"
    assert api.get(SUBMISSIONS, **bearer(secret)).status_code == 200
    assert api.get(SUBMISSIONS, **bearer(secret)).status_code == 200
    response = api.get(SUBMISSIONS, **bearer(secret))
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "detail" in response.json()
    # Counted per token: the anonymous reads are not affected.
    assert api.get(f"{API}proposals/").status_code == 200


# --- The public register -------------------------------------------------------------------------


def test_public_register_lists_platform_submissions_only(api, sent, registrar, verified_authority):
    today = sent.local_today()
    registration.log_external_submission(
        registrar,
        verified_authority,
        sender_name="Ion Popescu",
        title="Scrisoare privată",
        channel="post",
        received_on=today,
        registration_number="9",
        registration_date=today,
    )
    response = api.get(f"{API}register/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    [row] = body["results"]
    assert row["tracking_code"] == sent.tracking_code
    assert row["sender_name"] == "Asociația Vrancea Civică"
    assert row["proposal_url"].endswith(f"{API}proposals/finantare-multianuala/")
    assert "cover_letter" not in row and "answer_text" not in row
    assert "Scrisoare privată" not in response.content.decode()
    by_authority = api.get(f"{API}register/", {"authority": "primaria-municipiului-focsani"})
    assert by_authority.json()["count"] == 1
    assert api.get(f"{API}register/", {"authority": "alta"}).json()["count"] == 0
    assert api.get(f"{API}register/", {"status": "answered"}).json()["count"] == 0
    assert api.get(f"{API}register/", {"year": "x"}).status_code == 400
