from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = _("Scheduling")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from notifications.checks import register_check

        from . import chart_parts, reminders, signals

        chart_parts.register()
        signals.connect()
        register_check(reminders.PURPOSE, reminders.still_wanted)
