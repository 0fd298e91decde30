"""Integration API keys: made, rotated and revoked here; checked by crm.api.authentication.

A key reads `<prefix>.<secret>`. The prefix is stored and finds the row (unique, shown in
admin); of the secret only its SHA-256 is kept, compared in constant time. The plain key
is returned once, when it is made.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from practice.models import Practice
from practice.rights import Right, require_right
from practice.scoping import for_practice

from .models import ApiKey

PREFIX_BYTES = 6  # 8 url-safe characters
SECRET_BYTES = 32


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    plain: str  # '<prefix>.<secret>': shown once, never stored


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_prefix() -> str:
    # url-safe without '.', the separator
    return secrets.token_urlsafe(PREFIX_BYTES).replace("-", "x").replace("_", "y")


def api_key_create(practice: Practice, *, actor, name: str) -> IssuedKey:
    """Make a key for `practice`; the plain key is in the answer and nowhere else.
    `actor=None` is the system (the fake telephony of the demo), never a request's user."""
    if actor is not None:
        require_right(practice, actor, Right.MANAGE_SETTINGS)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    prefix = _new_prefix()
    key = ApiKey.objects.unscoped().create(
        practice=practice,
        name=name,
        prefix=prefix,
        hashed=_hash(secret),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return IssuedKey(key=key, plain=f"{prefix}.{secret}")


def api_key_revoke(practice: Practice, *, actor, key: ApiKey) -> ApiKey:
    """Revoke `key` (of `practice`): from now on it answers 401. Revoking twice keeps the
    first time. `actor=None` is the system."""
    if actor is not None:
        require_right(practice, actor, Right.MANAGE_SETTINGS)
    key = for_practice(ApiKey, practice).get(pk=key.pk)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


@transaction.atomic
def api_key_rotate(practice: Practice, *, actor, key: ApiKey) -> IssuedKey:
    """A new key with the same name; the old one is revoked in the same transaction."""
    old = api_key_revoke(practice, actor=actor, key=key)
    return api_key_create(practice, actor=actor, name=old.name)


def api_key_check(plain: str) -> ApiKey | None:
    """The active key `plain` names, or None (unknown prefix, wrong secret, revoked).

    Looked up across practices by its prefix, deliberately: the key is what says which
    practice is calling."""
    prefix, dot, secret = (plain or "").strip().partition(".")
    if not (dot and prefix and secret) or len(prefix) > 16:
        return None
    key = (
        ApiKey.objects.unscoped()  # the key names the practice; nothing is scoped yet
        .select_related("practice")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if key is None or not hmac.compare_digest(key.hashed, _hash(secret)):
        return None
    return key


def api_key_used(key: ApiKey) -> None:
    """Note the time of use, at most once a minute per key (not a write per event)."""
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.unscoped().filter(pk=key.pk).update(last_used_at=now)
