"""The history tab shows the codes stored in the log (states, reasons, statuses) as the reader's
words, in their language."""

from datetime import timedelta

import pytest
from django.utils import translation

from consultations import domain
from core.models import ActivityLog
from tests.consultations.conftest import T0


def shown(verb):
    entry = ActivityLog.objects.filter(verb=verb).latest("id")
    return entry.old_display, entry.new_display


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            {
                "comment.flagged": ("", "Spam or advertising"),
                "comment.hidden": ("Visible", "Hidden by moderation"),
                "comment.restored": ("Hidden by moderation", "Visible"),
                "comment.withdrawn": ("Visible", ""),
                "stage.cancelled": ("Open", "Cancelled"),
                "proposal.consultation_opened": ("Published", "In consultation"),
            },
        ),
        (
            "ro",
            {
                "comment.flagged": ("", "Spam sau publicitate"),
                "comment.hidden": ("Afișat", "Ascuns de moderatori"),
                "comment.restored": ("Ascuns de moderatori", "Afișat"),
                "comment.withdrawn": ("Afișat", ""),
                "stage.cancelled": ("Deschisă", "Anulată"),
                "proposal.consultation_opened": ("Publicată", "În consultare publică"),
            },
        ),
    ],
)
def test_the_history_shows_codes_as_words(
    editor, stage, citizen, citizen2, moderator, language, expected
):
    domain.process_stage_events(now=T0)
    hour = timedelta(hours=1)
    flagged = domain.post_comment(citizen, stage, text="Reclamă.", stance="neutral", now=T0 + hour)
    domain.flag_comment(citizen2, flagged, reason="spam", now=T0 + 2 * hour)
    domain.hide_comment(moderator, flagged, "Publicitate.", now=T0 + 3 * hour)
    domain.restore_comment(moderator, flagged, now=T0 + 4 * hour)
    mine = domain.post_comment(citizen2, stage, text="Retrag.", stance="oppose", now=T0 + hour)
    domain.withdraw_comment(citizen2, mine, now=T0 + 5 * hour)
    domain.cancel_stage(editor, stage, "Amânat.", now=T0 + 6 * hour)
    with translation.override(language):
        assert {verb: shown(verb) for verb in expected} == expected
