from django.contrib import admin

from registrations.models import Submission


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = [
        "tracking_code",
        "title",
        "authority",
        "status",
        "registration_number",
        "registration_date",
        "deadline",
        "answer_status",
    ]
    list_filter = ["status", "channel", "answer_status", "registration_source"]
    search_fields = ["tracking_code", "title", "sender_name", "registration_number"]
    readonly_fields = [f.name for f in Submission._meta.fields]

    # Every change goes through the registration pages, which log it and tell the sender.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
