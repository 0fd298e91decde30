"""Saving what the builder page holds: the name and the version, in one transaction.

The builder shows every mistake at once, next to its field: the name's (a workflow of that
name exists) and the version's (settings, each criterion, each step). The engine's services
own those rules (`services.workflow_create` / `workflow_rename` for the name,
`checks.version_check` for the version, `services.workflow_version_save` to save); this
module only runs them together and rolls everything back when any says no.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from practice.models import Practice
from practice.rights import Right, require_right

from . import checks, services
from .models import Workflow, WorkflowVersion


@transaction.atomic
def workflow_save_built(
    practice: Practice,
    *,
    actor,
    workflow: Workflow | None,
    name: str,
    settings: Mapping[str, Any],
    criteria: Sequence[object],
    steps: Sequence[object],
    now: dt.datetime | None = None,
    save: bool = True,
) -> WorkflowVersion | None:
    """Create the workflow (`workflow` None) or rename it, and save its version through
    `services.workflow_version_save` (a live version is kept: the changes make the next
    one). Raises checks.VersionInvalid with the name's and the version's errors together,
    or the service's own ValidationError (an active workflow whose new version may not go
    live: the SMS credit); nothing is saved then.

    `save=False` only checks (when the page could not read part of the form, it still
    says at once what else is wrong) and always rolls back."""
    require_right(practice, actor, Right.MANAGE_WORKFLOWS)
    name_errors: dict[str, list[str]] = {}
    savepoint = transaction.savepoint()
    try:
        if workflow is None:
            workflow = services.workflow_create(practice, actor=actor, name=name)
        elif name.strip() != workflow.name:
            workflow = services.workflow_rename(practice, actor=actor, workflow=workflow, name=name)
    except ValidationError as error:
        transaction.savepoint_rollback(savepoint)
        name_errors = error.message_dict
    else:
        transaction.savepoint_commit(savepoint)
    try:
        checks.version_check(practice, settings=settings, criteria=criteria, steps=steps)
    except checks.VersionInvalid as invalid:
        raise checks.VersionInvalid(
            fields={**name_errors, **invalid.fields}, criteria=invalid.criteria, steps=invalid.steps
        ) from invalid
    if name_errors:
        raise checks.VersionInvalid(fields=name_errors)
    if not save:
        transaction.set_rollback(True)
        return None
    return services.workflow_version_save(
        practice,
        actor=actor,
        workflow=workflow,
        settings=settings,
        criteria=criteria,
        steps=steps,
        now=now,
    )
