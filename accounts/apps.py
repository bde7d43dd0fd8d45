from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self):
        from accounts import notifications
        from accounts import privacy as sections

        # Who is emailed about organisations (`core.mail`).
        notifications.register_builders()
        from accounts import (
            rules,  # noqa: F401  (its permissions, asked through core.permissions)
            signals,  # noqa: F401
        )
        from core import activity, privacy

        # Invitations before the account: they are found through the account's addresses.
        privacy.register(
            "profile", export=sections.export_profile, erase=sections.erase_profile, order=10
        )
        privacy.register(
            "consents", export=sections.export_consents, erase=sections.erase_consents, order=15
        )
        privacy.register(
            "memberships",
            export=sections.export_memberships,
            erase=sections.erase_memberships,
            order=20,
        )
        privacy.register(
            "invitations",
            export=sections.export_invitations,
            erase=sections.erase_invitations,
            order=30,
        )
        privacy.register(
            "activity", export=sections.export_activity, erase=sections.erase_activity, order=40
        )
        privacy.register(
            "account", export=sections.export_account, erase=sections.erase_account, order=90
        )

        activity.register_verbs(
            {
                "organization.created": _("Organisation created"),
                "organization.changed": _("Details changed"),
                "organization.verified": _("Verified by the site administrators"),
                "organization.unverified": _("Verification withdrawn"),
                "membership.added": _("Member joined"),
                "membership.role_changed": _("Role changed"),
                "membership.removed": _("Member removed"),
                "membership.left": _("Member left"),
                "invitation.sent": _("Invitation sent"),
                "invitation.revoked": _("Invitation withdrawn"),
                "invitation.accepted": _("Invitation accepted"),
                "account.deleted": _("Account deleted"),
                "legal_text.published": _("New version published"),
            }
        )

        from accounts.models import Role

        def role_label(entry, value):
            return Role(value).label if value in Role.values else value

        def yes_no(entry, value):
            return _("yes") if value == "True" else _("no")

        for verb in (
            "membership.added",
            "membership.role_changed",
            "membership.removed",
            "membership.left",
            "invitation.sent",
        ):
            activity.register_formatter(verb, role_label)
        for verb in ("organization.verified", "organization.unverified"):
            activity.register_formatter(verb, yes_no)
