from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("clinic/switch/", views.switch_clinic, name="switch_clinic"),
    path("clinic/staff/", views.staff, name="clinic_staff"),
    path("clinic/audit/", views.audit, name="clinic_audit"),
    path("clinic/access-log/", views.access_log, name="clinic_access_log"),
]
