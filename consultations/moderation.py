"""The comments package's moderator for stages.

Our own views post comments through `consultations.domain.post_comment`, which checks the time
window itself. This moderator makes the package's own machinery agree: its built-in
`auto_close_field` cannot take a future closing date (it fails with an error), so `allow()`
checks the stage's window instead, and the package never emails anyone.
"""

from django.utils import timezone
from django_comments_xtd.moderation import XtdCommentModerator

from consultations.models import StageStatus


class StageModerator(XtdCommentModerator):
    email_notification = False
    enable_field = None
    auto_close_field = None
    auto_moderate_field = None

    def allow(self, comment, content_object, request):
        stage = content_object
        return (
            stage.accepts_comments
            and stage.consultation.proposal.is_public
            and stage.status_at(timezone.now()) == StageStatus.OPEN
        )

    def moderate(self, comment, content_object, request):
        return False

    def email(self, comment, content_object, request):
        return None
