"""Writes of the tenancy layer."""

from django.db import transaction
from django.utils import timezone

from .models import Heartbeat


@transaction.atomic
def heartbeat_record(*, source: str) -> Heartbeat:
    """Note that ``source`` (a worker) is alive now; the status of background work reads this."""
    beat, _ = Heartbeat.objects.update_or_create(source=source, defaults={"at": timezone.now()})
    return beat
