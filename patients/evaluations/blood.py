"""Blood tests: one row per measured value (``BloodValue``: test, Decimal value, unit), as a formset.

Which units each test is reported in, and the highest believable value, are in
``choices.BLOOD_TEST_LIMITS``; ``BloodValue.clean`` holds a row to them.
"""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from ..choices import EvaluationKind
from ..models import BloodValue
from . import registry


class BloodValueForm(forms.ModelForm):
    value = forms.DecimalField(
        label=_("Value"), min_value=0, max_digits=8, decimal_places=2, error_messages={"required": _("Give the value.")}
    )

    class Meta:
        model = BloodValue
        fields = ["test", "value", "unit"]
        error_messages = {
            "test": {"required": _("Choose the test.")},
            "unit": {"required": _("Choose the unit.")},
        }


class Blood(registry.EvaluationType):
    kind: ClassVar[str] = EvaluationKind.BLOOD
    rows: ClassVar[registry.RowTable | None] = registry.RowTable(
        model=BloodValue, form=BloodValueForm, related_name="blood_values", title=_("Values"), extra=4
    )


registry.register(Blood())
