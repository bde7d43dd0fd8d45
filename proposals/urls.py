from django.urls import path, re_path

from proposals import coauthor_views, export_views, import_views, views
from proposals.feeds import RevisionsFeed

app_name = "proposals"

urlpatterns = [
    path("", views.proposal_list, name="list"),
    path("new/", views.proposal_create, name="create"),
    path("new/import/", import_views.import_new, name="import_new"),
    path("import/<str:token>/", import_views.import_review, name="import_review"),
    path("preview/", views.markdown_preview, name="preview"),
    path("preview/upload/", views.markdown_upload, name="preview_upload"),
    path("<slug:slug>/", views.proposal_detail, name="detail"),
    path("<slug:slug>/v/<int:number>/", views.revision_detail, name="revision"),
    path("<slug:slug>/v/<int:number>/table/", views.amendment_table, name="table"),
    path("<slug:slug>/v/<int:number>/restore/", views.revision_restore, name="restore"),
    re_path(
        r"^(?P<slug>[-a-zA-Z0-9_]+)/v/(?P<number>[0-9]+)/export\.(?P<fmt>pdf|docx|odt)$",
        export_views.revision_export,
        name="export",
    ),
    re_path(
        r"^(?P<slug>[-a-zA-Z0-9_]+)/v/(?P<number>[0-9]+)/table\.(?P<fmt>pdf|docx|odt)$",
        export_views.table_export,
        name="table_export",
    ),
    path("<slug:slug>/v/<int:number>/akn.xml", export_views.revision_akn, name="akn"),
    path("<slug:slug>/history/", views.revision_history, name="history"),
    path("<slug:slug>/history/feed/", RevisionsFeed(), name="revisions_feed"),
    path(
        "<slug:slug>/attachments/<int:attachment_id>/<str:name>",
        views.attachment_download,
        name="attachment",
    ),
    path("<slug:slug>/activity/", views.proposal_activity, name="activity"),
    path("<slug:slug>/compare/", views.compare_choose, name="compare_choose"),
    path("<slug:slug>/compare/<int:a>/<int:b>/", views.compare, name="compare"),
    path("<slug:slug>/edit/", views.proposal_edit, name="edit"),
    path("<slug:slug>/import/", import_views.import_into, name="import"),
    path("<slug:slug>/publish/", views.proposal_publish, name="publish"),
    path("<slug:slug>/withdraw/", views.proposal_withdraw, name="withdraw"),
    path("<slug:slug>/authors/", coauthor_views.coauthor_list, name="coauthors"),
    path("<slug:slug>/authors/<int:pk>/", coauthor_views.coauthorship_detail, name="coauthorship"),
    path(
        "<slug:slug>/authors/<int:pk>/remove/",
        coauthor_views.coauthor_remove,
        name="coauthor_remove",
    ),
    path("<slug:slug>/endorsements/", coauthor_views.endorsement_list, name="endorsements"),
    path(
        "<slug:slug>/endorsements/<int:pk>/withdraw/",
        coauthor_views.endorsement_withdraw,
        name="endorsement_withdraw",
    ),
    # `<slug>/submit/` (proposals:submit) is the registrations app's page; consult/urls.py adds it
    # to this namespace (registrations.urls.proposal_urlpatterns), so proposals imports no app
    # above it.
]
