"""Django's admin, for the installation's operators only (clinic staff manage their clinic in the app).

``INSTALLED_APPS`` names ``OperatorsAdminConfig`` in place of ``django.contrib.admin``, so that
``admin.site`` (and every ``@admin.register``) is this site.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class OperatorsAdminSite(admin.AdminSite):
    site_header = "FBSS clinic platform: operators"

    def has_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)


class OperatorsAdminConfig(AdminConfig):
    default_site = "clinics.admin_site.OperatorsAdminSite"
