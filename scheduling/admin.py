from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AppointmentType, FollowUpRule, Room, ScheduleException, WorkingHours


@admin.register(AppointmentType)
class AppointmentTypeAdmin(SimpleHistoryAdmin):
    list_display = ("name", "clinic", "minutes", "roles", "is_active")
    list_filter = ("clinic",)


@admin.register(FollowUpRule)
class FollowUpRuleAdmin(SimpleHistoryAdmin):
    list_display = ("event", "clinic", "offset_days", "window_days", "appointment_type", "is_active")
    list_filter = ("clinic",)


@admin.register(WorkingHours)
class WorkingHoursAdmin(SimpleHistoryAdmin):
    list_display = ("provider", "clinic", "weekday", "start", "end")
    list_filter = ("clinic", "weekday")


@admin.register(ScheduleException)
class ScheduleExceptionAdmin(SimpleHistoryAdmin):
    list_display = ("kind", "clinic", "provider", "first_day", "last_day", "start", "end")
    list_filter = ("clinic", "kind")


admin.site.register(Room)
