"""A minimal way to build and run workflows in Django admin, before the builder pages.

Admin writes nothing around the services: a new workflow is `workflow_create`, saving a
version's settings, criteria and steps is `workflow_version_save` (a version that has been
live makes the next one), 'Activate' / 'Pause' are `workflow_activate` / `workflow_pause`
and 'Remove from the workflow' is `enrolment_remove`. The forms show the rules' own
errors (checks.py), per criterion and step.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from appointments.models import WEEKDAY_CHOICES
from practice.admin_base import PracticeScopedAdmin, PracticeScopedInline, ReadOnlyScopedAdmin

from . import checks, services
from .criteria import criteria_rows
from .models import Criterion, Enrolment, Step, StepRun, Workflow, WorkflowVersion


def _practice_of(request, obj):
    return obj.practice if request.user.is_superuser else request.practice


@admin.register(Workflow)
class WorkflowAdmin(PracticeScopedAdmin):
    list_display = ["name", "status", "version", "enrolled", "active_enrolments", "updated_at"]
    list_filter = ["status"]
    search_fields = ["name"]
    readonly_fields = ["status", "edit_version", "created_by", "created_at"]
    actions = ["activate", "pause"]

    def get_queryset(self, request):
        states = Enrolment.State
        return (
            super()
            .get_queryset(request)
            .select_related("current_version", "practice")
            .annotate(
                enrolled_count=Count("enrolments"),
                active_count=Count("enrolments", filter=Q(enrolments__state=states.ACTIVE)),
            )
        )

    def get_fields(self, request, obj=None):
        fields = ["name"] if obj is None else ["name", *self.readonly_fields]
        if request.user.is_superuser and obj is None:
            fields = ["practice", *fields]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    @admin.display(description=_("version"))
    def version(self, workflow: Workflow):
        return workflow.current_version.number if workflow.current_version else "—"

    @admin.display(description=_("enrolled"), ordering="enrolled_count")
    def enrolled(self, workflow: Workflow) -> int:
        return workflow.enrolled_count

    @admin.display(description=_("active"), ordering="active_count")
    def active_enrolments(self, workflow: Workflow) -> int:
        return workflow.active_count

    @admin.display(description=_("criteria, steps and settings"))
    def edit_version(self, workflow: Workflow):
        version = workflow.current_version
        if version is None:
            return "—"
        url = reverse("admin:marketing_workflows_workflowversion_change", args=[version.pk])
        return format_html('<a href="{}">{}</a>', url, _("Edit version %s") % version.number)

    def save_model(self, request, obj, form, change):
        practice = _practice_of(request, obj)
        if change:
            services.workflow_rename(practice, actor=request.user, workflow=obj, name=obj.name)
        else:
            created = services.workflow_create(practice, actor=request.user, name=obj.name)
            obj.pk, obj.practice = created.pk, practice

    @admin.action(description=_("Activate the selected workflows"))
    def activate(self, request, queryset):
        for workflow in queryset:
            try:
                done = services.workflow_activate(
                    workflow.practice, actor=request.user, workflow=workflow
                )
            except (ValidationError, PermissionDenied) as error:
                reason = " ".join(getattr(error, "messages", [str(error)]))
                self.message_user(request, f"{workflow}: {reason}", messages.ERROR)
            else:
                message = _("%(name)s is active: %(count)s patients enrolled.") % {
                    "name": workflow.name,
                    "count": done.enrolled,
                }
                self.message_user(request, message, messages.SUCCESS)

    @admin.action(description=_("Pause the selected workflows"))
    def pause(self, request, queryset):
        for workflow in queryset:
            services.workflow_pause(workflow.practice, actor=request.user, workflow=workflow)
        self.message_user(request, _("Paused."), messages.SUCCESS)


class VersionForm(forms.ModelForm):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("days"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WorkflowVersion
        fields = list(checks.SETTINGS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["weekdays"] = [int(day) for day in self.instance.weekdays]

    def clean_weekdays(self) -> str:
        return "".join(str(day) for day in sorted(set(self.cleaned_data["weekdays"])))

    def clean(self):
        cleaned = super().clean()
        values = {name: cleaned[name] for name in checks.SETTINGS if name in cleaned}
        for name, errors in checks.settings_errors(values).items():
            for error in errors:
                self.add_error(name if name in self.fields else None, error)
        return cleaned


class _RowsFormSet(BaseInlineFormSet):
    """Each row checked by its rule (checks.py), with the practice known."""

    def rows(self) -> list:
        kept = [
            form
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if not (self.can_delete and self._should_delete_form(form))
        ]
        kept = [form for form in kept if form.is_valid() and form.cleaned_data]
        return sorted(kept, key=lambda form: form.cleaned_data.get("position") or 0)


class CriterionFormSet(_RowsFormSet):
    def clean(self):
        super().clean()
        forms_ = self.rows()
        _parsed, problems = criteria_rows(self.instance.practice, [f.instance for f in forms_])
        for form, errors in zip(forms_, problems, strict=True):
            for name, messages_ in errors.items():
                for message in messages_:
                    form.add_error(name if name in form.fields else None, message)


class StepFormSet(_RowsFormSet):
    def clean(self):
        super().clean()
        for form in self.rows():
            errors = checks.step_errors(self.instance.practice, form.instance)
            for name, messages_ in errors.items():
                for message in messages_:
                    form.add_error(name if name in form.fields else None, message)


class CriterionInline(PracticeScopedInline):
    model = Criterion
    formset = CriterionFormSet
    fields = ["position", "subject", "field", "operator", "value", "value_to"]


class StepInline(PracticeScopedInline):
    model = Step
    formset = StepFormSet
    fields = [
        "position",
        "kind",
        "pause_days",
        "pause_hours",
        "pause_minutes",
        "subject",
        "body",
        "task_kind",
        "task_description",
        "task_assignee",
    ]


@admin.register(WorkflowVersion)
class WorkflowVersionAdmin(PracticeScopedAdmin):
    """A version's settings, criteria and steps. Saving goes through the service: a version
    that has been live is kept for its patients and the changes make the next version."""

    form = VersionForm
    inlines = [CriterionInline, StepInline]
    list_display = ["workflow", "number", "activated_at", "enrol_existing", "exclusive", "goal"]
    list_select_related = ["workflow", "practice"]
    readonly_fields = ["workflow", "number", "activated_at"]

    def get_fields(self, request, obj=None):
        return [*self.readonly_fields, *checks.SETTINGS]

    def has_add_permission(self, request):
        return False  # a workflow's versions come from creating and editing it

    def has_delete_permission(self, request, obj=None):
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused as refused:
            # The dry run's credit check, or nothing to activate: nothing was saved.
            self.message_user(request, refused.reason, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        pass  # saved with its rows, by the service (save_related)

    def save_related(self, request, form, formsets, change):
        version = form.instance
        criteria = [f for fs in formsets if isinstance(fs, CriterionFormSet) for f in fs.rows()]
        steps = [f for fs in formsets if isinstance(fs, StepFormSet) for f in fs.rows()]
        settings = {name: form.cleaned_data[name] for name in checks.SETTINGS}
        try:
            saved = services.workflow_version_save(
                version.practice,
                actor=request.user,
                workflow=version.workflow,
                settings=settings,
                criteria=[f.instance for f in criteria],
                steps=[f.instance for f in steps],
            )
        except ValidationError as error:
            raise _Refused(" ".join(error.messages)) from error
        form.instance = saved
        for formset in formsets:  # the rows were saved by the service, not by the formsets
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def response_change(self, request, obj):
        saved = Workflow.objects.unscoped().get(pk=obj.workflow_id).current_version
        if saved is not None and saved.pk != obj.pk:
            message = _("Version %(old)s is kept for the patients in it; saved as version %(new)s.")
            self.message_user(request, message % {"old": obj.number, "new": saved.number})
            url = reverse("admin:marketing_workflows_workflowversion_change", args=[saved.pk])
            return HttpResponseRedirect(url)
        return super().response_change(request, obj)


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class StepRunInline(PracticeScopedInline):
    model = StepRun
    fields = readonly_fields = [
        "step",
        "state",
        "due_at",
        "done_at",
        "message",
        "task_id",
        "note_read",
    ]
    can_delete = False
    ordering = ["due_at", "id"]

    @admin.display(description=_("note"))
    def note_read(self, run: StepRun) -> str:
        return run.note_text

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyScopedAdmin):
    list_display = ["patient", "workflow", "version", "state", "enrolled_at", "ended_at"]
    list_filter = ["state", "workflow"]
    list_select_related = ["patient", "workflow", "version__workflow", "practice"]
    search_fields = ["patient__name", "workflow__name"]
    raw_id_fields = ["patient"]
    # The note as the reader reads it (a reason is stored as a code: practice.reasons).
    exclude = ["end_note"]
    readonly_fields = ["end_note_read"]
    inlines = [StepRunInline]
    actions = ["remove"]

    @admin.display(description=_("note"))
    def end_note_read(self, enrolment: Enrolment) -> str:
        return enrolment.end_note_text

    @admin.action(description=_("Remove the selected patients from their workflow"))
    def remove(self, request, queryset):
        removed = 0
        for enrolment in queryset.filter(state=Enrolment.State.ACTIVE):
            services.enrolment_remove(enrolment.practice, actor=request.user, enrolment=enrolment)
            removed += 1
        message = _("%(count)s removed; their waiting steps are cancelled.") % {"count": removed}
        self.message_user(request, message, messages.SUCCESS)
