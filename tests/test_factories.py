"""Each factory of tests/factories.py, built once with its defaults: exactly the rows, log entries
and fields its docstring promises, so a factory that breaks fails here first.

The search queue's rows (IndexQueue) are left out of the counts except for its own factory:
how many a change queues is the search app's business (tests/search/test_queue.py).
"""

import hashlib
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.utils import timezone

from accounts.models import hash_token
from api.models import hash_secret
from consultations.models import CommentState, Follow, StageStatus
from core.models import ActivityLog
from proposals.models import Proposal, ProposalStatus
from registrations.models import SubmissionStatus
from search.models import IndexQueue
from tests import factories
from tests.factories import AUTHORITY_SLUG, FIRST_MESSAGE, PASSWORD, PDF, first_blocks

APPS = ["accounts", "core", "proposals", "registrations", "consultations", "search", "api"]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _rows():
    models = [m for label in APPS for m in apps.get_app_config(label).get_models()]
    counts = {m.__name__: m.objects.count() for m in models if m is not IndexQueue}
    counts["EmailAddress"] = EmailAddress.objects.count()
    return counts


def make(factory, **kwargs):
    """(the object, {model: rows added}, [verbs logged, in order]) of one factory call."""
    before = _rows()
    last_log = ActivityLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
    obj = factory(**kwargs)
    after = _rows()
    added = {name: after[name] - before[name] for name in after if after[name] != before[name]}
    verbs = list(
        ActivityLog.objects.filter(id__gt=last_log).order_by("id").values_list("verb", flat=True)
    )
    return obj, added, verbs


# A new NGO editor (user, profile, email address, organisation, membership), as ProposalFactory
# makes one.
EDITOR = {"User": 1, "Profile": 1, "EmailAddress": 1, "Organization": 1, "Membership": 1}
# A new admin of a new verified authority.
AUTHORITY_ADMIN = {"User": 1, "Profile": 1, "EmailAddress": 1, "Organization": 1, "Membership": 1}
PROPOSAL = {**EDITOR, "Proposal": 1, "Revision": 1, "ActivityLog": 2}
PROPOSAL_VERBS = ["proposal.created", "revision.created"]
PUBLISHED = {**PROPOSAL, "ActivityLog": 3}
PUBLISHED_VERBS = [*PROPOSAL_VERBS, "proposal.published"]
STAGE_VERBS = [*PUBLISHED_VERBS, "consultation.created", "stage.added"]
# An open stage of a new consultation (the editor follows it) and one participant's comment.
COMMENTED = {
    **PUBLISHED,
    "User": 2,
    "Profile": 2,
    "EmailAddress": 2,
    "Consultation": 1,
    "Stage": 1,
    "StageComment": 1,  # waiting to be counted: no stored counts yet (`domain.fold_counts`)
    "Follow": 2,
    "ActivityLog": 6,
}
SUBMITTED_VERBS = [
    *PUBLISHED_VERBS,
    "proposal.finalized",
    "proposal.submitted",
    "submission.submitted",
]


# --- Accounts ----------------------------------------------------------------------------------


def test_user_factory_makes_a_participant_with_a_verified_email():
    user, added, verbs = make(factories.UserFactory)
    assert added == {"User": 1, "Profile": 1, "EmailAddress": 1}
    assert verbs == []
    assert user.check_password(PASSWORD)
    addresses = EmailAddress.objects.filter(user=user).values_list("email", "verified", "primary")
    assert list(addresses) == [(user.email, True, True)]
    assert (user.profile.display_name, user.profile.language) == ("", settings.LANGUAGE_CODE)


def test_profile_factory_sets_the_fields_on_its_users_profile():
    profile, added, verbs = make(factories.ProfileFactory, locality="Focșani")
    assert added == {"User": 1, "Profile": 1, "EmailAddress": 1}
    assert verbs == []
    profile.refresh_from_db()
    assert profile.display_name.startswith("Participant ")
    assert (profile.locality, profile.respondent_category, profile.language) == (
        "Focșani",
        "citizen",
        settings.LANGUAGE_CODE,
    )


def test_organization_factory_makes_an_unverified_ngo():
    organization, added, verbs = make(factories.OrganizationFactory)
    assert added == {"Organization": 1}
    assert verbs == []
    assert (organization.kind, organization.country, organization.verified_at) == (
        "ngo",
        "RO",
        None,
    )


def test_authority_factory_makes_a_verified_authority():
    authority, added, verbs = make(factories.AuthorityFactory)
    assert added == {"Organization": 1}
    assert verbs == []
    assert authority.kind == "authority"
    assert authority.is_verified


def test_membership_factory_makes_an_editor_of_a_new_ngo():
    membership, added, verbs = make(factories.MembershipFactory)
    assert added == EDITOR
    assert verbs == []
    assert (membership.role, membership.organization.kind) == ("editor", "ngo")


def test_invitation_factory_stores_only_the_tokens_hash():
    invitation, added, verbs = make(factories.InvitationFactory, token="secret-token")
    assert added == {"Organization": 1, "Invitation": 1}
    assert verbs == []
    assert invitation.token_hash == hash_token("secret-token")
    assert invitation.role == "editor"
    assert invitation.expires_at > timezone.now()


# --- Proposals ---------------------------------------------------------------------------------


def test_topic_factory_makes_a_topic_in_three_languages():
    topic, added, verbs = make(factories.TopicFactory)
    assert added == {"Topic": 1}
    assert verbs == []
    assert topic.slug.startswith("tema-")
    assert all([topic.name_ro, topic.name_bg, topic.name_en])


def test_proposal_factory_makes_a_draft_with_revision_1():
    proposal, added, verbs = make(factories.ProposalFactory)
    assert added == PROPOSAL
    assert verbs == PROPOSAL_VERBS
    proposal.refresh_from_db()
    revision = proposal.current_revision
    assert proposal.status == ProposalStatus.DRAFT
    assert proposal.target_authority.slug == AUTHORITY_SLUG
    assert (revision.number, revision.message, revision.blocks) == (
        1,
        FIRST_MESSAGE,
        first_blocks("other"),
    )
    assert proposal.created_by.memberships.get().organization == proposal.organization


def test_proposal_factory_without_blocks_makes_a_draft_without_revisions():
    proposal, added, verbs = make(factories.ProposalFactory, blocks=None)
    assert added == {**EDITOR, "Proposal": 1, "ActivityLog": 1}
    assert verbs == ["proposal.created"]
    assert proposal.current_revision is None


def test_published_proposal_factory_publishes_revision_1():
    proposal, added, verbs = make(factories.PublishedProposalFactory)
    assert added == PUBLISHED
    assert verbs == PUBLISHED_VERBS
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PUBLISHED
    assert proposal.published_at is not None
    assert proposal.current_revision.number == 1


def test_revision_factory_appends_revision_2_and_makes_it_current():
    revision, added, verbs = make(factories.RevisionFactory)
    assert added == {**PROPOSAL, "Revision": 2, "ActivityLog": 3}
    assert verbs == [*PROPOSAL_VERBS, "revision.created"]
    proposal = revision.proposal
    assert proposal.current_revision == revision
    assert (revision.number, revision.parent.number) == (2, 1)
    assert revision.author == proposal.created_by
    assert revision.title == proposal.title
    assert [block["type"] for block in revision.blocks] == ["text"]


def test_attachment_factory_keeps_a_pdf_outside_any_revision():
    attachment, added, verbs = make(factories.AttachmentFactory)
    assert added == {**PROPOSAL, "Attachment": 1}
    assert verbs == PROPOSAL_VERBS
    assert (attachment.extension, attachment.size) == ("pdf", len(PDF))
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert attachment.uploaded_by == attachment.proposal.created_by
    assert attachment.file.read() == PDF
    assert list(attachment.proposal.current_revision.attachments.all()) == []


def test_document_import_factory_keeps_a_pasted_text_waiting():
    document_import, added, verbs = make(factories.DocumentImportFactory)
    assert added == {**PROPOSAL, "DocumentImport": 1}
    assert verbs == PROPOSAL_VERBS
    assert (document_import.status, document_import.pasted, document_import.extension) == (
        "pending",
        True,
        "txt",
    )
    assert document_import.user == document_import.proposal.created_by
    assert document_import.base_number == 1
    assert document_import.file.read().decode().startswith("Textul importat ")


# --- Consultations -----------------------------------------------------------------------------


def test_consultation_factory_opens_a_consultation_its_editor_follows():
    consultation, added, verbs = make(factories.ConsultationFactory)
    assert added == {**PUBLISHED, "Consultation": 1, "Follow": 1, "ActivityLog": 4}
    assert verbs == [*PUBLISHED_VERBS, "consultation.created"]
    assert consultation.created_by == consultation.proposal.created_by
    assert list(consultation.follows.values_list("user", flat=True)) == [consultation.created_by.pk]
    assert consultation.stages.count() == 0


def test_stage_factory_adds_a_written_stage_open_now_for_10_days():
    stage, added, verbs = make(factories.StageFactory)
    assert added == {
        **PUBLISHED,
        "Consultation": 1,
        "Stage": 1,
        "Follow": 1,
        "ActivityLog": 5,
    }
    assert verbs == STAGE_VERBS
    assert (stage.position, stage.kind, stage.status) == (1, "written", StageStatus.OPEN)
    assert stage.closes_at - stage.opens_at == timedelta(days=10)
    assert stage.revision == stage.consultation.proposal.current_revision
    assert stage.created_by == stage.consultation.created_by


def test_stage_comment_factory_posts_a_neutral_comment_on_the_whole_text():
    comment, added, verbs = make(factories.StageCommentFactory)
    assert added == COMMENTED
    assert verbs == [*STAGE_VERBS, "comment.posted"]
    comment.refresh_from_db()
    assert (comment.state, comment.stance, comment.block_key, comment.level) == (
        CommentState.VISIBLE,
        "neutral",
        "",
        0,
    )
    assert comment.revision == comment.stage.revision
    consultation = comment.stage.consultation
    assert comment.user != consultation.created_by
    followers = set(Follow.objects.filter(consultation=consultation).values_list("user", flat=True))
    assert followers == {comment.user.pk, consultation.created_by.pk}


def test_reaction_factory_agrees_and_counts_on_the_comment():
    reaction, added, verbs = make(factories.ReactionFactory)
    assert added == {
        **COMMENTED,
        "User": 3,
        "Profile": 3,
        "EmailAddress": 3,
        "Reaction": 1,
    }
    assert verbs == [*STAGE_VERBS, "comment.posted"]
    reaction.comment.refresh_from_db()
    assert reaction.value == "agree"
    assert (reaction.comment.agree_count, reaction.comment.disagree_count) == (1, 0)
    assert reaction.user != reaction.comment.user


def test_flag_factory_flags_a_comment_once_without_holding_it():
    flag, added, verbs = make(factories.FlagFactory)
    assert added == {
        **COMMENTED,
        "User": 3,
        "Profile": 3,
        "EmailAddress": 3,
        "Flag": 1,
        "ActivityLog": 7,
    }
    assert verbs == [*STAGE_VERBS, "comment.posted", "comment.flagged"]
    flag.comment.refresh_from_db()
    assert flag.reason == "spam"
    assert (flag.comment.flag_count, flag.comment.state) == (1, CommentState.VISIBLE)


def test_disposition_factory_answers_the_comment_as_accepted():
    disposition, added, verbs = make(factories.DispositionFactory)
    assert added == {**COMMENTED, "Disposition": 1, "ActivityLog": 7}
    assert verbs == [*STAGE_VERBS, "comment.posted", "disposition.set"]
    assert (disposition.outcome, disposition.applied_in) == ("accepted", None)
    assert disposition.decided_by == disposition.comment.stage.consultation.created_by
    assert disposition.reason.startswith("Preluăm recomandarea ")


def test_applied_suggestion_factory_applies_a_suggestion_in_a_new_revision():
    applied, added, verbs = make(factories.AppliedSuggestionFactory)
    assert added == {
        **COMMENTED,
        "Revision": 2,
        "AppliedSuggestion": 1,
        "Disposition": 1,
        "ActivityLog": 9,
    }
    assert verbs == [
        *STAGE_VERBS,
        "comment.posted",
        "revision.created",
        "disposition.set",
        "suggestion.applied",
    ]
    comment = applied.comment
    assert (applied.revision.number, applied.applied_by) == (
        2,
        comment.stage.consultation.created_by,
    )
    assert applied.revision.blocks[0]["text"] == "Forma textului propusă de un participant."
    assert (
        applied.revision.message == f"Include formularea propusă în comentariul nr. {comment.pk}."
    )
    assert (comment.disposition.outcome, comment.disposition.applied_in) == (
        "accepted",
        applied.revision,
    )


def test_synthesis_factory_publishes_the_synthesis_of_a_closed_stage():
    synthesis, added, verbs = make(factories.SynthesisFactory)
    assert added == {
        **PUBLISHED,
        "Consultation": 1,
        "Stage": 1,
        "Synthesis": 1,
        "Follow": 1,
        "ActivityLog": 6,
    }
    assert verbs == [*STAGE_VERBS, "synthesis.published"]
    assert synthesis.stage.status == StageStatus.CLOSED
    assert (synthesis.rows, synthesis.counts) == ([], {"total": 0, "stance": {}, "outcome": {}})
    assert synthesis.published_by == synthesis.stage.consultation.created_by


def test_follow_factory_adds_a_follower_besides_the_editor():
    follow, added, verbs = make(factories.FollowFactory)
    assert added == {
        **PUBLISHED,
        "User": 2,
        "Profile": 2,
        "EmailAddress": 2,
        "Consultation": 1,
        "Follow": 2,
        "ActivityLog": 4,
    }
    assert verbs == [*PUBLISHED_VERBS, "consultation.created"]
    followers = set(follow.consultation.follows.values_list("user", flat=True))
    assert followers == {follow.user.pk, follow.consultation.created_by.pk}


def test_reply_opt_out_factory_stores_the_opt_out():
    opt_out, added, verbs = make(factories.ReplyOptOutFactory)
    assert added == {"User": 1, "Profile": 1, "EmailAddress": 1, "ReplyOptOut": 1}
    assert verbs == []
    assert opt_out.user.reply_opt_out == opt_out


# --- Registrations -----------------------------------------------------------------------------


def test_submission_factory_sends_revision_1_to_the_authority():
    submission, added, verbs = make(factories.SubmissionFactory)
    assert added == {**PUBLISHED, "Submission": 1, "ActivityLog": 6}
    assert verbs == SUBMITTED_VERBS
    proposal = submission.proposal
    proposal.refresh_from_db()
    assert (submission.status, submission.channel) == (SubmissionStatus.SUBMITTED, "platform")
    assert submission.revision == proposal.current_revision
    assert submission.content_hash == submission.revision.content_hash
    assert submission.authority.slug == AUTHORITY_SLUG
    assert submission.sender_name == proposal.organization.name
    assert proposal.status == ProposalStatus.SUBMITTED
    assert submission.tracking_code


def test_submission_document_factory_keeps_a_received_pdf():
    document, added, verbs = make(factories.SubmissionDocumentFactory)
    assert added == {**PUBLISHED, "Submission": 1, "SubmissionDocument": 1, "ActivityLog": 6}
    assert verbs == SUBMITTED_VERBS
    assert (document.kind, document.extension, document.size) == ("received", "pdf", len(PDF))
    assert document.uploaded_by == document.submission.submitted_by
    assert document.file.read() == PDF


def test_reminder_factory_reminds_the_registrar_on_the_deadline_day():
    reminder, added, verbs = make(factories.ReminderFactory)
    assert added == {
        **PUBLISHED,
        "User": 2,
        "Profile": 2,
        "EmailAddress": 2,
        "Organization": 2,
        "Membership": 2,
        "Submission": 1,
        "Reminder": 1,
        "ActivityLog": 8,
    }
    assert verbs == [*SUBMITTED_VERBS, "proposal.registered", "submission.registered"]
    submission = reminder.submission
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.REGISTERED
    assert submission.registration_date == timezone.localdate()
    assert (reminder.kind, reminder.sent_on) == ("due_soon", submission.deadline)
    assert reminder.recipient.memberships.get().organization == submission.authority
    assert reminder.recipient.memberships.get().role == "registrar"


def test_annual_report_factory_saves_a_draft_for_the_admins_authority():
    report, added, verbs = make(factories.AnnualReportFactory)
    assert added == {**AUTHORITY_ADMIN, "AnnualReport": 1, "ActivityLog": 1}
    assert verbs == ["annual_report.saved"]
    assert report.authority == report.updated_by.memberships.get().organization
    assert (report.year, report.status, report.published_version) == (
        timezone.localdate().year,
        "draft",
        0,
    )
    assert (report.court_actions, report.closed_meetings) == (0, 0)
    assert report.assessment == "Parteneriatul cu asociațiile a funcționat bine."


def test_annual_report_version_factory_publishes_version_one_with_the_figures():
    version, added, verbs = make(factories.AnnualReportVersionFactory)
    assert added == {
        **AUTHORITY_ADMIN,
        "AnnualReport": 1,
        "AnnualReportVersion": 1,
        "ActivityLog": 3,
    }
    assert verbs == ["annual_report.saved", "annual_report.saved", "annual_report.published"]
    assert version.number == 1
    assert (version.figures["received"], version.figures["debates"]) == (0, 0)
    assert version.assessment == "Parteneriatul cu asociațiile a funcționat bine."
    version.report.refresh_from_db()
    assert (version.report.status, version.report.published_version) == ("published", 1)


# --- API, activity log, search -----------------------------------------------------------------


def test_api_token_factory_makes_a_registrars_token_and_keeps_its_secret():
    token, added, verbs = make(factories.ApiTokenFactory)
    assert added == {**EDITOR, "ApiToken": 1, "ActivityLog": 1}
    assert verbs == ["api_token.created"]
    assert token.key_hash == hash_secret(token.secret)
    assert token.prefix == token.secret[:8]
    assert token.revoked_at is None
    membership = token.user.memberships.get()
    assert (membership.organization, membership.role) == (token.authority, "registrar")
    assert token.authority.is_verified


def test_activity_log_factory_appends_a_note_on_a_new_ngo():
    entry, added, verbs = make(factories.ActivityLogFactory)
    assert added == {
        "User": 1,
        "Profile": 1,
        "EmailAddress": 1,
        "Organization": 1,
        "ActivityLog": 1,
    }
    assert verbs == ["system.note"]
    assert entry.actor is not None
    assert entry.target == entry.scope
    assert entry.target.kind == "ngo"


def test_index_queue_factory_queues_its_proposal_again():
    row, added, verbs = make(factories.IndexQueueFactory)
    assert added == PROPOSAL
    assert verbs == PROPOSAL_VERBS
    assert (row.model, row.object_id) == ("proposals.proposal", str(Proposal.objects.get().pk))
    assert row == IndexQueue.objects.latest("id")


# --- Questionnaires ----------------------------------------------------------------------------


def test_question_factory_adds_a_yes_no_question_to_a_stage_opening_tomorrow():
    question, added, verbs = make(factories.QuestionFactory)
    assert added == {**PUBLISHED, "Consultation": 1, "Stage": 1, "Question": 1, "Follow": 1,
                     "ActivityLog": 6}  # fmt: skip
    assert verbs == [*STAGE_VERBS, "question.added"]
    assert (question.position, question.kind, question.choices) == (1, "single", ["Da", "Nu"])
    assert question.stage.status == StageStatus.SCHEDULED


def test_questionnaire_response_factory_answers_the_first_option():
    response, added, verbs = make(factories.QuestionnaireResponseFactory)
    assert added == {**PUBLISHED, "User": 2, "Profile": 2, "EmailAddress": 2, "Consultation": 1,
                     "Stage": 1, "Follow": 1, "Question": 1, "QuestionnaireResponse": 1,
                     "Answer": 1, "ActivityLog": 7}  # fmt: skip
    assert verbs == [*STAGE_VERBS, "question.added", "questionnaire.answered"]
    answer = response.answers.get()
    assert (answer.choice, answer.value, answer.text) == (0, None, "")
    assert response.submitted_at == response.updated_at
    assert response.category == response.user.profile.respondent_category


def test_hidden_answer_factory_hides_a_new_free_text_answer():
    hidden, added, verbs = make(factories.HiddenAnswerFactory)
    assert added == {**PUBLISHED, "User": 3, "Profile": 3, "EmailAddress": 3, "Consultation": 1,
                     "Stage": 1, "Follow": 1, "Question": 1, "QuestionnaireResponse": 1,
                     "Answer": 1, "HiddenAnswer": 1, "ActivityLog": 8}  # fmt: skip
    assert verbs == [*STAGE_VERBS, "question.added", "questionnaire.answered", "answer.hidden"]
    assert (hidden.question.kind, hidden.reason) == ("text", "Conține un atac la persoană.")
    assert hidden.hidden_by.is_staff
    assert hidden.response.answers.get().text == "Un răspuns nepotrivit."
