from django.urls import path

from . import views

app_name = "treatments"
urlpatterns = [
    path("patient/<uuid:patient_id>/new/", views.plan_create, name="create"),
    path("<uuid:plan_id>/", views.plan_detail, name="detail"),
    path("<uuid:plan_id>/edit/", views.plan_edit, name="edit"),
    path("<uuid:plan_id>/activate/", views.plan_activate, name="activate"),
    path("<uuid:plan_id>/complete/", views.plan_complete, name="complete"),
    path("<uuid:plan_id>/discontinue/", views.plan_discontinue, name="discontinue"),
    path("<uuid:plan_id>/history/", views.plan_history, name="history"),
    path("<uuid:plan_id>/print/", views.plan_print, name="print"),
    path("<uuid:plan_id>/goals/new/", views.goal_add, name="goal_add"),
    path("goals/<uuid:goal_id>/", views.goal_edit, name="goal_edit"),
    path("<uuid:plan_id>/team/new/", views.team_add, name="team_add"),
    path("team/<uuid:member_id>/remove/", views.team_remove, name="team_remove"),
    path("<uuid:plan_id>/interventions/new/", views.intervention_add, name="intervention_add"),
    path("interventions/<uuid:intervention_id>/", views.intervention_edit, name="intervention_edit"),
    path("patient/<uuid:patient_id>/medications/new/", views.outside_medication_add, name="medication_add"),
    path("medications/<uuid:medication_id>/", views.outside_medication_edit, name="medication_edit"),
    path("medications/<uuid:medication_id>/stop/", views.medication_stop, name="medication_stop"),
    path(
        "interventions/<uuid:intervention_id>/entered-in-error/",
        views.intervention_entered_in_error,
        name="intervention_entered_in_error",
    ),
    path(
        "medications/<uuid:medication_id>/entered-in-error/",
        views.medication_entered_in_error,
        name="medication_entered_in_error",
    ),
]
