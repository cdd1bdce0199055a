"""The vocabularies of treatment plans: modalities, statuses and each kind's choices.

Its own module so that models, schemas, forms and the kinds package all read the same lists
without importing each other. Opioid keys match ``treatments.mme``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _l

from clinics.roles import Discipline

from . import trials


class Modality(models.TextChoices):
    MEDICATION = "medication", _l("Medication")
    PHYSICAL_THERAPY = "physical_therapy", _l("Physical therapy")
    PROCEDURE = "procedure", _l("Interventional procedure")
    NEUROMODULATION_TRIAL = "neuromodulation_trial", _l("Neuromodulation trial")
    PSYCHOLOGICAL = "psychological", _l("Psychological support")
    COMPLEMENTARY = "complementary", _l("Complementary therapy")
    SURGICAL_REVISION = "surgical_revision", _l("Surgical revision")
    LIFESTYLE = "lifestyle", _l("Lifestyle")
    OPIOID_TAPER = "opioid_taper", _l("Opioid taper or detox")


# The discipline that owns each modality (who besides physicians may update it).
MODALITY_DISCIPLINE: dict[str, str] = {
    Modality.MEDICATION: Discipline.PAIN_MEDICINE,
    Modality.PHYSICAL_THERAPY: Discipline.PHYSICAL_THERAPY,
    Modality.PROCEDURE: Discipline.PAIN_MEDICINE,
    Modality.NEUROMODULATION_TRIAL: Discipline.PAIN_MEDICINE,
    Modality.PSYCHOLOGICAL: Discipline.PSYCHOLOGY,
    # Movement and manual therapies: the physical therapists coordinate them.
    Modality.COMPLEMENTARY: Discipline.PHYSICAL_THERAPY,
    Modality.SURGICAL_REVISION: Discipline.SPINE_SURGERY,
    # Nurse-led coaching in most clinics.
    Modality.LIFESTYLE: Discipline.NURSING,
    Modality.OPIOID_TAPER: Discipline.PAIN_MEDICINE,
}


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _l("Draft")
    ACTIVE = "active", _l("Active")
    COMPLETED = "completed", _l("Completed")
    DISCONTINUED = "discontinued", _l("Discontinued")


CLOSED_STATUSES = frozenset({PlanStatus.COMPLETED, PlanStatus.DISCONTINUED})


class GoalKind(models.TextChoices):
    PAIN = "pain", _l("Pain (NRS 0-10)")
    FUNCTION = "function", _l("Function (ODI 0-100)")
    RETURN_TO_WORK = "return_to_work", _l("Return to work")
    ACTIVITIES = "activities", _l("Return to named activities")
    OPIOID_REDUCTION = "opioid_reduction", _l("Opioid reduction (MME/day)")
    OTHER = "other", _l("Other")


class GoalStatus(models.TextChoices):
    NOT_STARTED = "not_started", _l("Not started")
    IN_PROGRESS = "in_progress", _l("In progress")
    ACHIEVED = "achieved", _l("Achieved")
    PARTLY = "partly", _l("Partly achieved")
    NOT_ACHIEVED = "not_achieved", _l("Not achieved")
    DROPPED = "dropped", _l("Dropped")


class InterventionStatus(models.TextChoices):
    PLANNED = "planned", _l("Planned")
    SCHEDULED = "scheduled", _l("Scheduled")
    IN_PROGRESS = "in_progress", _l("In progress")
    DONE = "done", _l("Done")
    STOPPED = "stopped", _l("Stopped")


ENDED_STATUSES = frozenset({InterventionStatus.DONE, InterventionStatus.STOPPED})
# Once these, a procedure's or trial's results may be recorded and a medication has started.
STARTED_STATUSES = frozenset({InterventionStatus.IN_PROGRESS, InterventionStatus.DONE, InterventionStatus.STOPPED})


# --- Medication ---------------------------------------------------------------------------------

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
    ("epidural", _l("Epidural")),
]
ROUTE_LABELS = dict(ROUTES)

# Who prescribed a medication on the patient's current list.
CLINIC, OUTSIDE = "clinic", "outside"
PRESCRIBERS = [(CLINIC, _l("This clinic")), (OUTSIDE, _l("Outside the clinic"))]
# A medication on the current list is current until it is stopped (a date and this status).
CURRENT, STOPPED = "current", "stopped"
MEDICATION_STATES = [(CURRENT, _l("Current")), (STOPPED, _l("Stopped"))]

AS_NEEDED = "prn"
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
    AS_NEEDED: (_l("As needed"), None),
    "patch72": (_l("New patch every 3 days"), Decimal(1)),
    "patch_weekly": (_l("New patch every week"), Decimal(1)),
    "weekly": (_l("Once a week"), Decimal(1) / Decimal(7)),
}
FREQUENCY_CHOICES = [(key, label) for key, (label, _n) in FREQUENCIES.items()]
PATCH_FREQUENCIES = frozenset({"patch72", "patch_weekly"})

# --- Procedures and trials ----------------------------------------------------------------------

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
SIDES = [
    ("left", _l("Left")),
    ("right", _l("Right")),
    ("bilateral", _l("Both sides")),
    ("midline", _l("Midline")),
]
DURATION_UNITS = [("hours", _l("hours")), ("days", _l("days")), ("weeks", _l("weeks")), ("months", _l("months"))]

DEVICES = [(trials.SCS, _l("Spinal cord stimulator")), (trials.PUMP, _l("Intrathecal pump"))]
ANALGESIC_CHANGES = [
    (trials.REDUCED, _l("Reduced")),
    (trials.STABLE, _l("Stable")),
    (trials.INCREASED, _l("Increased")),
]
IMPLANT, NO_IMPLANT = "implant", "no_implant"
DECISIONS = [(IMPLANT, _l("Implant")), (NO_IMPLANT, _l("Do not implant"))]

# --- The descriptive kinds ----------------------------------------------------------------------

PT_FOCUS = [
    ("core", _l("Core stabilisation")),
    ("flexibility", _l("Flexibility")),
    ("strengthening", _l("Strengthening")),
    ("posture", _l("Posture and ergonomics")),
]
PSYCH_APPROACHES = [
    ("cbt", _l("Cognitive behavioural therapy")),
    ("stress", _l("Stress management")),
    ("mindfulness", _l("Mindfulness")),
    ("other", _l("Other")),
]
COMPLEMENTARY = [
    ("acupuncture", _l("Acupuncture")),
    ("massage", _l("Massage")),
    ("chiropractic", _l("Chiropractic / spinal manipulation")),
    ("yoga", _l("Yoga")),
    ("tai_chi", _l("Tai chi")),
]
REVISION_INDICATIONS = [
    ("compression", _l("Persistent nerve compression")),
    ("hardware_failure", _l("Hardware failure")),
    ("instability", _l("Instability")),
    ("pseudarthrosis", _l("Failed fusion (pseudarthrosis)")),
    ("adjacent_segment", _l("Adjacent segment disease")),
    ("other", _l("Other")),
]
LIFESTYLE_FOCUS = [
    ("weight", _l("Weight management")),
    ("smoking", _l("Smoking cessation")),
    ("exercise", _l("Exercise")),
]
TAPER_PROGRAMMES = [("taper", _l("Outpatient taper")), ("detox", _l("Detox programme"))]


def label_of(choices: list[tuple[str, Any]], key: str | None) -> str:
    return str(dict(choices).get(key or "", ""))
