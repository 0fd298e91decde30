import django_filters

from practice.api.fields import BoundedIsoDateTimeFilter

from ..models import Appointment, ConsultationType


class AppointmentFilter(django_filters.FilterSet):
    # Filters are declared, not generated from Meta.fields: generating them queries the
    # model's default manager at import time, outside any practice.
    location = django_filters.NumberFilter(field_name="location_id")
    practitioner = django_filters.NumberFilter(field_name="practitioner_id")
    patient = django_filters.NumberFilter(field_name="patient_id")
    client = django_filters.NumberFilter(field_name="client_id")
    date_from = BoundedIsoDateTimeFilter(
        field_name="ends_at", lookup_expr="gt", label="Ends after (ISO 8601)"
    )
    date_to = BoundedIsoDateTimeFilter(
        field_name="starts_at", lookup_expr="lt", label="Starts before (ISO 8601)"
    )

    status = django_filters.ChoiceFilter(choices=Appointment.Status.choices)
    source = django_filters.ChoiceFilter(choices=Appointment.Source.choices)

    class Meta:
        model = Appointment
        fields: list[str] = []


class ConsultationTypeFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=ConsultationType.Category.choices)
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = ConsultationType
        fields: list[str] = []
