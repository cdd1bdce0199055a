"""EMG / nerve conduction: radiculopathies, one row each (``EmgFinding``), edited as a formset."""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from ..choices import EvaluationKind
from ..models import EmgFinding
from . import registry

GIVE_ALL = _("Give the level, side, and whether acute or chronic.")


class EmgFindingForm(forms.ModelForm):
    class Meta:
        model = EmgFinding
        fields = ["level", "side", "chronicity"]
        error_messages = {name: {"required": GIVE_ALL} for name in fields}


class Emg(registry.EvaluationType):
    kind: ClassVar[str] = EvaluationKind.EMG
    rows: ClassVar[registry.RowTable | None] = registry.RowTable(
        model=EmgFinding, form=EmgFindingForm, related_name="emg_findings", title=_("Radiculopathies")
    )


registry.register(Emg())
