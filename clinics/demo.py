"""Demo clinics and staff (see the seed_demo command)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model

from .models import Clinic, Membership, StaffProfile
from .roles import Role

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 - documented demo credential, refused in production

CLINICS = [
    {
        "name": "North Spine & Pain Clinic",
        "key": "north",
        "time_zone": "America/Chicago",
        "phone": "+1 312 555 0100",
        "email": "north@example.org",
    },
    {
        "name": "South Spine & Pain Clinic",
        "key": "south",
        "time_zone": "America/Los_Angeles",
        "phone": "+1 213 555 0199",
        "email": "south@example.org",
    },
]

# username, first name, last name, [(clinic key, role)]
USERS = [
    ("frontdesk.north", "Fran", "Desmond", [("north", Role.FRONT_DESK)]),
    ("physician.north", "Nadia", "Okafor", [("north", Role.PHYSICIAN)]),
    ("therapist.north", "Theo", "Lindqvist", [("north", Role.THERAPIST)]),
    ("admin.north", "Ada", "Morgan", [("north", Role.CLINIC_ADMIN)]),
    ("frontdesk.south", "Sol", "Ramirez", [("south", Role.FRONT_DESK)]),
    ("physician.south", "Samuel", "Park", [("south", Role.PHYSICIAN)]),
    ("physician.both", "Beatriz", "Costa", [("north", Role.PHYSICIAN), ("south", Role.PHYSICIAN)]),
]


@dataclass
class DemoContext:
    clinics: dict[str, Clinic] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)
    # Lower apps leave what higher apps build on, e.g. ctx.extra["patients"]["north"].
    extra: dict[str, Any] = field(default_factory=dict)


def seed(ctx: DemoContext) -> None:
    user_model = get_user_model()
    for spec in CLINICS:
        clinic, _ = Clinic.objects.update_or_create(
            name=spec["name"],
            defaults={"time_zone": spec["time_zone"], "phone": spec["phone"], "email": spec["email"]},
        )
        ctx.clinics[spec["key"]] = clinic
    for username, first, last, roles in USERS:
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"}
        )
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save()
        for clinic_key, role in roles:
            Membership.objects.update_or_create(
                user=user, clinic=ctx.clinics[clinic_key], defaults={"role": role, "is_active": True}
            )
        # The demo stays one password: its accounts skip the clinics' two-factor requirement.
        StaffProfile.objects.update_or_create(user=user, defaults={"two_factor_exempt": True})
        ctx.users[username] = user
