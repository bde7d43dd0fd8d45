"""Questionnaires: questions asked beside the comments of a stage (a call for input, written
comments, an authority's announcement), one response per participant, and the results.

The organisers (`consultations.manage`: the editors and admins of the proposal's authors) write
the questions while the stage has not opened; from its opening on they are frozen, so every
response answers the same questions and the results add up. A participant sends one response
per stage and may change it until the stage closes; after that it is kept as sent and shown to
them. Sending locks the stage's row first, so two first sendings of the same person at once are
served one after the other and make one response (the unique constraint backs this up).

Results are the counts of the answer rows: one row per option chosen, per scale value, per text
typed. They are public once the stage has closed; the organisers see them from the opening.
Deleting an account keeps the person's response without its person and free texts
(`erase_responses_of`): the counts of a closed questionnaire never change.
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import RespondentCategory
from consultations.domain.common import bump_comments_version, locked_stage, resolve_now
from consultations.domain.moderation import MODERATORS_ONLY
from consultations.models import (
    Answer,
    HiddenAnswer,
    Question,
    QuestionKind,
    QuestionnaireResponse,
    StageKind,
    StageStatus,
)
from core import activity
from core.errors import DomainError, InvalidTransition
from core.permissions import can, require
from core.text import clean_text

MANAGE = "consultations.manage"
RESPOND = "consultations.respond"
EDITORS_ONLY = gettext_lazy("Only the organisation's editors and admins can run its consultation.")
PARTICIPANTS_ONLY = gettext_lazy(
    "Sign in with a confirmed email address to answer the questionnaire."
)

MAX_QUESTIONS = 50
MAX_CHOICES = 20
MIN_CHOICES = 2
MAX_CHOICE_LENGTH = 200
MAX_TEXT_ANSWER = 5000
SCALE_LOWEST = (0, 1)
SCALE_HIGHEST = 10


# --- Checks (read-only; pages ask them through `core.permissions.passes`) ----------------------


def check_has_questionnaire_kind(stage):
    """Stages that take comments may ask questions. Side effects: none."""
    if stage.kind not in StageKind.commentable():
        raise DomainError(
            _("Only a stage that takes comments or recommendations can have a questionnaire."),
            code="kind",
        )


def check_questions_change(stage, now=None):
    """Questions are written, changed and removed until the stage opens. Side effects: none."""
    now = resolve_now(now)
    check_has_questionnaire_kind(stage)
    status = stage.status_at(now)
    if status == StageStatus.CANCELLED:
        raise InvalidTransition(_("The stage was cancelled."), code="cancelled")
    if status != StageStatus.SCHEDULED:
        raise InvalidTransition(
            _(
                "The stage has opened: its questions are frozen, so that every response answers "
                "the same questions."
            ),
            code="opened",
        )


def check_takes_responses(stage, now=None):
    """An open stage with questions takes responses and changes to them. Side effects: none."""
    now = resolve_now(now)
    check_has_questionnaire_kind(stage)
    status = stage.status_at(now)
    if status == StageStatus.CANCELLED:
        raise InvalidTransition(_("The stage was cancelled."), code="cancelled")
    if status == StageStatus.SCHEDULED:
        raise InvalidTransition(
            _("The questionnaire opens with the stage; come back then."), code="scheduled"
        )
    if status == StageStatus.CLOSED:
        raise InvalidTransition(
            _("The stage has closed: responses can no longer be sent or changed."),
            code="closed",
        )


def check_results_visible(user, stage, now=None):
    """The results are public once the stage has closed; the organisers see them from its
    opening. Side effects: none."""
    now = resolve_now(now)
    status = stage.status_at(now)
    if status == StageStatus.CLOSED:
        return
    if status == StageStatus.OPEN and can(user, MANAGE, stage):
        return
    raise InvalidTransition(
        _("The results are published when the stage closes."), code="not_closed"
    )


# --- Queries (read-only) ----------------------------------------------------------------------


def questions_of(stage):
    """The stage's questions, in order. Side effects: none."""
    return list(Question.objects.filter(stage=stage).order_by("position"))


def response_of(user, stage):
    """The user's response to the stage's questionnaire with its answers, or None.
    Side effects: none."""
    if user is None or not user.is_authenticated:
        return None
    return (
        QuestionnaireResponse.objects.filter(stage=stage, user=user)
        .prefetch_related("answers")
        .first()
    )


def answers_as_data(response, questions):
    """{question id: what was answered} of a response, as the answer form takes it: an option's
    index (single), a list of indexes (multiple), a value (scale) or a text. Side effects: none."""
    if response is None:
        return {}
    kinds = {question.pk: question.kind for question in questions}
    data = {}
    for answer in response.answers.all():
        kind = kinds.get(answer.question_id)
        if kind == QuestionKind.MULTIPLE:
            data.setdefault(answer.question_id, []).append(answer.choice)
        elif kind == QuestionKind.SINGLE:
            data[answer.question_id] = answer.choice
        elif kind == QuestionKind.SCALE:
            data[answer.question_id] = answer.value
        elif kind == QuestionKind.TEXT:
            data[answer.question_id] = answer.text
    return data


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0  # responses that answered this question
    # (value, label, count) per option or scale value, in order.
    counts: list = field(default_factory=list)
    texts: int = 0  # free-text answers kept (those of deleted accounts are cleared)

    @property
    def charted(self):
        return self.question.kind != QuestionKind.TEXT


@dataclass
class Results:
    responses: int = 0
    questions: list = field(default_factory=list)
    # (code, label, responses) per respondent category with any response.
    categories: list = field(default_factory=list)

    def rows(self):
        """Every count as (question position, question, option value, option label, count) rows:
        the CSV and JSON of the results."""
        rows = [(0, _("Responses"), "", "", self.responses)]
        for result in self.questions:
            question = result.question
            rows.append(
                (question.position, question.text, "", _("Answered the question"), result.answered)
            )
            for value, label, count in result.counts:
                rows.append((question.position, question.text, value, label, count))
        return rows


def results(stage):
    """The counts of the stage's questionnaire, from its answer rows, in four queries.
    Side effects: none."""
    questions = questions_of(stage)
    responses = QuestionnaireResponse.objects.filter(stage=stage)
    categories = dict(
        responses.order_by()
        .values_list("category")
        .annotate(n=Count("pk"))
        .values_list("category", "n")
    )
    rows = (
        Answer.objects.filter(question__stage=stage)
        .order_by()
        .values("question_id", "choice", "value")
        .annotate(n=Count("pk"))
    )
    counts, answered, texts = {}, {}, {}
    for row in rows:
        key = row["choice"] if row["choice"] is not None else row["value"]
        counts[(row["question_id"], key)] = row["n"]
    people = (
        Answer.objects.filter(question__stage=stage)
        .order_by()
        .values("question_id")
        .annotate(
            n=Count("response_id", distinct=True),
            texts=Count("pk", filter=~Q(text="") & ~Q(_hidden())),
        )
    )
    for row in people:
        answered[row["question_id"]] = row["n"]
        texts[row["question_id"]] = row["texts"]
    result = Results(
        responses=sum(categories.values()),
        categories=[
            (code, str(label), categories[code])
            for code, label in [*RespondentCategory.choices, ("", _("Not said"))]
            if categories.get(code)
        ],
    )
    for question in questions:
        item = QuestionResult(question=question, answered=answered.get(question.pk, 0))
        if question.kind == QuestionKind.TEXT:
            item.texts = texts.get(question.pk, 0)
        else:
            item.counts = [
                (value, label, counts.get((question.pk, value), 0))
                for value, label in question.options()
            ]
        result.questions.append(item)
    return result


def _hidden():
    """The condition on `Answer` rows: a moderator hid it (`HiddenAnswer`)."""
    return Q(
        Exists(
            HiddenAnswer.objects.filter(
                response_id=OuterRef("response_id"), question_id=OuterRef("question_id")
            )
        )
    )


def hidden_answer_keys(stage):
    """The (response id, question id) of the stage's hidden free-text answers. One query.
    Side effects: none."""
    return set(
        HiddenAnswer.objects.filter(question__stage=stage).values_list("response_id", "question_id")
    )


def text_answers(stage):
    """The free-text answers of the stage (those cleared by an account's deletion and those a
    moderator hid left out), in the order of the questions, then of the responses. A queryset,
    for paging. Side effects: none."""
    return (
        Answer.objects.filter(question__stage=stage, question__kind=QuestionKind.TEXT)
        .exclude(text="")
        .exclude(_hidden())
        .select_related("question")
        .order_by("question__position", "response__submitted_at", "response_id")
    )


# --- Commands ---------------------------------------------------------------------------------


def _clean_choices(kind, choices):
    if kind not in QuestionKind.with_choices():
        return []
    cleaned = []
    for choice in choices or []:
        text = clean_text(str(choice).strip(), field=_("An option"), max_length=MAX_CHOICE_LENGTH)
        if text:
            cleaned.append(text)
    if len(cleaned) < MIN_CHOICES:
        raise DomainError(
            _("A choice question needs at least %(n)s options, one per line.") % {"n": MIN_CHOICES},
            code="choices",
        )
    if len(cleaned) > MAX_CHOICES:
        raise DomainError(
            _("A question can have at most %(n)s options.") % {"n": MAX_CHOICES}, code="choices"
        )
    if len({choice.casefold() for choice in cleaned}) != len(cleaned):
        raise DomainError(_("Two options are the same."), code="choices")
    return cleaned


def _clean_scale(kind, scale_min, scale_max):
    if kind != QuestionKind.SCALE:
        return None, None
    if scale_min not in SCALE_LOWEST:
        raise DomainError(_("A scale starts at 0 or 1."), code="scale")
    if scale_max is None or not scale_min < scale_max <= SCALE_HIGHEST:
        raise DomainError(
            _("A scale ends above its start, at %(n)s at the most.") % {"n": SCALE_HIGHEST},
            code="scale",
        )
    return scale_min, scale_max


@transaction.atomic
def add_question(
    user,
    stage,
    *,
    kind,
    text,
    help="",  # noqa: A002  (the field's name)
    required=False,
    choices=(),
    scale_min=None,
    scale_max=None,
    min_label="",
    max_label="",
    now=None,
):
    """Add a question at the end of the stage's questionnaire (before the stage opens).
    Returns the question.

    Side effects: locks the stage's row; creates the question; a log row ("question.added",
    scoped to the stage); bumps the stage's version (its page links to the questionnaire)."""
    now = resolve_now(now)
    require(user, MANAGE, stage, message=EDITORS_ONLY)
    stage = locked_stage(stage)
    check_questions_change(stage, now)
    if kind not in QuestionKind.values:
        raise DomainError(_("Choose the kind of question."), code="kind")
    text = clean_text(str(text).strip(), field=_("The question"), required=True, max_length=500)
    help = clean_text(help, field=_("The explanation"), max_length=1000)  # noqa: A001
    choices = _clean_choices(kind, choices)
    scale_min, scale_max = _clean_scale(kind, scale_min, scale_max)
    labels = {"min_label": "", "max_label": ""}
    if kind == QuestionKind.SCALE:
        labels = {
            "min_label": clean_text(min_label, field=_("The label"), max_length=100),
            "max_label": clean_text(max_label, field=_("The label"), max_length=100),
        }
    existing = Question.objects.filter(stage=stage)
    if existing.count() >= MAX_QUESTIONS:
        raise DomainError(
            _("A questionnaire can have at most %(n)s questions.") % {"n": MAX_QUESTIONS},
            code="too_many",
        )
    position = (existing.aggregate(last=Max("position"))["last"] or 0) + 1
    question = Question.objects.create(
        stage=stage,
        position=position,
        kind=kind,
        text=text,
        help=help,
        required=bool(required),
        choices=choices,
        scale_min=scale_min,
        scale_max=scale_max,
        **labels,
    )
    activity.record(user, "question.added", question, scope=stage, new=kind)
    bump_comments_version(stage)
    return question


@transaction.atomic
def remove_question(user, question, *, now=None):
    """Remove a question before the stage opens (no response can exist yet). The questions
    after it move up one place.

    Side effects: locks the stage's row; deletes the question; renumbers the later ones; a log
    row ("question.removed", scoped to the stage); bumps the stage's version."""
    now = resolve_now(now)
    require(user, MANAGE, question.stage, message=EDITORS_ONLY)
    stage = locked_stage(question.stage)
    check_questions_change(stage, now)
    if QuestionnaireResponse.objects.filter(stage=stage).exists():  # cannot happen: belt and braces
        raise InvalidTransition(_("The questionnaire has responses."), code="answered")
    activity.record(user, "question.removed", question, scope=stage, old=question.kind)
    position = question.position
    question.delete()
    for later in Question.objects.filter(stage=stage, position__gt=position).order_by("position"):
        later.position -= 1
        later.save(update_fields=["position"])
    bump_comments_version(stage)


def _answer_rows(questions, answers):
    """The answer rows of `answers` ({question id: value} as the form gives them), checked
    against the questions: required ones answered, options and values that exist."""
    rows, missing = [], []
    for question in questions:
        given = answers.get(question.pk)
        if question.kind == QuestionKind.MULTIPLE:
            chosen = sorted({int(value) for value in (given or [])})
            if any(not 0 <= value < len(question.choices) for value in chosen):
                raise DomainError(_("Choose among the options given."), code="choice")
            rows += [Answer(question=question, choice=value) for value in chosen]
            empty = not chosen
        elif question.kind == QuestionKind.SINGLE:
            empty = given in (None, "")
            if not empty:
                if not 0 <= int(given) < len(question.choices):
                    raise DomainError(_("Choose among the options given."), code="choice")
                rows.append(Answer(question=question, choice=int(given)))
        elif question.kind == QuestionKind.SCALE:
            empty = given in (None, "")
            if not empty:
                if int(given) not in question.scale_values():
                    raise DomainError(_("Choose a value of the scale."), code="value")
                rows.append(Answer(question=question, value=int(given)))
        else:
            text = clean_text(
                str(given or "").strip(), field=_("The answer"), max_length=MAX_TEXT_ANSWER
            )
            empty = not text
            if text:
                rows.append(Answer(question=question, text=text))
        if empty and question.required:
            missing.append(question.text)
    if missing:
        raise DomainError(
            _("Answer the required questions: %(questions)s") % {"questions": "; ".join(missing)},
            code="required",
        )
    if not rows:
        raise DomainError(_("Answer at least one question."), code="empty")
    return rows


@transaction.atomic
def submit_response(user, stage, answers, *, now=None):
    """Send or change the user's response to the stage's questionnaire while the stage is open.
    `answers` is {question id: value} as the answer form gives it. Returns (the response,
    whether it is new).

    Side effects: locks the stage's row; creates the response (the person's respondent
    category with it) or replaces its answers and moves `updated_at`; a log row
    ("questionnaire.answered" or "questionnaire.changed", scoped to the stage)."""
    now = resolve_now(now)
    require(user, RESPOND, stage, message=PARTICIPANTS_ONLY)
    stage = locked_stage(stage)
    check_takes_responses(stage, now)
    questions = questions_of(stage)
    if not questions:
        raise DomainError(_("This stage has no questionnaire."), code="no_questions")
    rows = _answer_rows(questions, answers)
    category = getattr(getattr(user, "profile", None), "respondent_category", "") or ""
    response = QuestionnaireResponse.objects.filter(stage=stage, user=user).first()
    created = response is None
    if created:
        try:
            with transaction.atomic():
                response = QuestionnaireResponse.objects.create(
                    stage=stage, user=user, category=category, submitted_at=now, updated_at=now
                )
        except IntegrityError:  # sent at once from two tabs, without the stage's lock (SQLite)
            raise DomainError(
                _("Your response was already received; send it again to change it."),
                code="duplicate",
            ) from None
    else:
        response.answers.all().delete()
        response.category = category
        response.updated_at = now
        response.save(update_fields=["category", "updated_at"])
    for row in rows:
        row.response = response
    Answer.objects.bulk_create(rows)
    activity.record(
        user,
        "questionnaire.answered" if created else "questionnaire.changed",
        response,
        scope=stage,
    )
    return response, created


@transaction.atomic
def hide_answer(moderator, answer, reason, *, now=None):
    """A moderator hides a free-text answer, with a reason: it leaves the results page and the
    exports (`text_answers`, `results`, the exports' rows). Returns the `HiddenAnswer`.

    Refused for a choice or scale answer, and for one already hidden. Side effects: a
    `HiddenAnswer` row (the record: who, when, why); a log row ("answer.hidden", scoped to the
    stage, the reason)."""
    now = resolve_now(now)
    require(moderator, "consultations.moderate", message=MODERATORS_ONLY)
    reason = clean_text(reason, field=_("The reason"), required=True, max_length=1000)
    if answer.question.kind != QuestionKind.TEXT:
        raise DomainError(_("Only free-text answers can be hidden."), code="not_text")
    try:
        with transaction.atomic():
            hidden = HiddenAnswer.objects.create(
                response_id=answer.response_id,
                question=answer.question,
                reason=reason,
                hidden_by=moderator,
                hidden_at=now,
            )
    except IntegrityError:
        raise InvalidTransition(
            _("This answer is already hidden."), code="already_hidden"
        ) from None
    activity.record(
        moderator, "answer.hidden", hidden, scope=answer.question.stage, data={"reason": reason}
    )
    return hidden


def erase_responses_of(user):
    """An account is deleted: its responses stay in the counts without their person, and their
    free-text answers are cleared (a text can name or describe its writer).

    Side effects: clears the free-text answers; unlinks the responses from the user."""
    responses = QuestionnaireResponse.objects.filter(user=user)
    Answer.objects.filter(response__in=responses).exclude(text="").update(text="")
    responses.update(user=None)
