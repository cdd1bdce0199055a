"""The front desk's screens: day and week views, arrivals, worklist, next free slot, booking, and
the one-click status changes. Thin: the gate, a form, a service or selector, a template."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from clinics.access import active_membership, actor, find_patient_for, get_for, get_patient_for, require
from clinics.forms_util import submit
from clinics.roles import Need

from . import availability, reminders, selectors, services
from .followups import ensure_clinic_defaults
from .forms import (
    BookingForm,
    CancelForm,
    DayPickForm,
    FollowUpRuleForm,
    NextFreeForm,
    ReminderSettingsForm,
    RescheduleForm,
)
from .models import Appointment, AppointmentType, FollowUp, FollowUpStatus

WORKLIST_PAGE = 50


def _today(clinic: Any) -> date:
    return timezone.localtime(timezone.now(), clinic.tz).date()


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


# --- Calendar views -----------------------------------------------------------------------------


@login_required
def today(request: HttpRequest) -> HttpResponse:
    membership = require(request, Need.VIEW_PATIENT)
    return redirect("scheduling:day", day=_today(membership.clinic))


@login_required
def day_pick(request: HttpRequest) -> HttpResponse:
    """The date picker's GET lands here and is turned into a date in the path."""
    membership = require(request, Need.VIEW_PATIENT)
    form = DayPickForm(request.GET or None)
    day = form.cleaned_data["day"] if form.is_valid() else _today(membership.clinic)
    return redirect("scheduling:day", day=day)


@login_required
def day(request: HttpRequest, day: date) -> HttpResponse:
    membership = require(request, Need.VIEW_PATIENT)
    clinic = membership.clinic
    columns = selectors.day_view(clinic, day)
    return render(
        request,
        "scheduling/day.html",
        {
            "day": day,
            "columns": columns,
            "prev_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "today": _today(clinic),
            "tz": clinic.tz,
            "pick": DayPickForm(initial={"day": day}),
            "can_book": membership.can(Need.BOOK),
        },
    )


@login_required
def week(request: HttpRequest, provider_id: int, day: date) -> HttpResponse:
    membership = require(request, Need.VIEW_PATIENT)
    clinic = membership.clinic
    provider = next((p for p in availability.providers_for(clinic) if p.pk == provider_id), None)
    if provider is None:
        raise Http404
    monday = day - timedelta(days=day.weekday())
    return render(
        request,
        "scheduling/week.html",
        {
            "provider": provider,
            "monday": monday,
            "columns": selectors.week_view(clinic, provider, monday),
            "prev_week": monday - timedelta(days=7),
            "next_week": monday + timedelta(days=7),
            "tz": clinic.tz,
            "can_book": membership.can(Need.BOOK),
        },
    )


@login_required
def arrivals(request: HttpRequest) -> HttpResponse:
    membership = require(request, Need.VIEW_PATIENT)
    clinic = membership.clinic
    day = _today(clinic)
    return render(
        request,
        "scheduling/arrivals.html",
        {"day": day, "appointments": selectors.arrivals(clinic, day), "tz": clinic.tz,
         "can_book": membership.can(Need.BOOK)},
    )  # fmt: skip


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    membership = require(request, Need.BOOK)
    reminders.sync_failed_reminders(membership.clinic)
    page = Paginator(selectors.worklist(membership.clinic), WORKLIST_PAGE).get_page(request.GET.get("page"))
    links: dict[str, str] = {}
    for key, name in (("appointment", "scheduling:appointment"), ("book", "scheduling:book_follow_up"),
                      ("dismiss", "scheduling:follow_up_dismiss"), ("chart", "patients:chart")):  # fmt: skip
        links[key], links[f"{key}_end"] = _link(name)
    return render(request, "scheduling/worklist.html", {"page": page, "today": _today(membership.clinic), "links": links})


_ID = "00000000-0000-0000-0000-000000000000"


def _link(name: str) -> tuple[str, str]:
    """``reverse(name, args=[id])`` as the text before and after the id: one reverse() for all the
    rows of a page instead of one per link (a page of 50 rows had 200)."""
    before, _marker, after = reverse(name, args=[_ID]).partition(_ID)
    return before, after


@login_required
def next_free(request: HttpRequest) -> HttpResponse:
    membership = require(request, Need.BOOK)
    clinic = membership.clinic
    form = NextFreeForm(request.GET or None, clinic=clinic)
    slot = None
    searched = False
    if request.GET and form.is_valid():
        searched = True
        after = timezone.now()
        if form.cleaned_data["day"]:
            after = max(after, availability.day_bounds(clinic, form.cleaned_data["day"])[0])
        slot = availability.next_free_slot(
            clinic=clinic,
            appointment_type=form.cleaned_data["appointment_type"],
            provider=form.cleaned_data["provider"],
            after=after,
        )
    return render(
        request, "scheduling/next_free.html", {"form": form, "slot": slot, "searched": searched, "tz": clinic.tz,
                                               "type": form.cleaned_data.get("appointment_type") if searched else None},
    )  # fmt: skip


# --- Booking ------------------------------------------------------------------------------------


def _prefill(request: HttpRequest, clinic: Any) -> dict[str, Any]:
    """Initial values from a free slot's link: ?provider=<id>&start=<local ISO>&type=<key>. Not patient data."""
    initial: dict[str, Any] = {}
    provider = request.GET.get("provider", "")
    if provider.isdigit():
        initial["provider"] = int(provider)
    try:
        start = datetime.fromisoformat(request.GET.get("start", ""))
        initial["day"], initial["time"] = start.date(), start.time().replace(second=0, microsecond=0)
    except ValueError:
        pass
    type_key = request.GET.get("type", "")
    if type_key:
        t = selectors.type_by_key(clinic, type_key[:40])
        if t is not None:
            initial["appointment_type"] = t.pk
    return initial


def _slot_initial(
    clinic: Any, appointment_type: AppointmentType | None, provider: Any, not_before: date
) -> dict[str, Any]:
    if appointment_type is None:
        return {}
    after = max(timezone.now(), availability.day_bounds(clinic, not_before)[0])
    slot = availability.next_free_slot(clinic=clinic, appointment_type=appointment_type, provider=provider, after=after)
    if slot is None and provider is not None:
        slot = availability.next_free_slot(clinic=clinic, appointment_type=appointment_type, after=after)
    if slot is None:
        return {"appointment_type": appointment_type.pk}
    local = slot.starts_at.astimezone(clinic.tz)
    return {
        "appointment_type": appointment_type.pk,
        "provider": slot.provider.pk,
        "day": local.date(),
        "time": local.time().replace(second=0, microsecond=0),
    }


def _book(
    request: HttpRequest, *, patient: Any, follow_up: FollowUp | None, initial: dict[str, Any], ask_patient: bool
) -> HttpResponse:
    membership = active_membership(request)
    clinic = membership.clinic
    form = BookingForm(request.POST or None, clinic=clinic, initial=initial, ask_patient=ask_patient)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if ask_patient:
            patient = find_patient_for(request, mrn=data["mrn"], need=Need.BOOK)
            if patient is None:
                form.add_error("mrn", _("No patient with this MRN at this clinic."))
        if patient is not None:
            appointment = submit(
                form, services.book,
                clinic=clinic, patient=patient, provider=data["provider"], appointment_type=data["appointment_type"],
                starts_at=data["starts_at"], minutes=data["minutes"], room=data["room"], follow_up=follow_up,
                override_reason=data["override_reason"], by=actor(request),
            )  # fmt: skip
            if appointment is not None:
                local = appointment.local_start()
                messages.success(
                    request,
                    _("Booked %(type)s on %(day)s at %(time)s.")
                    % {"type": appointment.appointment_type.name, "day": local.date().isoformat(),
                       "time": local.strftime("%H:%M")},
                )  # fmt: skip
                return redirect("scheduling:day", day=local.date())
    return render(
        request, "scheduling/book.html",
        {"form": form, "patient": patient, "follow_up": follow_up, "tz": clinic.tz, "clinic": clinic},
    )  # fmt: skip


@login_required
def book(request: HttpRequest) -> HttpResponse:
    membership = require(request, Need.BOOK)
    return _book(request, patient=None, follow_up=None, initial=_prefill(request, membership.clinic), ask_patient=True)


@login_required
def book_for_patient(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = get_patient_for(request, patient_id, need=Need.BOOK)
    initial = _prefill(request, active_membership(request).clinic)
    return _book(request, patient=patient, follow_up=None, initial=initial, ask_patient=False)


@login_required
def book_follow_up(request: HttpRequest, follow_up_id: str) -> HttpResponse:
    item = get_for(request, selectors.follow_ups_with_parts(), follow_up_id, need=Need.BOOK)
    if item.status != FollowUpStatus.OPEN:
        messages.info(request, _("This worklist item is already booked or closed."))
        return redirect("scheduling:worklist")
    clinic = active_membership(request).clinic
    initial = (
        _slot_initial(clinic, item.appointment_type, item.provider, item.due_date) if request.method == "GET" else {}
    )
    return _book(request, patient=item.patient, follow_up=item, initial=initial, ask_patient=False)


@login_required
@require_POST
def follow_up_dismiss(request: HttpRequest, follow_up_id: str) -> HttpResponse:
    item = get_for(request, FollowUp, follow_up_id, need=Need.BOOK)
    try:
        services.dismiss_follow_up(follow_up=item, by=actor(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Taken off the worklist."))
    return redirect(_back(request, reverse("scheduling:worklist")))


# --- One appointment ----------------------------------------------------------------------------


def _appointment(request: HttpRequest, appointment_id: str, need: Need) -> Appointment:
    return get_for(request, selectors.appointments_with_parts(), appointment_id, need=need)


@login_required
def appointment_detail(request: HttpRequest, appointment_id: str) -> HttpResponse:
    appointment = _appointment(request, appointment_id, Need.VIEW_PATIENT)
    membership = active_membership(request)
    previous, following = selectors.reschedule_neighbours(appointment)
    return render(
        request,
        "scheduling/appointment.html",
        {
            "a": appointment,
            "previous": previous,
            "following": following,
            "tz": membership.clinic.tz,
            "can_book": membership.can(Need.BOOK),
            "cancel_form": CancelForm(),
            "reminders": reminders.reminders_of(appointment),
        },
    )


ACTIONS = {
    "confirm": (services.confirm, _("Confirmed.")),
    "check-in": (services.check_in, _("Checked in.")),
    "no-show": (services.mark_no_show, _("Marked as no-show; a call-back is on the worklist.")),
    "complete": (services.complete, _("Completed.")),
}


@login_required
@require_POST
def appointment_action(request: HttpRequest, appointment_id: str, action: str) -> HttpResponse:
    appointment = _appointment(request, appointment_id, Need.BOOK)
    if action not in ACTIONS:
        raise Http404
    write, done = ACTIONS[action]
    try:
        write(appointment=appointment, by=actor(request))
    except ValidationError as exc:
        # A second click, or someone else got there first: say so and show the page again.
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, str(done))
    return redirect(_back(request, reverse("scheduling:appointment", args=[appointment.public_id])))


@login_required
def appointment_cancel(request: HttpRequest, appointment_id: str) -> HttpResponse:
    appointment = _appointment(request, appointment_id, Need.BOOK)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cancelled = submit(
            form, services.cancel, appointment=appointment, reason=form.cleaned_data["reason"], by=actor(request)
        )
        if cancelled is not None:
            messages.success(request, _("Cancelled."))
            return redirect(_back(request, reverse("scheduling:appointment", args=[appointment.public_id])))
    return render(request, "scheduling/cancel.html", {"a": appointment, "form": form, "tz": appointment.clinic.tz})


@login_required
def appointment_reschedule(request: HttpRequest, appointment_id: str) -> HttpResponse:
    appointment = _appointment(request, appointment_id, Need.BOOK)
    clinic = appointment.clinic
    local = appointment.local_start()
    form = RescheduleForm(
        request.POST or None,
        clinic=clinic,
        initial={"provider": appointment.provider_id, "day": local.date(), "time": local.time(),
                 "minutes": appointment.minutes, "room": appointment.room_id},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        new = submit(
            form, services.reschedule,
            appointment=appointment, starts_at=data["starts_at"], provider=data["provider"], minutes=data["minutes"],
            room=data["room"], override_reason=data["override_reason"], by=actor(request),
        )  # fmt: skip
        if new is not None:
            messages.success(request, _("Rescheduled."))
            return redirect("scheduling:day", day=new.local_start().date())
    return render(request, "scheduling/reschedule.html", {"a": appointment, "form": form, "tz": clinic.tz})


# --- The clinic admin's follow-up rules ---------------------------------------------------------


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    """The clinic's follow-up rules, one small form each (need ADMINISTER)."""
    membership = require(request, Need.ADMINISTER)
    clinic = membership.clinic
    ensure_clinic_defaults(clinic)
    forms_by_rule = []
    for rule in selectors.rules_of(clinic):
        bound = request.method == "POST" and request.POST.get("rule") == str(rule.pk)
        form = FollowUpRuleForm(request.POST if bound else None, instance=rule, prefix=f"r{rule.pk}")
        if bound and form.is_valid():
            saved = submit(form, services.rule_update, rule=rule, by=actor(request), **form.cleaned_data)
            if saved is not None:
                messages.success(request, _("Rule saved."))
                return redirect("scheduling:rules")
        forms_by_rule.append((rule, form))
    return render(
        request, "scheduling/rules.html", {"rules": forms_by_rule, "reminders": reminders.settings_for(clinic)}
    )


# --- Reminders: staff resend, the clinic admin's settings ----------------------------------------


@login_required
@require_POST
def reminder_resend(request: HttpRequest, appointment_id: str) -> HttpResponse:
    """Resend one reminder of the appointment (its id in the form; another appointment's is refused)."""
    appointment = _appointment(request, appointment_id, Need.BOOK)
    raw = request.POST.get("message", "")
    try:
        if not raw.isdigit() or len(raw) > 18:
            raise ValidationError(_("Choose one of this appointment's reminders."), code="message")
        reminders.resend(appointment=appointment, message_id=int(raw))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The reminder is queued to go now."))
    return redirect("scheduling:appointment", appointment_id=appointment.public_id)


@login_required
def reminder_settings(request: HttpRequest) -> HttpResponse:
    membership = require(request, Need.ADMINISTER)
    current = reminders.settings_for(membership.clinic)
    form = ReminderSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        saved = submit(form, services.reminder_settings_update, clinic=membership.clinic, by=actor(request),
                       **form.cleaned_data)  # fmt: skip
        if saved is not None:
            messages.success(request, _("Reminder settings saved."))
            return redirect("scheduling:rules")
    return render(request, "scheduling/reminder_settings.html", {"form": form})


# --- The patient's link (no login) --------------------------------------------------------------

LINK_STATUS = {"not_found": 404, "wrong_purpose": 404, "expired": 410, "used": 410, "not_upcoming": 410}


@never_cache
def appointment_link(request: HttpRequest, token: str) -> HttpResponse:
    """What a patient sees from a reminder: date, time and clinic, and two buttons (POST)."""
    if request.method == "POST":
        action = request.POST.get("answer", "")
        if action not in ("confirm", "cancel"):
            return render(request, "scheduling/link.html", {"problem": "not_found"}, status=400)
        answer = reminders.answer_by_link(raw=token, confirm=action == "confirm")
        if answer.problem is None:
            return render(request, "scheduling/link.html", {"a": answer.appointment, "done": action})
    else:
        answer = reminders.appointment_for_link(token)
    if answer.problem is not None:
        return render(
            request, "scheduling/link.html", {"problem": answer.problem}, status=LINK_STATUS.get(answer.problem, 404)
        )
    return render(request, "scheduling/link.html", {"a": answer.appointment})
