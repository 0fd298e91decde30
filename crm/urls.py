from django.urls import path

from . import entry_views, twilio_views, views

urlpatterns = [
    path(
        "crm/twilio/voice/<slug:practice_slug>/",
        twilio_views.twilio_voice_status,
        name="crm-twilio-voice",
    ),
    path("tasks/", views.task_list_page, name="task-list"),
    path("tasks/<id:task_id>/done/", views.task_done, name="task-done"),
    path("tasks/<id:task_id>/reassign/", views.task_reassign, name="task-reassign"),
    path("patients/<id:patient_id>/tasks/", views.patient_tasks_panel, name="patient-tasks"),
    path("patients/<id:patient_id>/tasks/new/", views.patient_task_add, name="patient-task-add"),
    path("contacts/new-dialog/", entry_views.dialog_new, name="contact-dialog-new"),
    path("contacts/new-comment/", entry_views.comment_new, name="contact-comment-new"),
    path("contacts/comments/", entry_views.unattached_comments, name="contact-comments"),
    path(
        "contacts/comments/<id:comment_id>/delete/",
        entry_views.comment_delete,
        name="contact-comment-delete",
    ),
    path(
        "contacts/<id:communication_id>/",
        entry_views.communication_page,
        name="contact-communication",
    ),
    path(
        "contacts/<id:communication_id>/processed/",
        entry_views.communication_processed,
        name="contact-processed",
    ),
    path(
        "contacts/<id:communication_id>/relink/",
        entry_views.call_relink,
        name="contact-relink",
    ),
    path(
        "contacts/<id:communication_id>/comment/",
        entry_views.comment_on,
        name="contact-comment",
    ),
]
