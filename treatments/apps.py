from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TreatmentsConfig(AppConfig):
    name = "treatments"
    verbose_name = _("Treatments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from patients.lifecycle import register_status_listener

        from . import chart_parts, lifecycle

        chart_parts.register()
        register_status_listener(lifecycle.on_patient_status_change)
