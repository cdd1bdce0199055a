"""The patient's side of an invitation: its pages, saving page by page, safety alerts, submission.

Order of work, on purpose: a page's answers are saved and committed, then the alert rules are
checked on them and any alert is committed with its e-mails queued (urgent: a worker sends them
right after the commit) in a transaction of its own. Submission checks the alerts again first,
and only then scores. So an alert reaches the physician even if the patient never submits, and
even if scoring a later questionnaire fails.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from notifications import links
from notifications import services as outbox

from .definitions import InstrumentDefinition
from .models import (
    InstrumentVersion,
    InvitationStatus,
    Response,
    ResponseScore,
    SafetyAlert,
    SurveyInvitation,
)
from .scoring import InvalidAnswer, change, is_answered, item_score, score
from .services import response_answers, response_answers_save, response_start, response_submit
from .surveys import (
    LINK_PURPOSE,
    PURPOSE_ALERT,
    PURPOSE_INVITATION,
    PURPOSE_REMINDER,
    _is_stopped,
    alert_recipients,
    invitation_owner_ref,
    public_url,
)

logger = logging.getLogger(__name__)


class SurveyClosed(Exception):
    """The invitation cannot be answered (any more); ``reason`` says which page to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- Pages -----------------------------------------------------------------------------------------


@dataclass
class Page:
    number: int
    version: InstrumentVersion
    response: Response | None
    answers: dict[str, str]

    @property
    def definition(self) -> InstrumentDefinition:
        return self.version.parsed()

    @property
    def complete(self) -> bool:
        if self.response is None:
            return False
        return all(is_answered(item, self.answers) for item in self.definition.items if item.required)


def version_for(key: str) -> InstrumentVersion | None:
    """The version a new response to instrument ``key`` is given under: the newest with real text;
    a placeholder version (the shipped ODI) only where settings allow it (demo and tests)."""
    versions = InstrumentVersion.objects.select_related("instrument").filter(instrument__key=key).order_by("-loaded_at", "-pk")
    real = versions.filter(placeholder=False).first()
    if real is not None:
        return real
    if getattr(settings, "FBSS_SURVEYS_ALLOW_PLACEHOLDER_TEXT", False):
        return versions.first()
    return None


def pages_for(invitation: SurveyInvitation) -> list[Page]:
    """One page per instrument of the wave; a page already started keeps its response's version."""
    responses = {
        r.instrument_version.instrument.key: r
        for r in Response.objects.select_related("instrument_version__instrument")
        .prefetch_related("answers")
        .filter(invitation=invitation)
    }
    pages: list[Page] = []
    for key in invitation.wave.instruments:
        response = responses.get(key)
        version = response.instrument_version if response is not None else version_for(key)
        if version is None:
            continue
        answers = {a.item_key: a.value for a in response.answers.all()} if response is not None else {}
        pages.append(Page(number=len(pages) + 1, version=version, response=response, answers=answers))
    return pages


def check_open(invitation: SurveyInvitation, *, now: datetime) -> None:
    if invitation.status == InvitationStatus.COMPLETED:
        raise SurveyClosed("completed")
    if invitation.status == InvitationStatus.CANCELLED or not invitation.enrolment.active:
        raise SurveyClosed("cancelled")
    if invitation.status == InvitationStatus.EXPIRED or invitation.expires_at <= now:
        raise SurveyClosed("expired")
    if invitation.opens_at > now:
        raise SurveyClosed("not_open")
    if _is_stopped(invitation.patient):
        raise SurveyClosed("cancelled")


def page_errors(definition: InstrumentDefinition, answers: dict[str, str]) -> dict[str, str]:
    """Per item: an answer not offered, or a required answer missing (messages for the patient)."""
    errors: dict[str, str] = {}
    for item in definition.items:
        value = answers.get(item.key)
        try:
            item_score(item, value)
        except InvalidAnswer:
            errors[item.key] = str(_("Choose one of the answers offered."))
            continue
        if item.required and not value:
            errors[item.key] = str(_("Please answer this question."))
    return errors


def page_save(*, invitation: SurveyInvitation, page: Page, answers: dict[str, str], now: datetime | None = None) -> Response:
    """Save one page's answers (committed at once, so a closed browser resumes here), then raise
    any alert they meet in a transaction of its own. Raises SurveyClosed or ValidationError."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = SurveyInvitation.objects.select_for_update().select_related("enrolment", "patient").get(pk=invitation.pk)
        check_open(locked, now=now)
        if locked.status == InvitationStatus.PENDING:
            locked.status = InvitationStatus.OPEN
            locked.save(update_fields=["status", "updated_at"])
        response = Response.objects.filter(invitation=locked, instrument_version=page.version).first()
        if response is None:
            response = response_start(patient=locked.patient, instrument_version=page.version, language=locked.language)
            response.invitation = locked
            response.save(update_fields=["invitation"])
        known = {item.key for item in page.definition.items}
        response_answers_save(response=response, answers={k: (answers.get(k) or None) for k in known})
    alerts_raise(response=response)
    return response


# --- Safety alerts ---------------------------------------------------------------------------------


def alerts_raise(*, response: Response) -> list[SafetyAlert]:
    """Raise the alerts ``response``'s answers meet (once per rule), each with its e-mails queued as
    urgent, in a transaction of its own. The e-mail names no patient and no answer."""
    definition = response.instrument_version.parsed()
    if not definition.alerts:
        return []
    hits = score(definition, response_answers(response)).alerts
    raised: list[SafetyAlert] = []
    for hit in hits:
        try:
            with transaction.atomic():
                alert, created = SafetyAlert.objects.get_or_create(
                    response=response, kind=hit.key, defaults={"patient_id": response.patient_id, "level": hit.level}
                )
                if created:
                    _alert_emails(alert)
        except IntegrityError:  # raised at this very moment by another request: it is there
            alert = SafetyAlert.objects.get(response=response, kind=hit.key)
        raised.append(alert)
    return raised


def _alert_emails(alert: SafetyAlert) -> None:
    patient = alert.patient
    url = public_url(reverse("surveys:alert", args=[alert.public_id]))
    for user in alert_recipients(patient):
        if not user.email:
            logger.warning("safety alert %s: physician %s has no e-mail address", alert.pk, user.pk)
            continue
        with translation.override(settings.LANGUAGE_CODE):
            subject = _t("Urgent: a patient's survey needs your attention")
            body = "\n".join(
                [
                    _t("Urgent: a patient's survey needs your attention."),
                    _t("Please open the alert in the clinic's application:"),
                    url,
                ]
            )
        outbox.enqueue(
            channel="email",
            recipient=user.email,
            subject=subject,
            body=body,
            due_at=timezone.now(),
            purpose=PURPOSE_ALERT,
            owner_ref=outbox.owner_ref_for(alert),
            idempotency_key=f"safety-alert:{alert.pk}:user:{user.pk}",
            urgent=True,
            clinic_id=patient.clinic_id,
        )


@transaction.atomic
def alert_acknowledge(*, alert: SafetyAlert, by: Any, now: datetime | None = None) -> SafetyAlert:
    """Close an alert with who and when; acknowledging it again changes nothing."""
    locked = SafetyAlert.objects.select_for_update().get(pk=alert.pk)
    if locked.acknowledged_at is None:
        locked.acknowledged_at = now or timezone.now()
        locked.acknowledged_by = by
        locked.full_clean()
        locked.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return locked


# --- Submission ------------------------------------------------------------------------------------


def response_changes_store(*, response: Response) -> None:
    """Store, on each scorable score of ``response``, its change from the patient's baseline (their
    first submitted scorable score of that instrument and key) and from the previous one, and whether
    the change from baseline is a meaningful improvement or worsening by the instrument's threshold."""
    definition = response.instrument_version.parsed()
    key = response.instrument_version.instrument.key
    for row in ResponseScore.objects.filter(response=response, scorable=True):
        earlier: list[Decimal | None] = list(
            ResponseScore.objects.filter(
                response__patient_id=response.patient_id,
                response__instrument_version__instrument__key=key,
                response__submitted_at__lt=response.submitted_at,
                key=row.key,
                scorable=True,
            )
            .order_by("response__submitted_at", "pk")
            .values_list("total", flat=True)
        )
        totals = [t for t in earlier if t is not None]
        if not totals or row.total is None:
            continue
        baseline, previous = totals[0], totals[-1]
        from_baseline = change(definition, baseline, row.total, score_key=row.key)
        row.change_from_baseline = from_baseline.points
        row.change_from_previous = row.total - previous
        has_rule = any(s.key == row.key and s.meaningful_change is not None for s in definition.scores)
        row.improved = from_baseline.improved if has_rule else None
        row.worsened = from_baseline.worsened if has_rule else None
        row.full_clean()
        row.save(update_fields=["change_from_baseline", "change_from_previous", "improved", "worsened"])


class Incomplete(Exception):
    def __init__(self, page: int) -> None:
        super().__init__(page)
        self.page = page


def invitation_submit(*, invitation: SurveyInvitation, raw_token: str, now: datetime | None = None) -> bool:
    """Submit every page of the invitation once; returns whether a safety alert is open on it.

    The alerts are checked (and committed) first. Then, in one transaction holding the invitation's
    row lock, the link is used, the responses are scored, the invitation is completed, its other
    links are revoked and its messages not yet sent are cancelled. Of two submissions at once the
    second waits for the lock and then finds the invitation completed (SurveyClosed "completed").
    """
    now = now or timezone.now()
    for response in Response.objects.select_related("instrument_version").filter(invitation=invitation):
        alerts_raise(response=response)
    with transaction.atomic():
        locked = SurveyInvitation.objects.select_for_update().select_related("enrolment", "patient", "wave").get(pk=invitation.pk)
        check_open(locked, now=now)
        pages = pages_for(locked)
        for page in pages:
            if not page.complete:
                raise Incomplete(page.number)
        used = links.consume(raw_token, purpose=LINK_PURPOSE)
        if not used.ok or used.link is None or used.link.owner_ref != invitation_owner_ref(locked):
            raise SurveyClosed("link")
        for page in pages:
            assert page.response is not None  # noqa: S101 - complete pages have one
            response_submit(response=page.response, at=now)
            response_changes_store(response=page.response)
        locked.status = InvitationStatus.COMPLETED
        locked.completed_at = now
        locked.full_clean(validate_constraints=False)
        locked.save(update_fields=["status", "completed_at", "updated_at"])
        ref = invitation_owner_ref(locked)
        links.revoke(owner_ref=ref, purpose=LINK_PURPOSE)
        outbox.cancel(owner_ref=ref, purpose=PURPOSE_INVITATION)
        outbox.cancel(owner_ref=ref, purpose=PURPOSE_REMINDER)
    return has_safety_alert(locked)


def has_safety_alert(invitation: SurveyInvitation) -> bool:
    return SafetyAlert.objects.filter(response__invitation=invitation).exists()


def validation_message(error: ValidationError) -> str:
    return "; ".join(str(m) for m in error.messages)
