from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from .languages import CODES
from .models import AuditLog, Membership, Practice, Role, StaffProfile
from .rights import ROLE_RIGHTS, Right, require_right


def audit_log_write(
    practice: Practice, *, actor, action: str, obj: models.Model, data: dict[str, Any] | None = None
) -> AuditLog:
    """Record a clinical or financial write; call inside the write's transaction."""
    return AuditLog.objects.unscoped().create(
        practice=practice,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        data=data or {},
    )


def staff_account_check(
    *, username: str, password: str, first_name: str = "", last_name: str = "", email: str = ""
) -> None:
    """Raise ValidationError (per field) unless a new account can have these details.

    Forms call it to show the errors; `staff_member_create` calls it again before writing.
    """
    user_model = get_user_model()
    errors: dict[str, list[str]] = {}
    if user_model.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("That username is taken. Choose another.")]
    candidate = user_model(
        username=username, first_name=first_name, last_name=last_name, email=email
    )
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as error:
        errors["password1"] = list(error.messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def staff_member_create(
    practice: Practice,
    *,
    actor,
    username: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    display_name: str = "",
    colour: str | None = None,
    is_active: bool = True,
) -> Membership:
    """A new user account working in `practice` with `role`.

    Staff join a practice only this way: an existing account (perhaps another practice's)
    is never attached. The account may use Django admin when its role manages settings.
    """
    require_right(practice, actor, Right.MANAGE_STAFF)
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role.")})
    staff_account_check(
        username=username,
        password=password,
        first_name=first_name,
        last_name=last_name,
        email=email,
    )
    user = get_user_model().objects.create_user(
        username=username,
        password=password,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=Right.MANAGE_SETTINGS in ROLE_RIGHTS.get(role, frozenset()),
    )
    membership = Membership.objects.unscoped().create(
        practice=practice,
        user=user,
        role=role,
        display_name=display_name,
        is_active=is_active,
        **({"colour": colour} if colour else {}),
    )
    audit_log_write(
        practice, actor=actor, action="membership.create", obj=membership, data={"role": role}
    )
    return membership


@transaction.atomic
def staff_login_unlock(practice: Practice, *, actor, membership: Membership) -> int:
    """Clear the failed logins django-axes counted for this staff member (every address), so
    a locked-out colleague can log in again at once. Returns how many records were cleared."""
    from axes.utils import reset  # loads axes' models: not at this module's import time

    require_right(practice, actor, Right.MANAGE_STAFF)
    if membership.practice_id != practice.pk:
        raise ValidationError(_("That staff member works in another practice."))
    cleared = reset(username=membership.user.get_username())
    audit_log_write(practice, actor=actor, action="membership.login_unlock", obj=membership)
    return cleared


def staff_language_set(user, *, language: str) -> StaffProfile:
    """A staff member's own language for every page, kept until they change it; '' goes
    back to following the practice's language. An unknown code is refused."""
    if language and language not in CODES:
        raise ValidationError({"language": [_("Choose one of the languages offered.")]})
    profile, _created = StaffProfile.objects.update_or_create(
        user=user, defaults={"language": language}
    )
    return profile
