from django.contrib.auth import views as auth_views
from django.urls import path

from . import views, views_twofactor
from .staff import StaffPasswordResetForm

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("keepalive/", views.keepalive, name="keepalive"),
    path("two-factor/", views_twofactor.verify, name="two_factor_verify"),
    path("two-factor/setup/", views_twofactor.setup, name="two_factor_setup"),
    path("two-factor/backup-codes/", views_twofactor.new_backup_codes, name="two_factor_backup_codes"),
    # Forgotten passwords: Django's views, the app's templates (templates/registration/).
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(form_class=StaffPasswordResetForm),
        name="password_reset",
    ),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
