from django.urls import path, re_path

from consultations.views import comments, manage, moderation, stages, synthesis

app_name = "consultations"

urlpatterns = [
    # Public pages of a proposal's consultation.
    path("proposals/<slug:slug>/consultation/", stages.consultation_detail, name="detail"),
    path("proposals/<slug:slug>/consultation/follow/", stages.follow, name="follow"),
    path("proposals/<slug:slug>/consultation/stages/<int:position>/", stages.stage, name="stage"),
    re_path(
        r"^proposals/(?P<slug>[-a-zA-Z0-9_]+)/consultation/stages/(?P<position>[0-9]+)/"
        r"comments\.(?P<fmt>csv|json)$",
        synthesis.comments_export,
        name="comments_export",
    ),
    path(
        "proposals/<slug:slug>/consultation/stages/<int:position>/synthesis/",
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
        "proposals/<slug:slug>/consultation/stages/<int:position>/edit/",
        manage.stage_edit,
        name="stage_edit",
    ),
    path(
        "proposals/<slug:slug>/consultation/stages/<int:position>/cancel/",
        manage.stage_cancel,
        name="stage_cancel",
    ),
    path(
        "proposals/<slug:slug>/consultation/stages/<int:position>/remove/",
        manage.stage_remove,
        name="stage_remove",
    ),
    path(
        "proposals/<slug:slug>/consultation/stages/<int:position>/minutes/",
        manage.stage_minutes,
        name="stage_minutes",
    ),
    # Answering comments and publishing the synthesis (the organisation's editors).
    path(
        "proposals/<slug:slug>/consultation/stages/<int:position>/answers/",
        synthesis.answers,
        name="answers",
    ),
    path(
        "proposals/<slug:slug>/consultation/stages/<int:position>/publish-synthesis/",
        synthesis.synthesis_publish,
        name="synthesis_publish",
    ),
    path("comments/<int:comment_id>/answer/", synthesis.disposition_edit, name="disposition"),
    # Comments.
    path(
        "proposals/<slug:slug>/consultation/stages/<int:position>/comment/",
        comments.comment_post,
        name="comment_post",
    ),
    path("comments/<int:comment_id>/", comments.comment_detail, name="comment"),
    path("comments/<int:comment_id>/reply/", comments.comment_reply, name="reply"),
    path("comments/<int:comment_id>/react/", comments.comment_react, name="react"),
    path("comments/<int:comment_id>/flag/", comments.comment_flag, name="flag"),
    path("comments/<int:comment_id>/withdraw/", comments.comment_withdraw, name="withdraw"),
    path("unsubscribe/<str:token>/", comments.unsubscribe, name="unsubscribe"),
    # Moderation (site staff).
    path("moderation/", moderation.queue, name="moderation"),
    path("moderation/comments/<int:comment_id>/", moderation.moderate, name="moderate"),
]
