import datetime as dt

import django_filters
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField

from practice.parsing import InvalidInput, check_year

from ..models import Appointment, ConsultationType


class InstantField(IsoDateTimeField):
    """An ISO 8601 instant, handed to the database in UTC.

    Python reads offsets up to ±23:59; PostgreSQL refuses those past ±15:59 (a 500 that
    schemathesis found). In UTC every instant reads; one outside the years Python can hold,
    or outside the years practice.parsing accepts anywhere, is refused (400).
    """

    def to_python(self, value):
        instant = super().to_python(value)
        if instant is None:
            return None
        try:
            return check_year(instant.astimezone(dt.UTC), field="")
        except OverflowError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        except InvalidInput as error:
            raise ValidationError(error.message, code="year") from None


class InstantFilter(django_filters.IsoDateTimeFilter):
    field_class = InstantField


class AppointmentFilter(django_filters.FilterSet):
    # Filters are declared, not generated from Meta.fields: generating them queries the
    # model's default manager at import time, outside any practice.
    location = django_filters.NumberFilter(field_name="location_id")
    practitioner = django_filters.NumberFilter(field_name="practitioner_id")
    patient = django_filters.NumberFilter(field_name="patient_id")
    client = django_filters.NumberFilter(field_name="client_id")
    date_from = InstantFilter(field_name="ends_at", lookup_expr="gt", label="Ends after (ISO 8601)")
    date_to = InstantFilter(
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
