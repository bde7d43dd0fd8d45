"""Helpers for the page tests: stages placed around the real clock, comments through the domain."""

from datetime import timedelta

from django.db import connection
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultations import domain
from consultations.models import StageComment
from proposals import domain as proposals_domain
from tests.consultations.conftest import add_written_stage, text_blocks
from tests.factories import ProposalFactory


def published_proposal(editor, organization, slug, texts=None):
    """A published proposal whose revision 2 has the given text blocks (three by default)."""
    proposal = ProposalFactory(editor=editor, organization=organization, slug=slug)
    revision = proposal.current_revision
    proposals_domain.save_revision(
        editor,
        proposal,
        base_number=revision.number,
        title=revision.title,
        summary=revision.summary,
        blocks=text_blocks(*(texts or ["Primul paragraf.", "Al doilea paragraf.", "Al treilea."])),
        message="Textul propus",
    )
    proposal.refresh_from_db()
    return proposals_domain.publish_proposal(editor, proposal)


def open_stage_for(editor, proposal, days=10, **kwargs):
    """A consultation on `proposal` with a written stage open now for `days` days."""
    consultation = domain.create_consultation(editor, proposal, title=f"Consultare {proposal.slug}")
    now = timezone.now()
    return add_written_stage(
        editor, consultation, opens_at=now - timedelta(minutes=1), now=now, days=days, **kwargs
    )


def stage_at(editor, consultation, *, opens_at, closes_at, title="Etapa"):
    """A written stage with any dates, also in the past (added as if some days earlier)."""
    return domain.add_stage(
        editor,
        consultation,
        kind="written",
        title=title,
        opens_at=opens_at,
        closes_at=closes_at,
        revision=consultation.proposal.current_revision,
        short_period_reason="Termen scurtat pentru test.",
        now=opens_at - timedelta(days=1),
    )


def comment(user, stage, text="Un comentariu.", **kwargs):
    kwargs.setdefault("stance", "" if kwargs.get("parent_id") else "neutral")
    return domain.post_comment(user, stage, text=text, **kwargs)


def comment_counts():
    """(our comments, the comments package's threaded comments, its plain comments)."""
    from django_comments.models import Comment
    from django_comments_xtd.models import XtdComment

    return (
        StageComment.objects.count(),
        XtdComment.objects.count(),
        Comment.objects.count(),
    )


def queries_of(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), captured


def page_text(response):
    return response.content.decode()


class Rendered:
    """What templates a block renders: `names` of every template (an include counts), and
    `comments`, the pks of the comments `_comment.html` was rendered for."""

    def __enter__(self):
        self.names, self.comments = [], []
        template_rendered.connect(self.seen)
        return self

    def __exit__(self, *exc):
        template_rendered.disconnect(self.seen)

    def seen(self, sender, template, context, **kwargs):
        self.names.append(template.name)
        if template.name == "consultations/_comment.html":
            self.comments.append(context["comment"].pk)
