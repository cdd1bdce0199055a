from django.contrib import admin
from django.urls import include, path

from clinics import views as clinic_views
from outcomes import urls as outcomes_urls
from scheduling import views as scheduling_views

urlpatterns = [
    path("healthz", clinic_views.healthz, name="healthz"),
    path("accounts/", include("clinics.auth_urls")),
    path("", include("clinics.urls")),
    path("patients/", include("patients.urls")),
    path("plans/", include("treatments.urls")),
    path("schedule/", include("scheduling.urls")),
    # A patient's answer to a reminder, without logging in: the token only in the path.
    path("a/<str:token>/", scheduling_views.appointment_link, name="appointment_link"),
    path("outcomes/", include(outcomes_urls.reports)),
    path("outcomes/", include(outcomes_urls.surveys)),
    path("survey/", include(outcomes_urls.survey)),
    path("django-admin/", admin.site.urls),
]
