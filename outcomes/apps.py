from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "outcomes"
    verbose_name = _("Outcomes")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import chart_parts, survey_wiring

        chart_parts.register()
        survey_wiring.connect()
