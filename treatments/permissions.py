"""Who may do what with a plan, beyond the gate's needs (clinics.roles).

- Physicians (``Need.WRITE_PLAN``) create, activate, change and close plans, and update any
  intervention.
- Other clinicians (``Need.EDIT_CLINICAL``) update the interventions of their own discipline
  (``clinics.roles.ROLE_DISCIPLINE`` against ``Intervention.discipline``): a physical
  therapist updates physical therapy and complementary therapies, a psychologist psychological
  support, a nurse lifestyle coaching.
- Nobody changes a completed or discontinued plan: it is the record of what happened.
"""

from __future__ import annotations

from clinics.models import Membership
from clinics.roles import ROLE_DISCIPLINE, Need

from .models import Intervention, TreatmentPlan


def can_write_plan(membership: Membership, plan: TreatmentPlan | None = None) -> bool:
    return membership.can(Need.WRITE_PLAN) and (plan is None or not plan.is_closed)


def can_update_intervention(membership: Membership, intervention: Intervention) -> bool:
    if intervention.plan.is_closed:
        return False
    if membership.can(Need.WRITE_PLAN):
        return True
    return membership.can(Need.EDIT_CLINICAL) and ROLE_DISCIPLINE.get(membership.role) == intervention.discipline
