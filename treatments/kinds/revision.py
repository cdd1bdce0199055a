"""Surgical revision: the indication, the option discussed, the referral (schema ``SurgicalRevision``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from clinics.forms_util import DateInput
from clinics.validators import no_markup

from .. import choices as c
from ..choices import Modality
from ..models import Intervention
from ..schemas import SurgicalRevision
from .base import DescriptiveForm, Kind, descriptive_form, plain_from


class SurgicalRevisionForm(DescriptiveForm):
    schema = SurgicalRevision
    indication = forms.ChoiceField(label=_l("Indication"), choices=c.REVISION_INDICATIONS)
    option = forms.CharField(
        label=_l("Surgical option"),
        max_length=200,
        validators=[no_markup],
        help_text=_l("e.g. revision decompression, extension of fusion"),
    )
    referred_to = forms.CharField(
        label=_l("Referred to"),
        required=False,
        max_length=200,
        validators=[no_markup],
        help_text=_l("Surgeon or service"),
    )
    referral_date = forms.DateField(label=_l("Referral date"), required=False, widget=DateInput())


def summary(i: Intervention) -> str:
    d = SurgicalRevision.model_validate(i.details)
    text = f"{c.label_of(c.REVISION_INDICATIONS, d.indication)}: {d.option}"
    if d.referred_to:
        text += " · " + _("referred to %(to)s") % {"to": d.referred_to}
    return text


KIND = Kind(
    Modality.SURGICAL_REVISION,
    descriptive_form(SurgicalRevisionForm),
    summary,
    plain_from(summary, _l("A visit with a spine surgeon to discuss: %(what)s.")),
)
