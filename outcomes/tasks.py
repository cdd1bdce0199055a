"""Thin Celery tasks of surveys: no arguments but ids, no countdown or ETA (due work is a row)."""

from celery import shared_task

from . import surveys


@shared_task(name="outcomes.survey_tick")
def survey_tick() -> dict[str, int]:
    """Run by beat: open, invite, remind and expire survey invitations (``surveys.survey_tick``)."""
    result = surveys.survey_tick()
    return {"opened": result.opened, "invited": result.invited, "reminded": result.reminded, "expired": result.expired}
