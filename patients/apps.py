from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = _("Patients")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import chart_parts, panels
        from .evaluations import load_kinds

        load_kinds()

        panels.register()
        chart_parts.register()
