from django.contrib import admin

from core.models import ActivityLog


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
