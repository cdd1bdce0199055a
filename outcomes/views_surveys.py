"""Staff pages of surveys: the clinic's schedules (admin), enrolling, the stop switch, resending,
handing a survey over (QR code or kiosk), and safety alerts. Every patient-bound row comes
through the gate (``clinics.access``)."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from clinics.access import actor, get_for, get_patient_for, require, scoped
from clinics.forms_util import submit
from clinics.roles import Need

from . import selectors, surveys
from .forms_surveys import CrisisForm, EnrolForm, ScheduleForm, WaveForm
from .models import SurveyInvitation, SurveySchedule, SurveyWave
from .survey_flow import alert_acknowledge
from .views_survey import KIOSK_KEY


def _chart(patient: Any) -> str:
    return reverse("patients:chart", args=[patient.public_id]) + "#section-surveys"


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(str(m) for m in exc.messages))


# --- Schedules (clinic admin) ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def schedules(request: HttpRequest) -> HttpResponse:
    membership = require(request, Need.ADMINISTER)
    clinic = membership.clinic
    surveys.ensure_clinic_defaults(clinic)
    settings_row = surveys.clinic_settings(clinic)
    crisis = CrisisForm(request.POST if request.POST.get("form") == "crisis" else None, instance=settings_row)
    add = ScheduleForm(request.POST if request.POST.get("form") == "schedule" else None, prefix="new")
    if request.method == "POST":
        if request.POST.get("form") == "crisis" and crisis.is_valid():
            crisis.save()
            messages.success(request, _("Crisis resources saved."))
            return redirect("surveys:schedules")
        if request.POST.get("form") == "schedule" and add.is_valid():
            saved = submit(add, surveys.schedule_save, schedule=SurveySchedule(clinic=clinic), **add.cleaned_data)
            if saved is not None:
                messages.success(request, _("Schedule added."))
                return redirect("surveys:schedule", schedule_id=saved.public_id)
    rows = scoped(request, SurveySchedule).prefetch_related("waves")
    return render(request, "outcomes/schedules.html", {"schedules": rows, "crisis": crisis, "add": add})


def _schedule(request: HttpRequest, schedule_id: str) -> SurveySchedule:
    return get_for(request, SurveySchedule, schedule_id, need=Need.ADMINISTER)


@login_required
@require_http_methods(["GET", "POST"])
def schedule(request: HttpRequest, schedule_id: str) -> HttpResponse:
    item = _schedule(request, schedule_id)
    keys = sorted(surveys.known_instrument_keys())
    initial = {
        "name": item.name,
        "anchor_kind": item.anchor_kind,
        "procedure_types": item.procedure_types,
        "active": item.active,
        "max_reminders": item.max_reminders,
        "reminder_days": ", ".join(str(d) for d in item.reminder_days),
    }
    which = request.POST.get("form", "")
    form = ScheduleForm(request.POST if which == "schedule" else None, initial=initial)
    waves = list(item.waves.all())
    wave_forms = []
    for wave in waves:
        bound = which == f"wave-{wave.pk}"
        wave_forms.append(
            (
                wave,
                WaveForm(
                    request.POST if bound else None,
                    prefix=f"w{wave.pk}",
                    instrument_keys=keys,
                    initial={
                        "key": wave.key,
                        "label": wave.label,
                        "offset_days": wave.offset_days,
                        "window_days": wave.window_days,
                        "instruments": wave.instruments,
                    },
                ),
            )
        )
    new_wave = WaveForm(request.POST if which == "wave-new" else None, prefix="wnew", instrument_keys=keys)
    if request.method == "POST":
        if which == "schedule" and form.is_valid():
            saved = submit(form, surveys.schedule_save, schedule=item, **form.cleaned_data)
            if saved is not None:
                messages.success(request, _("Schedule saved."))
                return redirect("surveys:schedule", schedule_id=item.public_id)
        candidates: list[tuple[SurveyWave | None, WaveForm]] = [*wave_forms, (None, new_wave)]
        for target, wave_form in candidates:
            if which == (f"wave-{target.pk}" if target else "wave-new") and wave_form.is_valid():
                data = wave_form.cleaned_data
                if submit(wave_form, surveys.wave_save, schedule=item, wave=target, **data):
                    messages.success(request, _("Wave saved."))
                    return redirect("surveys:schedule", schedule_id=item.public_id)
    return render(
        request, "outcomes/schedule.html", {"schedule": item, "form": form, "wave_forms": wave_forms, "new_wave": new_wave}
    )


# --- A patient's surveys ---------------------------------------------------------------------------


@login_required
@require_POST
def enrol(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = get_patient_for(request, patient_id, need=Need.EDIT_CLINICAL)
    surveys.ensure_clinic_defaults(patient.clinic)
    schedules_ = list(scoped(request, SurveySchedule).filter(active=True))
    form = EnrolForm(request.POST, schedules=schedules_)
    if not form.is_valid():
        messages.error(request, _("Choose a schedule and a valid anchor date."))
        return redirect(_chart(patient))
    chosen = next(s for s in schedules_ if str(s.public_id) == form.cleaned_data["schedule"])
    try:
        surveys.enrol(patient=patient, schedule=chosen, anchor_date=form.cleaned_data["anchor_date"], by=actor(request))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Surveys scheduled."))
    return redirect(_chart(patient))


@login_required
@require_POST
def enrolment_end(request: HttpRequest, enrolment_id: str) -> HttpResponse:
    enrolment = get_for(request, selectors.enrolments_with_patient(), enrolment_id, need=Need.EDIT_CLINICAL)
    surveys.enrolment_end(enrolment=enrolment)
    messages.success(request, _("Taken off the schedule; surveys not answered are cancelled."))
    return redirect(_chart(enrolment.patient))


@login_required
@require_POST
def stop_switch(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = get_patient_for(request, patient_id, need=Need.EDIT_DEMOGRAPHICS)
    stop = request.POST.get("stop") == "1"
    surveys.surveys_stop_set(patient=patient, stop=stop, by=actor(request))
    messages.success(request, _("Surveys stopped for this patient.") if stop else _("Surveys resumed for this patient."))
    return redirect(_chart(patient))


def _invitation(request: HttpRequest, invitation_id: str) -> SurveyInvitation:
    return get_for(request, selectors.invitations_with_wave(), invitation_id, need=Need.BOOK)


@login_required
@require_POST
def resend(request: HttpRequest, invitation_id: str) -> HttpResponse:
    invitation = _invitation(request, invitation_id)
    try:
        sent = surveys.invitation_resend(invitation=invitation)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        if sent is None:
            messages.error(request, _("The patient has no e-mail or mobile number they agreed to be contacted by."))
        else:
            messages.success(request, _("The survey link is on its way."))
    return redirect(_chart(invitation.patient))


@login_required
@require_POST
def handover(request: HttpRequest, invitation_id: str) -> HttpResponse:
    """Hand the survey over in the clinic: a fresh link (earlier ones stop working) shown as a QR code
    for the patient's phone, or opened on this device in kiosk mode (staff are signed out first, so
    the patient holds a device with no staff session)."""
    invitation = _invitation(request, invitation_id)
    try:
        raw = surveys.handover_link(invitation=invitation)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect(_chart(invitation.patient))
    path = surveys.survey_path(raw)
    if request.POST.get("mode") == "kiosk":
        logout(request)
        request.session[KIOSK_KEY] = True
        return redirect(path)
    url = request.build_absolute_uri(path)
    svg = segno.make(url, error="m").svg_inline(scale=6, title=_("Survey link"))
    return render(request, "outcomes/handover.html", {"invitation": invitation, "qr_svg": svg, "patient": invitation.patient})


# --- Safety alerts ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def alert(request: HttpRequest, alert_id: str) -> HttpResponse:
    item = get_for(request, selectors.alerts_with_parts(), alert_id, need=Need.VIEW_CLINICAL)
    return render(request, "outcomes/alert.html", {"alert": item, "patient": item.patient})


@login_required
@require_POST
def alert_ack(request: HttpRequest, alert_id: str) -> HttpResponse:
    item = get_for(request, selectors.alerts_with_parts(), alert_id, need=Need.VIEW_CLINICAL)
    alert_acknowledge(alert=item, by=actor(request))
    messages.success(request, _("Alert acknowledged."))
    return redirect("surveys:alert", alert_id=item.public_id)

