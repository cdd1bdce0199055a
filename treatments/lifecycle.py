"""What treatments does when a patient's status changes (``patients.lifecycle``).

A patient who died: their draft and active plans are discontinued with the reason "deceased" and
every current medication stops (``services.close_for_deceased``), inside the status change's own
transaction. A discharged patient keeps their plans as they are (a discharge may be temporary);
both leave treatments' work lists (the front desk's "To book", the physician's "Plans due for
review"), which show active patients only (``selectors``).
"""

from __future__ import annotations

from patients.choices import PatientStatus
from patients.lifecycle import StatusChange

from . import services


def on_patient_status_change(change: StatusChange) -> None:
    if change.new_status == PatientStatus.DECEASED:
        services.close_for_deceased(patient=change.patient, by=change.by, on=change.on)
