from django.urls import path

from . import views, views_staff

urlpatterns = [
    path("", views.home, name="home"),
    path("clinic/switch/", views.switch_clinic, name="switch_clinic"),
    path("clinic/staff/", views_staff.staff_list, name="clinic_staff"),
    path("clinic/staff/add/", views_staff.staff_add, name="clinic_staff_add"),
    path("clinic/staff/add-existing/", views_staff.staff_add_existing, name="clinic_staff_add_existing"),
    path("clinic/staff/two-factor/", views_staff.two_factor_settings, name="clinic_two_factor_settings"),
    path("clinic/staff/<uuid:membership_id>/", views_staff.staff_detail, name="clinic_staff_detail"),
    path("clinic/staff/<uuid:membership_id>/role/", views_staff.staff_change_role, name="clinic_staff_role"),
    path("clinic/staff/<uuid:membership_id>/deactivate/", views_staff.staff_deactivate, name="clinic_staff_deactivate"),
    path("clinic/staff/<uuid:membership_id>/reactivate/", views_staff.staff_reactivate, name="clinic_staff_reactivate"),
    path("clinic/staff/<uuid:membership_id>/unlock/", views_staff.staff_unlock, name="clinic_staff_unlock"),
    path(
        "clinic/staff/<uuid:membership_id>/two-factor-reset/",
        views_staff.staff_reset_two_factor,
        name="clinic_staff_reset_two_factor",
    ),
    path(
        "clinic/staff/<uuid:membership_id>/password-link/",
        views_staff.staff_password_link,
        name="clinic_staff_password_link",
    ),
    path("clinic/audit/", views.audit, name="clinic_audit"),
    path("clinic/audit/export.csv", views.audit_csv, name="clinic_audit_csv"),
    path("clinic/access-log/", views.access_log, name="clinic_access_log"),
    path("clinic/access-log/export.csv", views.access_log_csv, name="clinic_access_log_csv"),
]
