"""Questionnaires: the questions (the organisers, before the stage opens), the answer page
(participants, while the stage is open), the results with a chart and a table per question and
the free-text answers, and the responses as CSV and JSON.

The results and the responses are public once the stage has closed (the organisers see them
from its opening: `domain.questionnaires.check_results_visible`). The exports name no one: a
response is its number, its respondent category and its days (never times, which would help
re-identify someone), since a questionnaire asks people's views without publishing them under
their names (comments are the public record).
"""

import json

from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations import exports
from consultations import figures as counting
from consultations.domain import questionnaires as domain
from consultations.forms_manage import HideAnswerForm
from consultations.forms_questionnaire import QuestionForm, ResponseForm
from consultations.models import Answer, Question, QuestionKind, QuestionnaireResponse
from consultations.views.figures import CHART_POLICY
from consultations.views.manage import consultation_of, page_context, proposal_with_perm, stage_of
from consultations.views.stages import stage_for
from core import charts
from core.errors import DomainError
from core.pagination import paginate
from core.params import int_param
from core.permissions import can, passes

TEXTS_PER_PAGE = 50


def _questionnaire_stage(request, slug, position):
    """A stage that takes comments, which anyone who may see the proposal may see (404
    otherwise)."""
    stage = stage_for(request, slug, position)
    if not passes(domain.check_has_questionnaire_kind, stage):
        raise Http404
    return stage


def _page(request, stage, template, *, status=200, **extra):
    proposal = stage.consultation.proposal
    return render(
        request,
        template,
        page_context(
            request,
            proposal,
            consultation=stage.consultation,
            stage=stage,
            status_now=stage.status_at(timezone.now()),
            closes_at=timezone.localtime(stage.closes_at, proposal.organization.zone),
            **extra,
        ),
        status=status,
    )


# --- The organisers ----------------------------------------------------------------------------


@login_required
def questionnaire_manage(request, slug, position):
    """The questions of a stage: added and removed until the stage opens."""
    proposal = proposal_with_perm(request, slug, "consultations.manage")
    stage = stage_of(consultation_of(proposal), position)
    if not passes(domain.check_has_questionnaire_kind, stage):
        raise Http404
    form = QuestionForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add":
                form = QuestionForm(request.POST)
                if form.is_valid():
                    domain.add_question(request.user, stage, **form.command_arguments())
                    messages.success(request, _("The question was added."))
                    return redirect(request.path)
            elif action == "remove":
                question = get_object_or_404(
                    Question, stage=stage, pk=_question_id(request.POST.get("question"))
                )
                question.stage = stage
                domain.remove_question(request.user, question)
                messages.success(request, _("The question was removed."))
                return redirect(request.path)
            else:
                raise Http404
        except DomainError as error:
            form.add_error(None, error.message)
        status = 400
    return _page(
        request,
        stage,
        "consultations/questionnaire_manage.html",
        status=status,
        questions=domain.questions_of(stage),
        form=form,
        can_change=passes(domain.check_questions_change, stage),
        responses=QuestionnaireResponse.objects.filter(stage=stage).count(),
    )


def _question_id(value):
    number = int_param(value, min_value=1, max_value=2**63 - 1)
    if number is None:
        raise Http404
    return number


# --- Participants ------------------------------------------------------------------------------


def questionnaire(request, slug, position):
    """The questionnaire: answered, and changed, while the stage is open; the person's own
    answers shown as they were sent once it has closed."""
    stage = _questionnaire_stage(request, slug, position)
    questions = domain.questions_of(stage)
    if not questions:
        raise Http404
    if request.method == "POST" and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    response = domain.response_of(request.user, stage)
    answered = domain.answers_as_data(response, questions)
    open_now = passes(domain.check_takes_responses, stage)
    may_respond = request.user.is_authenticated and can(
        request.user, "consultations.respond", stage
    )
    form = ResponseForm(questions=questions, initial=ResponseForm.initial_from(answered))
    error, status = "", 200
    if request.method == "POST":
        form = ResponseForm(request.POST, questions=questions)
        if form.is_valid():
            try:
                _response, created = domain.submit_response(request.user, stage, form.answers())
            except DomainError as refusal:
                error = refusal.message
            else:
                messages.success(
                    request,
                    _("Your response was received. You can change it until the stage closes.")
                    if created
                    else _("Your response was changed."),
                )
                return redirect(request.path)
        status = 400
    return _page(
        request,
        stage,
        "consultations/questionnaire.html",
        status=status,
        questions=questions,
        form=form,
        error=error,
        response=response,
        mine=_own_answers(questions, answered),
        open_now=open_now,
        may_respond=may_respond,
        why_not=_why_not(stage),
        results_visible=passes(domain.check_results_visible, request.user, stage),
        can_manage=request.user.is_authenticated
        and can(request.user, "consultations.manage", stage),
    )


def _why_not(stage):
    try:
        domain.check_takes_responses(stage)
    except DomainError as refusal:
        return refusal.message
    return ""


def _own_answers(questions, answered):
    """(question, what the person answered, as text) for the page after the stage closed."""
    rows = []
    for question in questions:
        given = answered.get(question.pk)
        labels = dict(question.options())
        if given is None or given == "" or given == []:
            shown = ""
        elif question.kind == QuestionKind.MULTIPLE:
            shown = "; ".join(labels.get(value, "?") for value in given)
        elif question.kind == QuestionKind.TEXT:
            shown = given
        else:
            shown = labels.get(given, str(given))
        rows.append((question, shown))
    return rows


# --- Results ------------------------------------------------------------------------------------


def _visible_results_stage(request, slug, position):
    stage = _questionnaire_stage(request, slug, position)
    if not passes(domain.check_results_visible, request.user, stage):
        raise Http404
    return stage


def questionnaire_results(request, slug, position):
    """One chart and one table per choice or scale question, and the free-text answers, a page
    at a time (before the stage closes: a page saying when they will be published)."""
    stage = _questionnaire_stage(request, slug, position)
    visible = passes(domain.check_results_visible, request.user, stage)
    if not visible:
        if not Question.objects.filter(stage=stage).exists():
            raise Http404
        return _page(request, stage, "consultations/questionnaire_results.html", visible=False)
    result = domain.results(stage)
    if not result.questions:
        raise Http404
    texts = paginate(request, domain.text_answers(stage), per_page=TEXTS_PER_PAGE)
    return _page(
        request,
        stage,
        "consultations/questionnaire_results.html",
        visible=True,
        results=result,
        texts=texts,
        can_moderate=can(request.user, "consultations.moderate", None),
    )


@csp_replace(CHART_POLICY)
def questionnaire_chart(request, slug, position, question_id):
    """The answers to one choice or scale question as an SVG image, with the policy of every
    chart of ours (`consultations.views.figures.figures_chart`)."""
    stage = _visible_results_stage(request, slug, position)
    result = domain.results(stage)
    item = next((q for q in result.questions if q.question.pk == question_id), None)
    if item is None or not item.charted:
        raise Http404
    labels = [label for _value, label, _count in item.counts]
    values = [count for _value, _label, count in item.counts]
    svg = counting.cached_chart(
        f"questionnaire:{stage.pk}:{question_id}",
        (item.question.text, labels, values),
        lambda: charts.horizontal_bars(
            labels, [(_("Responses"), values)], title=item.question.text
        ),
    )
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, max-age=60"
    return response


@login_required
def answer_hide(request, slug, position, answer_id):
    """A moderator hides a free-text answer of the results, with a reason
    (`domain.hide_answer`); back to the results."""
    if not can(request.user, "consultations.moderate", None):
        raise PermissionDenied
    stage = _visible_results_stage(request, slug, position)
    answer = get_object_or_404(
        Answer.objects.select_related("question__stage").exclude(text=""),
        pk=answer_id,
        question__stage=stage,
        question__kind=QuestionKind.TEXT,
    )
    form = HideAnswerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                domain.hide_answer(request.user, answer, form.cleaned_data["reason"])
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("The answer was hidden."))
                return redirect(
                    "consultations:questionnaire_results", stage.consultation.proposal.slug,
                    stage.position,
                )  # fmt: skip
    return _page(
        request,
        stage,
        "consultations/answer_hide.html",
        status=status,
        answer=answer,
        form=form,
    )


def _response_rows(stage, questions):
    """One row per response: its number (in order of sending), respondent category, the days
    (not the times) it was first sent and last changed, and the answers as text, question by
    question (a free-text answer a moderator hid left empty). Four queries."""
    responses = list(
        QuestionnaireResponse.objects.filter(stage=stage).order_by("submitted_at", "pk")
    )
    by_response = {}
    answers = Answer.objects.filter(response__stage=stage).order_by("question_id", "choice", "pk")
    for answer in answers:
        by_response.setdefault(answer.response_id, {}).setdefault(answer.question_id, []).append(
            answer
        )
    labels = {question.pk: dict(question.options()) for question in questions}
    hidden = domain.hidden_answer_keys(stage)
    rows = []
    for number, response in enumerate(responses, start=1):
        given = by_response.get(response.pk, {})
        row = {
            "response": number,
            "category": response.category,
            # The day only (the site's time zone): exact times would help re-identify someone.
            "submitted": timezone.localdate(response.submitted_at).isoformat(),
            "updated": timezone.localdate(response.updated_at).isoformat(),
            "answers": {},
        }
        for question in questions:
            parts = []
            for answer in given.get(question.pk, []):
                if question.kind == QuestionKind.TEXT:
                    if (response.pk, question.pk) not in hidden:  # hidden by a moderator
                        parts.append(answer.text)
                else:
                    key = answer.choice if answer.choice is not None else answer.value
                    parts.append(labels[question.pk].get(key, str(key)))
            row["answers"][str(question.position)] = (
                parts if question.kind == QuestionKind.MULTIPLE else (parts[0] if parts else "")
            )
        rows.append(row)
    return rows


def questionnaire_export(request, slug, position, fmt):
    """The responses as CSV (one column per question) or JSON, without names."""
    stage = _visible_results_stage(request, slug, position)
    questions = domain.questions_of(stage)
    if not questions:
        raise Http404
    rows = _response_rows(stage, questions)
    name = f"{stage.consultation.proposal.slug}-{stage.position}-questionnaire"
    if fmt == "json":
        data = {
            "questions": [
                {
                    "position": question.position,
                    "kind": question.kind,
                    "text": question.text,
                    "required": question.required,
                    "options": [label for _value, label in question.options()],
                }
                for question in questions
            ],
            "responses": rows,
        }
        body = json.dumps(data, ensure_ascii=False, indent=1)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    else:
        header = [_("response"), _("respondent category"), _("first sent"), _("last changed")] + [
            f"{question.position}. {question.text}" for question in questions
        ]
        body = b"".join(exports.csv_stream(header, _csv_rows(rows, questions)))
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _csv_rows(rows, questions):
    for row in rows:
        cells = []
        for question in questions:
            value = row["answers"][str(question.position)]
            cells.append("; ".join(value) if isinstance(value, list) else value)
        yield [row["response"], row["category"], row["submitted"], row["updated"], *cells]
