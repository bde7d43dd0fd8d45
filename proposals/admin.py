from django.contrib import admin

from proposals.models import Proposal, Revision, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_ro", "name_bg", "name_en"]


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["title", "organization", "kind", "status", "created_at"]
    list_filter = ["kind", "status", "language"]
    search_fields = ["title", "slug", "organization__name"]
    # Status changes go through the site's actions, which log them; the admin only reads.
    readonly_fields = [f.name for f in Proposal._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["proposal", "number", "author", "created_at", "content_hash"]
    search_fields = ["proposal__title", "content_hash"]
    readonly_fields = [f.name for f in Revision._meta.fields]

    # Revisions are a permanent record: readable here, never written or removed.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
