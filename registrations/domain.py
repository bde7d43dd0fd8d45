"""Submitting final versions to authorities, and the authorities' register.

Submission: `submitted` → `registered` → `answered`; overdue is derived (registered, no answer,
deadline passed; the allowed moves are `registrations.models.TRANSITIONS`). Each action below is
one function: it checks its rule (`core.permissions.require`: NotAllowed) and the submission's
state (the `check_*` functions: InvalidTransition), writes the change, appends activity-log rows
(on the submission; the proposal's own status changes on the proposal) and asks for the emails,
in the recipients' languages, after commit (`registrations.notifications`). Bad input raises
DomainError. Every refusal has a message for the user; nothing is written then.
"""

import re
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Role
from consultations import domain as consultations
from core import activity, mail
from core.errors import DomainError, InvalidTransition
from core.permissions import passes, require
from core.text import clean_identifier, clean_text
from proposals.attachments import TYPES, check_upload
from proposals.coauthors import coauthors_at
from proposals.domain import check_move, set_status
from proposals.models import Proposal, ProposalStatus
from registrations import deadlines, notifications
from registrations.models import (
    TRANSITIONS,
    AnswerStatus,
    Channel,
    DocumentKind,
    RegistrationSource,
    Reminder,
    ReminderKind,
    Submission,
    SubmissionDocument,
    SubmissionStatus,
    local_today,
    registration_number_key,
)

# --- Tracking codes ----------------------------------------------------------------------------

# Crockford's base 32: no I, L, O or U, so a code read aloud or typed from paper survives.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_PREFIX = "CNS"
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_tracking_code():
    """e.g. "CNS-7K4Q-92XH": 40 random bits, not guessable, short enough to type from paper.
    Side effects: none."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{CODE_PREFIX}-{body[:4]}-{body[4:]}"


def normalize_tracking_code(text):
    """The canonical form of a typed code (any case, spaces, O for 0…), or None if malformed.
    Side effects: none."""
    compact = re.sub(r"[^0-9A-Za-z]", "", str(text or ""))[:20].upper()
    if compact.startswith(CODE_PREFIX):
        compact = compact[len(CODE_PREFIX) :]
    compact = compact.translate(_CONFUSABLE)
    if len(compact) != 8 or any(char not in ALPHABET for char in compact):
        return None
    return f"{CODE_PREFIX}-{compact[:4]}-{compact[4:]}"


# --- Helpers -----------------------------------------------------------------------------------


def _clean_number(number):
    # Stored as typed, without invisible characters and with single spaces (`core.text`).
    return clean_identifier(
        number, field=_("The registration number"), required=True, max_length=50
    )


def _day(value):
    return date_format(value, "DATE_FORMAT")


def _check_registration_date(submission, registration_date, today):
    if registration_date is None:
        raise DomainError(_("Give the registration date."), code="date")
    if registration_date > today:
        raise DomainError(_("The registration date cannot be in the future."), code="date")
    submitted_on = timezone.localdate(submission.submitted_at)
    received_on = submission.received_on or submitted_on
    if registration_date < min(received_on, submitted_on):
        raise DomainError(
            _("The registration date cannot be before the proposal was sent (%(date)s).")
            % {"date": _day(min(received_on, submitted_on))},
            code="date",
        )


def _check_number_free(authority, number, year, exclude_pk=None):
    # Compared by key: "12/A" is taken by "12/a", "12/А" (Cyrillic А) or "12/A" with a zero-width
    # space; the database refuses them too (`Submission.registration_number_key`).
    taken = Submission.objects.filter(
        authority=authority,
        registration_year=year,
        registration_number_key=registration_number_key(number),
    )
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise DomainError(_duplicate_message(number, year), code="duplicate")


def _duplicate_message(number, year):
    return _(
        "Registration number %(number)s is already used in %(year)s in this authority's "
        "register; check the number."
    ) % {"number": number, "year": year}


def _save(submission, fields):
    """Save changed fields; a registration number taken meanwhile gives the same clear error."""
    try:
        with transaction.atomic():
            submission.save(update_fields=fields)
    except IntegrityError:
        raise DomainError(
            _duplicate_message(submission.registration_number, submission.registration_year),
            code="duplicate",
        ) from None


def _follow(user, proposal, target, verb):
    """Move the proposal along with its submission, when its own lifecycle allows it (a proposal
    withdrawn after it was sent stays withdrawn)."""
    if proposal is None:
        return None
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if passes(check_move, proposal, target):
        return set_status(user, proposal, target, verb)
    return proposal


def _locked(submission):
    return (
        Submission.objects.select_for_update(of=("self",))
        .select_related("authority", "proposal__organization", "revision")
        .get(pk=submission.pk)
    )


def store_submission_document(user, submission, upload, kind):
    """Check an uploaded file and keep it as a document of `submission` (received or answer).

    The checks are the attachments' (`proposals.attachments.check_upload`): by content, never by
    name. Raises DomainError naming the file. Side effects: the file stored, a document row.
    """
    name, detected, sha256 = check_upload(upload)
    return SubmissionDocument.store(
        upload,
        name=name,
        extension=detected,
        content_type=TYPES[detected],
        sha256=sha256,
        uploaded_by=user,
        submission=submission,
        kind=kind,
    )


# --- What each action requires of the submission --------------------------------------------
# Read-only; the commands below call them first, and pages call them (through
# `core.permissions.passes`) to decide which actions to offer. Who may act is the rules'
# business (`registrations.rules`).


def check_status_move(submission, target, message, code):
    """`TRANSITIONS` allows `submission` to go from its status to `target`; else
    InvalidTransition(message, code). Side effects: none."""
    if target not in TRANSITIONS[SubmissionStatus(submission.status)]:
        raise InvalidTransition(message, code=code)


def check_register(submission):
    """A submitted proposal is registered by the authority; a registration the sender declared
    is confirmed or corrected by it. Side effects: none."""
    if submission.is_declared and submission.status == SubmissionStatus.REGISTERED:
        return
    check_status_move(
        submission,
        SubmissionStatus.REGISTERED,
        _("This proposal is already registered under number %(number)s of %(date)s.")
        % {
            "number": submission.registration_number,
            "date": _day(submission.registration_date) if submission.registration_date else "",
        },
        "registered",
    )


def check_declare(submission):
    """The sender declares the registration of a submitted proposal. Side effects: none."""
    check_status_move(
        submission,
        SubmissionStatus.REGISTERED,
        _("The registration of this proposal was already recorded."),
        "registered",
    )


def _check_registration_confirmed(submission):
    if submission.is_declared:
        raise InvalidTransition(
            _("Confirm or correct the registration declared by the sender first."),
            code="declared",
        )


def check_extend(submission, today=None):
    """The deadline of a registered, unanswered proposal is extended once, before it passes,
    after the authority confirmed a declared registration. Side effects: none."""
    if submission.status == SubmissionStatus.SUBMITTED:
        raise InvalidTransition(
            _("Register the proposal first: its deadline starts then."), code="not_registered"
        )
    if submission.status == SubmissionStatus.ANSWERED:
        raise InvalidTransition(_("The proposal was already answered."), code="answered")
    _check_registration_confirmed(submission)
    if submission.is_extended:
        raise InvalidTransition(
            _(
                "The deadline was already extended once, on %(date)s; the law allows a single "
                "extension."
            )
            % {"date": _day(timezone.localdate(submission.extended_at))},
            code="extended",
        )
    today = today or submission.local_today()
    if submission.deadline < today:
        raise InvalidTransition(
            _("The deadline passed on %(date)s; it can no longer be extended.")
            % {"date": _day(submission.deadline)},
            code="deadline_passed",
        )


def check_answer(submission):
    """A registered proposal (its registration confirmed) is answered once. Side effects:
    none."""
    if submission.status == SubmissionStatus.SUBMITTED:
        raise InvalidTransition(
            _("Register the proposal before recording the answer."), code="not_registered"
        )
    check_status_move(
        submission,
        SubmissionStatus.ANSWERED,
        _("The answer was already recorded on %(date)s.")
        % {"date": _day(submission.answered_on) if submission.answered_on else ""},
        "answered",
    )
    _check_registration_confirmed(submission)


# --- Who is told -------------------------------------------------------------------------------


def _people(organization, roles):
    if organization is None:
        return []
    return [
        membership.user
        for membership in organization.memberships.filter(
            role__in=roles, user__is_active=True, user__email__isnull=False
        ).select_related("user__profile")
    ]


def ngo_recipients(submission):
    """The editors and admins of the proposal's authors when it was sent: the owning
    organisation and each organisation co-authoring it at `submitted_at` (`coauthors_at`, as
    the submission's page and emails name them; one that joined later did not co-sign it), each
    person once even when they belong to several. Side effects: none."""
    if submission.proposal_id is None:
        return []
    proposal = submission.proposal
    people = {}
    for organization in [proposal.organization, *coauthors_at(proposal, submission.submitted_at)]:
        for user in _people(organization, [Role.ADMIN, Role.EDITOR]):
            people.setdefault(user.pk, user)
    return list(people.values())


def registrar_recipients(submission):
    """The registrars and admins of the authority, when it is verified (it acts on the platform).
    Side effects: none."""
    authority = submission.authority
    if not authority.is_verified:
        return []
    return _people(authority, [Role.ADMIN, Role.REGISTRAR])


def authority_on_platform(authority):
    """A verified authority with someone who can register: it confirms registrations itself.
    Side effects: none."""
    return (
        authority.is_verified
        and authority.memberships.filter(role__in=[Role.ADMIN, Role.REGISTRAR]).exists()
    )


def _notify(submission, event, recipients, *, flags=None, dates=None):
    """Email `recipients` about `event` after commit (`registrations.notifications`)."""
    if not recipients:
        return
    mail.notify(
        notifications.KIND,
        submission_id=submission.pk,
        event=event,
        recipient_ids=[user.pk for user in recipients],
        flags=flags or {},
        dates={name: value.isoformat() for name, value in (dates or {}).items()},
    )


# --- Submitting --------------------------------------------------------------------------------

# The statuses a proposal can be submitted from (it becomes final first).
SUBMITTABLE = set(ProposalStatus.submittable())


def check_submittable(proposal):
    """`proposal`'s status lets it be submitted (SUBMITTABLE); else InvalidTransition saying
    why. Side effects: none."""
    if proposal.is_authority_draft:
        raise InvalidTransition(
            _("An authority's own draft is adopted by the authority, not submitted to it."),
            code="authority_draft",
        )
    status = proposal.status
    if status in SUBMITTABLE:
        return
    if status == ProposalStatus.DRAFT:
        message = _(
            "A draft cannot be submitted: publish it first, so the text you send is public."
        )
    elif status == ProposalStatus.WITHDRAWN:
        message = _("A withdrawn proposal cannot be submitted.")
    elif status == ProposalStatus.IN_CONSULTATION:
        message = _(
            "A consultation stage is open: it closes on its planned date, or you can close it "
            "now; submit the final version once it is closed."
        )
    else:
        message = _("This proposal was already submitted to the authority.")
    raise InvalidTransition(message, code="status")


def _create_with_code(submission):
    for _attempt in range(5):
        submission.tracking_code = new_tracking_code()
        try:
            with transaction.atomic():
                submission.save(force_insert=True)
            return submission
        except IntegrityError:
            if Submission.objects.filter(tracking_code=submission.tracking_code).exists():
                continue
            raise
    raise DomainError(_("No tracking code could be made; try again."))


@transaction.atomic
def submit_proposal(user, proposal, revision, cover_letter, *, now=None):
    """Send `revision` of `proposal` to its target authority as the final version.

    Side effects: first, the proposal's consultation's due stage events are recorded
    (`consultations.domain.process_due_events`); a submission freezing the revision and its
    hash with a new tracking code; the proposal becomes final, then submitted (two log rows); a
    log row on the submission; emails to
    the NGO's editors and admins and to the authority's registrars.
    """
    require(
        user,
        "registrations.submit_proposal",
        proposal,
        message=_("Only the organisation's editors and admins can submit this proposal."),
    )
    # A consultation stage that closed by its dates moves the proposal to "consultation closed":
    # record it first if the scheduled task has not yet (stage locks before the proposal's).
    consultations.process_due_events(proposal=proposal, now=now)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    check_submittable(proposal)
    if revision is None or revision.proposal_id != proposal.pk:
        raise DomainError(_("Choose a revision of this proposal."), code="revision")
    if not revision.has_content:
        raise DomainError(
            _("Revision %(n)s has no text yet; choose another.") % {"n": revision.number},
            code="revision",
        )
    if revision.compute_hash() != revision.content_hash:
        # Never freeze a text whose stored hash does not describe it.
        raise DomainError(_("This revision's hash does not match its text; contact us."))
    cover_letter = clean_text(
        cover_letter, field=_("The cover letter"), required=False, max_length=20000
    )
    if proposal.status != ProposalStatus.FINAL:
        proposal = set_status(user, proposal, ProposalStatus.FINAL, "proposal.finalized")
    proposal = set_status(user, proposal, ProposalStatus.SUBMITTED, "proposal.submitted")
    submission = _create_with_code(
        Submission(
            proposal=proposal,
            revision=revision,
            content_hash=revision.content_hash,
            authority=proposal.target_authority,
            channel=Channel.PLATFORM,
            sender_organization=proposal.organization,
            sender_name=proposal.organization.name,
            title=revision.title,
            cover_letter=cover_letter,
            submitted_at=now or timezone.now(),
            submitted_by=user,
        )
    )
    activity.record(
        user,
        "submission.submitted",
        submission,
        new=SubmissionStatus.SUBMITTED,
        data={"revision": revision.number, "hash": revision.content_hash},
    )
    _notify(submission, "submitted", ngo_recipients(submission))
    _notify(submission, "received", registrar_recipients(submission))
    return submission


@transaction.atomic
def log_external_submission(
    user,
    authority,
    *,
    sender_name,
    title,
    channel,
    received_on,
    registration_number,
    registration_date=None,
    notes="",
    documents=(),
    today=None,
):
    """Record, in the authority's register, a proposal that arrived by post, email or in person.

    It is registered at once (the registrar gives its number), so its deadline runs.
    Side effects: a registered submission, its documents, one log row.
    """
    require(
        user,
        "registrations.log_submission",
        authority,
        message=_("Only registrars of this verified authority can add to its register."),
    )
    if channel not in {value for value, _label in Channel.outside()}:
        raise DomainError(_("Choose how the proposal arrived."), code="channel")
    sender_name = clean_text(sender_name, field=_("The sender"), required=True, max_length=200)
    title = clean_text(title, field=_("The title"), required=True, max_length=300)
    notes = clean_text(notes, field=_("The notes"), required=False, max_length=20000)
    number = _clean_number(registration_number)
    today = today or local_today(authority)
    if received_on is None:
        raise DomainError(_("Give the date the proposal was received."), code="date")
    if received_on > today:
        raise DomainError(_("The date received cannot be in the future."), code="date")
    registration_date = registration_date or received_on
    if registration_date > today:
        raise DomainError(_("The registration date cannot be in the future."), code="date")
    if registration_date < received_on:
        raise DomainError(
            _("The registration date cannot be before the date received."), code="date"
        )
    _check_number_free(authority, number, registration_date.year)
    deadline = deadlines.answer_deadline(registration_date, authority.country)
    now = timezone.now()
    submission = Submission(
        authority=authority,
        channel=channel,
        status=SubmissionStatus.REGISTERED,
        sender_name=sender_name,
        title=title,
        cover_letter=notes,
        submitted_at=now,
        submitted_by=user,
        received_on=received_on,
        registration_number=number,
        registration_date=registration_date,
        registration_year=registration_date.year,
        registration_source=RegistrationSource.AUTHORITY,
        registered_at=now,
        registered_by=user,
        original_deadline=deadline,
        deadline=deadline,
    )
    try:
        _create_with_code(submission)
    except IntegrityError:
        raise DomainError(
            _duplicate_message(number, registration_date.year), code="duplicate"
        ) from None
    for upload in documents:
        store_submission_document(user, submission, upload, DocumentKind.RECEIVED)
    activity.record(
        user,
        "submission.logged",
        submission,
        new=SubmissionStatus.REGISTERED,
        data={"number": number, "date": registration_date.isoformat(), "channel": channel},
    )
    return submission


# --- Registering -------------------------------------------------------------------------------


def _set_registration(submission, user, number, registration_date, source):
    submission.registration_number = number
    submission.registration_date = registration_date
    submission.registration_year = registration_date.year
    submission.registration_source = source
    submission.registered_at = timezone.now()
    submission.registered_by = user
    submission.status = SubmissionStatus.REGISTERED
    deadline = deadlines.answer_deadline(registration_date, submission.authority.country)
    submission.original_deadline = submission.deadline = deadline
    _save(
        submission,
        [
            "registration_number",
            "registration_date",
            "registration_year",
            "registration_source",
            "registered_at",
            "registered_by",
            "status",
            "original_deadline",
            "deadline",
        ],
    )


@transaction.atomic
def register_submission(user, submission, *, number, registration_date, today=None):
    """The authority's registrar records its registration number and date; the deadline runs.

    Also confirms (or corrects) a registration the sender declared. Side effects: the
    submission registered with its deadline; the proposal registered; log rows; emails to the
    NGO.
    """
    require(
        user,
        "registrations.register_submission",
        submission,
        message=_("Only registrars of the addressed authority can register this proposal."),
    )
    submission = _locked(submission)
    declared = submission.is_declared
    check_register(submission)
    number = _clean_number(number)
    today = today or submission.local_today()
    _check_registration_date(submission, registration_date, today)
    _check_number_free(submission.authority, number, registration_date.year, submission.pk)
    old = (
        f"{submission.registration_number} / {submission.registration_date.isoformat()}"
        if declared
        else SubmissionStatus.SUBMITTED
    )
    same = declared and (
        submission.registration_number == number
        and submission.registration_date == registration_date
    )
    _set_registration(submission, user, number, registration_date, RegistrationSource.AUTHORITY)
    if declared:
        verb = "submission.registration_confirmed" if same else "submission.registration_corrected"
        new = f"{number} / {registration_date.isoformat()}"
    else:
        verb, new = "submission.registered", SubmissionStatus.REGISTERED
        _follow(user, submission.proposal, ProposalStatus.REGISTERED, "proposal.registered")
    activity.record(
        user,
        verb,
        submission,
        old=old,
        new=new,
        data={"number": number, "date": registration_date.isoformat()},
    )
    _notify(
        submission,
        "registered",
        ngo_recipients(submission),
        flags={"corrected": declared and not same},
    )
    return submission


@transaction.atomic
def declare_registration(user, submission, *, number, registration_date, today=None):
    """The NGO records the number and date an authority not on the platform gave it by email or
    post. Marked "declared by the submitter" until a registrar of the authority confirms it.

    Side effects: the submission registered (declared) with its deadline; the proposal
    registered; log rows.
    """
    require(
        user,
        "registrations.declare_registration",
        submission,
        message=_(
            "Only the sending organisation's editors can declare a registration, and only "
            "when the authority does not register proposals on the platform itself."
        ),
    )
    submission = _locked(submission)
    check_declare(submission)
    number = _clean_number(number)
    today = today or submission.local_today()
    _check_registration_date(submission, registration_date, today)
    _check_number_free(submission.authority, number, registration_date.year, submission.pk)
    _set_registration(submission, user, number, registration_date, RegistrationSource.SUBMITTER)
    _follow(user, submission.proposal, ProposalStatus.REGISTERED, "proposal.registered")
    activity.record(
        user,
        "submission.registration_declared",
        submission,
        old=SubmissionStatus.SUBMITTED,
        new=SubmissionStatus.REGISTERED,
        data={"number": number, "date": registration_date.isoformat()},
    )
    return submission


@transaction.atomic
def extend_deadline(user, submission, reason, *, today=None):
    """Extend the answer deadline once (by 15 days in Romania), with a reason the sender sees.

    Side effects: the new deadline; a log row; emails to the NGO.
    """
    require(
        user,
        "registrations.answer_submission",
        submission,
        message=_("Only registrars of the addressed authority can extend the deadline."),
    )
    submission = _locked(submission)
    check_extend(submission, today)
    reason = clean_text(reason, field=_("The reason"), required=True, max_length=2000)
    old = submission.deadline
    submission.deadline = deadlines.extended_deadline(
        submission.registration_date, submission.authority.country
    )
    submission.extended_at = timezone.now()
    submission.extension_reason = reason
    _save(submission, ["deadline", "extended_at", "extension_reason"])
    activity.record(
        user,
        "submission.deadline_extended",
        submission,
        old=old.isoformat(),
        new=submission.deadline.isoformat(),
        data={"reason": reason},
    )
    _notify(submission, "extended", ngo_recipients(submission), dates={"old_deadline": old})
    return submission


# --- Answering ---------------------------------------------------------------------------------


@transaction.atomic
def answer_submission(
    user, submission, *, answer_status, text, answered_on, document=None, today=None
):
    """Record the authority's answer: accepted, partially accepted, rejected or forwarded.

    Side effects: the answer (and its document); the proposal answered; log rows; emails to the
    NGO.
    """
    require(
        user,
        "registrations.answer_submission",
        submission,
        message=_("Only registrars of the addressed authority can record its answer."),
    )
    submission = _locked(submission)
    check_answer(submission)
    if answer_status not in AnswerStatus.values:
        raise DomainError(_("Choose the answer."), code="answer_status")
    text = clean_text(text, field=_("The answer text"), required=True, max_length=50000)
    today = today or submission.local_today()
    if answered_on is None:
        raise DomainError(_("Give the date of the answer."), code="date")
    if answered_on > today:
        raise DomainError(_("The answer date cannot be in the future."), code="date")
    if answered_on < submission.registration_date:
        raise DomainError(
            _("The answer date cannot be before the registration date (%(date)s).")
            % {"date": _day(submission.registration_date)},
            code="date",
        )
    submission.answer_status = answer_status
    submission.answer_text = text
    submission.answered_on = answered_on
    submission.answered_at = timezone.now()
    submission.answered_by = user
    submission.status = SubmissionStatus.ANSWERED
    _save(
        submission,
        ["answer_status", "answer_text", "answered_on", "answered_at", "answered_by", "status"],
    )
    if document is not None:
        store_submission_document(user, submission, document, DocumentKind.ANSWER)
    _follow(user, submission.proposal, ProposalStatus.ANSWERED, "proposal.answered")
    activity.record(
        user,
        "submission.answered",
        submission,
        old=SubmissionStatus.REGISTERED,
        new=answer_status,
        data={"date": answered_on.isoformat()},
    )
    _notify(submission, "answered", ngo_recipients(submission))
    return submission


# --- Reminders ---------------------------------------------------------------------------------


def _remind(submission, kind, user, today, event, *, once):
    """Send one reminder unless it was sent today (or ever, when `once`). Returns True if sent."""
    sent = Reminder.objects.filter(submission=submission, kind=kind, recipient=user)
    if once and sent.exists():
        return False
    try:
        with transaction.atomic():
            Reminder.objects.create(submission=submission, kind=kind, recipient=user, sent_on=today)
    except IntegrityError:  # already sent today, perhaps by a run in parallel
        return False
    _notify(submission, event, [user], dates={"today": today})
    return True


@transaction.atomic
def send_answer_reminders(today=None):
    """Email registrars about answers due within the reminder window (working days), once a day
    while it lasts, and the sending NGO once when an answer is overdue.

    Safe to run several times a day: what was sent is stored (`Reminder`) and never repeated.
    Returns {"due_soon": n, "overdue": n} emails queued.
    Side effects: a `Reminder` row and an email per reminder sent."""
    sent = {"due_soon": 0, "overdue": 0}
    registered = Submission.objects.filter(
        status=SubmissionStatus.REGISTERED, deadline__isnull=False
    ).select_related("authority", "proposal__organization")
    for submission in registered:
        day = today or submission.local_today()
        if deadlines.is_due_soon(submission.deadline, day, submission.country):
            for user in registrar_recipients(submission):
                sent["due_soon"] += _remind(
                    submission, ReminderKind.DUE_SOON, user, day, "due_soon", once=False
                )
        elif submission.deadline < day:
            for user in ngo_recipients(submission):
                sent["overdue"] += _remind(
                    submission, ReminderKind.OVERDUE, user, day, "overdue", once=True
                )
    return sent
