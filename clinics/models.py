import uuid
import zoneinfo
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .pages import page_name
from .roles import Need, Role, role_can


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


def default_two_factor_roles() -> list[str]:
    return [Role.CLINIC_ADMIN.value, Role.PHYSICIAN.value]


def validate_roles(value: object) -> None:
    if not isinstance(value, list) or any(role not in Role.values for role in value):
        raise ValidationError(_("Choose roles from the list."))


class Clinic(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=120, unique=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text=_("What staff and patients of this clinic read dates and times in, e.g. America/Chicago."),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.TextField(_("address"), max_length=500, blank=True)
    two_factor_roles = models.JSONField(
        _("roles that must sign in with a second factor"),
        default=default_two_factor_roles,
        blank=True,
        validators=[validate_roles],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("clinic")
        verbose_name_plural = _("clinics")

    def __str__(self) -> str:
        return self.name

    @cached_property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Membership(models.Model):
    """A user's role at one clinic. A user may belong to several clinics, one role at each."""

    # Staff administration fetches memberships through the gate like any clinic-bound row.
    clinic_field = "clinic"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["clinic__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic"], name="membership_one_role_per_clinic"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_valid"),
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.clinic} ({self.get_role_display()})"

    def can(self, need: Need) -> bool:
        return self.is_active and role_can(self.role, need)


class AccessLog(models.Model):
    """Who saw which patient's data (a page, a download, a print), or exported what, when, where.

    Holds the patient's public id only, so the log itself carries no patient data: the reader
    resolves names and MRNs when it shows the log. A clinic-wide export has no patient. The lines
    are written by ``clinics.access.write_access_log`` (the gate notes, the middleware writes).
    """

    PAGE_LENGTH = 100

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        DOWNLOAD = "download", _("Downloaded a file")
        PRINT = "print", _("Printed")
        EXPORT = "export", _("Exported")

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="access_logs")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_logs")
    patient_public_id = models.UUIDField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=20, choices=Action.choices, default=Action.VIEW)
    # The page's URL name (``patients:chart``): which view of the record, never its query string.
    page = models.CharField(max_length=PAGE_LENGTH, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    # The line's patient, resolved by the reader when the log is shown (``selectors``); not stored.
    patient: Any = None

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["clinic", "-at"], name="accesslog_clinic_at")]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.patient_public_id or '-'}"

    @property
    def page_name(self) -> str:
        """The page's name for people ("Chart"), as its app registered it (``clinics.pages``)."""
        return page_name(self.page)


class Heartbeat(models.Model):
    """The last time each background process proved it was alive (beat enqueues, a worker writes)."""

    source = models.CharField(max_length=40, unique=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("heartbeat")

    def __str__(self) -> str:
        return f"{self.source} @ {self.at:%Y-%m-%d %H:%M:%S}"


class StaffProfile(models.Model):
    """What the platform keeps about a staff account beyond Django's user: its second factor."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    # The demo's accounts sign in with one password (seed_demo sets this); nobody else should.
    two_factor_exempt = models.BooleanField(_("exempt from two-factor sign-in"), default=False)
    # Wrong second-factor codes since the last right one; at FBSS_LOGIN_FAILURE_LIMIT the account locks.
    second_factor_failures = models.PositiveSmallIntegerField(default=0)
    second_factor_locked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("staff profile")

    def __str__(self) -> str:
        return f"profile of {self.user_id}"


class UserSession(models.Model):
    """The sessions a user signed in with, so that deactivating them can end every one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("signed-in session")

    def __str__(self) -> str:
        return f"session of {self.user_id}"
