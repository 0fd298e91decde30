from django.contrib import admin

from practice.admin_base import ReadOnlyScopedAdmin

from .models import Task


@admin.register(Task)
class TaskAdmin(ReadOnlyScopedAdmin):
    """Look tasks up across the practice's staff. Read-only: tasks are made, done and
    reassigned through their services (the task list, the patient card, workflows), which
    check who may be given one and write the audit row."""

    list_display = ["kind", "patient", "description", "assignee", "due_at", "status", "origin"]
    list_filter = ["status", "kind", "origin"]
    list_select_related = ["patient", "assignee__user", "practice"]
    search_fields = ["description", "patient__name", "origin_label"]
    date_hierarchy = "due_at"
    raw_id_fields = ["patient"]
