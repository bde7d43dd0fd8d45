"""The consultation's section of a submission's dossier (see registrations.dossier).

For a submission whose proposal went through a public consultation, the authority reads what
came of it: the stages in order (kind, title, opening and closing, status or cancellation with
its reason, the revision under debate; for a public meeting when and where it was held, how many
took part, whether its minutes were published), the participation in each stage that took
comments, and every published synthesis: its counts and its table, row by row exactly as the
synthesis page and its PDF show it (`consultations.exports.legal_row_chunks`: the frozen rows,
in the legal layout of the proposal's country, without the words and author of comments no
longer shown, `consultations.public`). When no synthesis was published the section says so.

A table of more rows than one part of the synthesis PDF (`SYNTHESIS_PDF_PART_ROWS`) is never
read nor laid out here (WeasyPrint would need minutes and hundreds of MiB): its PDF is made once
in the background (`consultations.synthesis_files`). When that file is ready the section opens
it and hands it over as an annex (`"annexes"`), which the dossier joins after its own pages, a
page at a time (`core.pdfjoin`); the section says it is joined as annex N. When it is not ready
the section says where to download it (the page where it is prepared, by a POST: the dossier, a
GET, writes nothing) and that the dossier downloaded again once it is ready will hold it.

A proposal that had no consultation gets no section: the dossier then says that no
consultation summary is attached.

Written in the proposal's language, dates as `core.dates` writes them in the organisation's
zone. The number of queries does not depend on the number of comments: the consultation, its
stages, one aggregate over their comments and, per published synthesis, one for its rows and
one for the comments no longer shown among them (a table of at most one part), or one for its
stored file (a longer one).
"""

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consultations import figures as counting
from consultations import synthesis_files
from consultations.exports import layout_for, legal_counts, legal_language, legal_row_chunks
from consultations.models import (
    CommentState,
    FileStatus,
    Stage,
    StageComment,
    StageKind,
    StageStatus,
    Stance,
)
from core.dates import format_date, format_datetime
from core.mail import absolute_url

STATE_COUNTS = {
    "hidden": CommentState.HIDDEN,
    "withdrawn": CommentState.WITHDRAWN,
    "held": CommentState.HELD,
}


def consultation_section(submission):
    """The dossier section {"title", "html", "annexes"} of `submission`'s consultation, or None
    when its proposal had none. Reads only. "annexes": the stored PDFs of the justification
    tables too long to be laid out within the dossier that are ready (files open for reading,
    which the dossier joins after its pages and closes; see the module).

    The section describes the consultation as it stood when the proposal was sent: the stages
    that had opened by then, their status at that moment, the minutes and syntheses published
    by then, so that the dossier downloaded later is the one that was filed. (Comments hidden by
    moderation since then lose their text here too: that protects the people they concern. A long
    table is joined once its PDF is prepared: until then the section says where to get it.)"""
    proposal = submission.proposal
    try:
        consultation = proposal.consultation
    except ObjectDoesNotExist:
        return None
    with translation.override(proposal.language):
        context = _context(consultation, proposal, submission.submitted_at)
        annexes = [entry["annex"]["file"] for entry in context["syntheses"] if entry["annex"]]
        try:
            html = render_to_string("consultations/export/dossier_section.html", context)
        except BaseException:
            for annex in annexes:
                annex.close()
            raise
        return {"title": _("Consultation"), "html": html, "annexes": annexes}


def tables_not_joined(submission):
    """The published syntheses (as the dossier shows them: by the moment `submission` was sent)
    whose justification table is too long to be laid out within the dossier and whose PDF is not
    ready to be joined to it: [{"stage": stage, "pdf_url": the page where it is prepared}], for
    the submission's page to say so before the dossier is downloaded. A few queries, none for
    rows. Side effects: none."""
    try:
        consultation = submission.proposal.consultation
    except ObjectDoesNotExist:
        return []
    now = submission.submitted_at
    missing = []
    for stage in _stages_by(consultation, now):
        synthesis = _synthesis_of(stage, now)
        if (
            synthesis is not None
            and synthesis_files.prepared_in_background(synthesis)
            and _ready_table(synthesis) is None
        ):
            missing.append({"stage": stage, "pdf_url": _table_path(submission.proposal, stage)})
    return missing


def _stages_by(consultation, now):
    """The stages of `consultation` that had opened by `now`, in order, with their syntheses."""
    return (
        consultation.stages.filter(opens_at__lte=now)
        .select_related("synthesis")
        .order_by("position")
    )


def _ready_table(synthesis):
    """The stored PDF of `synthesis`'s table (`SynthesisFile`) when it is ready for what may be
    shown now, or None. One query."""
    synthesis_file = synthesis_files.current_file(synthesis)
    if synthesis_file is not None and synthesis_file.status == FileStatus.READY:
        return synthesis_file
    return None


def _table_path(proposal, stage):
    """Where the PDF of the stage's justification table is downloaded (and prepared)."""
    return reverse("consultations:synthesis_export", args=[proposal.slug, stage.position, "pdf"])


def _context(consultation, proposal, now):
    language = proposal.language
    zone = proposal.organization.zone
    stages = list(_stages_by(consultation, now).annotate(revision_number=F("revision__number")))
    figures = participation(stages)
    entries = []
    try:
        for stage in stages:
            entries.append(_stage_entry(stage, figures.get(stage.pk), language, zone, now))
        return _numbered(consultation, entries, language, zone, now)
    except BaseException:
        # The annexes opened for the stages before what failed.
        for entry in entries:
            if entry["synthesis"] and entry["synthesis"]["annex"]:
                entry["synthesis"]["annex"]["file"].close()
        raise


def _numbered(consultation, entries, language, zone, now):
    """The section's context: `entries` with the annexes numbered in order."""
    syntheses = [entry["synthesis"] for entry in entries if entry["synthesis"]]
    number = 0
    for entry in syntheses:
        if entry["annex"]:
            number += 1
            entry["annex"]["number"] = number
    return {
        "consultation": consultation,
        "consultation_url": absolute_url(consultation.get_absolute_url()),
        "stages": entries,
        "syntheses": syntheses,
        "labels": _labels(),
        "as_of": format_datetime(now, language, zone),
    }


def _labels():
    """Column labels that the models' translated field names already say."""
    field = Stage._meta.get_field
    return {
        name: capfirst(field(name).verbose_name)
        for name in ("opens_at", "closes_at", "revision", "meeting_at", "meeting_place", "minutes")
    } | {"participants": _("Number of participants")}


def participation(stages):
    """Stage id → the participation figures of each stage that took comments. Two queries.

    Comments counted are those shown; how many are hidden, withdrawn or held is said apart.
    Participants are the distinct authors of the comments shown."""
    ids = [stage.pk for stage in stages if stage.kind in StageKind.commentable()]
    if not ids:
        return {}
    shown = Q(state=CommentState.VISIBLE)
    aggregates = {
        "shown": Count("pk", filter=shown),
        "participants": Count("user", filter=shown, distinct=True),
        "top_level": Count("pk", filter=shown & Q(level=0)),
        "replies": Count("pk", filter=shown & Q(level__gt=0)),
        "no_stance": Count("pk", filter=shown & Q(stance="")),
    }
    for name, state in STATE_COUNTS.items():
        aggregates[name] = Count("pk", filter=Q(state=state))
    for stance in Stance.values:
        aggregates[stance] = Count("pk", filter=shown & Q(stance=stance))
    rows = (
        StageComment.objects.filter(stage_id__in=ids)
        .order_by()  # the default ordering would split the groups
        .values("stage_id")
        .annotate(**aggregates)
    )
    empty = dict.fromkeys(aggregates, 0)
    figures = {pk: dict(empty) for pk in ids}
    for row in rows:
        figures[row.pop("stage_id")] = row
    # Who took part, by respondent category (consultations.figures counts them the same way).
    per_category = {pk: {} for pk in ids}
    for row in (
        StageComment.objects.filter(shown, stage_id__in=ids)
        .order_by()
        .values("stage_id", "user__profile__respondent_category")
        .annotate(comments=Count("pk"), participants=Count("user", distinct=True))
    ):
        code = row["user__profile__respondent_category"] or counting.UNKNOWN
        per_category[row["stage_id"]][code] = row
    for pk, counts in figures.items():
        counts["categories"] = counting.category_rows(per_category[pk])
    for counts in figures.values():
        counts["stances"] = [(label, counts[value]) for value, label in Stance.choices] + [
            (capfirst(gettext_lazy("no stance")), counts["no_stance"])
        ]
    return figures


def _stage_entry(stage, figures, language, zone, now):
    entry = {
        "stage": stage,
        "kind": stage.get_kind_display(),
        "status_label": StageStatus(stage.status_at(now)).label,
        "opens": format_datetime(stage.opens_at, language, zone),
        "closes": format_datetime(stage.closes_at, language, zone),
        "cancelled": (
            format_datetime(stage.cancelled_at, language, zone) if stage.cancelled_at else ""
        ),
        "revision_number": stage.revision_number,
        "meeting": None,
        "figures": figures,
        "charts": _charts(figures),
        "synthesis": None,
    }
    if stage.kind == StageKind.MEETING:
        published = stage.minutes_published_at
        if published is not None and published > now:
            published = None  # published after the proposal was sent
        entry["meeting"] = {
            "at": format_datetime(stage.meeting_at or stage.opens_at, language, zone),
            "place": stage.meeting_place,
            "participants": stage.participants if published else None,
            "minutes_published": format_date(timezone.localtime(published, zone), language)
            if published
            else "",
        }
    synthesis = _synthesis_of(stage, now)
    if synthesis is not None:
        entry["synthesis"] = _synthesis_entry(stage, synthesis, language, zone)
    return entry


def _synthesis_entry(stage, synthesis, language, zone):
    """What the section shows of a published synthesis: its counts, and its table when that
    is at most one part of the PDF (`synthesis_files.prepared_in_background`); a longer table
    is never read here, nor laid out: its stored PDF, when ready, is opened to be joined at the
    end of the dossier (`annex`), and the section says so, or where to get it."""
    proposal = stage.consultation.proposal
    layout = layout_for(legal_language(proposal))
    stance_counts, outcome_counts = legal_counts(synthesis.counts, layout)
    entry = {
        "stage": stage,
        "synthesis": synthesis,
        "layout": layout,
        "table": None,
        "annex": None,
        "published": format_date(timezone.localtime(synthesis.published_at, zone), language),
        "stance_counts": stance_counts,
        "outcome_counts": outcome_counts,
        "total": synthesis.counts.get("total", 0),
        "pdf_url": absolute_url(_table_path(proposal, stage)),
    }
    if not synthesis_files.prepared_in_background(synthesis):
        entry["table"] = [row for chunk in legal_row_chunks(synthesis, layout) for row in chunk]
        entry["total"] = synthesis.counts.get("total", len(entry["table"]))
        return entry
    synthesis_file = _ready_table(synthesis)
    if synthesis_file is not None:
        try:
            opened = synthesis_file.file.open("rb")
        except OSError:  # replaced meanwhile (a comment hidden): as if not ready
            return entry
        entry["annex"] = {"file": opened, "pages": synthesis_file.pages}
    return entry


def _charts(figures):
    """[`data:` addresses of SVG]: a stage's participation drawn (who took part, the
    stances), next to the same numbers in its table; none before any comment is shown."""
    if not figures or not figures["shown"]:
        return []
    categories = counting.Figures(categories=figures["categories"])
    return [
        counting.data_address(counting.chart_svg("categories", categories)),
        counting.data_address(counting.stance_totals_svg(figures["stances"])),
    ]


def _synthesis_of(stage, now):
    """The stage's synthesis if it was published by `now`."""
    if stage.kind not in StageKind.commentable():
        return None
    try:
        synthesis = stage.synthesis
    except ObjectDoesNotExist:
        return None
    return synthesis if synthesis.published_at <= now else None
