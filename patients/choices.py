"""The choices of the patient record, in a module of their own.

Models, forms, per-kind evaluation code and other apps import them from here; this module imports
nothing of ours, so no import circle can form around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not stated")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone call")
    NONE = "none", _("Do not contact")


class PatientStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DISCHARGED = "discharged", _("Discharged")
    DECEASED = "deceased", _("Deceased")


class ReferralSource(models.TextChoices):
    SELF = "self", _("Self-referred")
    PRIMARY_CARE = "primary_care", _("Primary care")
    SPINE_SURGEON = "spine_surgeon", _("Spine surgeon")
    OTHER_SPECIALIST = "other_specialist", _("Other specialist")
    EMERGENCY = "emergency", _("Emergency department")
    INSURER = "insurer", _("Insurer or workers' compensation")
    OTHER = "other", _("Other")


class SmokingStatus(models.TextChoices):
    NEVER = "never", _("Never smoked")
    FORMER = "former", _("Former smoker")
    CURRENT = "current", _("Current smoker")
    UNKNOWN = "unknown", _("Unknown")


class WorkStatus(models.TextChoices):
    FULL_TIME = "full_time", _("Working full time")
    PART_TIME = "part_time", _("Working part time / modified duties")
    OFF_WORK = "off_work", _("Off work because of pain")
    UNEMPLOYED = "unemployed", _("Unemployed")
    RETIRED = "retired", _("Retired")
    DISABILITY = "disability", _("On disability benefits")
    STUDENT = "student", _("Student / homemaker")
    UNKNOWN = "unknown", _("Unknown")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")
    FRENCH = "fr", _("French")
    GERMAN = "de", _("German")
    PORTUGUESE = "pt", _("Portuguese")
    CHINESE = "zh", _("Chinese")
    ARABIC = "ar", _("Arabic")
    OTHER = "other", _("Other")


# --- The history of the failed back: prior surgeries, evaluations, diagnoses -------------------
# Choices follow ../shared/CLINICAL.md ("Causes the record must be able to express", "Evaluation
# battery") and issue 3. Multi-selects are JSON lists of choice values (PostgreSQL in production,
# SQLite in the demo), checked against their choices in ``clean()``.


class Procedure(models.TextChoices):
    DISCECTOMY = "discectomy", _("Discectomy")
    MICRODISCECTOMY = "microdiscectomy", _("Microdiscectomy")
    LAMINECTOMY = "laminectomy", _("Laminectomy")
    LAMINOTOMY = "laminotomy", _("Laminotomy")
    FORAMINOTOMY = "foraminotomy", _("Foraminotomy")
    DECOMPRESSION = "decompression", _("Decompression")
    FUSION = "fusion", _("Fusion")
    DISC_REPLACEMENT = "disc_replacement", _("Disc replacement")
    REVISION = "revision", _("Revision")
    OTHER = "other", _("Other")


class FusionApproach(models.TextChoices):
    POSTEROLATERAL = "posterolateral", _("Posterolateral")
    TLIF = "tlif", _("TLIF (transforaminal)")
    PLIF = "plif", _("PLIF (posterior)")
    ALIF = "alif", _("ALIF (anterior)")
    XLIF = "xlif", _("XLIF (lateral)")
    OTHER = "other", _("Other")


class Hardware(models.TextChoices):
    NONE = "none", _("None")
    PEDICLE_SCREWS_RODS = "pedicle_screws_rods", _("Pedicle screws and rods")
    CAGE = "cage", _("Interbody cage")
    PLATE = "plate", _("Plate")
    OTHER = "other", _("Other")


class Complication(models.TextChoices):
    """Surgical complications named in CLINICAL.md."""

    NERVE_ROOT_INJURY = "nerve_root_injury", _("Nerve root injury")
    INSTABILITY = "instability", _("Instability")
    HARDWARE_FAILURE = "hardware_failure", _("Hardware failure (loose or broken screws/rods)")
    PSEUDARTHROSIS = "pseudarthrosis", _("Failed fusion (pseudarthrosis)")


class FailureCause(models.TextChoices):
    """Suspected causes of a failed back (CLINICAL.md, "Causes the record must be able to express")."""

    WRONG_DIAGNOSIS = "wrong_diagnosis", _("Wrong or incomplete diagnosis")
    WRONG_LEVEL = "wrong_level", _("Surgery at the wrong level")
    UNTREATED_PATHOLOGY = "untreated_pathology", _("Pathology left untreated")
    NERVE_ROOT_INJURY = "nerve_root_injury", _("Nerve root injury")
    INSTABILITY = "instability", _("Instability")
    HARDWARE_FAILURE = "hardware_failure", _("Hardware failure")
    PSEUDARTHROSIS = "pseudarthrosis", _("Failed fusion (pseudarthrosis)")
    REHERNIATION = "reherniation", _("Re-herniation")
    RECURRENT_STENOSIS = "recurrent_stenosis", _("Recurrent stenosis")
    EPIDURAL_FIBROSIS = "epidural_fibrosis", _("Epidural fibrosis")
    ADJACENT_SEGMENT = "adjacent_segment", _("Adjacent segment disease")
    NEUROPATHIC_PAIN = "neuropathic_pain", _("Persistent neuropathic pain (radiculopathy)")
    CENTRAL_SENSITISATION = "central_sensitisation", _("Central sensitisation")
    FACET_PAIN = "facet_pain", _("Facet joint pain")
    SACROILIAC_PAIN = "sacroiliac_pain", _("Sacroiliac joint pain")
    DEPRESSION = "depression", _("Depression")
    ANXIETY = "anxiety", _("Anxiety")
    EXPECTATIONS = "expectations", _("Unrealistic expectations")
    OPIOID_DEPENDENCE = "opioid_dependence", _("Opioid dependence")
    SMOKING = "smoking", _("Smoking")
    OBESITY = "obesity", _("Obesity")
    DECONDITIONING = "deconditioning", _("Deconditioning")
    COMPLEX_SURGERY = "complex_surgery", _("Complex surgery (fusion)")
    MULTIPLE_SURGERIES = "multiple_surgeries", _("Multiple prior surgeries")


class PainGenerator(models.TextChoices):
    DISC = "disc", _("Disc")
    NERVE_ROOT = "nerve_root", _("Nerve root")
    EPIDURAL_FIBROSIS = "epidural_fibrosis", _("Epidural fibrosis")
    STENOSIS = "stenosis", _("Stenosis")
    FACET_JOINT = "facet_joint", _("Facet joint")
    SACROILIAC_JOINT = "sacroiliac_joint", _("Sacroiliac joint")
    PSEUDARTHROSIS = "pseudarthrosis", _("Pseudarthrosis")
    HARDWARE = "hardware", _("Hardware")
    ADJACENT_SEGMENT = "adjacent_segment", _("Adjacent segment")
    INSTABILITY = "instability", _("Instability")
    MYOFASCIAL = "myofascial", _("Myofascial")
    CENTRAL_SENSITISATION = "central_sensitisation", _("Central sensitisation")
    PSYCHOLOGICAL = "psychological", _("Psychological factors")


class EvaluationKind(models.TextChoices):
    MRI = "mri", _("MRI")
    CT = "ct", _("CT")
    XRAY = "xray", _("X-ray")
    FLEXION_EXTENSION = "flexion_extension", _("Flexion-extension X-ray")
    EMG = "emg", _("EMG / nerve conduction")
    BONE_SCAN = "bone_scan", _("Bone scan")
    DEXA = "dexa", _("DEXA (bone density)")
    BLOOD = "blood", _("Blood test")
    PSYCH = "psych", _("Psychological screening")
    EXAM = "exam", _("Physical and functional examination")


# --- Findings of evaluations (CLINICAL.md, "Evaluation battery") ---------------------------------


class ImagingFinding(models.TextChoices):
    """What an imaging study can show at spinal levels."""

    RECURRENT_HERNIATION = "recurrent_herniation", _("Recurrent herniation")
    EPIDURAL_FIBROSIS = "epidural_fibrosis", _("Epidural fibrosis")
    STENOSIS = "stenosis", _("Central canal stenosis")
    FORAMINAL_STENOSIS = "foraminal_stenosis", _("Foraminal stenosis")
    ADJACENT_SEGMENT_DEGENERATION = "adjacent_segment_degeneration", _("Adjacent segment degeneration")
    PSEUDARTHROSIS = "pseudarthrosis", _("Pseudarthrosis")
    HARDWARE_LOOSENING = "hardware_loosening", _("Hardware loosening")
    INSTABILITY = "instability", _("Instability (abnormal motion)")
    INCREASED_UPTAKE = "increased_uptake", _("Increased uptake")


class Side(models.TextChoices):
    LEFT = "left", _("Left")
    RIGHT = "right", _("Right")
    BILATERAL = "bilateral", _("Bilateral")


class FindingSide(models.TextChoices):
    """Where at a disc level an imaging finding is: a side, both, or in the middle."""

    LEFT = "left", _("Left")
    RIGHT = "right", _("Right")
    BILATERAL = "bilateral", _("Bilateral")
    CENTRAL = "central", _("Central")


# Findings whose side matters (which root is compressed): a side is required.
SIDED_FINDINGS = frozenset({ImagingFinding.RECURRENT_HERNIATION, ImagingFinding.FORAMINAL_STENOSIS})

# What each imaging kind can show, in the order the form offers them.
IMAGING_FINDINGS: dict[str, tuple[ImagingFinding, ...]] = {
    EvaluationKind.MRI: (
        ImagingFinding.RECURRENT_HERNIATION, ImagingFinding.EPIDURAL_FIBROSIS, ImagingFinding.STENOSIS,
        ImagingFinding.FORAMINAL_STENOSIS, ImagingFinding.ADJACENT_SEGMENT_DEGENERATION,
        ImagingFinding.PSEUDARTHROSIS, ImagingFinding.HARDWARE_LOOSENING,
    ),
    EvaluationKind.CT: (
        ImagingFinding.RECURRENT_HERNIATION, ImagingFinding.STENOSIS, ImagingFinding.FORAMINAL_STENOSIS,
        ImagingFinding.ADJACENT_SEGMENT_DEGENERATION, ImagingFinding.PSEUDARTHROSIS, ImagingFinding.HARDWARE_LOOSENING,
    ),
    EvaluationKind.XRAY: (
        ImagingFinding.ADJACENT_SEGMENT_DEGENERATION, ImagingFinding.PSEUDARTHROSIS, ImagingFinding.HARDWARE_LOOSENING,
    ),
    EvaluationKind.FLEXION_EXTENSION: (
        ImagingFinding.INSTABILITY, ImagingFinding.PSEUDARTHROSIS, ImagingFinding.HARDWARE_LOOSENING,
    ),
    EvaluationKind.BONE_SCAN: (
        ImagingFinding.INCREASED_UPTAKE, ImagingFinding.PSEUDARTHROSIS, ImagingFinding.HARDWARE_LOOSENING,
    ),
}  # fmt: skip


class Chronicity(models.TextChoices):
    ACUTE = "acute", _("Acute")
    CHRONIC = "chronic", _("Chronic")
    ACUTE_ON_CHRONIC = "acute_on_chronic", _("Acute on chronic")


class DexaSite(models.TextChoices):
    LUMBAR_SPINE = "lumbar_spine", _("Lumbar spine")
    TOTAL_HIP = "total_hip", _("Total hip")
    FEMORAL_NECK = "femoral_neck", _("Femoral neck")


class BloodTest(models.TextChoices):
    """Blood tests of the battery (CLINICAL.md: inflammation, infection, vitamin D, HbA1c)."""

    CRP = "crp", _("C-reactive protein")
    ESR = "esr", _("ESR")
    WBC = "wbc", _("White cell count")
    VITAMIN_D = "vitamin_d", _("25-OH vitamin D")
    HBA1C = "hba1c", _("HbA1c")
    GLUCOSE = "glucose", _("Glucose")
    PROCALCITONIN = "procalcitonin", _("Procalcitonin")


class BloodUnit(models.TextChoices):
    PERCENT = "%", "%"
    GIGA_PER_LITRE = "10^9/L", "10^9/L"
    MG_PER_DL = "mg/dL", "mg/dL"
    MG_PER_L = "mg/L", "mg/L"
    MM_PER_H = "mm/h", "mm/h"
    MMOL_PER_L = "mmol/L", "mmol/L"
    MMOL_PER_MOL = "mmol/mol", "mmol/mol"
    NG_PER_ML = "ng/mL", "ng/mL"
    NMOL_PER_L = "nmol/L", "nmol/L"


class PsychInstrument(models.TextChoices):
    PHQ9 = "phq9", "PHQ-9"
    PHQ2 = "phq2", "PHQ-2"
    GAD7 = "gad7", "GAD-7"
    PCS = "pcs", "PCS (pain catastrophising)"
    ORT = "ort", "ORT (opioid risk)"


class StraightLegRaise(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    LEFT = "left", _("Left")
    RIGHT = "right", _("Right")
    BILATERAL = "bilateral", _("Bilateral")


@dataclass(frozen=True)
class BloodTestLimits:
    units: tuple[str, ...]  # the units the test is reported in, the usual one first
    upper: Decimal  # anything above is a typing error, not a result


BLOOD_TEST_LIMITS: dict[BloodTest, BloodTestLimits] = {
    BloodTest.CRP: BloodTestLimits((BloodUnit.MG_PER_L, BloodUnit.MG_PER_DL), Decimal(1000)),
    BloodTest.ESR: BloodTestLimits((BloodUnit.MM_PER_H,), Decimal(200)),
    BloodTest.WBC: BloodTestLimits((BloodUnit.GIGA_PER_LITRE,), Decimal(500)),
    BloodTest.VITAMIN_D: BloodTestLimits((BloodUnit.NG_PER_ML, BloodUnit.NMOL_PER_L), Decimal(1000)),
    BloodTest.HBA1C: BloodTestLimits((BloodUnit.PERCENT, BloodUnit.MMOL_PER_MOL), Decimal(200)),
    BloodTest.GLUCOSE: BloodTestLimits((BloodUnit.MMOL_PER_L, BloodUnit.MG_PER_DL), Decimal(2000)),
    BloodTest.PROCALCITONIN: BloodTestLimits((BloodUnit.NG_PER_ML,), Decimal(1000)),
}
