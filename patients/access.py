from practice.models import Practice
from practice.scoping import get_for_practice_or_404

from .models import Client, Patient


def access_patient_by_id(practice: Practice, patient_id) -> Patient:
    return get_for_practice_or_404(Patient, practice, patient_id)


def access_client_by_id(practice: Practice, client_id) -> Client:
    return get_for_practice_or_404(Client, practice, client_id)
