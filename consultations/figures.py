"""Participation figures of a consultation or of one of its stages, counted in the database.

Who took part (people and comments by respondent category), when (comments per day, in the
organisation's time zone), where they stood (stance per paragraph of the text under debate) and
what became of their comments (answers by outcome). The charts, the tables, the CSV and the JSON
all come from one `Figures`, so they never disagree.

What is counted: the comments shown in the threads (not those held, hidden or withdrawn), replies
included for people and days; stances and answers are those of the top-level comments, which
are the ones that take a stance and get an answer. Nothing here writes.
"""

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils.formats import date_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts import regions as regions_of_people
from accounts.models import RespondentCategory
from consultations.domain import block_labels
from consultations.models import CommentState, Outcome, StageComment, Stance
from core import charts

UNKNOWN = "unknown"  # the category of comments whose author's account was deleted
CHARTS = ("categories", "regions", "days", "stances", "outcomes")
CHART_SECONDS = 24 * 3600


@dataclass
class Figures:
    participants: int = 0
    comments: int = 0
    # (code, label, participants, comments), in the categories' order.
    categories: list = field(default_factory=list)
    # (code, label, participants, comments) per country: Romania, Bulgaria, another, not said.
    countries: list = field(default_factory=list)
    # (code, label, participants, comments) per county or province with any, most people first.
    regions: list = field(default_factory=list)
    # (date, label, comments), every day from the first comment to the last.
    days: list = field(default_factory=list)
    # (block key, label, support, oppose, neutral), in the text's order; one stage only.
    stances: list = field(default_factory=list)
    # (code, label, comments); "" is "not answered yet".
    outcomes: list = field(default_factory=list)

    def rows(self):
        """Every figure as (table, key, label, value) rows: the CSV and the JSON."""
        rows = [
            ("total", "participants", _("Participants"), self.participants),
            ("total", "comments", _("Comments"), self.comments),
        ]
        for code, label, people, comments in self.categories:
            rows.append(("category_participants", code, label, people))
            rows.append(("category_comments", code, label, comments))
        for code, label, people, comments in self.countries:
            rows.append(("country_participants", code or "not_said", label, people))
            rows.append(("country_comments", code or "not_said", label, comments))
        for code, label, people, comments in self.regions:
            rows.append(("region_participants", code, label, people))
            rows.append(("region_comments", code, label, comments))
        for day, label, comments in self.days:
            rows.append(("day", day.isoformat(), label, comments))
        for key, label, support, oppose, neutral in self.stances:
            rows.append(("stance_support", key, label, support))
            rows.append(("stance_oppose", key, label, oppose))
            rows.append(("stance_neutral", key, label, neutral))
        for code, label, comments in self.outcomes:
            rows.append(("outcome", code or "unanswered", label, comments))
        return rows


def figures(stages, *, zone, revision=None):
    """The figures of the comments made in `stages` (a queryset of one consultation's stages);
    with `revision` (one stage's text under debate), the stances per paragraph too. Dates are
    days in `zone`. Side effects: none (six queries)."""
    shown = StageComment.objects.filter(stage__in=stages, state=CommentState.VISIBLE).order_by()
    totals = shown.aggregate(comments=Count("pk"), participants=Count("user", distinct=True))
    result = Figures(participants=totals["participants"], comments=totals["comments"])

    per_category = {
        row["user__profile__respondent_category"] or UNKNOWN: row
        for row in shown.values("user__profile__respondent_category").annotate(
            comments=Count("pk"), participants=Count("user", distinct=True)
        )
    }
    result.categories = category_rows(per_category)

    per_region = shown.values("user__profile__region").annotate(
        comments=Count("pk"), participants=Count("user", distinct=True)
    )
    result.countries, result.regions = place_rows(
        (row["user__profile__region"] or "", row["participants"], row["comments"])
        for row in per_region
    )

    per_day = dict(
        shown.annotate(day=TruncDate("submit_date", tzinfo=zone))
        .values_list("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    if per_day:
        day, last = min(per_day), max(per_day)
        while day <= last:
            result.days.append((day, date_format(day, "MONTH_DAY_FORMAT"), per_day.get(day, 0)))
            day += timedelta(days=1)

    top = shown.filter(level=0)
    if revision is not None:
        counts = {}
        for key, stance, n in (
            top.values_list("block_key", "stance")
            .annotate(n=Count("pk"))
            .values_list("block_key", "stance", "n")
        ):
            counts.setdefault(key, {})[stance or Stance.NEUTRAL] = n
        paragraphs = [("", _("The whole text"))] + list(block_labels(revision).items())
        for key, label in paragraphs:
            found = counts.get(key, {})
            if found:
                result.stances.append(
                    (
                        key,
                        label,
                        found.get(Stance.SUPPORT, 0),
                        found.get(Stance.OPPOSE, 0),
                        found.get(Stance.NEUTRAL, 0),
                    )
                )

    per_outcome = dict(
        top.values_list("disposition__outcome")
        .annotate(n=Count("pk"))
        .values_list("disposition__outcome", "n")
    )
    for code, label in [*Outcome.choices, ("", _("Not answered yet"))]:
        result.outcomes.append((code, str(label), per_outcome.get(code or None, 0)))
    return result


def category_rows(per_category):
    """[(code, label, participants, comments)] in the categories' order, from {code or UNKNOWN:
    {"participants", "comments"}}; the deleted accounts' row only when they left comments."""
    rows = []
    for code, label in [*RespondentCategory.choices, (UNKNOWN, _("Deleted account"))]:
        row = per_category.get(code, {"participants": 0, "comments": 0})
        if code == UNKNOWN and not row["comments"]:
            continue
        rows.append((code, str(label), row["participants"], row["comments"]))
    return rows


# A county or province shown with fewer people than this could point at someone: comment
# authors are named, so "1 participant, 4 comments" there would tell where that person lives.
# Such places are counted together in one row.
MIN_PEOPLE_PER_REGION = 3
FEW = "few"


def place_rows(counted):
    """(countries, regions) from (region code, participants, comments) triples: every country
    in order (zeros included); the regions with at least `MIN_PEOPLE_PER_REGION` participants,
    most first, then one row (`FEW`) for all the others together, if any. A person is counted
    in the one region their profile says now."""
    per_country, regions, few = {}, [], [0, 0]
    for code, people, comments in counted:
        country = regions_of_people.country_of(code)
        totals = per_country.setdefault(country, [0, 0])
        totals[0] += people
        totals[1] += comments
        if not code or code == regions_of_people.ANOTHER_COUNTRY:
            continue
        if people >= MIN_PEOPLE_PER_REGION:
            regions.append((code, str(regions_of_people.LABELS.get(code, code)), people, comments))
        else:
            few[0] += people
            few[1] += comments
    countries = [
        (code, str(label), *per_country.get(code, (0, 0)))
        for code, label in regions_of_people.COUNTRIES
    ]
    regions.sort(key=lambda row: (-row[2], -row[3], row[1]))
    if few[0]:
        label = ngettext(
            "Counties or provinces with fewer than %(counter)s participant",
            "Counties or provinces with fewer than %(counter)s participants",
            MIN_PEOPLE_PER_REGION,
        ) % {"counter": MIN_PEOPLE_PER_REGION}
        regions.append((FEW, label, *few))
    return countries, regions


def stage_figures(stage):
    """The figures of one stage that takes comments, with the stances on its text (`stage`
    with its consultation, proposal and organisation at hand). Six queries."""
    zone = stage.consultation.proposal.organization.zone
    return figures([stage], zone=zone, revision=stage.revision)


def has_answers(result):
    """Whether any comment was answered (the outcomes chart says nothing before)."""
    return any(n for code, _label, n in result.outcomes if code)


def _people_and_comments(rows, title):
    """Bars of participants and comments per row of (code, label, participants, comments)."""
    return charts.horizontal_bars(
        [label for _code, label, _people, _comments in rows],
        [
            (_("Participants"), [people for _c, _l, people, _n in rows]),
            (_("Comments"), [n for _c, _l, _p, n in rows]),
        ],
        title=title,
    )


def draw_chart(chart, result):
    """The SVG text of the chart `chart` (one of CHARTS) of `result`, drawn now."""
    if chart == "categories":
        return _people_and_comments(
            result.categories, _("Participants and comments by respondent category")
        )
    if chart == "regions":
        return _people_and_comments(
            result.regions, _("Participants and comments by county or province")
        )
    if chart == "days":
        return charts.columns_over_time(
            [label for _day, label, _n in result.days],
            [n for _day, _label, n in result.days],
            title=_("Comments per day"),
            ylabel=_("Comments"),
        )
    if chart == "stances":
        return charts.stacked_bars(
            [label for _key, label, *_counts in result.stances],
            [
                (_("Support"), [row[2] for row in result.stances]),
                (_("Oppose"), [row[3] for row in result.stances]),
                (_("Neutral"), [row[4] for row in result.stances]),
            ],
            title=_("Comments per paragraph and stance"),
            xlabel=_("Comments"),
        )
    return charts.horizontal_bars(
        [label for _code, label, _n in result.outcomes],
        [(_("Comments"), [n for _code, _label, n in result.outcomes])],
        title=_("Comments that start a thread, by the organisation’s answer"),
    )


def cached_chart(name, data, draw):
    """The SVG `draw()` gives for `data`, from the cache: keyed by the figures themselves and
    the language, drawn again exactly when a number or a label changes."""
    digest = hashlib.sha256(repr((name, data, get_language())).encode()).hexdigest()[:32]
    key = f"figures:chart:{name}:{digest}"
    svg = cache.get(key)
    if svg is None:
        svg = draw()
        cache.set(key, svg, CHART_SECONDS)
    return svg


def chart_svg(chart, result):
    """The SVG text of the chart `chart` (one of CHARTS) of `result`, from the cache."""
    return cached_chart(chart, result, lambda: draw_chart(chart, result))


def stance_totals_svg(rows):
    """A chart of comments per stance, from [(label, count)] (a dossier's stage), cached."""
    rows = [(str(label), count) for label, count in rows]
    return cached_chart(
        "stance_totals",
        rows,
        lambda: charts.horizontal_bars(
            [label for label, _count in rows],
            [(_("Comments"), [count for _label, count in rows])],
            title=_("Comments by stance"),
        ),
    )


def data_address(svg):
    """`svg` as a `data:` address, for an `<img>` in HTML given to WeasyPrint (which reads no
    other address): each chart its own image, whose ids and styles stay its own."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def printed_charts(result):
    """{chart: `data:` address of its SVG}: the charts a printed synthesis shows next to its
    tables (the same figures): who took part, where (when any county or province is shown),
    the stances per paragraph (for a stage with some) and the answers (once any comment was
    answered)."""
    names = ["categories"]
    if result.regions:
        names.append("regions")
    if result.stances:
        names.append("stances")
    if has_answers(result):
        names.append("outcomes")
    return {name: data_address(chart_svg(name, result)) for name in names}
