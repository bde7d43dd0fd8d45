"""Forms for running a consultation (the organisation's editors), moderating comments (site
staff) and answering comments.

Dates and times are typed on the organisation's wall clock (Europe/Bucharest or Europe/Sofia,
from `Organization.zone`) as a date and a time, and shown back the same way. The forms only check
the shape of what was typed; the domain functions decide what is allowed.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django import forms
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from consultations import calendar
from consultations.models import FlagReason, Outcome, StageKind, StageStatus
from core.validators import DateBounds, no_control_characters

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
# How far ahead a stage may be planned: no consultation is planned years in advance, and the
# working days of its period are counted day by day.
PLANNED_DAYS_AHEAD = 5 * 365
TIME_FORMATS = ["%H:%M", "%H:%M:%S"]


def _text(label, max_length, *, required=True, rows=None, help_text=""):
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        validators=[no_control_characters],
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput(),
    )


def _date(label, required=True):
    """A day of a stage: from 1990 to `PLANNED_DAYS_AHEAD` days from today
    (`core.validators.DateBounds`)."""
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[DateBounds(days_ahead=PLANNED_DAYS_AHEAD)],
    )


def _time(label, required=True):
    return forms.TimeField(
        label=label,
        required=required,
        input_formats=TIME_FORMATS,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )


def wall_clock(day, moment, zone):
    """The instant shown as `day` `moment` on the clocks of `zone`, or None when the clocks skip
    that time (the spring change). In the autumn hour that happens twice, the first is meant.
    The instant is returned in UTC."""
    naive = datetime.combine(day, moment)
    # In UTC: Python subtracts two datetimes of the same zone by their wall clocks.
    instant = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != naive:
        return None
    return instant


def capacity_field():
    """A meeting's number of places (empty: no limit)."""
    return forms.IntegerField(
        label=_("Number of places"),
        min_value=1,
        max_value=100_000,
        required=False,
        help_text=_(
            "Leave it empty for no limit. When the places are taken, people can join the "
            "waiting list."
        ),
    )


# --- Periods -----------------------------------------------------------------------------------


@dataclass
class Period:
    """How long a stage runs: calendar days (and hours) and working days in its country."""

    days: int
    hours: int
    working_days: int

    def __str__(self):
        text = ngettext("%(n)s day", "%(n)s days", self.days) % {"n": self.days}
        if self.hours:
            text += ", " + ngettext("%(n)s hour", "%(n)s hours", self.hours) % {"n": self.hours}
        working = ngettext("%(n)s working day", "%(n)s working days", self.working_days) % {
            "n": self.working_days
        }
        return f"{text} ({working})"


def period(opens_at, closes_at, organization):
    """The period as the organisation's calendar counts it: 09:00 on 20 March to 09:00 on 30
    March is 10 days, although the clocks skip an hour on the night of 29 March."""
    zone = organization.zone
    start = timezone.localtime(opens_at, zone)
    end = timezone.localtime(closes_at, zone)
    length = end.replace(tzinfo=None) - start.replace(tzinfo=None)
    return Period(
        days=length.days,
        hours=length.seconds // 3600,
        # Counted as the stage page counts the working days left (after the first day, up to
        # the last day the period covers).
        working_days=calendar.working_days_between(
            start.date(), calendar.last_day(closes_at, zone), organization.country
        ),
    )


# --- Consultation and stages -------------------------------------------------------------------


class ConsultationForm(forms.Form):
    title = _text(_("Title"), 300)
    intro = _text(
        _("Introduction"),
        10000,
        required=False,
        rows=6,
        help_text=_("What the consultation is about and how the comments will be used."),
    )


class StageForm(forms.Form):
    """Adding or changing a stage. `stage` is the stage being changed (None for a new one).

    While a stage is open only its description, its closing date (later only) and the reason for
    a short period can change: the other fields are shown but disabled.
    """

    OPEN_FIELDS = {
        "description",
        "closes_date",
        "closes_time",
        "short_period_reason",
        "adoption_planned_on",
    }
    # And, while a meeting stage is open, until the meeting starts.
    MEETING_OPEN_FIELDS = {
        "meeting_date",
        "meeting_time",
        "meeting_place",
        "meeting_link",
        "agenda",
        "capacity",
    }

    kind = forms.ChoiceField(label=_("Kind of stage"), choices=StageKind.choices)
    title = _text(_("Title"), 300)
    description = _text(_("Description"), 10000, required=False, rows=4)
    opens_date = _date(_("Opening date"))
    opens_time = _time(_("Opening time"))
    closes_date = _date(_("Closing date"))
    closes_time = _time(_("Closing time"))
    revision = forms.ModelChoiceField(
        label=_("Revision under debate"),
        queryset=None,
        required=False,
        empty_label=_("— none —"),
        help_text=_(
            "The version of the text that participants comment on; required for written "
            "comments. A later stage cannot go back to an older revision."
        ),
    )
    short_period_reason = _text(
        _("Reason for a period shorter than the law expects"),
        2000,
        required=False,
        rows=3,
        help_text=_(
            "Needed only when a written-comments stage is shorter than the legal minimum "
            "(Romania: 10 days; Bulgaria: 30 days, exceptionally 14). Shown publicly on the stage."
        ),
    )
    meeting_date = _date(_("Meeting date"), required=False)
    meeting_time = _time(_("Meeting time"), required=False)
    meeting_place = _text(_("Place"), 300, required=False)
    meeting_link = forms.URLField(
        label=_("Online link"),
        max_length=500,
        required=False,
        validators=[URLValidator(schemes=["https"])],
        help_text=_("An https:// address, for a meeting held online."),
    )
    agenda = _text(_("Agenda"), 10000, required=False, rows=4)
    capacity = capacity_field()
    # An authority's announcement of its own draft.
    adoption_planned_on = _date(_("Planned adoption date"), required=False)
    substantiation = forms.ModelChoiceField(
        label=_("Substantiation note"),
        queryset=None,
        required=False,
        empty_label=_("— none —"),
        help_text=_(
            "The substantiation note (referat de aprobare / обосновка), a file attached to the "
            "revision under debate. Required before the draft is announced."
        ),
    )

    def __init__(self, *args, consultation, stage=None, **kwargs):
        self.consultation = consultation
        self.stage = stage
        organization = consultation.proposal.organization
        self.organization = organization
        self.zone = organization.zone
        if stage is not None:
            kwargs.setdefault("initial", self.initial_for(stage))
        super().__init__(*args, **kwargs)
        proposal = consultation.proposal
        revisions = proposal.revisions.only("pk", "number", "title", "created_at", "proposal_id")
        # An empty template (revision 1 of drafts made before they started without one) is not
        # offered, unless the stage being changed already debates it.
        empty = [
            revision.pk
            for revision in proposal.revisions.filter(number=1).only("pk", "blocks")
            if not revision.has_content and (stage is None or stage.revision_id != revision.pk)
        ]
        self.fields["revision"].queryset = revisions.exclude(pk__in=empty).order_by("-number")
        self.fields["revision"].label_from_instance = _revision_label
        self.fields["substantiation"].queryset = proposal.attachments.order_by("name", "pk")
        if not proposal.is_authority_draft:
            # Only an authority announces its own draft.
            self.fields["kind"].choices = [
                choice for choice in StageKind.choices if choice[0] != StageKind.ANNOUNCEMENT
            ]
        if stage is None:
            self.fields["revision"].initial = proposal.current_revision_id
        else:
            self.fields["kind"].disabled = True
            if stage.status == StageStatus.OPEN:
                open_fields = self.OPEN_FIELDS | (
                    self.MEETING_OPEN_FIELDS if self.meeting_to_come else set()
                )
                for name, field in self.fields.items():
                    if name not in open_fields:
                        field.disabled = True
        self.period = None

    def initial_for(self, stage):
        initial = {
            "kind": stage.kind,
            "title": stage.title,
            "description": stage.description,
            "revision": stage.revision_id,
            "short_period_reason": stage.short_period_reason,
            "meeting_place": stage.meeting_place,
            "meeting_link": stage.meeting_link,
            "agenda": stage.agenda,
            "capacity": stage.capacity,
            "adoption_planned_on": stage.adoption_planned_on,
            "substantiation": stage.substantiation_id,
        }
        for prefix, moment in (
            ("opens", stage.opens_at),
            ("closes", stage.closes_at),
            ("meeting", stage.meeting_at),
        ):
            if moment is not None:
                local = timezone.localtime(moment, self.zone)
                initial[f"{prefix}_date"] = local.date()
                initial[f"{prefix}_time"] = local.time().replace(second=0, microsecond=0)
        return initial

    def _instant(self, prefix):
        day = self.cleaned_data.get(f"{prefix}_date")
        moment = self.cleaned_data.get(f"{prefix}_time")
        if day is None and moment is None:
            return None
        if day is None or moment is None:
            if f"{prefix}_date" not in self.errors and f"{prefix}_time" not in self.errors:
                self.add_error(
                    f"{prefix}_date" if day is None else f"{prefix}_time",
                    _("Give both the date and the time."),
                )
            return None
        value = wall_clock(day, moment, self.zone)
        if value is None:
            self.add_error(
                f"{prefix}_time",
                _(
                    "There is no %(time)s on %(date)s in %(zone)s: the clocks move forward an "
                    "hour that night. Choose another time."
                )
                % {
                    "time": moment.strftime("%H:%M"),
                    "date": day.strftime("%d.%m.%Y"),
                    "zone": self.organization.time_zone,
                },
            )
            return None
        stored = getattr(self.stage, f"{prefix}_at", None) if self.stage else None
        # The form shows minutes; an unchanged value keeps the stored instant exactly.
        if stored is not None and value == stored.replace(second=0, microsecond=0):
            return stored
        return value

    def clean(self):
        cleaned = super().clean()
        opens_at = self._instant("opens")
        closes_at = self._instant("closes")
        cleaned["opens_at"], cleaned["closes_at"] = opens_at, closes_at
        cleaned["meeting_at"] = self._instant("meeting")
        if opens_at and closes_at:
            if closes_at <= opens_at:
                self.add_error("closes_date", _("The stage must close after it opens."))
            else:
                self.period = period(opens_at, closes_at, self.organization)
        kind = cleaned.get("kind")
        if kind in StageKind.with_text() and not cleaned.get("revision"):
            self.add_error(
                "revision", _("A written-comments stage needs the revision under debate.")
            )
        return cleaned

    @property
    def meeting_to_come(self):
        """A meeting stage whose meeting has not started yet."""
        stage = self.stage
        return (
            stage is not None
            and stage.kind == StageKind.MEETING
            and (stage.meeting_at or stage.opens_at) > timezone.now()
        )

    @property
    def stage_kind(self):
        return self.stage.kind if self.stage else self.cleaned_data.get("kind")

    def domain_fields(self):
        """The keyword arguments for `add_stage` / `change_stage`."""
        data = self.cleaned_data
        announcement = self.stage_kind == StageKind.ANNOUNCEMENT
        if self.stage is not None and self.stage.status == StageStatus.OPEN:
            fields = {
                "description": data["description"],
                "closes_at": data["closes_at"],
                "short_period_reason": data["short_period_reason"],
            }
            if announcement:
                fields["adoption_planned_on"] = data["adoption_planned_on"]
            if self.meeting_to_come:
                fields.update(self._meeting_fields())
            return fields
        fields = {
            "title": data["title"],
            "description": data["description"],
            "opens_at": data["opens_at"],
            "closes_at": data["closes_at"],
            "revision": data["revision"],
            "short_period_reason": data["short_period_reason"],
        }
        if announcement:
            fields.update(
                adoption_planned_on=data["adoption_planned_on"],
                substantiation=data["substantiation"],
            )
        if self.stage_kind == StageKind.MEETING:
            fields.update(self._meeting_fields())
        return fields

    def _meeting_fields(self):
        data = self.cleaned_data
        return {
            "meeting_at": data["meeting_at"],
            "meeting_place": data["meeting_place"],
            "meeting_link": data["meeting_link"],
            "agenda": data["agenda"],
            "capacity": data["capacity"],
        }

    def period_of(self, stage):
        return period(stage.opens_at, stage.closes_at, self.organization)


def _revision_label(revision):
    return _("Revision %(number)s — %(title)s") % {
        "number": revision.number,
        "title": revision.title,
    }


class CancelStageForm(forms.Form):
    reason = _text(
        _("Reason for cancelling"),
        2000,
        rows=3,
        help_text=_("Shown publicly on the stage, which stays on record as cancelled."),
    )


class CloseStageEarlyForm(forms.Form):
    reason = _text(
        _("Reason for closing early"),
        2000,
        rows=3,
        required=False,
        help_text=_(
            "Shown publicly on the stage and in the followers' email. Required when the stage "
            "would last less than the law expects."
        ),
    )


class MinutesForm(forms.Form):
    minutes = _text(_("Minutes"), 100000, rows=12)
    participants = forms.IntegerField(
        label=_("Number of participants"), min_value=0, max_value=1_000_000, required=False
    )
    reason = _text(
        _("Reason for a number different from the attendance"),
        2000,
        required=False,
        rows=3,
        help_text=_(
            "Needed only when the number differs from the people marked present (for example, "
            "people who came without registering). Published with the minutes."
        ),
    )

    def __init__(self, *args, attendance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.attendance = attendance
        if attendance is None:
            self.fields["participants"].required = True
            del self.fields["reason"]
        else:
            self.fields["participants"].help_text = _(
                "%(count)s people were marked present. Leave it empty to publish that number."
            ) % {"count": attendance}


class CapacityForm(forms.Form):
    capacity = capacity_field()


class AttendanceForm(forms.Form):
    """One checkbox per active registration: who was present."""

    present = forms.TypedMultipleChoiceField(
        label=_("Present"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, registrations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [(r.pk, r.name or "—") for r in registrations]


# --- Moderation --------------------------------------------------------------------------------


class HideForm(forms.Form):
    reason = _text(
        _("Reason for hiding"),
        1000,
        rows=2,
        help_text=_("Shown in the thread in place of the comment: “hidden by moderation: …”."),
    )


FLAG_LABELS = dict(FlagReason.choices)


# --- Answers and synthesis ---------------------------------------------------------------------


class DispositionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Answer"), choices=Outcome.choices, widget=forms.RadioSelect
    )
    reason = _text(
        _("Reason"),
        10000,
        rows=5,
        help_text=_("Shown publicly in the synthesis next to the comment."),
    )
    applied_in = forms.ModelChoiceField(
        label=_("Applied in revision"),
        queryset=None,
        required=False,
        empty_label=_("— not yet, or not applicable —"),
        help_text=_("For an accepted comment: the later revision of the text that takes it up."),
    )

    def __init__(self, *args, comment=None, **kwargs):
        super().__init__(*args, **kwargs)
        if comment is not None:
            self.offer_revisions(comment.stage.consultation.proposal, comment.revision)

    def offer_revisions(self, proposal, commented_on):
        """Offer the revisions after `commented_on` (all of them without one)."""
        later = proposal.revisions.only("pk", "number", "title", "proposal_id")
        if commented_on is not None:
            later = later.filter(number__gt=commented_on.number)
        self.fields["applied_in"].queryset = later.order_by("-number")
        self.fields["applied_in"].label_from_instance = _revision_label


class SynthesisPublishForm(forms.Form):
    intro = _text(
        _("Introduction"),
        20000,
        required=False,
        rows=6,
        help_text=_(
            "How the consultation went and what changed in the text; shown above the table."
        ),
    )


class BulkDispositionForm(DispositionForm):
    """One answer for every comment of a selection (the answers page's filters), with the count
    and the highest id the confirmation showed: the command refuses a selection that changed."""

    expected_count = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    expected_last = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, stage, **kwargs):
        super().__init__(*args, **kwargs)
        # The stage's comments are made on the revision it debates.
        self.offer_revisions(stage.consultation.proposal, stage.revision)
        self.fields["reason"].help_text = _(
            "Shown publicly in the synthesis next to each of the selected comments."
        )


class HideAnswerForm(forms.Form):
    reason = _text(
        _("Reason for hiding"),
        1000,
        rows=2,
        help_text=_("Kept in the record; the answer leaves the results page and the exports."),
    )
