from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from .models import Membership
from .services import staff_account_check

ACCOUNT_FIELDS = ("username", "first_name", "last_name", "email", "password1", "password2")
MEMBERSHIP_FIELDS = ("role", "display_name", "colour", "is_active")


class StaffMemberCreateForm(forms.ModelForm):
    """A practice manager adds a colleague: a new account in their practice, never an
    existing one (which could be another practice's)."""

    username = forms.CharField(
        label=_("username"),
        max_length=150,
        validators=[get_user_model().username_validator],
        help_text=_("What they log in with. Letters, digits and @/./+/-/_ only."),
    )
    first_name = forms.CharField(label=_("first name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("email address"), required=False)
    password1 = forms.CharField(
        label=_("initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("initial password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    fieldsets = (
        (_("Their account"), {"fields": ACCOUNT_FIELDS}),
        (_("Their role in this practice"), {"fields": MEMBERSHIP_FIELDS}),
    )

    class Meta:
        model = Membership
        fields = list(MEMBERSHIP_FIELDS)

    def clean(self):
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        if data.get("username") and data.get("password1"):
            try:
                staff_account_check(**self.account())
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field, messages)
        return data

    def account(self) -> dict[str, str]:
        """The new account's details, as `staff_member_create` takes them."""
        data = self.cleaned_data
        return {
            "username": data.get("username", ""),
            "password": data.get("password1", ""),
            "first_name": data.get("first_name", ""),
            "last_name": data.get("last_name", ""),
            "email": data.get("email", ""),
        }


def _language_choices(practice_language: str) -> list[tuple[str, str]]:
    """Each language in its own name ('suomi', 'русский'), so anyone finds theirs."""
    practice_name = get_language_info(practice_language)["name_translated"]
    return [
        ("", _("The practice's language (%(language)s)") % {"language": practice_name}),
        *(
            (code, get_language_info(code)["name_local"].capitalize())
            for code, _name in settings.LANGUAGES
        ),
    ]


class StaffLanguageForm(forms.Form):
    """The staff member's own language; the service checks the code again."""

    language = forms.ChoiceField(label=_("Language"), required=False, widget=forms.RadioSelect)

    def __init__(self, *args, practice_language: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = _language_choices(practice_language)
