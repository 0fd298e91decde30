import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from appointments.models import Appointment

from .. import factories as f


def local_today(location):
    return timezone.localdate(timezone=location.tz)


@pytest.fixture
def make_visit(practice_a, patient_a, dentist, location_a, ctype_a):
    """A completed appointment on a local day (default today, just after midnight)."""

    def make(*, day=None, minute=15, patient=None, fee="0"):
        day = day or local_today(location_a)
        start = dt.datetime.combine(day, dt.time(0, minute), tzinfo=location_a.tz)
        ctype_a.fee = Decimal(fee)
        ctype_a.save()
        return f.AppointmentFactory(
            practice=practice_a,
            patient=patient or patient_a,
            practitioner=dentist,
            location=location_a,
            consultation_type=ctype_a,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=10),
            status=Appointment.Status.COMPLETED,
        )

    return make


@pytest.fixture
def visit(make_visit):
    return make_visit()


@pytest.fixture
def rita(receptionist):
    return receptionist.user
