from django.urls import path

from . import views

urlpatterns = [
    path("patients/", views.patient_search_page, name="patient-search"),
    path("patients/<id:patient_id>/", views.patient_card, name="patient-card"),
    path("patients/<id:patient_id>/edit/", views.patient_edit, name="patient-edit"),
    path("clients/new/", views.client_create, name="client-create"),
    path("clients/<id:client_id>/edit/", views.client_edit, name="client-edit"),
    path("clients/<id:client_id>/consent/", views.client_consent, name="client-consent"),
    path("clients/<id:client_id>/patients/new/", views.patient_create, name="patient-create"),
]
