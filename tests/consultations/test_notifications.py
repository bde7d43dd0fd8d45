"""Emails about consultations: who receives them, in which language, with which links.

Domain functions queue a task after their transaction commits (Celery runs eagerly in tests and
the locmem backend keeps the outbox), so every action here runs inside
`django_capture_on_commit_callbacks(execute=True)`, as a committed request would.

Subjects are checked exactly for English recipients (English is the source language). For
Romanian and Bulgarian recipients the tests check that the subject is the catalogue's
translation, not the English text: those assertions need the ro/bg catalogues to translate the
email strings; until they do, the tests marked `needs_translation` are expected failures (they
turn into real checks, strict, as soon as the compiled catalogue has the string).
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts import domain as accounts_domain
from consultations import domain, notifications
from consultations.models import ReplyOptOut
from proposals import domain as proposals_domain
from tests.consultations.conftest import T0, add_written_stage, during
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.helpers import add_coauthor

SITE = "http://127.0.0.1:8000"
PROPOSAL = "Modificarea Legii nr. 350/2005"
REPLY_SUBJECT = "%(author)s replied to your comment on “%(title)s”"
OPENED_SUBJECT = "Open for comments: “%(stage)s” — %(title)s"


def translated(msgid, language):
    with translation.override(language):
        return translation.gettext(msgid) != msgid


def needs_translation(msgid, language):
    """Expected to fail until the compiled `language` catalogue translates `msgid`; from then
    on a real check (strict: a pass while marked would fail)."""
    return pytest.mark.xfail(
        not translated(msgid, language),
        reason=f"the {language} catalogue does not translate {msgid!r} yet",
        strict=True,
    )


def subject_in(language, msgid, **values):
    with translation.override(language):
        return translation.gettext(msgid) % values


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block as a request would: its emails leave when it commits."""
    mail.outbox.clear()

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


def outbox():
    return sorted(mail.outbox, key=lambda message: message.to)


def unsubscribe_payload(message):
    """The unsubscribe link of an email (checked against its header) and its token's payload."""
    links = re.findall(rf"{re.escape(SITE)}/unsubscribe/([^/\s]+)/", message.body)
    assert len(links) == 1, message.body
    url = f"{SITE}/unsubscribe/{links[0]}/"
    assert message.extra_headers["List-Unsubscribe"] == f"<{url}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    return notifications.read_unsubscribe_token(links[0])


def reply(user, stage, parent, text="Nu sunt de acord.", **kwargs):
    return domain.post_comment(
        user, stage, text=text, parent_id=parent.pk, now=during(stage, 2), **kwargs
    )


# --- Replies -----------------------------------------------------------------------------------


def test_reply_emails_the_parents_author_only(committed, stage, thread, author, replier):
    # Other people following the consultation get nothing about a reply.
    for follower in (UserFactory(language="en"), UserFactory(language="en")):
        domain.follow(follower, stage.consultation)
    answer = committed(reply, replier, stage, thread, text="Treizeci de zile ajung <b>ok</b>.")
    assert [message.to for message in mail.outbox] == [[author.email]]
    message = mail.outbox[0]
    assert message.subject == f"Maria Enache replied to your comment on “{PROPOSAL}”"
    assert "Hello Ion Vasile," in message.body
    # Plain text: the reply as typed, not escaped.
    assert "Treizeci de zile ajung <b>ok</b>." in message.body
    assert f"{SITE}/comments/{answer.pk}/" in message.body
    assert unsubscribe_payload(message) == {"u": author.pk, "k": "replies", "c": None}


def test_a_replys_email_is_built_with_one_query(stage, thread, author, replier):
    # The worker builds one for every reply: the reply, the comment it answers, their authors,
    # the stage, its proposal and organisation, and the recipient's opt-out, read together.
    answer = reply(replier, stage, thread, text="Treizeci de zile ajung.")
    with CaptureQueriesContext(connection) as queries:
        emails = notifications.emails("reply", answer.pk)
    assert len(queries) == 1
    assert [email.recipient for email in emails] == [author.email]
    ReplyOptOut.objects.create(user=author)
    with CaptureQueriesContext(connection) as queries:
        assert notifications.emails("reply", answer.pk) == []
    assert len(queries) == 1


def test_reply_to_a_reply_emails_only_its_direct_parent(committed, stage, thread, replier):
    first = reply(replier, stage, thread)
    third_person = UserFactory(display_name="Dan Pop", language="en")
    committed(reply, third_person, stage, first, text="Ba da.")
    assert [message.to for message in mail.outbox] == [[replier.email]]
    assert mail.outbox[0].subject == f"Dan Pop replied to your comment on “{PROPOSAL}”"


def test_replying_to_yourself_emails_nobody(committed, stage, thread, author):
    committed(reply, author, stage, thread, text="Completez.")
    assert mail.outbox == []


def test_reply_opt_out_is_respected(committed, stage, thread, author, replier):
    ReplyOptOut.objects.create(user=author)
    committed(reply, replier, stage, thread)
    assert mail.outbox == []


def test_no_reply_email_to_a_deleted_account(committed, stage, thread, author, replier):
    accounts_domain.delete_account(author)
    committed(reply, replier, stage, thread)
    assert mail.outbox == []


def test_no_email_when_the_transaction_rolls_back(committed, stage, thread, replier):
    class Abort(Exception):
        pass

    def reply_then_fail():
        with transaction.atomic():
            reply(replier, stage, thread)
            raise Abort

    with pytest.raises(Abort):
        committed(reply_then_fail)
    assert mail.outbox == []


def test_refused_reply_sends_nothing(committed, stage, thread, replier):
    with pytest.raises(domain.StageClosed):
        committed(
            domain.post_comment, replier, stage, text="Târziu.", parent_id=thread.pk,
            now=stage.closes_at,
        )  # fmt: skip
    assert mail.outbox == []


@pytest.mark.parametrize(
    "language",
    [
        pytest.param(language, marks=needs_translation(REPLY_SUBJECT, language))
        for language in ("ro", "bg")
    ],
)
def test_reply_email_in_the_recipients_language(committed, stage, replier, language):
    parent_author = UserFactory(display_name="Autor", language=language)
    parent = domain.post_comment(
        parent_author, stage, text="Text.", stance="neutral", now=during(stage)
    )
    # The replier's own language (English, active here) does not matter.
    with translation.override("en"):
        committed(reply, replier, stage, parent)
    (message,) = mail.outbox
    expected = subject_in(language, REPLY_SUBJECT, author="Maria Enache", title=PROPOSAL)
    assert message.subject == expected
    assert message.subject != REPLY_SUBJECT % {"author": "Maria Enache", "title": PROPOSAL}


def test_reply_email_language_independent_parts(committed, stage, replier):
    """What every language's email carries, whatever the catalogues say."""
    people = [UserFactory(display_name=f"Autor {code}", language=code) for code in ["ro", "bg"]]
    parents = [
        domain.post_comment(person, stage, text="Text.", stance="neutral", now=during(stage))
        for person in people
    ]
    for parent in parents:
        committed(reply, replier, stage, parent, text="Răspuns: Отговор.")
    assert [message.to for message in mail.outbox] == [[people[0].email], [people[1].email]]
    for message, person in zip(mail.outbox, people, strict=True):
        assert "Maria Enache" in message.subject and PROPOSAL in message.subject
        assert person.public_name in message.body
        assert "Răspuns: Отговор." in message.body
        assert unsubscribe_payload(message) == {"u": person.pk, "k": "replies", "c": None}


# --- Stage events ------------------------------------------------------------------------------


@pytest.fixture
def followers(stage, editor):
    """The editor (who follows by creating the consultation) and three followers in ro, bg and
    en; one more person who stopped following and one whose account is closed."""
    editor.profile.language = "en"
    editor.profile.save()
    people = {code: UserFactory(display_name=f"Urmăritor {code}", language=code) for code in
              ("ro", "bg", "en")}  # fmt: skip
    for person in people.values():
        domain.follow(person, stage.consultation)
    gone = UserFactory(language="en")
    domain.follow(gone, stage.consultation)
    domain.unfollow(gone, stage.consultation)
    closed = UserFactory(language="en")
    domain.follow(closed, stage.consultation)
    accounts_domain.delete_account(closed)
    return {"editor": editor, **people}


def test_stage_opening_emails_every_follower_once(committed, stage, followers):
    committed(domain.process_stage_events, now=T0)
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        person.email for person in followers.values()
    )
    by_email = {message.to[0]: message for message in mail.outbox}
    message = by_email[followers["en"].email]
    assert message.subject == (f"Open for comments: “Recomandări scrise” — {PROPOSAL}")
    assert "Hello Urmăritor en," in message.body
    # Dates in the organisation's zone.
    assert "It runs from 2 March 2026, 09:00 to 12 March 2026, 09:00" in message.body
    assert f"{SITE}/proposals/legea-350/consultation/stages/1/" in message.body
    for person in followers.values():
        payload = unsubscribe_payload(by_email[person.email])
        assert payload == {"u": person.pk, "k": "follow", "c": stage.consultation_id}
    # Handled once: a second run sends nothing.
    mail.outbox.clear()
    committed(domain.process_stage_events, now=T0 + timedelta(hours=1))
    assert mail.outbox == []


@pytest.mark.parametrize(
    "language",
    [
        pytest.param(language, marks=needs_translation(OPENED_SUBJECT, language))
        for language in ("ro", "bg")
    ],
)
def test_stage_opening_emails_in_each_followers_language(committed, stage, followers, language):
    committed(domain.process_stage_events, now=T0)
    by_email = {message.to[0]: message for message in mail.outbox}
    values = {"stage": "Recomandări scrise", "title": PROPOSAL}
    subject = by_email[followers[language].email].subject
    assert subject == subject_in(language, OPENED_SUBJECT, **values)
    assert subject != OPENED_SUBJECT % values


def test_stage_closing_emails_followers(committed, stage, followers):
    domain.process_stage_events(now=T0)
    committed(domain.process_stage_events, now=stage.closes_at)
    assert len(mail.outbox) == 4
    message = next(m for m in mail.outbox if m.to == [followers["en"].email])
    assert message.subject == f"Closed: “Recomandări scrise” — {PROPOSAL}"
    assert "closed on 12 March 2026, 09:00" in message.body


def test_stage_opened_and_closed_in_one_run_sends_only_the_closing(committed, stage, followers):
    committed(domain.process_stage_events, now=stage.closes_at + timedelta(days=1))
    assert len(mail.outbox) == 4
    assert all(message.subject.startswith("Closed: ") for message in mail.outbox if
               message.to == [followers["en"].email])  # fmt: skip
    assert not any("Open for comments" in message.subject for message in mail.outbox)


def test_later_stage_on_a_newer_revision_sends_the_new_revision_email(
    committed, editor, debated_proposal, consultation, stage, followers
):
    current = debated_proposal.current_revision
    proposals_domain.save_revision(
        editor,
        debated_proposal,
        base_number=current.number,
        title=current.title,
        summary=current.summary,
        blocks=[dict(current.blocks[0], text="Text revizuit.")] + current.blocks[1:],
        message="După prima etapă",
    )
    debated_proposal.refresh_from_db()
    second = add_written_stage(
        editor,
        consultation,
        opens_at=T0 + timedelta(days=20),
        revision=debated_proposal.current_revision,
        title="A doua etapă",
        now=T0,
    )
    domain.process_stage_events(now=stage.closes_at)
    committed(domain.process_stage_events, now=second.opens_at)
    assert len(mail.outbox) == 4
    message = next(m for m in mail.outbox if m.to == [followers["en"].email])
    assert message.subject == f"Revision 3 of “{PROPOSAL}” is open for comments"
    assert "revision 3 is now under debate (the previous stage debated revision 2)" in (
        message.body
    )
    assert f"{SITE}/proposals/legea-350/compare/2/3/" in message.body
    assert f"{SITE}/proposals/legea-350/consultation/stages/2/" in message.body


def test_later_stage_on_the_same_revision_sends_the_plain_opening_email(
    committed, editor, consultation, stage, followers
):
    second = add_written_stage(
        editor, consultation, opens_at=T0 + timedelta(days=20), title="A doua etapă", now=T0
    )
    domain.process_stage_events(now=stage.closes_at)
    committed(domain.process_stage_events, now=second.opens_at)
    message = next(m for m in mail.outbox if m.to == [followers["en"].email])
    assert message.subject == f"Open for comments: “A doua etapă” — {PROPOSAL}"
    assert "/compare/" not in message.body


def test_cancelled_stage_emails_followers_with_the_reason(committed, editor, stage, followers):
    committed(domain.cancel_stage, editor, stage, "Sala nu mai este disponibilă.", now=T0)
    assert len(mail.outbox) == 4
    message = next(m for m in mail.outbox if m.to == [followers["en"].email])
    assert message.subject == f"Cancelled: “Recomandări scrise” — {PROPOSAL}"
    assert "Reason: Sala nu mai este disponibilă." in message.body


def test_no_stage_email_when_the_transaction_rolls_back(committed, editor, stage, followers):
    class Abort(Exception):
        pass

    def cancel_then_fail():
        with transaction.atomic():
            domain.cancel_stage(editor, stage, "Anulat.", now=T0)
            raise Abort

    with pytest.raises(Abort):
        committed(cancel_then_fail)
    assert mail.outbox == []


# --- Synthesis ---------------------------------------------------------------------------------


def test_synthesis_email_to_followers(committed, editor, stage, thread, author, followers):
    domain.set_disposition(editor, thread, outcome="rejected", reason="Termenul rămâne.")
    committed(domain.publish_synthesis, editor, stage, now=stage.closes_at)
    # The author follows since commenting: five followers.
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [author.email, *(person.email for person in followers.values())]
    )
    message = next(m for m in mail.outbox if m.to == [author.email])
    assert message.subject == (f"Synthesis published: the answers to the comments on “{PROPOSAL}”")
    assert "its answer to 1 comment, with the reasons." in message.body
    assert f"{SITE}/proposals/legea-350/consultation/stages/1/synthesis/" in message.body
    assert unsubscribe_payload(message) == {
        "u": author.pk,
        "k": "follow",
        "c": stage.consultation_id,
    }


def test_refused_synthesis_sends_nothing(committed, editor, stage, thread, followers):
    with pytest.raises(domain.DomainError):
        committed(domain.publish_synthesis, editor, stage, now=stage.closes_at)
    assert mail.outbox == []


def test_closing_early_tells_followers_the_planned_date_and_the_reason(
    committed, editor, stage, followers
):
    domain.process_stage_events(now=T0)
    committed(
        domain.close_stage_early,
        editor,
        stage,
        "Ministerul a retras proiectul.",
        now=T0 + timedelta(days=9),
    )
    assert len(mail.outbox) == 4
    message = next(m for m in mail.outbox if m.to == [followers["en"].email])
    assert message.subject == f"Closed: “Recomandări scrise” — {PROPOSAL}"
    assert "closed on 11 March 2026, 09:00." in message.body
    assert (
        "The organisation closed it before its planned date (12 March 2026, 09:00). "
        "Reason: Ministerul a retras proiectul."
    ) in message.body


def test_followers_emails_name_every_author_of_a_co_authored_proposal(
    committed, editor, stage, thread, followers
):
    # Without co-authors the organisation named in the sentence is enough: no authors line.
    committed(domain.process_stage_events, now=T0)
    opened = next(m for m in mail.outbox if m.to == [followers["en"].email])
    assert "Authors of the proposal" not in opened.body
    # Co-authored: the synthesis email (as the other followers' emails) lists every author.
    partner = OrganizationFactory(name="Asociația Parteneră")
    partner_admin = MembershipFactory(organization=partner, role="admin").user
    owner_admin = MembershipFactory(organization=stage.consultation.proposal.organization).user
    add_coauthor(owner_admin, stage.consultation.proposal, partner, partner_admin)
    mail.outbox.clear()
    domain.set_disposition(editor, thread, outcome="rejected", reason="Termenul rămâne.")
    committed(domain.publish_synthesis, editor, stage, now=stage.closes_at)
    message = next(m for m in mail.outbox if m.to == [followers["en"].email])
    line = "Authors of the proposal: Asociația Vrancea Civică, Asociația Parteneră."
    assert line in message.body.splitlines()
