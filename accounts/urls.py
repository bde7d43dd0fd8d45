from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("organisations/", views.organization_list, name="organization_list"),
    path("organisations/new/", views.organization_create, name="organization_create"),
    path("organisations/<slug:slug>/", views.organization_detail, name="organization"),
    path("organisations/<slug:slug>/edit/", views.organization_edit, name="organization_edit"),
    path(
        "organisations/<slug:slug>/members/",
        views.organization_members,
        name="organization_members",
    ),
    path(
        "organisations/<slug:slug>/members/<int:membership_id>/role/",
        views.membership_role,
        name="membership_role",
    ),
    path(
        "organisations/<slug:slug>/members/<int:membership_id>/remove/",
        views.membership_remove,
        name="membership_remove",
    ),
    path(
        "organisations/<slug:slug>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("organisations/<slug:slug>/leave/", views.organization_leave, name="organization_leave"),
    path(
        "organisations/<slug:slug>/history/",
        views.organization_history,
        name="organization_history",
    ),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path(
        "accounts/invitations/<int:invitation_id>/accept/",
        views.invitation_accept_pending,
        name="invitation_accept_pending",
    ),
    path("legal/<slug:kind>/", views.legal_text, name="legal_text"),
    path("legal/<slug:kind>/v/<int:version>/", views.legal_text, name="legal_text_version"),
    path("accounts/dashboard/", views.dashboard, name="dashboard"),
    path("accounts/profile/", views.profile_edit, name="profile"),
    path("accounts/my-data/", views.data_export, name="data_export"),
    path("accounts/delete/", views.account_delete, name="account_delete"),
]
