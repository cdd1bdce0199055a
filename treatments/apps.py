from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TreatmentsConfig(AppConfig):
    name = "treatments"
    verbose_name = _("Treatments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import chart_parts

        chart_parts.register()
