"""Evaluation kinds: one module per kind holds its findings schema, its form and its summary.

``registry`` is the only module the rest of the app talks to; it imports nothing of ours. Each
kind module registers itself when imported, and ``load_kinds()`` (called from
``PatientsConfig.ready``) imports them all. The five imaging kinds differ only in the findings
they show and share ``imaging``. Adding a kind: a value in ``choices.EvaluationKind`` and a
module here listed in ``KIND_MODULES`` (or a schema class in ``imaging``).
"""

from __future__ import annotations

from importlib import import_module

KIND_MODULES = ("imaging", "emg", "dexa", "blood", "psych", "exam")


def load_kinds() -> None:
    for name in KIND_MODULES:
        import_module(f"{__name__}.{name}")
