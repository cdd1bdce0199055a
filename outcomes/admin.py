"""Operators may look at the loaded instrument versions; they change only through the commands."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Instrument, InstrumentVersion


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Instrument)
class InstrumentAdmin(ReadOnly):
    list_display = ["key", "created_at"]


@admin.register(InstrumentVersion)
class InstrumentVersionAdmin(ReadOnly):
    list_display = ["instrument", "version", "source", "placeholder", "loaded_at", "checksum"]
    list_filter = ["source", "placeholder"]
    list_select_related = ["instrument"]
