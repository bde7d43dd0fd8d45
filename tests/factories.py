"""Test factories for every model of our apps.

Objects that only the domain makes (proposals, revisions, consultations, stages, comments,
answers, syntheses, submissions, tokens, log rows…) are made by calling the domain function, so
a factory leaves exactly the rows, log entries and queued emails the site would; such a factory
cannot `build()` an unsaved object. Each docstring says what the factory makes by default.
"""

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import (
    Invitation,
    Membership,
    Organization,
    Profile,
    RespondentCategory,
    Role,
    User,
    hash_token,
)
from api import tokens
from api.models import ApiToken
from consultations import domain as consultations_domain
from consultations.domain import questionnaires
from consultations.models import (
    AppliedSuggestion,
    Consultation,
    Disposition,
    Flag,
    FlagReason,
    Follow,
    HiddenAnswer,
    Outcome,
    Question,
    QuestionKind,
    QuestionnaireResponse,
    Reaction,
    ReplyOptOut,
    Stage,
    StageComment,
    StageKind,
    Stance,
    Synthesis,
)
from core import activity
from core.models import ActivityLog
from proposals import content, importing
from proposals import domain as proposals_domain
from proposals.attachments import store_upload
from proposals.models import (
    Attachment,
    DocumentImport,
    ImportMode,
    ImportPlacement,
    Proposal,
    ProposalKind,
    Revision,
    Topic,
)
from registrations import domain as registrations_domain
from registrations import reports as registrations_reports
from registrations.models import (
    AnnualReport,
    AnnualReportVersion,
    DocumentKind,
    Reminder,
    ReminderKind,
    Submission,
    SubmissionDocument,
)
from search import indexing
from search.models import IndexQueue

PASSWORD = "correct-horse-battery"
# The smallest file the upload checks take for a PDF.
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


class UserFactory(factory.django.DjangoModelFactory):
    """A participant with a verified email address (as after signing up and confirming)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)

    @factory.post_generation
    def display_name(self, create, extracted, **kwargs):
        if create and extracted:
            self.profile.display_name = extracted
            self.profile.save()

    @factory.post_generation
    def language(self, create, extracted, **kwargs):
        # The default language unless given, not whichever language a request left active.
        language = extracted or settings.LANGUAGE_CODE
        if create and self.profile.language != language:
            self.profile.language = language
            self.profile.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    """An NGO in Focșani, Vrancea (Romania)."""

    class Meta:
        model = Organization

    kind = "ngo"
    name = factory.Sequence(lambda n: f"Asociația Civică {n}")
    slug = factory.Sequence(lambda n: f"asociatia-civica-{n}")
    country = "RO"
    county = "Vrancea"
    locality = "Focșani"


class AuthorityFactory(OrganizationFactory):
    """A public authority, verified (so its registrars and admins can act for it)."""

    kind = "authority"
    name = factory.Sequence(lambda n: f"Primăria Orașului {n}")
    slug = factory.Sequence(lambda n: f"primaria-orasului-{n}")
    verified_at = factory.LazyFunction(timezone.now)


class MembershipFactory(factory.django.DjangoModelFactory):
    """`user` (a new participant unless given) as an editor of `organization` (a new NGO unless
    given)."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.EDITOR


class InvitationFactory(factory.django.DjangoModelFactory):
    """A pending invitation. Pass `token=` to know the link: only the token's hash is stored."""

    class Meta:
        model = Invitation

    class Params:
        token = factory.Sequence(lambda n: f"invitation-token-{n:04d}")

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = Role.EDITOR
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.token))
    expires_at = factory.LazyFunction(Invitation.default_expiry)


class ProfileFactory(factory.Factory):
    """The profile of a new user (UserFactory) with these fields: a profile is made with its
    user (`accounts.signals`), so this sets the fields on that one and saves it."""

    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"Participant {n}")
    locality = ""
    respondent_category = RespondentCategory.CITIZEN
    language = settings.LANGUAGE_CODE

    @classmethod
    def _create(cls, model_class, *, user, **fields):
        profile = user.profile
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.save()
        return profile


class DomainFactory(factory.Factory):
    """Base of the factories that call a domain function: there is no unsaved `build()`."""

    class Meta:
        abstract = True

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError(f"{model_class.__name__} rows exist only through the domain.")


# --- Proposals ---------------------------------------------------------------------------------

AUTHORITY_SLUG = "primaria-municipiului-focsani"


def directory_authority(slug=AUTHORITY_SLUG):
    """An authority of the directory the migrations load. A transactional test that runs after
    another one finds the database flushed of migration data (Django restores it only for some
    orders of such tests): the directory is then loaded again, the way the migration does."""
    from accounts.directory import load_directory

    found = Organization.objects.filter(slug=slug).first()
    if found is None:
        load_directory(Organization)
        found = Organization.objects.get(slug=slug)
    return found


def first_legal_texts():
    """The first terms of use and privacy notice the migrations publish, published again if a
    transactional test that ran before flushed them (see `directory_authority`)."""
    from accounts.legal_texts import publish_first_versions
    from accounts.models import LegalText

    publish_first_versions(LegalText)
    return {text.kind: text for text in LegalText.objects.filter(version=1)}


FIRST_MESSAGE = "Prima versiune"
FIRST_TEXT = "Prima formă a textului."


def first_blocks(kind):
    """The text of revision 1 made by ProposalFactory: real content of the proposal's kind (a
    proposal never starts with an empty template revision)."""
    if kind == ProposalKind.AMENDMENT:
        return [
            {
                "key": "k00000000a1",
                "type": "amendment",
                "article": "Art. 1",
                "action": "modify",
                "in_force": "Textul în vigoare al articolului.",
                "proposed": "Textul propus al articolului.",
                "rationale": "",
            }
        ]
    if kind == ProposalKind.POLICY:
        blocks = proposals_domain.policy_template()
        for block in blocks:
            if block["type"] == "text":
                block["text"] = "Textul secțiunii."
        return blocks
    return [{"key": "k00000000b1", "type": "text", "text": FIRST_TEXT}]


class TopicFactory(factory.django.DjangoModelFactory):
    """A topic besides those the migrations load (topics are reference data, no domain)."""

    class Meta:
        model = Topic

    slug = factory.Sequence(lambda n: f"tema-{n}")
    name_ro = factory.Sequence(lambda n: f"Tema {n}")
    name_bg = factory.Sequence(lambda n: f"Тема {n}")
    name_en = factory.Sequence(lambda n: f"Topic {n}")


class ProposalFactory(factory.Factory):
    """A draft proposal made by `domain.create_proposal`, with revision 1 (`first_blocks` of
    its kind unless `blocks=` is given; `blocks=None` for a draft with no text yet) and its log
    rows.

    Pass `editor=` (a user with the editor or admin role in `organization=`); without them a new
    NGO and editor are made.
    """

    class Meta:
        model = Proposal

    editor = factory.LazyAttribute(lambda o: MembershipFactory(role="editor").user)
    organization = factory.LazyAttribute(lambda o: o.editor.memberships.get().organization)
    title = factory.Sequence(lambda n: f"Propunere de politică publică {n}")
    slug = factory.Sequence(lambda n: f"propunere-{n}")
    summary = "Rezumatul propunerii."
    kind = ProposalKind.OTHER
    target_authority = factory.LazyFunction(lambda: directory_authority())
    reference_act = ""
    language = "ro"
    blocks = factory.LazyAttribute(lambda o: first_blocks(o.kind))
    message = FIRST_MESSAGE

    @classmethod
    def _create(cls, model_class, *, editor, organization, **kwargs):
        if kwargs.get("blocks") is None:
            kwargs.pop("message", None)
        return proposals_domain.create_proposal(editor, organization, **kwargs)

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError("Proposals exist only through domain.create_proposal.")


class PublishedProposalFactory(ProposalFactory):
    """A ProposalFactory proposal then published by its `editor` (`domain.publish_proposal`):
    revision 1 is public. One more log row ("proposal.published")."""

    @classmethod
    def _create(cls, model_class, *, editor, organization, **kwargs):
        proposal = super()._create(model_class, editor=editor, organization=organization, **kwargs)
        return proposals_domain.publish_proposal(editor, proposal)


class RevisionFactory(DomainFactory):
    """A revision appended by `domain.save_revision` on top of `proposal`'s current one (a new
    draft unless given): one new text block (`blocks=` to choose), the current title and summary
    unless given, by `author` (default: whoever created the proposal); its log row. `proposal`
    is read again before and after, so it shows the new revision as current."""

    class Meta:
        model = Revision

    proposal = factory.SubFactory(ProposalFactory)
    author = factory.LazyAttribute(lambda o: o.proposal.created_by)
    title = None
    summary = None
    blocks = factory.Sequence(
        lambda n: [{"key": content.new_block_key(), "type": "text", "text": f"Textul nou {n}."}]
    )
    message = factory.Sequence(lambda n: f"Versiunea {n}")

    @classmethod
    def _create(cls, model_class, *, proposal, author, title, summary, blocks, message):
        proposal.refresh_from_db()
        current = proposal.current_revision
        revision = proposals_domain.save_revision(
            author,
            proposal,
            base_number=current.number if current else 0,
            title=title if title is not None else (current.title if current else proposal.title),
            summary=summary
            if summary is not None
            else (current.summary if current else proposal.summary),
            blocks=blocks,
            message=message,
        )
        if revision is None:
            raise ValueError("The text did not change: save_revision appended no revision.")
        proposal.refresh_from_db()
        return revision


class AttachmentFactory(DomainFactory):
    """A file of `proposal` (a new draft unless given) kept by `attachments.store_upload`, not
    yet listed by any revision: a small PDF named `name`, uploaded by the proposal's creator,
    stored under MEDIA_ROOT (point it at a temporary directory)."""

    class Meta:
        model = Attachment

    proposal = factory.SubFactory(ProposalFactory)
    uploaded_by = factory.LazyAttribute(lambda o: o.proposal.created_by)
    name = factory.Sequence(lambda n: f"Anexa {n}.pdf")
    data = PDF

    @classmethod
    def _create(cls, model_class, *, proposal, uploaded_by, name, data):
        upload = SimpleUploadedFile(name, data, "application/pdf")
        return store_upload(uploaded_by, proposal, upload)


class DocumentImportFactory(DomainFactory):
    """A pasted text waiting to be read into `proposal` (a new draft unless given), started by
    `importing.start_import` for the proposal's creator: status pending, nothing read yet, its
    file stored under MEDIA_ROOT (point it at a temporary directory)."""

    class Meta:
        model = DocumentImport

    proposal = factory.SubFactory(ProposalFactory)
    user = factory.LazyAttribute(lambda o: o.proposal.created_by)
    mode = ImportMode.DOCUMENT
    placement = ImportPlacement.APPEND
    text = factory.Sequence(lambda n: f"Textul importat {n}.")

    @classmethod
    def _create(cls, model_class, *, proposal, user, **kwargs):
        return importing.start_import(
            user, organization=proposal.organization, proposal=proposal, **kwargs
        )


# --- Consultations -----------------------------------------------------------------------------


class ConsultationFactory(DomainFactory):
    """A consultation opened by `consultations.domain.create_consultation` on `proposal` (a new
    published proposal unless given) by `editor` (default: the proposal's creator), with no
    stage yet; its log row; the editor follows it."""

    class Meta:
        model = Consultation

    proposal = factory.SubFactory(PublishedProposalFactory)
    editor = factory.LazyAttribute(lambda o: o.proposal.created_by)
    title = factory.Sequence(lambda n: f"Consultare publică {n}")
    intro = ""

    @classmethod
    def _create(cls, model_class, *, proposal, editor, **kwargs):
        return consultations_domain.create_consultation(editor, proposal, **kwargs)


class StageFactory(DomainFactory):
    """A written-comments stage added by `consultations.domain.add_stage` to `consultation` (a
    new one unless given) by its creator, debating the proposal's current revision, open from
    `opens_at` (a minute ago unless given) for 10 days. Added at `now` (default: the clock; give
    an earlier `now` to place a stage in the past). Its log row."""

    class Meta:
        model = Stage

    consultation = factory.SubFactory(ConsultationFactory)
    editor = factory.LazyAttribute(lambda o: o.consultation.created_by)
    kind = StageKind.WRITTEN
    title = factory.Sequence(lambda n: f"Recomandări scrise {n}")
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=1))
    closes_at = factory.LazyAttribute(lambda o: o.opens_at + timedelta(days=10))
    revision = factory.LazyAttribute(lambda o: o.consultation.proposal.current_revision)
    now = None

    @classmethod
    def _create(cls, model_class, *, consultation, editor, **kwargs):
        return consultations_domain.add_stage(editor, consultation, **kwargs)


class StageCommentFactory(DomainFactory):
    """A comment posted by `consultations.domain.post_comment` in `stage` (a new open stage
    unless given) by `user` (a new participant with a confirmed email unless given): on the
    whole text, neutral; `parent_id=` makes it a reply. Posted at `now` (default: the clock).
    Its log row; the author follows the consultation."""

    class Meta:
        model = StageComment

    stage = factory.SubFactory(StageFactory)
    user = factory.SubFactory(UserFactory)
    text = factory.Sequence(lambda n: f"Comentariul {n} despre propunere.")
    block_key = ""
    quote = ""
    stance = Stance.NEUTRAL
    parent_id = None
    now = None

    @classmethod
    def _create(cls, model_class, *, user, stage, **kwargs):
        return consultations_domain.post_comment(user, stage, **kwargs)


class ReactionFactory(DomainFactory):
    """`user` (a new participant unless given) agrees with `comment` (a new comment in an open
    stage unless given), through `consultations.domain.react`, which also counts it on the
    comment. No log row."""

    class Meta:
        model = Reaction

    comment = factory.SubFactory(StageCommentFactory)
    user = factory.SubFactory(UserFactory)
    value = Reaction.AGREE
    now = None

    @classmethod
    def _create(cls, model_class, *, comment, user, value, now):
        consultations_domain.react(user, comment, value, now=now)
        return Reaction.objects.get(comment=comment, user=user)


class FlagFactory(DomainFactory):
    """`user` (a new participant unless given) flags `comment` (a new comment in an open stage
    unless given) as spam, through `consultations.domain.flag_comment`: the flag, the comment's
    flag count, a log row (and the comment held if this flag reaches the threshold)."""

    class Meta:
        model = Flag

    comment = factory.SubFactory(StageCommentFactory)
    user = factory.SubFactory(UserFactory)
    reason = FlagReason.SPAM
    note = ""
    now = None

    @classmethod
    def _create(cls, model_class, *, comment, user, **kwargs):
        consultations_domain.flag_comment(user, comment, **kwargs)
        return Flag.objects.get(comment=comment, user=user)


class DispositionFactory(DomainFactory):
    """The answer to `comment` (a new comment in an open stage unless given), set by
    `consultations.domain.set_disposition` by `editor` (default: whoever opened the
    consultation): accepted, with a reason, applied in no revision. Its log row."""

    class Meta:
        model = Disposition

    comment = factory.SubFactory(StageCommentFactory)
    editor = factory.LazyAttribute(lambda o: o.comment.stage.consultation.created_by)
    outcome = Outcome.ACCEPTED
    reason = factory.Sequence(lambda n: f"Preluăm recomandarea {n}.")
    applied_in = None

    @classmethod
    def _create(cls, model_class, *, comment, editor, **kwargs):
        return consultations_domain.set_disposition(editor, comment, **kwargs)


class AppliedSuggestionFactory(DomainFactory):
    """A suggestion of wording applied in a new revision by
    `consultations.domain.save_suggestion`, by `editor` (default: whoever opened the
    consultation), from the editor's starting text (`suggestion_draft`). Default `comment`: a
    new suggestion replacing the text of the first block of an open stage's text. The revision
    (its message credits the comment by number), its log row, the comment's answer ("accepted",
    applied in the revision) and its log row, the "suggestion.applied" log row."""

    class Meta:
        model = AppliedSuggestion

    comment = factory.SubFactory(
        StageCommentFactory,
        block_key=factory.LazyAttribute(lambda o: o.stage.revision.blocks[0]["key"]),
        suggestion="replace",
        suggested_text="Forma textului propusă de un participant.",
    )
    editor = factory.LazyAttribute(lambda o: o.comment.stage.consultation.created_by)
    message = ""

    @classmethod
    def _create(cls, model_class, *, comment, editor, message):
        current, draft = consultations_domain.suggestion_draft(comment)
        revision = consultations_domain.save_suggestion(
            editor,
            comment,
            base_number=current.number,
            title=draft.title,
            summary=draft.summary,
            blocks=draft.blocks,
            message=message,
        )
        return model_class.objects.get(revision=revision, comment=comment)


def _closed_stage_opening():
    return timezone.now() - timedelta(days=11)


class SynthesisFactory(DomainFactory):
    """The synthesis of `stage` published by `consultations.domain.publish_synthesis` by
    `editor` (default: whoever opened the consultation); the stage must have closed with every
    shown comment answered. Default stage: a new written stage that opened 11 days ago and
    closed yesterday, without comments. Its log row; the followers' emails queued."""

    class Meta:
        model = Synthesis

    stage = factory.SubFactory(
        StageFactory,
        opens_at=factory.LazyFunction(_closed_stage_opening),
        now=factory.LazyAttribute(lambda o: o.opens_at - timedelta(days=1)),
    )
    editor = factory.LazyAttribute(lambda o: o.stage.consultation.created_by)
    intro = ""
    now = None

    @classmethod
    def _create(cls, model_class, *, stage, editor, **kwargs):
        return consultations_domain.publish_synthesis(editor, stage, **kwargs)


class FollowFactory(DomainFactory):
    """`user` (a new participant unless given) follows `consultation` (a new one unless given),
    through `consultations.domain.follow`. No log row."""

    class Meta:
        model = Follow

    consultation = factory.SubFactory(ConsultationFactory)
    user = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *, consultation, user):
        consultations_domain.follow(user, consultation)
        return Follow.objects.get(consultation=consultation, user=user)


class QuestionFactory(DomainFactory):
    """A single-choice question ("Da" / "Nu") added by
    `consultations.domain.questionnaires.add_question` by the consultation's creator to `stage`
    (a new written-comments stage opening tomorrow unless given), at `now` (default: the clock;
    give one before the stage's opening to add a question to an open stage). Its log row."""

    class Meta:
        model = Question

    stage = factory.SubFactory(
        StageFactory, opens_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    )
    kind = QuestionKind.SINGLE
    text = factory.Sequence(lambda n: f"Sunteți de acord cu propunerea {n}?")
    choices = factory.LazyFunction(lambda: ["Da", "Nu"])
    now = None

    @classmethod
    def _create(cls, model_class, *, stage, **kwargs):
        editor = stage.consultation.created_by
        return questionnaires.add_question(editor, stage, **kwargs)


class QuestionnaireResponseFactory(DomainFactory):
    """`user` (a new participant unless given) answers the questionnaire of `stage` (a new open
    written-comments stage unless given) through
    `consultations.domain.questionnaires.submit_response`: the first option of each choice
    question unless `answers` ({question id: value}) is given. A stage without questions gets
    one single-choice question first (added the minute before it opened). Two log rows then
    (the question's and the response's), else one."""

    class Meta:
        model = QuestionnaireResponse

    stage = factory.SubFactory(StageFactory)
    user = factory.SubFactory(UserFactory)
    answers = None
    now = None

    @classmethod
    def _create(cls, model_class, *, stage, user, answers, now):
        questions = questionnaires.questions_of(stage)
        if not questions:
            questions = [QuestionFactory(stage=stage, now=stage.opens_at - timedelta(minutes=1))]
        if answers is None:
            answers = {q.pk: 0 for q in questions if q.kind in QuestionKind.with_choices()}
        response, _created = questionnaires.submit_response(user, stage, answers, now=now)
        return response


class HiddenAnswerFactory(DomainFactory):
    """`moderator` (a new staff user unless given) hides a free-text `answer` with `reason`
    through `consultations.domain.questionnaires.hide_answer`. Default `answer`: "Un răspuns
    nepotrivit.", a new participant's answer to a text question, the only question of a new
    open stage (added the minute before it opened). The log rows of each step, "answer.hidden"
    last."""

    class Meta:
        model = HiddenAnswer

    answer = None
    moderator = factory.SubFactory(UserFactory, is_staff=True)
    reason = "Conține un atac la persoană."
    now = None

    @classmethod
    def _create(cls, model_class, *, answer, moderator, reason, now):
        if answer is None:
            stage = StageFactory()
            question = QuestionFactory(
                stage=stage, kind="text", choices=[], now=stage.opens_at - timedelta(minutes=1)
            )
            response = QuestionnaireResponseFactory(
                stage=stage, answers={question.pk: "Un răspuns nepotrivit."}
            )
            answer = response.answers.get()
        return questionnaires.hide_answer(moderator, answer, reason, now=now)


class ReplyOptOutFactory(factory.django.DjangoModelFactory):
    """`user` (a new participant unless given) asked not to be emailed about replies (the
    unsubscribe page writes this row itself; there is no domain function)."""

    class Meta:
        model = ReplyOptOut

    user = factory.SubFactory(UserFactory)


# --- Registrations -----------------------------------------------------------------------------


class SubmissionFactory(DomainFactory):
    """`proposal` (a new published proposal unless given) sent by
    `registrations.domain.submit_proposal` to its target authority (Focșani from the directory,
    not verified, unless the proposal names another) by `editor` (default: the proposal's
    creator): its current revision frozen, the proposal final then submitted, log rows, emails
    queued."""

    class Meta:
        model = Submission

    proposal = factory.SubFactory(PublishedProposalFactory)
    editor = factory.LazyAttribute(lambda o: o.proposal.created_by)
    revision = factory.LazyAttribute(lambda o: o.proposal.current_revision)
    cover_letter = "Vă rugăm să înregistrați propunerea."
    now = None

    @classmethod
    def _create(cls, model_class, *, proposal, editor, revision, cover_letter, now):
        return registrations_domain.submit_proposal(
            editor, proposal, revision, cover_letter, now=now
        )


class SubmissionDocumentFactory(DomainFactory):
    """A document received with `submission` (a new one unless given), kept by
    `registrations.domain.store_submission_document`: a small PDF named `name`, uploaded by the
    submission's sender, stored under MEDIA_ROOT (point it at a temporary directory)."""

    class Meta:
        model = SubmissionDocument

    submission = factory.SubFactory(SubmissionFactory)
    uploaded_by = factory.LazyAttribute(lambda o: o.submission.submitted_by)
    kind = DocumentKind.RECEIVED
    name = factory.Sequence(lambda n: f"Scrisoarea {n}.pdf")
    data = PDF

    @classmethod
    def _create(cls, model_class, *, submission, uploaded_by, kind, name, data):
        upload = SimpleUploadedFile(name, data, "application/pdf")
        return registrations_domain.store_submission_document(uploaded_by, submission, upload, kind)


def _new_registrar():
    return MembershipFactory(organization=AuthorityFactory(), role=Role.REGISTRAR).user


class ReminderFactory(DomainFactory):
    """An "answer due soon" reminder to `registrar` (a new registrar of a new verified
    authority unless given) about `submission` (a new one sent to that authority unless given),
    which `registrations.domain.register_submission` registers on `registered_on` (default:
    today); then the daily task (`send_answer_reminders`) runs on the deadline day. Like the
    task, that run reminds about every registered submission due that day, and queues the
    emails."""

    class Meta:
        model = Reminder

    registrar = factory.LazyFunction(_new_registrar)
    submission = factory.LazyAttribute(
        lambda o: SubmissionFactory(
            proposal__target_authority=o.registrar.memberships.get().organization
        )
    )
    number = factory.Sequence(lambda n: f"R-{n}")
    registered_on = factory.LazyFunction(timezone.localdate)

    @classmethod
    def _create(cls, model_class, *, registrar, submission, number, registered_on):
        submission = registrations_domain.register_submission(
            registrar,
            submission,
            number=number,
            registration_date=registered_on,
            today=registered_on,
        )
        registrations_domain.send_answer_reminders(today=submission.deadline)
        return Reminder.objects.get(
            submission=submission, recipient=registrar, kind=ReminderKind.DUE_SOON
        )


def _new_authority_admin():
    return MembershipFactory(organization=AuthorityFactory(), role=Role.ADMIN).user


class AnnualReportFactory(DomainFactory):
    """The draft of the annual report (Law 52/2003 art. 13) of `year` (default: this year)
    saved by `registrations.reports.save_report_draft` by `admin` (a new admin of a new
    verified authority unless given) for the authority they administer: no court action, no
    meeting closed to the public, an assessment. Its log row."""

    class Meta:
        model = AnnualReport

    admin = factory.LazyFunction(_new_authority_admin)
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    assessment = "Parteneriatul cu asociațiile a funcționat bine."

    @classmethod
    def _create(cls, model_class, *, admin, year, **fields):
        authority = admin.memberships.get().organization
        return registrations_reports.save_report_draft(admin, authority, year, **fields)


class AnnualReportVersionFactory(DomainFactory):
    """Version 1 of `report` (a new draft unless given), published by
    `registrations.reports.publish_report` by whoever saved the draft, with its parts as saved:
    the figures counted now. Its log rows (the draft saved again, then published)."""

    class Meta:
        model = AnnualReportVersion

    report = factory.SubFactory(AnnualReportFactory)

    @classmethod
    def _create(cls, model_class, *, report):
        fields = {
            name: getattr(report, name)
            for name in (
                "court_actions",
                "court_actions_text",
                "assessment",
                "closed_meetings",
                "closed_meetings_reasons",
            )
        }
        return registrations_reports.publish_report(
            report.updated_by, report.authority, report.year, **fields
        )


# --- API, activity log, search -----------------------------------------------------------------


class ApiTokenFactory(DomainFactory):
    """A registrar's token made by `api.tokens.create_token` for `authority` (a new verified
    authority unless given) by `user` (a new registrar of it unless given); its log row. The
    secret, shown only once, is on the returned token as `secret`."""

    class Meta:
        model = ApiToken

    authority = factory.SubFactory(AuthorityFactory)
    user = factory.LazyAttribute(
        lambda o: MembershipFactory(organization=o.authority, role=Role.REGISTRAR).user
    )
    name = factory.Sequence(lambda n: f"Registratura electronică {n}")

    @classmethod
    def _create(cls, model_class, *, user, authority, name):
        token, secret = tokens.create_token(user, authority, name)
        token.secret = secret
        return token


class ActivityLogFactory(DomainFactory):
    """One row appended by `core.activity.record`: `actor` (a new user unless given; None for
    the system) did `verb` (default "system.note") to `target` (a new NGO unless given), shown
    in the history of `scope` (default: the target)."""

    class Meta:
        model = ActivityLog

    actor = factory.SubFactory(UserFactory)
    verb = "system.note"
    target = factory.SubFactory(OrganizationFactory)
    scope = None
    old = ""
    new = ""
    data = None

    @classmethod
    def _create(cls, model_class, *, actor, verb, target, **kwargs):
        return activity.record(actor, verb, target, **kwargs)


class IndexQueueFactory(DomainFactory):
    """The search-queue row that `search.indexing.enqueue` records for `target` (a new draft
    proposal unless given; a revision queues its proposal, a stage its consultation): the
    newest row for it. Making or changing an indexed object queues rows by itself too."""

    class Meta:
        model = IndexQueue

    target = factory.SubFactory(ProposalFactory)

    @classmethod
    def _create(cls, model_class, *, target):
        indexed = indexing.indexed_objects(target)
        if not indexed:
            raise ValueError(f"{target!r} is not indexed: enqueue() records nothing for it.")
        indexing.enqueue(target)
        owner = indexed[-1]
        return IndexQueue.objects.filter(
            model=owner._meta.label_lower, object_id=str(owner.pk)
        ).latest("id")
