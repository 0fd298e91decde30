from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditLog, Practice


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
