"""The kinds of intervention: for each modality, the schema of its ``details`` (a Django form, so
the same declaration validates what is stored and draws the form people fill in), the discipline
that owns it, and how it reads in a sentence for staff and in plain words for the patient.

``validate`` is called from ``Intervention.clean`` (so every service's ``full_clean`` runs it);
errors are keyed by the detail's field name, which is also the name of the field on the form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import ngettext

from clinics import history
from clinics.forms_util import DateInput
from clinics.history import FieldChange
from clinics.roles import Discipline
from clinics.validators import no_markup
from patients import spine

from . import cpt, mme, trials
from .models import InterventionStatus, Modality

if TYPE_CHECKING:
    from .models import Intervention


def _text(label: Any, *, required: bool = False, max_length: int = 200, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=max_length, validators=[no_markup], help_text=help_text
    )


def _nrs(label: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, min_value=0, max_value=10, help_text=_l("0 to 10"))


# --- Medication ---------------------------------------------------------------------------------

# key -> label. Opioid keys match treatments.mme.
DRUGS: list[tuple[Any, Any]] = [
    (_l("Opioids"), [
        ("codeine", _l("Codeine")),
        ("hydrocodone", _l("Hydrocodone")),
        ("hydromorphone", _l("Hydromorphone")),
        ("methadone", _l("Methadone")),
        ("morphine", _l("Morphine")),
        ("oxycodone", _l("Oxycodone")),
        ("oxymorphone", _l("Oxymorphone")),
        ("tapentadol", _l("Tapentadol")),
        ("tramadol", _l("Tramadol")),
        ("fentanyl_patch", _l("Fentanyl (transdermal patch)")),
        ("buprenorphine", _l("Buprenorphine")),
    ]),
    (_l("Anti-inflammatories and analgesics"), [
        ("ibuprofen", _l("Ibuprofen")),
        ("naproxen", _l("Naproxen")),
        ("diclofenac", _l("Diclofenac")),
        ("celecoxib", _l("Celecoxib")),
        ("acetaminophen", _l("Acetaminophen (paracetamol)")),
    ]),
    (_l("Neuropathic agents"), [
        ("gabapentin", _l("Gabapentin")),
        ("pregabalin", _l("Pregabalin")),
    ]),
    (_l("Antidepressants"), [
        ("amitriptyline", _l("Amitriptyline")),
        ("nortriptyline", _l("Nortriptyline")),
        ("duloxetine", _l("Duloxetine")),
    ]),
    (_l("Muscle relaxants"), [
        ("cyclobenzaprine", _l("Cyclobenzaprine")),
        ("tizanidine", _l("Tizanidine")),
        ("baclofen", _l("Baclofen")),
        ("methocarbamol", _l("Methocarbamol")),
    ]),
    (_l("Other"), [
        ("naloxone", _l("Naloxone (rescue)")),
        ("lidocaine_patch", _l("Lidocaine patch")),
        ("other", _l("Other (name it)")),
    ]),
]  # fmt: skip
DRUG_LABELS: dict[str, Any] = {key: label for _group, items in DRUGS for key, label in items}

UNITS = [("mg", "mg"), ("mcg", "mcg"), ("mcg/hr", "mcg/hr"), ("g", "g"), ("ml", "ml"), ("%", "%")]

ROUTES = [
    ("oral", _l("By mouth")),
    ("sublingual", _l("Under the tongue")),
    ("transdermal", _l("Skin patch")),
    ("topical", _l("On the skin")),
    ("subcutaneous", _l("Injection under the skin")),
    ("intramuscular", _l("Injection into a muscle")),
    ("intravenous", _l("Into a vein")),
    ("intranasal", _l("Nasal spray")),
    ("intrathecal", _l("Intrathecal (pump)")),
]
ROUTE_LABELS = dict(ROUTES)

# key -> (label for staff, doses a day; None for "as needed", where the prescribed maximum counts)
FREQUENCIES: dict[str, tuple[Any, Decimal | None]] = {
    "qd": (_l("Once a day"), Decimal(1)),
    "bid": (_l("Twice a day"), Decimal(2)),
    "tid": (_l("Three times a day"), Decimal(3)),
    "qid": (_l("Four times a day"), Decimal(4)),
    "q4h": (_l("Every 4 hours"), Decimal(6)),
    "q6h": (_l("Every 6 hours"), Decimal(4)),
    "q8h": (_l("Every 8 hours"), Decimal(3)),
    "q12h": (_l("Every 12 hours"), Decimal(2)),
    "prn": (_l("As needed"), None),
    "patch72": (_l("New patch every 3 days"), Decimal(1)),
    "patch_weekly": (_l("New patch every week"), Decimal(1)),
    "weekly": (_l("Once a week"), Decimal(1) / Decimal(7)),
}
PATCH_FREQUENCIES = frozenset({"patch72", "patch_weekly"})


class MedicationDetails(forms.Form):
    drug = forms.ChoiceField(label=_l("Drug"), choices=[("", "---------"), *DRUGS])
    drug_name = _text(_l("Drug name or brand"), max_length=80, help_text=_l("Needed for 'Other'."))
    dose = forms.DecimalField(
        label=_l("Dose"), min_value=Decimal("0.001"), max_value=Decimal("100000"), max_digits=9, decimal_places=3
    )
    unit = forms.ChoiceField(label=_l("Unit"), choices=UNITS)
    frequency = forms.ChoiceField(label=_l("How often"), choices=[(k, v[0]) for k, v in FREQUENCIES.items()])
    max_per_day = forms.IntegerField(
        label=_l("At most, doses a day"),
        required=False,
        min_value=1,
        max_value=24,
        help_text=_l("For 'as needed': the most the patient may take in a day."),
    )
    route = forms.ChoiceField(label=_l("Route"), choices=ROUTES)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        drug, unit, frequency = data.get("drug"), data.get("unit"), data.get("frequency")
        if drug == "other" and not data.get("drug_name"):
            self.add_error("drug_name", _("Name the drug."))
        if drug in mme.REQUIRED_UNIT and unit and unit != mme.REQUIRED_UNIT[drug]:
            self.add_error(
                "unit",
                _("Prescribe %(drug)s in %(unit)s so that its MME/day can be computed.")
                % {"drug": DRUG_LABELS[drug], "unit": mme.REQUIRED_UNIT[drug]},
            )
        if drug == "fentanyl_patch":
            if data.get("route") and data["route"] != "transdermal":
                self.add_error("route", _("A fentanyl patch goes on the skin: choose 'Skin patch'."))
            if frequency and frequency not in PATCH_FREQUENCIES:
                self.add_error("frequency", _("Choose how often the patch is changed."))
        if frequency == "prn" and not data.get("max_per_day"):
            self.add_error("max_per_day", _("For 'as needed', give the most doses a day."))
        if frequency != "prn":
            data["max_per_day"] = None
        return data


def doses_per_day(values: dict[str, Any]) -> Decimal:
    per_day = FREQUENCIES.get(values.get("frequency") or "", (None, Decimal(0)))[1]
    if per_day is None:
        return Decimal(values.get("max_per_day") or 0)
    return per_day


def prescription(intervention: Intervention) -> mme.Prescription | None:
    """The MME view of a medication intervention (None for other modalities)."""
    if intervention.modality != Modality.MEDICATION:
        return None
    v = intervention.values
    if not v.get("drug") or v.get("dose") is None:
        return None
    return mme.Prescription(
        drug=v["drug"],
        dose=v["dose"],
        unit=v.get("unit") or "",
        doses_per_day=doses_per_day(v),
        start=intervention.start_date,
        stop=intervention.end_date,
        ended=intervention.is_ended,
        label=drug_label(v),
    )


def drug_label(v: dict[str, Any]) -> str:
    if v.get("drug") == "other":
        return str(v.get("drug_name") or _("Other drug"))
    label = str(DRUG_LABELS.get(v.get("drug") or "", v.get("drug") or ""))
    return f"{label} ({v['drug_name']})" if v.get("drug_name") else label


def _num(value: Decimal | None) -> str:
    if value is None:
        return ""
    normalized = value.normalize()
    return f"{normalized:f}"


def _medication_summary(i: Intervention) -> str:
    v = i.values
    freq = str(FREQUENCIES.get(v.get("frequency") or "", ("", None))[0]).lower()
    text = f"{drug_label(v)} {_num(v.get('dose'))} {v.get('unit', '')}, {freq}"
    if v.get("frequency") == "prn" and v.get("max_per_day"):
        text += " " + _("(at most %(n)s a day)") % {"n": v["max_per_day"]}
    text += f", {ROUTE_LABELS.get(v.get('route') or '', '')}".lower()
    return text


def _medication_plain(i: Intervention) -> str:
    v = i.values
    dose = f"{_num(v.get('dose'))} {v.get('unit', '')}"
    freq = str(FREQUENCIES.get(v.get("frequency") or "", ("", None))[0]).lower()
    route = str(ROUTE_LABELS.get(v.get("route") or "", "")).lower()
    if v.get("frequency") in PATCH_FREQUENCIES:
        return _("%(drug)s: a %(dose)s skin patch. %(freq)s.") % {
            "drug": drug_label(v),
            "dose": dose,
            "freq": str(FREQUENCIES[v["frequency"]][0]),
        }
    if v.get("frequency") == "prn":
        return _("%(drug)s: %(dose)s %(route)s when you need it, no more than %(n)s times a day.") % {
            "drug": drug_label(v),
            "dose": dose,
            "route": route,
            "n": v.get("max_per_day") or "",
        }
    return _("%(drug)s: %(dose)s %(route)s, %(freq)s.") % {
        "drug": drug_label(v),
        "dose": dose,
        "route": route,
        "freq": freq,
    }


# --- Physical therapy ---------------------------------------------------------------------------

PT_FOCUS = [
    ("core", _l("Core stabilisation")),
    ("flexibility", _l("Flexibility")),
    ("strengthening", _l("Strengthening")),
    ("posture", _l("Posture and ergonomics")),
]


class PhysicalTherapyDetails(forms.Form):
    focus = forms.MultipleChoiceField(label=_l("Focus"), choices=PT_FOCUS, widget=forms.CheckboxSelectMultiple)
    sessions_per_week = forms.IntegerField(label=_l("Sessions per week"), min_value=1, max_value=7)
    weeks = forms.IntegerField(label=_l("Number of weeks"), min_value=1, max_value=52)


def _labels(choices: list[tuple[str, Any]], keys: list[str] | None) -> str:
    labels = dict(choices)
    return ", ".join(str(labels.get(k, k)) for k in keys or [])


def _sessions(v: dict[str, Any]) -> str:
    per_week, weeks = v.get("sessions_per_week"), v.get("weeks")
    if not per_week or not weeks:
        return ""
    return ngettext("%(n)s session a week for %(w)s weeks", "%(n)s sessions a week for %(w)s weeks", per_week) % {
        "n": per_week,
        "w": weeks,
    }


def _pt_summary(i: Intervention) -> str:
    return f"{_labels(PT_FOCUS, i.values.get('focus'))}; {_sessions(i.values)}"


def _pt_plain(i: Intervention) -> str:
    return _("Physical therapy (%(focus)s): %(sessions)s.") % {
        "focus": _labels(PT_FOCUS, i.values.get("focus")).lower(),
        "sessions": _sessions(i.values),
    }


# --- Interventional procedure ---------------------------------------------------------------

PROCEDURE_TYPES = [
    ("esi_interlaminar", _l("Epidural steroid injection, interlaminar")),
    ("esi_transforaminal", _l("Epidural steroid injection, transforaminal")),
    ("nerve_block", _l("Nerve block")),
    ("medial_branch_block", _l("Medial branch block")),
    ("facet_injection", _l("Facet joint injection")),
    ("rfa", _l("Radiofrequency ablation")),
    ("si_injection", _l("Sacroiliac joint injection")),
    ("scs_implant", _l("Spinal cord stimulator implant")),
    ("pump_implant", _l("Intrathecal pump implant")),
    ("other", _l("Other")),
]
# Plain words for the patient.
PROCEDURE_PLAIN = {
    "esi_interlaminar": _l("an injection of steroid medicine near the spinal nerves"),
    "esi_transforaminal": _l("an injection of steroid medicine near the spinal nerves"),
    "nerve_block": _l("an injection to block a painful nerve"),
    "medial_branch_block": _l("a test injection to numb the nerves of the small spine joints"),
    "facet_injection": _l("an injection into the small joints of the spine"),
    "rfa": _l("a treatment that uses heat to quiet the nerves of painful joints"),
    "si_injection": _l("an injection into the joint between the spine and the pelvis"),
    "scs_implant": _l("placing a spinal cord stimulator"),
    "pump_implant": _l("placing a pain medicine pump"),
    "other": _l("a procedure"),
}
SIDES = [
    ("", "---------"),
    ("left", _l("Left")),
    ("right", _l("Right")),
    ("bilateral", _l("Both sides")),
    ("midline", _l("Midline")),
]
DURATION_UNITS = [("hours", _l("hours")), ("days", _l("days")), ("weeks", _l("weeks")), ("months", _l("months"))]
RESULT_STATUSES = frozenset({InterventionStatus.IN_PROGRESS, InterventionStatus.DONE, InterventionStatus.STOPPED})


class ProcedureDetails(forms.Form):
    procedure_type = forms.ChoiceField(label=_l("Procedure"), choices=[("", "---------"), *PROCEDURE_TYPES])
    cpt_code = forms.CharField(label=_l("CPT code"), required=False, max_length=5, help_text=_l("The code only."))
    cpt_confirmed = forms.BooleanField(label=_l("I checked this code (not on the clinic's list)"), required=False)
    levels = forms.MultipleChoiceField(label=_l("Levels"), choices=spine.LEVEL_CHOICES, required=False)
    side = forms.ChoiceField(label=_l("Side"), choices=SIDES, required=False)
    pain_before = _nrs(_l("Pain before (NRS)"))
    pain_after = _nrs(_l("Pain after (NRS)"))
    percent_relief = forms.IntegerField(
        label=_l("Relief (%)"), required=False, min_value=0, max_value=100, help_text=_l("Left blank: computed.")
    )
    relief_duration = forms.IntegerField(label=_l("Relief lasted"), required=False, min_value=0, max_value=1000)
    relief_duration_unit = forms.ChoiceField(label=_l("Unit"), choices=DURATION_UNITS, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "cpt_code" in data:
            try:
                data["cpt_code"] = cpt.check(data["cpt_code"], confirmed=bool(data.get("cpt_confirmed")))
            except ValidationError as exc:
                self.add_error("cpt_code", exc)
        if data.get("levels"):
            data["levels"] = spine.ordered(data["levels"])
        before, after = data.get("pain_before"), data.get("pain_after")
        if data.get("percent_relief") is None and before and after is not None and after <= before:
            data["percent_relief"] = round((before - after) * 100 / before)
        if data.get("relief_duration") is not None and not data.get("relief_duration_unit"):
            self.add_error("relief_duration_unit", _("Say whether relief lasted hours, days, weeks or months."))
        if data.get("relief_duration") is None:
            data["relief_duration_unit"] = ""
        return data


RESULT_FIELDS = ("pain_before", "pain_after", "percent_relief", "relief_duration")


def _procedure_summary(i: Intervention) -> str:
    v = i.values
    parts = [str(dict(PROCEDURE_TYPES).get(v.get("procedure_type") or "", ""))]
    if v.get("cpt_code"):
        parts.append(f"CPT {v['cpt_code']}")
    if v.get("levels"):
        parts.append(spine.span(v["levels"]))
    if v.get("side"):
        parts.append(str(dict(SIDES)[v["side"]]).lower())
    text = ", ".join(p for p in parts if p)
    result = procedure_result(v)
    return f"{text}. {result}" if result else text


def procedure_result(v: dict[str, Any]) -> str:
    bits = []
    if v.get("pain_before") is not None and v.get("pain_after") is not None:
        bits.append(_("pain %(b)s → %(a)s") % {"b": v["pain_before"], "a": v["pain_after"]})
    if v.get("percent_relief") is not None:
        bits.append(_("%(p)s%% relief") % {"p": v["percent_relief"]})
    if v.get("relief_duration") is not None:
        unit = dict(DURATION_UNITS).get(v.get("relief_duration_unit") or "", "")
        bits.append(_("lasting %(n)s %(unit)s") % {"n": v["relief_duration"], "unit": unit})
    return ", ".join(str(b) for b in bits)


def _procedure_plain(i: Intervention) -> str:
    what = PROCEDURE_PLAIN.get(i.values.get("procedure_type") or "", PROCEDURE_PLAIN["other"])
    return _("A procedure: %(what)s.") % {"what": what}


# --- Neuromodulation trial --------------------------------------------------------------------

DEVICES = [(trials.SCS, _l("Spinal cord stimulator")), (trials.PUMP, _l("Intrathecal pump"))]
ANALGESIC_CHANGES = [
    ("", "---------"),
    (trials.REDUCED, _l("Reduced")),
    (trials.STABLE, _l("Stable")),
    (trials.INCREASED, _l("Increased")),
]
DECISIONS = [("", _l("Not decided")), ("implant", _l("Implant")), ("no_implant", _l("Do not implant"))]


class NeuromodulationTrialDetails(forms.Form):
    device = forms.ChoiceField(label=_l("Device"), choices=DEVICES)
    cpt_code = forms.CharField(label=_l("CPT code"), required=False, max_length=5, help_text=_l("The code only."))
    cpt_confirmed = forms.BooleanField(label=_l("I checked this code (not on the clinic's list)"), required=False)
    levels = forms.MultipleChoiceField(label=_l("Lead levels"), choices=spine.LEVEL_CHOICES, required=False)
    baseline_nrs = _nrs(_l("Baseline pain (NRS)"))
    trial_nrs = _nrs(_l("Pain during the trial (NRS)"))
    analgesic_change = forms.ChoiceField(
        label=_l("Analgesic use during the trial"), choices=ANALGESIC_CHANGES, required=False
    )
    decision = forms.ChoiceField(label=_l("Decision"), choices=DECISIONS, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "cpt_code" in data:
            try:
                data["cpt_code"] = cpt.check(data["cpt_code"], confirmed=bool(data.get("cpt_confirmed")))
            except ValidationError as exc:
                self.add_error("cpt_code", exc)
        if data.get("levels"):
            data["levels"] = spine.ordered(data["levels"])
        if data.get("trial_nrs") is not None and data.get("baseline_nrs") is None:
            self.add_error("baseline_nrs", _("Give the baseline pain to compare the trial with."))
        if data.get("baseline_nrs") == 0 and data.get("trial_nrs") is not None:
            self.add_error("baseline_nrs", _("A baseline of 0 leaves no pain to relieve: check the value."))
        if data.get("device") == trials.SCS and data.get("trial_nrs") is not None and not data.get("analgesic_change"):
            self.add_error("analgesic_change", _("The spinal cord stimulator rule needs the change in analgesic use."))
        return data


def trial_outcome(v: dict[str, Any]) -> dict[str, Any]:
    """Relief, success by the rule of CLINICAL.md, and whether the decision follows it."""
    baseline, trial = v.get("baseline_nrs"), v.get("trial_nrs")
    relief = trials.relief_percent(baseline, trial) if baseline is not None and trial is not None else None
    success = trials.trial_success(
        v.get("device") or trials.SCS, baseline=baseline, trial=trial, analgesic_change=v.get("analgesic_change") or ""
    )
    decision = v.get("decision") or ""
    differs = success is not None and decision != "" and (decision == "implant") != success
    return {"relief": relief, "success": success, "decision": decision, "decision_differs": differs}


def _trial_summary(i: Intervention) -> str:
    v = i.values
    parts = [str(dict(DEVICES).get(v.get("device") or "", ""))]
    if v.get("levels"):
        parts.append(spine.span(v["levels"]))
    if v.get("baseline_nrs") is not None and v.get("trial_nrs") is not None:
        parts.append(_("pain %(b)s → %(a)s") % {"b": v["baseline_nrs"], "a": v["trial_nrs"]})
    return ", ".join(str(p) for p in parts if p)


def _trial_plain(i: Intervention) -> str:
    if i.values.get("device") == trials.PUMP:
        return _("A trial of pain medicine given near the spinal cord, to see whether a pump would help you.")
    return _("A trial of a spinal cord stimulator for a few days, to see whether it eases your pain.")


# --- Psychological support, complementary, revision, lifestyle, taper ------------------------

PSYCH_APPROACHES = [
    ("cbt", _l("Cognitive behavioural therapy")),
    ("stress", _l("Stress management")),
    ("mindfulness", _l("Mindfulness")),
    ("other", _l("Other")),
]


class PsychologicalDetails(forms.Form):
    approach = forms.ChoiceField(label=_l("Approach"), choices=PSYCH_APPROACHES)
    sessions = forms.IntegerField(label=_l("Number of sessions"), min_value=1, max_value=100, required=False)


COMPLEMENTARY = [
    ("acupuncture", _l("Acupuncture")),
    ("massage", _l("Massage")),
    ("chiropractic", _l("Chiropractic / spinal manipulation")),
    ("yoga", _l("Yoga")),
    ("tai_chi", _l("Tai chi")),
]


class ComplementaryDetails(forms.Form):
    therapy = forms.ChoiceField(label=_l("Therapy"), choices=COMPLEMENTARY)
    sessions = forms.IntegerField(label=_l("Number of sessions"), min_value=1, max_value=100, required=False)


REVISION_INDICATIONS = [
    ("compression", _l("Persistent nerve compression")),
    ("hardware_failure", _l("Hardware failure")),
    ("instability", _l("Instability")),
    ("pseudarthrosis", _l("Failed fusion (pseudarthrosis)")),
    ("adjacent_segment", _l("Adjacent segment disease")),
    ("other", _l("Other")),
]


class SurgicalRevisionDetails(forms.Form):
    indication = forms.ChoiceField(label=_l("Indication"), choices=REVISION_INDICATIONS)
    option = _text(
        _l("Surgical option"), required=True, help_text=_l("e.g. revision decompression, extension of fusion")
    )
    referred_to = _text(_l("Referred to"), help_text=_l("Surgeon or service"))
    referral_date = forms.DateField(label=_l("Referral date"), required=False, widget=DateInput())


LIFESTYLE_FOCUS = [
    ("weight", _l("Weight management")),
    ("smoking", _l("Smoking cessation")),
    ("exercise", _l("Exercise")),
]


class LifestyleDetails(forms.Form):
    focus = forms.ChoiceField(label=_l("Focus"), choices=LIFESTYLE_FOCUS)
    target = _text(_l("Target"), help_text=_l("e.g. lose 5 kg, stop smoking by the review date"))


TAPER_PROGRAMMES = [("taper", _l("Outpatient taper")), ("detox", _l("Detox programme"))]


class OpioidTaperDetails(forms.Form):
    programme = forms.ChoiceField(label=_l("Programme"), choices=TAPER_PROGRAMMES)
    target_mme = forms.DecimalField(
        label=_l("Target MME/day"), min_value=0, max_value=1000, max_digits=6, decimal_places=1, required=False
    )
    step_percent = forms.IntegerField(
        label=_l("Reduction per step (%)"), min_value=1, max_value=50, required=False, help_text=_l("Often 10%.")
    )
    step_weeks = forms.IntegerField(label=_l("Weeks between steps"), min_value=1, max_value=12, required=False)


def _simple_summary(field: str, choices: list[tuple[str, Any]]) -> Callable[[Intervention], str]:
    def summary(i: Intervention) -> str:
        label = str(dict(choices).get(i.values.get(field) or "", ""))
        sessions = i.values.get("sessions")
        if sessions:
            label += ", " + ngettext("%(n)s session", "%(n)s sessions", sessions) % {"n": sessions}
        return label

    return summary


def _revision_summary(i: Intervention) -> str:
    v = i.values
    text = f"{dict(REVISION_INDICATIONS).get(v.get('indication') or '', '')}: {v.get('option', '')}"
    if v.get("referred_to"):
        text += " · " + _("referred to %(to)s") % {"to": v["referred_to"]}
    return text


def _lifestyle_summary(i: Intervention) -> str:
    v = i.values
    label = str(dict(LIFESTYLE_FOCUS).get(v.get("focus") or "", ""))
    return f"{label}: {v['target']}" if v.get("target") else label


def _taper_summary(i: Intervention) -> str:
    v = i.values
    text = str(dict(TAPER_PROGRAMMES).get(v.get("programme") or "", ""))
    if v.get("target_mme") is not None:
        text += ", " + _("target %(mme)s MME/day") % {"mme": mme.fmt(v["target_mme"])}
    if v.get("step_percent"):
        text += ", " + _("%(p)s%% per step") % {"p": v["step_percent"]}
    if v.get("step_weeks"):
        text += ", " + ngettext("every %(n)s week", "every %(n)s weeks", v["step_weeks"]) % {"n": v["step_weeks"]}
    return text


def _plain(template: Any) -> Callable[[Intervention], str]:
    def plain(i: Intervention) -> str:
        return str(template) % {"what": summary(i).lower()}

    return plain


# --- The registry -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    modality: str
    form: type[forms.Form]
    discipline: str
    summary: Callable[[Intervention], str]
    plain: Callable[[Intervention], str]
    # For the front desk: whether this kind is booked as sessions or procedures.
    bookable: bool = True


KINDS: dict[str, Kind] = {
    k.modality: k
    for k in [
        Kind(Modality.MEDICATION, MedicationDetails, Discipline.PAIN_MEDICINE, _medication_summary, _medication_plain, bookable=False),
        Kind(Modality.PHYSICAL_THERAPY, PhysicalTherapyDetails, Discipline.PHYSICAL_THERAPY, _pt_summary, _pt_plain),
        Kind(Modality.PROCEDURE, ProcedureDetails, Discipline.PAIN_MEDICINE, _procedure_summary, _procedure_plain),
        Kind(Modality.NEUROMODULATION_TRIAL, NeuromodulationTrialDetails, Discipline.PAIN_MEDICINE, _trial_summary, _trial_plain),
        Kind(Modality.PSYCHOLOGICAL, PsychologicalDetails, Discipline.PSYCHOLOGY,
             _simple_summary("approach", PSYCH_APPROACHES), _plain(_l("Support from a psychologist: %(what)s."))),
        # Movement and manual therapies: the physical therapists coordinate them.
        Kind(Modality.COMPLEMENTARY, ComplementaryDetails, Discipline.PHYSICAL_THERAPY,
             _simple_summary("therapy", COMPLEMENTARY), _plain(_l("Complementary therapy: %(what)s."))),
        Kind(Modality.SURGICAL_REVISION, SurgicalRevisionDetails, Discipline.SPINE_SURGERY, _revision_summary,
             _plain(_l("A visit with a spine surgeon to discuss: %(what)s."))),
        # Nurse-led coaching in most clinics.
        Kind(Modality.LIFESTYLE, LifestyleDetails, Discipline.NURSING, _lifestyle_summary,
             _plain(_l("Healthy living: %(what)s."))),
        Kind(Modality.OPIOID_TAPER, OpioidTaperDetails, Discipline.PAIN_MEDICINE, _taper_summary,
             _plain(_l("Lowering your opioid medicine step by step: %(what)s.")), bookable=False),
    ]
}  # fmt: skip


def kind_of(modality: str) -> Kind:
    return KINDS[modality]


def discipline_of(modality: str) -> str:
    return KINDS[modality].discipline


def summary(i: Intervention) -> str:
    kind = KINDS.get(i.modality)
    return kind.summary(i) if kind else ""


def plain(i: Intervention) -> str:
    kind = KINDS.get(i.modality)
    return kind.plain(i) if kind else ""


def details_changes(modality: str, before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    """The change of an intervention's details, key by key, labelled and in words."""
    kind = KINDS.get(modality)
    fields = kind.form.base_fields if kind else {}
    changed: list[FieldChange] = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) == after.get(key):
            continue
        f = fields.get(key)
        label = str(f.label) if f is not None and f.label else key
        changed.append(FieldChange(label, _in_words(f, before.get(key)), _in_words(f, after.get(key))))
    return changed


def _in_words(f: Any, value: Any) -> str:
    choices = {str(k): str(v) for k, v in getattr(f, "choices", None) or []}
    if not choices or value in (None, "", []):
        return history.plain(value)
    values = value if isinstance(value, list) else [value]
    return ", ".join(choices.get(str(v), str(v)) for v in values)


def _to_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    return value


def to_json(cleaned: dict[str, Any]) -> dict[str, Any]:
    """A kind form's cleaned data as JSON-ready values (Decimal and date as strings)."""
    return {name: _to_json(value) for name, value in cleaned.items() if value not in (None, "", [])}


def read(modality: str, details: dict[str, Any]) -> dict[str, Any]:
    """Stored details with typed values; what does not parse is left out rather than guessed."""
    kind = KINDS.get(modality)
    if kind is None or not isinstance(details, dict):
        return {}
    typed: dict[str, Any] = {}
    for name, field in kind.form.base_fields.items():
        if name not in details:
            continue
        try:
            typed[name] = field.to_python(details[name])
        except ValidationError:
            continue
    return typed


def validate(intervention: Intervention) -> dict[str, Any]:
    """Check ``intervention.details`` against its kind and its status; return the normalised JSON."""
    kind = KINDS[intervention.modality]
    details = intervention.details if isinstance(intervention.details, dict) else {}
    unknown = set(details) - set(kind.form.base_fields)
    if unknown:
        raise ValidationError({"details": _("Unknown details for this kind of intervention.")})
    form = kind.form(data=details)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    data = form.cleaned_data
    errors: dict[str, Any] = {}
    status = intervention.status
    if intervention.modality == Modality.PROCEDURE:
        if status not in RESULT_STATUSES and any(data.get(f) is not None for f in RESULT_FIELDS):
            errors["status"] = _("Results can be recorded once the procedure has been done: set its status.")
        if status == InterventionStatus.DONE and intervention.start_date is None:
            errors["start_date"] = _("Give the date the procedure was done.")
    if intervention.modality == Modality.NEUROMODULATION_TRIAL:
        if status not in RESULT_STATUSES and data.get("trial_nrs") is not None:
            errors["status"] = _("Trial results can be recorded once the trial has started: set its status.")
        if data.get("decision") and data.get("trial_nrs") is None:
            errors["decision"] = _("Record the trial's pain score before deciding.")
    started = (InterventionStatus.IN_PROGRESS, InterventionStatus.DONE, InterventionStatus.STOPPED)
    if intervention.modality == Modality.MEDICATION and status in started and intervention.start_date is None:
        errors["start_date"] = _("Give the date the medication was started.")
    if errors:
        raise ValidationError(errors)
    return to_json(data)
