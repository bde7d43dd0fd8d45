"""Choices as the API states them (the schema's enums and the filters' allowed values)."""

from django.conf import settings

from consultations.models import Stance
from proposals.models import ProposalStatus

# A draft never reaches the API: its status is not a value any response or filter can have.
PROPOSAL_STATUSES = [(status.value, status.label) for status in ProposalStatus.public()]
STANCES = Stance.choices
LANGUAGES = settings.LANGUAGES
