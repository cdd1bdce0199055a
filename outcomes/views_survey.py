"""The patient's survey pages at ``/survey/<token>/``: no login, the token is the key.

Every page looks the token up (``links.resolve``) and acts only on the invitation it names, so a
token can never reach another patient's survey. Requests here are not wrapped in one transaction
(``non_atomic_requests``): a page's answers commit before its safety alerts are checked, and the
alerts commit on their own (see ``survey_flow``). Pages carry no app chrome, no script and nothing
from another site.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.http import require_http_methods

from notifications import links
from notifications.links import Problem
from notifications.services import parse_owner_ref

from .definitions import InstrumentDefinition
from .models import InvitationStatus, SurveyInvitation
from .survey_flow import (
    Incomplete,
    Page,
    SurveyClosed,
    check_open,
    has_safety_alert,
    invitation_by_pk,
    page_errors,
    page_save,
    pages_for,
)
from .survey_flow import invitation_submit as submit_invitation
from .surveys import LINK_PURPOSE, clinic_settings

KIOSK_KEY = "survey_kiosk"
DONE_KEY = "survey_done"


def _text(texts: dict[str, str], language: str) -> str:
    return texts.get(language) or next(iter(texts.values()), "")


def _closed(request: HttpRequest, reason: str, *, invitation: SurveyInvitation | None = None) -> HttpResponse:
    status = {"not_found": 404, "not_open": 403, "completed": 410, "expired": 410, "cancelled": 410, "link": 410}.get(reason, 410)
    language = invitation.language if invitation is not None else "en"
    with translation.override(language):
        return render(
            request,
            "outcomes/survey/closed.html",
            {"reason": reason, "kiosk": request.session.get(KIOSK_KEY, False), "language": language},
            status=status,
        )


def _invitation_of(link: Any) -> SurveyInvitation | None:
    """The invitation a survey link belongs to (the token is the patient's only key: no gate)."""
    app_label, model_name, pk = parse_owner_ref(link.owner_ref)
    if (app_label, model_name) != ("outcomes", "surveyinvitation") or not pk.isdigit():
        return None
    return invitation_by_pk(int(pk))


def _alerted(invitation: SurveyInvitation) -> bool:
    """Whether a safety alert is raised on the invitation, as read with it (``invitation_by_pk``)."""
    flag = getattr(invitation, "alerted", None)
    return has_safety_alert(invitation) if flag is None else bool(flag)


def _invitation(request: HttpRequest, token: str) -> SurveyInvitation | HttpResponse:
    """The invitation the token names, or the page saying why not."""
    found = links.resolve(token, purpose=LINK_PURPOSE)
    if found.link is None:
        return _closed(request, "not_found")
    invitation = _invitation_of(found.link)
    if invitation is None:
        return _closed(request, "not_found")
    if found.problem == Problem.USED or invitation.status == InvitationStatus.COMPLETED:
        return _closed(request, "completed", invitation=invitation)
    if found.problem == Problem.EXPIRED:
        return _closed(request, "expired", invitation=invitation)
    try:
        check_open(invitation, now=timezone.now())
    except SurveyClosed as closed:
        return _closed(request, closed.reason, invitation=invitation)
    return invitation


def _items(page: Page, language: str, values: dict[str, str], errors: dict[str, str]) -> list[dict[str, Any]]:
    definition: InstrumentDefinition = page.definition
    rows = []
    for item in definition.items:
        if item.kind == "scale":
            anchors = {int(k): _text(dict(v), language) for k, v in (item.anchors or {}).items()}
            options = [{"value": str(n), "label": str(n), "hint": anchors.get(n, "")} for n in range(item.min, item.max + 1)]
        else:
            options = [{"value": o.value, "label": _text(dict(o.text), language), "hint": ""} for o in item.options]
        rows.append(
            {
                "key": item.key,
                "text": _text(dict(item.text), language),
                "kind": item.kind,
                "required": item.required,
                "options": options,
                "value": values.get(item.key, ""),
                "error": errors.get(item.key, ""),
            }
        )
    return rows


def _first_open_page(pages: list[Page]) -> int | None:
    for page in pages:
        if not page.complete:
            return page.number
    return None


@require_http_methods(["GET"])
@transaction.non_atomic_requests
def survey_start(request: HttpRequest, token: str) -> HttpResponse:
    """Where the link lands: the first page not yet complete (resume), or the review to submit."""
    found = _invitation(request, token)
    if isinstance(found, HttpResponse):
        return found
    pages = pages_for(found)
    number = _first_open_page(pages)
    if number is None:
        return redirect("survey:submit", token=token)
    return redirect("survey:page", token=token, number=number)


@require_http_methods(["GET", "POST"])
@transaction.non_atomic_requests
def survey_page(request: HttpRequest, token: str, number: int) -> HttpResponse:
    found = _invitation(request, token)
    if isinstance(found, HttpResponse):
        return found
    invitation = found
    pages = pages_for(invitation)
    if not 1 <= number <= len(pages):
        return redirect("survey:start", token=token)
    page = pages[number - 1]
    language = page.response.language if page.response is not None else invitation.language
    definition = page.definition
    values = dict(page.answers)
    errors: dict[str, str] = {}
    if request.method == "POST":
        keys = {item.key for item in definition.items}
        posted = {k: str(request.POST.get(k, "")).strip()[:40] for k in keys}
        errors = page_errors(definition, posted)
        # Save what is valid even when something is missing, so nothing given is lost.
        to_save = {k: v for k, v in posted.items() if not (k in errors and v)}
        try:
            page_save(invitation=invitation, page=page, answers=to_save)
        except SurveyClosed as closed:
            return _closed(request, closed.reason, invitation=invitation)
        except ValidationError:
            errors = errors or {"": "invalid"}
        values = {**values, **posted}
        if not errors:
            if number < len(pages):
                return redirect("survey:page", token=token, number=number + 1)
            return redirect("survey:submit", token=token)
    with translation.override(invitation.language):
        return render(
            request,
            "outcomes/survey/page.html",
            {
                "token": token,
                "number": number,
                "total": len(pages),
                "title": _text(dict(definition.short_title or definition.title), language),
                "instructions": _text(dict(definition.instructions), language) if definition.instructions else "",
                "attribution": definition.attribution,
                "items": _items(page, language, values, errors),
                "has_errors": bool(errors),
                # A POST may have raised an alert just now: ask again then.
                "crisis": _crisis(invitation) if (has_safety_alert(invitation) if request.method == "POST" else _alerted(invitation)) else None,
                "clinic": invitation.patient.clinic.name,
                "kiosk": request.session.get(KIOSK_KEY, False),
                "language": language,
            },
            status=400 if errors else 200,
        )


def _crisis(invitation: SurveyInvitation) -> dict[str, str]:
    settings_row = clinic_settings(invitation.patient.clinic)
    return {"text": settings_row.crisis_text, "phone": settings_row.crisis_phone}


@require_http_methods(["GET", "POST"])
@transaction.non_atomic_requests
def survey_submit(request: HttpRequest, token: str) -> HttpResponse:
    found = _invitation(request, token)
    if isinstance(found, HttpResponse):
        return found
    invitation = found
    if request.method == "POST":
        try:
            alert = submit_invitation(invitation=invitation, raw_token=token)
        except Incomplete as incomplete:
            return redirect("survey:page", token=token, number=incomplete.page)
        except SurveyClosed as closed:
            return _closed(request, closed.reason, invitation=invitation)
        request.session[DONE_KEY] = {"invitation": str(invitation.public_id), "crisis": alert}
        return redirect("survey:done", token=token)
    pages = pages_for(invitation)
    number = _first_open_page(pages)
    if number is not None:
        return redirect("survey:page", token=token, number=number)
    with translation.override(invitation.language):
        return render(
            request,
            "outcomes/survey/submit.html",
            {
                "token": token,
                "total": len(pages),
                "pages": [
                    {"number": p.number, "title": _text(dict(p.definition.short_title or p.definition.title), invitation.language)}
                    for p in pages
                ],
                "crisis": _crisis(invitation) if _alerted(invitation) else None,
                "clinic": invitation.patient.clinic.name,
                "kiosk": request.session.get(KIOSK_KEY, False),
                "language": invitation.language,
            },
        )


@require_http_methods(["GET"])
@transaction.non_atomic_requests
def survey_done(request: HttpRequest, token: str) -> HttpResponse:
    """The confirmation, once, right after submitting (with crisis resources when an alert was raised).
    Opened again later, the link says only that the survey was submitted."""
    done = request.session.pop(DONE_KEY, None)
    found = links.resolve(token, purpose=LINK_PURPOSE)
    invitation = _invitation_of(found.link) if found.link is not None else None
    if invitation is None or done is None or done.get("invitation") != str(invitation.public_id):
        return _closed(request, "completed" if invitation is not None else "not_found", invitation=invitation)
    with translation.override(invitation.language):
        return render(
            request,
            "outcomes/survey/done.html",
            {
                "crisis": _crisis(invitation) if done.get("crisis") else None,
                "clinic": invitation.patient.clinic.name,
                "kiosk": request.session.get(KIOSK_KEY, False),
                "language": invitation.language,
            },
        )


@require_http_methods(["GET", "POST"])
@transaction.non_atomic_requests
def kiosk_idle(request: HttpRequest) -> HttpResponse:
    """The kiosk's neutral screen: nothing of any patient. POST ends kiosk mode on this device."""
    if request.method == "POST":
        request.session.pop(KIOSK_KEY, None)
        return redirect(reverse("survey:kiosk"))
    return render(request, "outcomes/survey/kiosk.html", {"kiosk": request.session.get(KIOSK_KEY, False), "language": "en"})
