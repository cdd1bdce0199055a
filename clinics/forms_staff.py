"""Forms of staff administration and two-factor sign-in."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from .roles import Role


class NewMemberForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150, validators=[UnicodeUsernameValidator()])
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("Email"), help_text=_("A link to set a password is sent here."), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class ExistingMemberForm(forms.Form):
    identifier = forms.CharField(
        label=_("Username or email address"),
        max_length=254,
        help_text=_("The exact username or email address of an account of another clinic."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class TwoFactorRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles that must sign in with a second factor"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Applies from each person's next sign-in."),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
        help_text=_("The 6-digit code of your authenticator app, or one of your backup codes."),
    )

    def __init__(self, *args: Any, help_text: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if help_text is not None:
            self.fields["code"].help_text = help_text

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split()).lower()
        if not code.isalnum():
            raise forms.ValidationError(_("Enter the code as shown, letters and digits only."))
        return code
