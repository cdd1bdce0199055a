"""The outcomes page's filters. A period and a physician are not patient data, so they travel in
the query string; they are validated like any input (a bad value is a message, never a 500)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from clinics.forms_util import DateInput
from clinics.models import Clinic, Membership
from clinics.roles import Role

from .reports import Filters


class PhysicianChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


class ReportFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())
    physician = PhysicianChoice(
        label=_("Physician"), queryset=get_user_model().objects.none(), required=False, empty_label=_("All physicians")
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        physicians = Membership.objects.filter(clinic=clinic, role=Role.PHYSICIAN, is_active=True).values("user_id")
        field = cast(PhysicianChoice, self.fields["physician"])
        field.queryset = get_user_model().objects.filter(pk__in=physicians).order_by("last_name", "username")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end of the period cannot be before its start."))
        return data

    def filters(self) -> Filters:
        if not self.is_valid():
            return Filters()
        physician = self.cleaned_data.get("physician")
        return Filters(
            start=self.cleaned_data.get("start"),
            end=self.cleaned_data.get("end"),
            physician_id=physician.pk if physician else None,
        )
