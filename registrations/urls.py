"""The public register, submissions and the authorities' registers, under /register/; and the
page that submits a proposal, /proposals/<slug>/submit/ (`proposal_urlpatterns`, in the
`proposals` namespace: consult/urls.py adds it there)."""

from django.urls import path

from registrations import report_views, views

app_name = "registration"

urlpatterns = [
    path("", views.public_register, name="public"),
    path("verify/", views.verify, name="verify"),
    path("s/<str:code>/", views.submission_detail, name="submission"),
    path("s/<str:code>/dossier.pdf", views.submission_dossier, name="dossier"),
    path("s/<str:code>/register/", views.submission_register, name="register"),
    path("s/<str:code>/declare/", views.submission_declare, name="declare"),
    path("s/<str:code>/extend/", views.submission_extend, name="extend"),
    path("s/<str:code>/answer/", views.submission_answer, name="answer"),
    path(
        "s/<str:code>/documents/<int:document_id>/<str:name>",
        views.submission_document,
        name="document",
    ),
    path("authority/<slug:slug>/", views.authority_register, name="authority"),
    path("authority/<slug:slug>/inbox/", views.authority_inbox, name="inbox"),
    path("authority/<slug:slug>/register.csv", views.authority_register_csv, name="csv"),
    path("authority/<slug:slug>/figures/", views.authority_figures, name="figures"),
    path("authority/<slug:slug>/log/", views.authority_log, name="log"),
    # The annual report on decisional transparency (Law 52/2003 art. 13).
    path("authority/<slug:slug>/report/<int:year>/", report_views.annual_report, name="report"),
    path(
        "authority/<slug:slug>/report/<int:year>/report.pdf",
        report_views.annual_report_pdf,
        name="report_pdf",
    ),
    path(
        "authority/<slug:slug>/report/<int:year>/report.csv",
        report_views.annual_report_csv,
        name="report_csv",
    ),
    path(
        "authority/<slug:slug>/report/<int:year>/<slug:figure>/",
        report_views.annual_report_figure,
        name="report_figure",
    ),
]

# Under /proposals/, in the `proposals` namespace (URL name `proposals:submit`).
proposal_urlpatterns = [
    path("<slug:slug>/submit/", views.submit, name="submit"),
]
