"""Pages of the annual report on decisional transparency (Law 52/2003 art. 13), with its PDF and
CSV, under /register/authority/<slug>/report/<year>/.

Who sees what: a published version is public (the latest by default, an earlier one with
`?version=N`); the authority's registrars and admins see the draft — the figures counted now
and the parts written so far — and its admins complete and publish it. Anyone else gets 404
for a report not published, as for a year before 2003 or after the current one."""

import csv
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from accounts.models import Organization, OrganizationKind
from core.dates import format_date, format_datetime
from core.errors import DomainError
from core.params import int_param
from core.permissions import can
from proposals.exports import render_pdf
from registrations import reports
from registrations.forms import AnnualReportForm
from registrations.models import AnnualReport, ReportStatus
from registrations.views import csv_cell

HAND_WRITTEN = (
    "court_actions",
    "court_actions_text",
    "assessment",
    "closed_meetings",
    "closed_meetings_reasons",
)


@dataclass
class Shown:
    """The report as this visitor sees it: a published version, or the draft."""

    authority: Organization
    year: int
    report: AnnualReport | None
    version: object  # the AnnualReportVersion shown, None for the draft
    figures: dict
    parts: object  # where the hand-written parts are read from
    may_edit: bool

    @property
    def is_draft(self):
        return self.version is None


@dataclass
class EmptyParts:
    court_actions: int = 0
    court_actions_text: str = ""
    assessment: str = ""
    closed_meetings: int = 0
    closed_meetings_reasons: str = ""


def _shown(request, slug, year):
    authority = get_object_or_404(Organization, slug=slug, kind=OrganizationKind.AUTHORITY)
    if not reports.year_in_range(authority, year):
        raise Http404
    report = (
        AnnualReport.objects.filter(authority=authority, year=year)
        .select_related("updated_by")
        .first()
    )
    may_edit = can(request.user, "registrations.edit_annual_report", authority)
    number = int_param(request.GET.get("version"), min_value=1, max_value=100000)
    if number is not None:
        version = report.versions.filter(number=number).first() if report else None
        if version is None:
            raise Http404
        return Shown(authority, year, report, version, version.figures, version, may_edit)
    if can(request.user, "registrations.view_annual_report_draft", authority):
        figures = reports.count_figures(authority, year)
        return Shown(authority, year, report, None, figures, report or EmptyParts(), may_edit)
    if report is not None and report.status == ReportStatus.PUBLISHED:
        version = report.versions.get(number=report.published_version)
        return Shown(authority, year, report, version, version.figures, version, may_edit)
    raise Http404


def _rows(shown):
    """The frozen rows with their dates as the reader's language writes them."""
    language = translation.get_language()
    zone = shown.authority.zone
    stages = [
        {**row, "ended": format_date(date.fromisoformat(row["ended_on"]), language)}
        for row in shown.figures["stages"]
    ]
    meetings = [
        {
            **row,
            "held": format_datetime(datetime.fromisoformat(row["held_at"]), language, zone),
        }
        for row in shown.figures["meetings"]
    ]
    return stages, meetings


def _counted_up_to(shown, language):
    """The long date the figures were counted on, when the year was not over then."""
    day = reports.counted_before_year_end(shown.authority, shown.year, shown.figures)
    return format_date(day, language) if day else ""


def _context(request, shown, **extra):
    language = translation.get_language()
    stages, meetings = _rows(shown)
    report = shown.report
    versions = list(report.versions.order_by("-number")) if report else []
    counted_at = datetime.fromisoformat(shown.figures["counted_at"])
    return {
        "shown": shown,
        "authority": shown.authority,
        "year": shown.year,
        "figures": shown.figures,
        "parts": shown.parts,
        "stages": stages,
        "meetings": meetings,
        "versions": versions,
        "counted_at": format_datetime(counted_at, language, shown.authority.zone),
        "version_query": f"?version={shown.version.number}" if shown.version else "",
        "years": report_years(shown.authority, request.user),
        "can_see_register": can(
            request.user, "registrations.view_authority_register", shown.authority
        ),
        "language": language,
        "year_over": shown.year < reports.current_year(shown.authority),
        "counted_up_to": _counted_up_to(shown, language),
        **extra,
    }


def annual_report(request, slug, year):
    shown = _shown(request, slug, year)
    form = None
    status = 200
    if shown.is_draft and shown.may_edit:
        parts = shown.parts
        form = AnnualReportForm(
            request.POST or None,
            initial={name: getattr(parts, name) for name in HAND_WRITTEN},
        )
        if not (shown.report and shown.report.is_published):
            del form.fields["correction_reason"]  # only a correction has a reason
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            correction_reason = data.pop("correction_reason", "")
            try:
                if request.POST.get("action") == "publish":
                    version = reports.publish_report(
                        request.user,
                        shown.authority,
                        shown.year,
                        correction_reason=correction_reason,
                        **data,
                    )
                    messages.success(
                        request,
                        _("Version %(number)s of the report is published.")
                        % {"number": version.number},
                    )
                else:
                    reports.save_report_draft(request.user, shown.authority, shown.year, **data)
                    messages.success(request, _("The draft of the report is saved."))
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                return redirect("registration:report", shown.authority.slug, shown.year)
    return render(
        request,
        "registrations/annual_report.html",
        _context(request, shown, form=form),
        status=status,
    )


FIGURE_TITLES = {
    "received": pgettext_lazy("annual report", "(a) Recommendations received"),
    "included": pgettext_lazy("annual report", "(b) Recommendations included"),
    "participants": pgettext_lazy("annual report", "(c) Participants in public meetings"),
    "debates": pgettext_lazy("annual report", "(d) Public debates held"),
}


def annual_report_figure(request, slug, year, figure):
    if figure not in reports.FIGURES:
        raise Http404
    shown = _shown(request, slug, year)
    return render(
        request,
        "registrations/annual_report_figure.html",
        _context(request, shown, figure=figure, figure_title=FIGURE_TITLES[figure]),
    )


def _filename(shown, extension):
    suffix = "-ciorna" if shown.is_draft else f"-v{shown.version.number}"
    return f"raport-transparenta-{shown.authority.slug}-{shown.year}{suffix}.{extension}"


def annual_report_pdf(request, slug, year):
    shown = _shown(request, slug, year)
    context = _context(request, shown)
    context["page_url"] = request.build_absolute_uri(
        reverse("registration:report", args=[shown.authority.slug, shown.year])
    )
    response = HttpResponse(
        render_pdf("registrations/annual_report_pdf.html", context),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(shown, "pdf")}"'
    return response


CSV_COLUMNS = (
    pgettext_lazy("export column", "Element"),
    pgettext_lazy("export column", "Item"),
    pgettext_lazy("export column", "Value"),
)


def csv_rows(shown):
    """The report as (element, item, value) rows: the seven elements, then the rows counted in
    (a)–(d). Side effects: none."""
    figures, parts = shown.figures, shown.parts
    yield ("a", _("Recommendations received"), figures["received"])
    yield ("b", _("Recommendations included"), figures["included"])
    yield ("c", _("Participants in public meetings"), figures["participants"])
    yield ("d", _("Public debates held"), figures["debates"])
    yield ("e", _("Court actions"), parts.court_actions)
    yield ("e", _("The cases and their state"), parts.court_actions_text)
    yield ("f", _("Own assessment"), parts.assessment)
    yield ("g", _("Meetings not made public"), parts.closed_meetings)
    yield ("g", _("Reasons for restricting access"), parts.closed_meetings_reasons)
    for row in figures["stages"]:
        item = f"{row['proposal']} — {row['stage']}"
        yield ("a", item, row["received"])
        yield ("b", item, row["accepted"] + row["partially"])
    for row in figures["meetings"]:
        item = f"{row['proposal']} — {row['stage']}"
        yield ("c", item, row["participants"])
        yield ("d", item, 1)
    day = reports.counted_before_year_end(shown.authority, shown.year, figures)
    if day:
        yield (
            "",
            _("The year was not over when these figures were counted: they cover it up to"),
            format_date(day, translation.get_language()),
        )


def annual_report_csv(request, slug, year):
    shown = _shown(request, slug, year)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(shown, "csv")}"'
    response.write("\ufeff")  # spreadsheet programs then read the file as UTF-8
    writer = csv.writer(response)
    writer.writerow([str(label) for label in CSV_COLUMNS])
    for row in csv_rows(shown):
        writer.writerow([csv_cell(value) for value in row])
    return response


def report_years(authority, user):
    """The years whose report `user` may open, newest first: every year from the first of the
    authority's consultations for its registrars and admins, the published ones for anyone.
    Side effects: none."""
    now = timezone.now()
    if can(user, "registrations.view_annual_report_draft", authority):
        first = reports.first_year(authority) or reports.current_year(authority, now)
        return list(
            range(reports.current_year(authority, now), max(first, reports.FIRST_YEAR) - 1, -1)
        )
    return list(
        AnnualReport.objects.filter(authority=authority, status=ReportStatus.PUBLISHED)
        .order_by("-year")
        .values_list("year", flat=True)
    )
