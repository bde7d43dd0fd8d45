from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import translation

from accounts.models import Profile, User


@receiver(post_save, sender=User)
def create_profile(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        # The language the person was using when the account was made.
        language = (translation.get_language() or "").split("-")[0]
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        Profile.objects.get_or_create(user=instance, defaults={"language": language})
