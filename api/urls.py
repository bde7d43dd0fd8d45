from django.urls import path

from api import authority, docs, views

app_name = "api"

STAGE = "proposals/<slug:slug>/consultation/stages/<int:position>/"

urlpatterns = [
    path("", views.ApiRoot.as_view(), name="root"),
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    path("docs/", docs.docs, name="docs"),
    path("organizations/", views.OrganizationList.as_view(), name="organizations"),
    path("organizations/<slug:slug>/", views.OrganizationDetail.as_view(), name="organization"),
    path("proposals/", views.ProposalList.as_view(), name="proposals"),
    path("proposals/<slug:slug>/", views.ProposalDetail.as_view(), name="proposal"),
    path("proposals/<slug:slug>/revisions/", views.RevisionList.as_view(), name="revisions"),
    path(
        "proposals/<slug:slug>/revisions/<int:number>/",
        views.RevisionDetail.as_view(),
        name="revision",
    ),
    path(
        "proposals/<slug:slug>/compare/<int:a>/<int:b>/",
        views.Comparison.as_view(),
        name="compare",
    ),
    path(
        "proposals/<slug:slug>/consultation/",
        views.ConsultationDetail.as_view(),
        name="consultation",
    ),
    path(STAGE, views.StageDetail.as_view(), name="stage"),
    path(STAGE + "comments/", views.CommentList.as_view(), name="comments"),
    path(STAGE + "synthesis/", views.SynthesisDetail.as_view(), name="synthesis"),
    path(STAGE + "synthesis/rows/", views.SynthesisRowList.as_view(), name="synthesis-rows"),
    path("consultations/", views.ConsultationList.as_view(), name="consultations"),
    path("register/", authority.PublicRegister.as_view(), name="register"),
    path(
        "authority/submissions/",
        authority.AuthoritySubmissionList.as_view(),
        name="authority_submissions",
    ),
    path(
        "authority/submissions/<str:tracking_code>/",
        authority.AuthoritySubmissionDetail.as_view(),
        name="authority_submission",
    ),
    path(
        "authority/submissions/<str:tracking_code>/register/",
        authority.AuthoritySubmissionRegister.as_view(),
        name="authority_register",
    ),
    path(
        "authority/submissions/<str:tracking_code>/answer/",
        authority.AuthoritySubmissionAnswer.as_view(),
        name="authority_answer",
    ),
    path("exports/", views.ExportList.as_view(), name="exports"),
    path("exports/<path:name>", views.ExportFile.as_view(), name="export_file"),
]
