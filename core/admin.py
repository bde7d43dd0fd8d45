from django.contrib import admin

from core.models import ActivityLog, PendingNotification


@admin.register(ActivityLog)
class ActivityLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "verb", "target_repr", "old_value", "new_value"]
    list_filter = ["verb"]
    search_fields = ["target_repr", "verb"]
    date_hierarchy = "created_at"

    # The log is a record: it can be read here, never written or removed.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PendingNotification)
class PendingNotificationAdmin(admin.ModelAdmin):
    """Events whose emails wait (`core.mail.send_pending`): one that failed too often stays
    here with its error, to be deleted once understood, or retried by setting its attempts
    back to 0 and its next attempt to now."""

    list_display = ["created_at", "kind", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["kind"]
    fields = ["kind", "params", "created_at", "attempts", "next_attempt_at", "last_error"]
    readonly_fields = ["kind", "params", "created_at", "last_error"]

    def has_add_permission(self, request):
        return False
