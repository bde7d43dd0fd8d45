from django.conf import settings


def site(request):
    return {"SITE_URL": settings.SITE_URL, "INVITATION_VALID_DAYS": settings.INVITATION_VALID_DAYS}
