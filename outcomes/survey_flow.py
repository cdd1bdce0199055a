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
from django.db.models import Exists, OuterRef, QuerySet
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
    PatientSurveyPreference,
    Response,
    ResponseScore,
    SafetyAlert,
    SurveyInvitation,
)
from .scoring import InvalidAnswer, ScoreResult, change, is_answered, item_score, score
from .services import response_answers, response_answers_save, response_start, score_row
from .surveys import (
    LINK_PURPOSE,
    PURPOSE_ALERT,
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


def versions_for(keys: list[str]) -> dict[str, InstrumentVersion]:
    """Per instrument key, the version a new response is given under (one query for all keys): the
    newest with real text; a placeholder version (the shipped ODI) only where settings allow it
    (demo and tests)."""
    if not keys:
        return {}
    versions = InstrumentVersion.objects.select_related("instrument").filter(instrument__key__in=keys)
    if not getattr(settings, "FBSS_SURVEYS_ALLOW_PLACEHOLDER_TEXT", False):
        versions = versions.filter(placeholder=False)
    chosen: dict[str, InstrumentVersion] = {}
    for version in versions.order_by("-loaded_at", "-pk"):  # newest first
        current = chosen.get(version.instrument.key)
        if current is None or (current.placeholder and not version.placeholder):
            chosen[version.instrument.key] = version
    return chosen


def version_for(key: str) -> InstrumentVersion | None:
    """The version a new response to instrument ``key`` is given under (see ``versions_for``)."""
    return versions_for([key]).get(key)


def pages_for(invitation: SurveyInvitation, *, lock: bool = False) -> list[Page]:
    """One page per instrument of the wave; a page already started keeps its response's version.

    Three queries at most whatever the wave's size: the responses, their answers, and the versions
    of the questionnaires not started yet. ``lock`` locks the responses' rows (submission)."""
    rows = Response.objects.select_related("instrument_version__instrument").prefetch_related("answers").filter(invitation=invitation)
    if lock:
        rows = rows.select_for_update(of=("self",))
    responses = {r.instrument_version.instrument.key: r for r in rows}
    versions = versions_for([key for key in invitation.wave.instruments if key not in responses])
    pages: list[Page] = []
    for key in invitation.wave.instruments:
        response = responses.get(key)
        version = response.instrument_version if response is not None else versions.get(key)
        if version is None:
            continue
        answers = {a.item_key: a.value for a in response.answers.all()} if response is not None else {}
        pages.append(Page(number=len(pages) + 1, version=version, response=response, answers=answers))
    return pages


def invitations_with_flags() -> QuerySet[SurveyInvitation]:
    """Invitations with what every survey page asks of them in the same query: whether the patient
    stopped surveys (``patient_stopped``, read by ``check_open``) and whether a safety alert was
    raised on the invitation (``alerted``)."""
    stopped = PatientSurveyPreference.objects.filter(patient_id=OuterRef("patient_id"), stop_surveys=True)
    alerted = SafetyAlert.objects.filter(response__invitation_id=OuterRef("pk"))
    return SurveyInvitation.objects.annotate(patient_stopped=Exists(stopped), alerted=Exists(alerted))


def invitation_by_pk(pk: int) -> SurveyInvitation | None:
    """The invitation a survey link names, with its patient, clinic, wave and enrolment, and flags."""
    return invitations_with_flags().select_related("patient__clinic", "wave", "enrolment").filter(pk=pk).first()


def check_open(invitation: SurveyInvitation, *, now: datetime) -> None:
    if invitation.status == InvitationStatus.COMPLETED:
        raise SurveyClosed("completed")
    if invitation.status == InvitationStatus.CANCELLED or not invitation.enrolment.active:
        raise SurveyClosed("cancelled")
    if invitation.status == InvitationStatus.EXPIRED or invitation.expires_at <= now:
        raise SurveyClosed("expired")
    if invitation.opens_at > now:
        raise SurveyClosed("not_open")
    stopped = getattr(invitation, "patient_stopped", None)  # annotated by invitations_with_flags
    if stopped if stopped is not None else _is_stopped(invitation.patient):
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
        locked = invitations_with_flags().select_for_update().select_related("enrolment", "patient").get(pk=invitation.pk)
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


def alerts_raise(*, response: Response, answers: dict[str, str] | None = None) -> list[SafetyAlert]:
    """Raise the alerts ``response``'s answers meet (once per rule), each with its e-mails queued as
    urgent, in a transaction of its own. The e-mail names no patient and no answer.

    ``answers``: the response's answers when the caller already has them (no query then)."""
    definition = response.instrument_version.parsed()
    if not definition.alerts:
        return []
    hits = score(definition, response_answers(response) if answers is None else answers).alerts
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


def _set_changes(row: ResponseScore, definition: InstrumentDefinition, totals: list[Decimal]) -> None:
    """Put on ``row`` its change from the baseline (``totals[0]``, the patient's first score of that
    instrument and key) and from the previous score (``totals[-1]``), and whether the change from
    baseline is a meaningful improvement or worsening by the instrument's threshold (None where the
    instrument has no threshold for that score)."""
    assert row.total is not None  # noqa: S101 - only scorable rows have changes
    baseline, previous = totals[0], totals[-1]
    from_baseline = change(definition, baseline, row.total, score_key=row.key)
    row.change_from_baseline = from_baseline.points
    row.change_from_previous = row.total - previous
    has_rule = any(s.key == row.key and s.meaningful_change is not None for s in definition.scores)
    row.improved = from_baseline.improved if has_rule else None
    row.worsened = from_baseline.worsened if has_rule else None


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
        _set_changes(row, definition, totals)
        row.full_clean()
        row.save(update_fields=["change_from_baseline", "change_from_previous", "improved", "worsened"])


class Incomplete(Exception):
    def __init__(self, page: int) -> None:
        super().__init__(page)
        self.page = page


def _responses_submit(*, patient_id: int, pages: list[Page], at: datetime) -> list[ScoreResult]:
    """Close the pages' responses and store their scores, each with its change from the patient's
    baseline and previous score (as ``response_changes_store`` does for one response).

    A constant number of queries whatever the number of questionnaires and the patient's history:
    one UPDATE of the responses, one read of the patient's earlier scores of these instruments, one
    INSERT of the scores. Scored from the answers already loaded; the database's constraints (one
    score per key, total iff scorable) hold as for single saves. Call inside a transaction.
    """
    responses = [page.response for page in pages if page.response is not None]
    if any(response.is_submitted for response in responses):
        raise ValidationError(_("This questionnaire has already been submitted."))
    ids = [response.pk for response in responses]
    if Response.objects.filter(pk__in=ids, submitted_at__isnull=True).update(submitted_at=at) != len(ids):
        raise ValidationError(_("This questionnaire has already been submitted."))
    keys = sorted({page.version.instrument.key for page in pages})
    earlier: dict[tuple[str, str], list[Decimal]] = {}
    for instrument_key, score_key, total in (
        ResponseScore.objects.filter(
            response__patient_id=patient_id,
            response__instrument_version__instrument__key__in=keys,
            response__submitted_at__lt=at,
            scorable=True,
            total__isnull=False,
        )
        .order_by("response__submitted_at", "pk")
        .values_list("response__instrument_version__instrument__key", "key", "total")
    ):
        if total is not None:
            earlier.setdefault((instrument_key, score_key), []).append(total)
    results: list[ScoreResult] = []
    rows: list[ResponseScore] = []
    for page in pages:
        assert page.response is not None  # noqa: S101 - complete pages have one
        page.response.submitted_at = at
        definition = page.definition
        result = score(definition, page.answers)
        results.append(result)
        for part in [result, *result.subscores.values()] if result.key else []:
            row = score_row(page.response, part)
            totals = earlier.get((page.version.instrument.key, part.key))
            if totals and row.scorable and row.total is not None:
                _set_changes(row, definition, totals)
            # The fields' own checks; the row's constraints are the database's (no query per row).
            row.full_clean(exclude=["response"], validate_unique=False, validate_constraints=False)
            rows.append(row)
    ResponseScore.objects.bulk_create(rows)
    return results


def invitation_submit(*, invitation: SurveyInvitation, raw_token: str, now: datetime | None = None) -> bool:
    """Submit every page of the invitation once; returns whether a safety alert is open on it.

    The alerts are checked (and committed) first. Then, in one transaction holding the invitation's
    row lock, the link is used, the responses are scored, the invitation is completed, its other
    links are revoked and its messages not yet sent are cancelled. Of two submissions at once the
    second waits for the lock and then finds the invitation completed (SurveyClosed "completed").
    The number of queries does not grow with the number of questionnaires or the patient's history.
    """
    now = now or timezone.now()
    started = Response.objects.select_related("instrument_version").prefetch_related("answers").filter(invitation=invitation)
    for response in started:
        alerts_raise(response=response, answers={a.item_key: a.value for a in response.answers.all()})
    with transaction.atomic():
        locked = (
            invitations_with_flags()
            .select_for_update()
            .select_related("enrolment", "patient", "wave")
            .get(pk=invitation.pk)
        )
        check_open(locked, now=now)
        pages = pages_for(locked, lock=True)
        for page in pages:
            if not page.complete:
                raise Incomplete(page.number)
        used = links.consume(raw_token, purpose=LINK_PURPOSE)
        if not used.ok or used.link is None or used.link.owner_ref != invitation_owner_ref(locked):
            raise SurveyClosed("link")
        results = _responses_submit(patient_id=locked.patient_id, pages=pages, at=now)
        locked.status = InvitationStatus.COMPLETED
        locked.completed_at = now
        locked.full_clean(exclude=["enrolment", "patient", "wave"], validate_unique=False, validate_constraints=False)
        locked.save(update_fields=["status", "completed_at", "updated_at"])
        ref = invitation_owner_ref(locked)
        links.revoke(owner_ref=ref, purpose=LINK_PURPOSE)
        # The invitation's own messages are its invitations and reminders (``surveys._queue``; an
        # alert's e-mail belongs to the alert): one UPDATE cancels those not yet sent.
        outbox.cancel(owner_ref=ref)
    # Alerts raised before the lock are in ``alerted``; the answers just scored may meet a rule too.
    return bool(getattr(locked, "alerted", False)) or any(result.alerts for result in results)


def has_safety_alert(invitation: SurveyInvitation) -> bool:
    return SafetyAlert.objects.filter(response__invitation=invitation).exists()


def validation_message(error: ValidationError) -> str:
    return "; ".join(str(m) for m in error.messages)
