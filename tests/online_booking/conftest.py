import datetime as dt

import pytest

from appointments.models import WorkingHours
from online_booking.models import (
    OnlineBookingSettings,
    OnlineLocation,
    OnlineWindow,
    Reason,
    ReasonGroup,
)

MONDAY = dt.date(2030, 1, 7)


def open_for_online(practice, location, practitioner, ctype, *, species=""):
    OnlineBookingSettings.objects.unscoped().create(
        practice=practice, enabled=True, lead_time_minutes=0, horizon_days=4000, slot_minutes=15
    )
    OnlineLocation.objects.unscoped().create(practice=practice, location=location)
    for weekday in range(5):
        WorkingHours.objects.unscoped().create(
            practice=practice,
            practitioner=practitioner,
            location=location,
            weekday=weekday,
            start_time=dt.time(8),
            end_time=dt.time(12),
        )
        OnlineWindow.objects.unscoped().create(
            practice=practice,
            location=location,
            weekday=weekday,
            start_time=dt.time(9),
            end_time=dt.time(17),
        )
    ctype.duration_minutes = 30
    ctype.save()
    group = ReasonGroup.objects.unscoped().create(practice=practice, name="Check-ups")
    reason = Reason.objects.unscoped().create(
        practice=practice, group=group, consultation_type=ctype, name="Check-up", species=species
    )
    Reason.practitioners.through.objects.create(reason=reason, membership=practitioner)
    return reason


@pytest.fixture
def setup(practice_a, location_a, dentist, ctype_a):
    return open_for_online(practice_a, location_a, dentist, ctype_a)
