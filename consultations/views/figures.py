"""Participation figures of a consultation and of each of its stages (`consultations.figures`):
a page with every chart and the same numbers as a table, each chart as an SVG image, and the
figures as CSV and JSON. Anyone who may see the proposal; 404 for everyone else.

Charts are drawn on the server (`consultations.figures.chart_svg`) and kept in the cache under a
digest of the figures they show and the language: counting takes five queries per view, drawing
(the costly part) happens once per change of the numbers, not once per reader.
"""

import csv
import io
import json

from csp.constants import NONE, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from consultations import figures as counting
from consultations.models import Stage
from consultations.views.stages import consultation_for
from proposals.views import proposal_context

CHARTS = counting.CHARTS


def _scope(request, slug, position):
    """(consultation, stage or None, the stages counted, the revision whose paragraphs the
    stances are counted on or None)."""
    consultation = consultation_for(request, slug)
    stages = Stage.objects.filter(consultation=consultation)
    if position is None:
        return consultation, None, stages, None
    stage = get_object_or_404(stages.select_related("revision"), position=position)
    stage.consultation = consultation
    if not stage.accepts_comments:
        raise Http404
    return consultation, stage, stages.filter(pk=stage.pk), stage.revision


def _figures(consultation, stages, revision):
    zone = consultation.proposal.organization.zone
    return counting.figures(stages, zone=zone, revision=revision)


def _base(consultation, stage):
    slug = consultation.proposal.slug
    if stage is None:
        return reverse("consultations:figures", args=[slug])
    return reverse("consultations:stage_figures", args=[slug, stage.position])


def figures_page(request, slug, position=None):
    consultation, stage, stages, revision = _scope(request, slug, position)
    result = _figures(consultation, stages, revision)
    base = _base(consultation, stage)
    return render(
        request,
        "consultations/figures.html",
        proposal_context(
            request,
            consultation.proposal,
            "consultation",
            consultation=consultation,
            stage=stage,
            stages=list(stages.filter(kind__in=("call_for_input", "written")).order_by("position")),
            figures=result,
            answered=counting.has_answers(result),
            chart_base=base,
            zone_name=consultation.proposal.organization.time_zone,
        ),
    )


# The policy of a chart served as an image: nothing may load or run in it; the inline styles
# matplotlib writes may apply.
CHART_POLICY = {
    "default-src": [NONE],
    "style-src": [UNSAFE_INLINE],
    "frame-ancestors": [NONE],
    **dict.fromkeys(
        ("script-src", "img-src", "font-src", "connect-src", "form-action", "base-uri",
         "object-src"),
    ),
}  # fmt: skip


@csp_replace(CHART_POLICY)
def figures_chart(request, slug, chart, position=None):
    """One chart as an SVG image. Its own policy: nothing may load or run in it; the inline
    styles matplotlib writes may apply (it is an image of our own drawing, shown through
    `<img>`)."""
    if chart not in CHARTS:
        raise Http404
    consultation, stage, stages, revision = _scope(request, slug, position)
    if chart == "stances" and stage is None:
        raise Http404
    svg = counting.chart_svg(chart, _figures(consultation, stages, revision))
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, max-age=60"
    return response


def figures_export(request, slug, fmt, position=None):
    consultation, stage, stages, revision = _scope(request, slug, position)
    rows = _figures(consultation, stages, revision).rows()
    name = consultation.proposal.slug + (f"-{stage.position}" if stage else "") + "-figures"
    if fmt == "json":
        data = json.dumps(
            [dict(zip(("table", "key", "label", "value"), row, strict=True)) for row in rows],
            ensure_ascii=False,
            indent=1,
        )
        response = HttpResponse(data, content_type="application/json; charset=utf-8")
    else:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([_("table"), _("key"), _("label"), _("value")])
        writer.writerows(rows)
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
