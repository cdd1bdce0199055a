from celery import shared_task

from . import services


@shared_task(name="clinics.heartbeat")
def heartbeat() -> None:
    services.heartbeat_record(source="worker")
