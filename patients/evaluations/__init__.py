"""Evaluation kinds: one module per kind holds its findings schema, its form and its summary.

``registry`` is the only module the rest of the app talks to; it imports nothing of ours. Each
kind module registers itself when imported, and ``load_kinds()`` (called from
``PatientsConfig.ready``) imports them all. Adding a kind: a value in ``choices.EvaluationKind``
and a module here listed in ``KIND_MODULES``.
"""

from __future__ import annotations

from importlib import import_module

KIND_MODULES = ("mri", "ct", "xray", "flexion_extension", "bone_scan", "emg", "dexa", "blood", "psych", "exam")


def load_kinds() -> None:
    for name in KIND_MODULES:
        import_module(f"{__name__}.{name}")
