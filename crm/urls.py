from django.urls import path

from . import twilio_views, views

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
]
