from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClinicsConfig(AppConfig):
    name = "clinics"
    verbose_name = _("Clinics")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import selectors, sessions
        from .models import Membership
        from .pages import register_page_names
        from .panels import Panel, register_home_panel
        from .roles import Role

        def admin_panel(request: Any, membership: Membership) -> dict[str, Any]:
            return {"staff_count": selectors.staff_of(membership.clinic).filter(is_active=True).count()}

        register_home_panel(
            Panel(
                key="clinic_admin",
                template="clinics/panel_admin.html",
                roles=frozenset({Role.CLINIC_ADMIN}),
                context=admin_panel,
                order=10,
            )
        )
        sessions.connect()
        register_page_names(
            {"clinic_audit_csv": _("Audit trail export (CSV)"), "clinic_access_log_csv": _("Access log export (CSV)")}
        )
