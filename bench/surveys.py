"""Survey links the load generator can open: open invitations with tokens it knows.

A survey link is the patient's only key and carries nothing but the token; only its SHA-256 is
stored (``notifications.links``). The scale data's links were made with tokens nobody knows, so
each bench run makes its own, just before the load (``bench/queries.py`` calls ``prepare``):

- ``page`` tokens: open invitations with no answer yet. ``survey_page`` GETs the PHQ-9 page of
  one of them, over and over (one token per simulated patient; a GET changes nothing).
- ``submit`` tokens: open invitations whose every page is answered but not yet submitted.
  ``survey_submission`` POSTs the final "send" of one of them: the real submission, which checks
  the safety alerts, uses the single-use link, scores every questionnaire, stores the changes
  from the patient's baseline, completes the invitation and revokes its links. A token works once,
  so each request takes a fresh one from the pool (the load generator counts what it used).

The invitations hang off a schedule made for the run ("Bench run <time>", one per clinic, with
the clinic's follow-up instruments that have real text), on patients of the scale data: the
submission then compares with real earlier scores. Made in bulk here (this is the bench's set-up,
not the code under test); everything the pages then do goes through the app.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from notifications.models import PatientLink
from outcomes.models import (
    Answer,
    InstrumentVersion,
    InvitationStatus,
    Response,
    SurveyEnrolment,
    SurveyInvitation,
    SurveySchedule,
    SurveyWave,
)
from outcomes.surveys import FOLLOW_UP_INSTRUMENTS, LINK_PURPOSE, invitation_owner_ref
from patients.models import Patient

PAGE_INSTRUMENT = "phq9"


def _hash(token: str) -> str:
    """What ``notifications.links`` stores of a token."""
    return hashlib.sha256(token.encode()).hexdigest()  # the longest questionnaire with real text: the heaviest page


def _versions() -> dict[str, InstrumentVersion]:
    """The version a patient is given per follow-up instrument (real text only, as in production)."""
    found: dict[str, InstrumentVersion] = {}
    for version in InstrumentVersion.objects.select_related("instrument").filter(placeholder=False).order_by("loaded_at", "pk"):
        found[version.instrument.key] = version
    return {key: found[key] for key in FOLLOW_UP_INSTRUMENTS if key in found}


def _answers(version: InstrumentVersion, rng: random.Random) -> dict[str, str]:
    definition = version.parsed()
    alert_items = {rule.item for rule in definition.alerts}
    answers = {}
    for item in definition.items:
        if item.kind == "scale":
            answers[item.key] = str(rng.randint(item.min, item.max))
        elif item.key in alert_items:
            answers[item.key] = item.options[0].value  # no safety alert: no e-mail to a physician per request
        else:
            answers[item.key] = rng.choice(item.options).value
    return answers


@transaction.atomic
def prepare(*, page: int, submit: int, seed: int = 1) -> dict[str, Any]:
    """Make ``page`` unanswered and ``submit`` fully answered open invitations with fresh tokens.

    Returns {"page": [tokens], "submit": [tokens], "page_number": n} (the PHQ-9 page's number).
    """
    now = timezone.now()
    rng = random.Random(seed)
    versions = _versions()
    keys = list(versions)
    total = page + submit
    patients = list(Patient.objects.filter(status="active").order_by("id").values_list("id", "clinic_id")[: max(total, 1)])
    if not patients:
        raise RuntimeError("no patients: seed the scale data first")
    waves_needed = math.ceil(total / len(patients))
    stamp = now.strftime("%Y%m%d-%H%M%S")
    waves: dict[int, list[SurveyWave]] = {}
    for clinic_id in sorted({c for _p, c in patients}):
        schedule = SurveySchedule.objects.create(clinic_id=clinic_id, name=f"Bench run {stamp}", active=True)
        waves[clinic_id] = [
            SurveyWave.objects.create(
                schedule=schedule, key=f"w{k}", label=f"Bench {k}", offset_days=k, window_days=2, instruments=keys
            )
            for k in range(waves_needed)
        ]
    enrolments = SurveyEnrolment.objects.bulk_create(
        SurveyEnrolment(patient_id=p, schedule_id=waves[c][0].schedule_id, anchor_date=now.date(), active=True)
        for p, c in patients
    )
    invitations: list[SurveyInvitation] = []
    for k in range(waves_needed):
        for enrolment, (p, c) in zip(enrolments, patients, strict=True):
            if len(invitations) == total:
                break
            invitations.append(
                SurveyInvitation(
                    enrolment=enrolment, patient_id=p, wave=waves[c][k], due_date=now.date(),
                    opens_at=now - dt.timedelta(hours=1), expires_at=now + dt.timedelta(days=2),
                    status=InvitationStatus.OPEN, invited_at=now,
                )  # fmt: skip
            )
    invitations = SurveyInvitation.objects.bulk_create(invitations, batch_size=2000)
    tokens = [secrets.token_urlsafe(32) for _ in invitations]
    for invitation, token in zip(invitations, tokens, strict=True):
        invitation.link_token_hash = _hash(token)
    SurveyInvitation.objects.bulk_update(invitations, ["link_token_hash"], batch_size=2000)
    PatientLink.objects.bulk_create(
        (
            PatientLink(
                token_hash=_hash(token), purpose=LINK_PURPOSE, owner_ref=invitation_owner_ref(invitation),
                expires_at=invitation.expires_at, max_uses=1,
            )  # fmt: skip
            for invitation, token in zip(invitations, tokens, strict=True)
        ),
        batch_size=2000,
    )
    # The submission's invitations: every page answered, nothing submitted.
    answered = invitations[page:]
    responses = Response.objects.bulk_create(
        (
            Response(patient_id=invitation.patient_id, instrument_version=versions[key], invitation=invitation, language="en")
            for invitation in answered
            for key in keys
        ),
        batch_size=2000,
    )
    Answer.objects.bulk_create(
        (
            Answer(response=response, item_key=item_key, value=value)
            for response in responses
            for item_key, value in _answers(response.instrument_version, rng).items()
        ),
        batch_size=5000,
    )
    return {"page": tokens[:page], "submit": tokens[page:], "page_number": keys.index(PAGE_INSTRUMENT) + 1}
