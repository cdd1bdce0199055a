"""Thin Celery tasks over ``dispatch``: ids only, no countdown or ETA (due work is a row)."""

from celery import shared_task

from . import dispatch


@shared_task(name="notifications.dispatch_due")
def dispatch_due() -> int:
    """Run by beat every minute: send what is due."""
    return dispatch.dispatch_due()


@shared_task(name="notifications.send_one")
def send_one(message_id: int) -> bool:
    """Send one urgent message right after the transaction that queued it commits."""
    return dispatch.send_now(message_id=message_id)
