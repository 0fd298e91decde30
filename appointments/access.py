from practice.models import Location, Practice
from practice.scoping import for_practice, get_for_practice_or_404

from .models import Appointment, PlannedTreatment, Recall, TreatmentPlan


def access_appointment_by_id(practice: Practice, appointment_id) -> Appointment:
    appointment = get_for_practice_or_404(Appointment, practice, appointment_id)
    return appointment


def access_location_by_id(practice: Practice, location_id) -> Location:
    return get_for_practice_or_404(Location, practice, location_id)


def default_location(practice: Practice) -> Location | None:
    return for_practice(Location, practice).filter(is_active=True).order_by("name").first()


def access_recall_by_id(practice: Practice, recall_id) -> Recall:
    return get_for_practice_or_404(Recall, practice, recall_id)


def access_plan_by_id(practice: Practice, plan_id) -> TreatmentPlan:
    return get_for_practice_or_404(TreatmentPlan, practice, plan_id)


def access_planned_treatment_by_id(practice: Practice, treatment_id) -> PlannedTreatment:
    return get_for_practice_or_404(PlannedTreatment, practice, treatment_id)
