"""Reads of patients, scoped to one clinic and shaped for the pages that use them."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import models

from clinics.models import Clinic
from clinics.roles import Role

from .models import Patient
from .text import fold


def patients_of(clinic: Clinic) -> models.QuerySet[Patient]:
    return Patient.objects.filter(clinic=clinic).select_related("primary_physician")


def search_patients(clinic: Clinic, *, text: str = "") -> models.QuerySet[Patient]:
    qs = patients_of(clinic)
    folded = fold(text)
    if folded:
        qs = qs.filter(models.Q(search_name__contains=folded) | models.Q(mrn__iexact=text.strip()))
    return qs


def physicians_of(clinic: Clinic) -> models.QuerySet:
    return (
        get_user_model()
        .objects.filter(memberships__clinic=clinic, memberships__role=Role.PHYSICIAN, memberships__is_active=True)
        .order_by("last_name", "first_name")
    )
