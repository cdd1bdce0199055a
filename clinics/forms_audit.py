"""The filter of the access log and the audit trail: patient, user, action and period.

Submitted by POST and kept in the session (a patient's name or MRN is patient data: never in a
query string); the pages read it back from there, and so does their CSV export.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .models import Clinic

# Dates a person may mean; outside them a date is a typing mistake (and would overflow a time zone).
EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2999, 12, 31)


@dataclass(frozen=True)
class LogFilter:
    """What the reader asked for, validated. Empty means "all"."""

    patient: str = ""
    user_id: int | None = None
    action: str = ""
    since: datetime.datetime | None = None  # inclusive, the start of the first day in the clinic's zone
    until: datetime.datetime | None = None  # exclusive, the start of the day after the last

    @property
    def is_empty(self) -> bool:
        return not (self.patient or self.user_id or self.action or self.since or self.until)


class LogFilterForm(forms.Form):
    patient = forms.CharField(
        label=_("Patient"),
        max_length=100,
        required=False,
        help_text=_("Name or MRN."),
    )
    user = forms.ModelChoiceField(label=_("User"), queryset=get_user_model().objects.none(), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, clinic: Clinic, actions: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        # Everyone who has been a member, active or not: a former member's lines stay findable.
        user_field: Any = self.fields["user"]
        user_field.queryset = (
            get_user_model().objects.filter(memberships__clinic=clinic).order_by("username").distinct()
        )
        user_field.label_from_instance = lambda u: f"{u.get_full_name() or u.get_username()} ({u.get_username()})"
        action_field: Any = self.fields["action"]
        action_field.choices = [("", _("Any action")), *actions]

    def _clean_day(self, name: str) -> datetime.date | None:
        day: datetime.date | None = self.cleaned_data.get(name)
        if day is not None and not EARLIEST <= day <= LATEST:
            raise forms.ValidationError(
                _("Enter a date between %(first)s and %(last)s."),
                params={"first": EARLIEST.isoformat(), "last": LATEST.isoformat()},
            )
        return day

    def clean_date_from(self) -> datetime.date | None:
        return self._clean_day("date_from")

    def clean_date_to(self) -> datetime.date | None:
        return self._clean_day("date_to")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("date_from"), data.get("date_to")
        if first and last and first > last:
            self.add_error("date_to", _("The period ends before it starts."))
        return data

    def to_session(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "patient": data["patient"].strip(),
            "user": data["user"].pk if data["user"] else "",
            "action": data["action"],
            "date_from": data["date_from"].isoformat() if data["date_from"] else "",
            "date_to": data["date_to"].isoformat() if data["date_to"] else "",
        }

    def to_filter(self) -> LogFilter:
        """The validated filter (call after ``is_valid``)."""
        data = self.cleaned_data
        tz = self.clinic.tz

        def start_of(day: datetime.date | None) -> datetime.datetime | None:
            return datetime.datetime.combine(day, datetime.time.min, tzinfo=tz) if day else None

        last = data.get("date_to")
        return LogFilter(
            patient=(data.get("patient") or "").strip(),
            user_id=data["user"].pk if data.get("user") else None,
            action=data.get("action") or "",
            since=start_of(data.get("date_from")),
            until=start_of(last + datetime.timedelta(days=1)) if last else None,
        )
