from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from .models import AccessLog, Clinic, Membership


@admin.register(Clinic)
class ClinicAdmin(SimpleHistoryAdmin):
    list_display = ["name", "time_zone", "phone"]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "clinic", "role", "is_active"]
    list_filter = ["clinic", "role", "is_active"]
    list_select_related = ["user", "clinic"]


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "clinic", "action", "patient_public_id"]
    list_filter = ["clinic", "action"]
    list_select_related = ["user", "clinic"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
