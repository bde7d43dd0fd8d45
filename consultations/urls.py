from django.urls import path, re_path, register_converter

from consultations.views import (
    comments,
    drafts,
    feeds,
    figures,
    manage,
    meetings,
    moderation,
    questionnaires,
    stages,
    suggestions,
    synthesis,
)


class IdConverter:
    """A database id: digits that fit a 64-bit integer (longer ones are not found, not a crash)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(IdConverter, "id")

app_name = "consultations"

urlpatterns = [
    # Public pages of a proposal's consultation.
    path("proposals/<slug:slug>/consultation/", stages.consultation_detail, name="detail"),
    path("proposals/<slug:slug>/consultation/follow/", stages.follow, name="follow"),
    path(
        "proposals/<slug:slug>/consultation/calendar.ics",
        meetings.consultation_calendar,
        name="calendar",
    ),
    path(
        "proposals/<slug:slug>/consultation/stages/<id:position>/calendar.ics",
        meetings.stage_calendar,
        name="stage_calendar",
    ),
    # Public meetings: registering, cancelling, the attendance list.
    path(
        "proposals/<slug:slug>/consultation/stages/<id:position>/register/",
        meetings.meeting_register,
        name="meeting_register",
    ),
    path(
        "proposals/<slug:slug>/consultation/stages/<id:position>/register/cancel/",
        meetings.meeting_cancel,
        name="meeting_cancel",
    ),
    path(
        "proposals/<slug:slug>/consultation/stages/<id:position>/attendance.csv",
        meetings.attendance_export,
        name="attendance_export",
    ),
    path(
        "proposals/<slug:slug>/consultation/stages/<id:position>/registrations/",
        meetings.meeting_registrations,
        name="meeting_registrations",
    ),
    # Atom feeds of open consultations.
    path("feeds/consultations/", feeds.OpenConsultationsFeed(), name="feed"),
    path(
        "feeds/organisations/<slug:slug>/consultations/",
        feeds.OrganizationConsultationsFeed(),
        name="organization_feed",
    ),
    path(
        "feeds/authorities/<slug:slug>/consultations/",
        feeds.AuthorityConsultationsFeed(),
        name="authority_feed",
    ),
    # Participation figures: the consultation's, and each commented stage's.
    path("proposals/<slug:slug>/consultation/figures/", figures.figures_page, name="figures"),
    re_path(
        r"^proposals/(?P<slug>[-a-zA-Z0-9_]+)/consultation/figures/(?P<chart>[a-z]+)\.svg$",
        figures.figures_chart,
        name="figures_chart",
    ),
    re_path(
        r"^proposals/(?P<slug>[-a-zA-Z0-9_]+)/consultation/figures\.(?P<fmt>csv|json)$",
        figures.figures_export,
        name="figures_export",
    ),
    path(
        "proposals/<slug:slug>/consultation/stages/<id:position>/figures/",
        figures.figures_page,
        name="stage_figures",
    ),
    re_path(
        r"^proposals/(?P<slug>[-a-zA-Z0-9_]+)/consultation/stages/(?P<position>[0-9]{1,9})/"
        r"figures/(?P<chart>[a-z]+)\.svg$",
        figures.figures_chart,
        name="stage_figures_chart",
    ),
    re_path(
        r"^proposals/(?P<slug>[-a-zA-Z0-9_]+)/consultation/stages/(?P<position>[0-9]{1,9})/"
        r"figures\.(?P<fmt>csv|json)$",
        figures.figures_export,
        name="stage_figures_export",
    ),
    path("proposals/<slug:slug>/consultation/stages/<id:position>/", stages.stage, name="stage"),
    # Questionnaires of the stages that take comments.
    path(
        "proposals/<slug:slug>/consultation/stages/<id:position>/questionnaire/",
        questionnaires.questionnaire,
        name="questionnaire",
    ),
    path(
        "proposals/<slug:slug>/consultation/stages/<id:position>/questionnaire/questions/",
        questionnaires.questionnaire_manage,
        name="questionnaire_manage",
    ),
    path(
        "proposals/<slug:slug>/consultation/stages/<id:position>/questionnaire/results/",
        questionnaires.questionnaire_results,
        name="questionnaire_results",
    ),
    path(
        "proposals/<slug:slug>/consultation/stages/<id:position>/questionnaire/results/"
        "<id:question_id>.svg",
        questionnaires.questionnaire_chart,
        name="questionnaire_chart",
    ),
    path(
        "proposals/<slug:slug>/consultation/stages/<id:position>/questionnaire/results/"
        "answers/<id:answer_id>/hide/",
        questionnaires.answer_hide,
        name="answer_hide",
    ),
    re_path(
        r"^proposals/(?P<slug>[-a-zA-Z0-9_]+)/consultation/stages/(?P<position>[0-9]{1,9})/"
        r"questionnaire/responses\.(?P<fmt>csv|json)$",
        questionnaires.questionnaire_export,
        name="questionnaire_export",
    ),
    re_path(
        r"^proposals/(?P<slug>[-a-zA-Z0-9_]+)/consultation/stages/(?P<position>[0-9]+)/"
        r"comments\.(?P<fmt>csv|json)$",
        synthesis.comments_export,
        name="comments_export",
    ),
    path(
        "proposals/<slug:slug>/consultation/stages/<id:position>/minutes/versions/",
        stages.minutes_versions,
        name="minutes_versions",
    ),
    path(
        "proposals/<slug:slug>/consultation/stages/<id:position>/synthesis/",
        synthesis.synthesis_detail,
        name="synthesis",
    ),
    re_path(
        r"^proposals/(?P<slug>[-a-zA-Z0-9_]+)/consultation/stages/(?P<position>[0-9]+)/"
        r"synthesis\.(?P<fmt>csv|pdf)$",
        synthesis.synthesis_export,
        name="synthesis_export",
    ),
    # Running the consultation (the organisation's editors).
    path("proposals/<slug:slug>/consultation/new/", manage.consultation_create, name="create"),
    path("proposals/<slug:slug>/consultation/edit/", manage.consultation_edit, name="edit"),
    path(
        "proposals/<slug:slug>/consultation/stages/new/", manage.stage_create, name="stage_create"
    ),
    path(
        "proposals/<slug:slug>/consultation/stages/<id:position>/edit/",
        manage.stage_edit,
        name="stage_edit",
    ),
    path(
        "proposals/<slug:slug>/consultation/stages/<id:position>/cancel/",
        manage.stage_cancel,
        name="stage_cancel",
    ),
    path(
        "proposals/<slug:slug>/consultation/stages/<id:position>/close/",
        manage.stage_close_early,
        name="stage_close",
    ),
    path(
        "proposals/<slug:slug>/consultation/stages/<id:position>/remove/",
        manage.stage_remove,
        name="stage_remove",
    ),
    path(
        "proposals/<slug:slug>/consultation/stages/<id:position>/minutes/",
        manage.stage_minutes,
        name="stage_minutes",
    ),
    # Answering comments and publishing the synthesis (the organisation's editors).
    path(
        "proposals/<slug:slug>/consultation/stages/<id:position>/answers/",
        synthesis.answers,
        name="answers",
    ),
    path(
        "proposals/<slug:slug>/consultation/stages/<id:position>/answers/bulk/",
        synthesis.answers_bulk,
        name="answers_bulk",
    ),
    path(
        "proposals/<slug:slug>/consultation/stages/<id:position>/publish-synthesis/",
        synthesis.synthesis_publish,
        name="synthesis_publish",
    ),
    path("comments/<id:comment_id>/answer/", synthesis.disposition_edit, name="disposition"),
    path("comments/<id:comment_id>/apply/", suggestions.suggestion_apply, name="suggestion_apply"),
    # An authority's own drafts: public debates on request, recommendations received.
    path(
        "proposals/<slug:slug>/consultation/debate/request/",
        drafts.debate_request_create,
        name="debate_request_create",
    ),
    path(
        "proposals/<slug:slug>/consultation/debate/<id:pk>/",
        drafts.debate_request_detail,
        name="debate_request",
    ),
    path(
        "proposals/<slug:slug>/consultation/e-consultare.zip",
        drafts.publication_pack,
        name="publication_pack",
    ),
    path(
        "proposals/<slug:slug>/consultation/stages/<id:position>/recommendations/new/",
        drafts.recommendation_log,
        name="recommendation_log",
    ),
    # Comments.
    path(
        "proposals/<slug:slug>/consultation/stages/<id:position>/comment/",
        comments.comment_post,
        name="comment_post",
    ),
    path("comments/<id:comment_id>/", comments.comment_detail, name="comment"),
    path("comments/<id:comment_id>/reply/", comments.comment_reply, name="reply"),
    path("comments/<id:comment_id>/react/", comments.comment_react, name="react"),
    path("comments/<id:comment_id>/flag/", comments.comment_flag, name="flag"),
    path("comments/<id:comment_id>/withdraw/", comments.comment_withdraw, name="withdraw"),
    path("unsubscribe/<str:token>/", comments.unsubscribe, name="unsubscribe"),
    # Moderation (site staff).
    path("moderation/", moderation.queue, name="moderation"),
    path("moderation/comments/<id:comment_id>/", moderation.moderate, name="moderate"),
]
