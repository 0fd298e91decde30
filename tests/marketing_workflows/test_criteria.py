"""Enrolment criteria: each field and operator, local days, one SQL query, clear errors."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from appointments.models import Appointment, PlannedTreatment, TreatmentPlan
from marketing_workflows.criteria import criteria_rows, matching_patients, parse_criterion
from practice import localtime

from .. import factories as f
from .conftest import crit, make_patient

UTC = dt.UTC


def names(practice, *criteria, now=None):
    return sorted(matching_patients(practice, criteria, now=now).values_list("name", flat=True))


def test_city_equals_matches_only_patients_from_that_city(practice_a):
    make_patient(practice_a, name="Rosa", city="Roma")
    make_patient(practice_a, name="Ada", city="Amsterdam")
    assert names(practice_a, crit("patient", "city", "eq", "roma")) == ["Rosa"]
    assert names(practice_a, crit("patient", "city", "ne", "Roma")) == ["Ada"]


def test_text_operators_contain_or_not_and_ignore_case(practice_a):
    make_patient(practice_a, name="A", last_name="de Vries", email="a@gmail.com")
    make_patient(practice_a, name="B", last_name="Jansen", email="b@example.nl")
    assert names(practice_a, crit("patient", "last_name", "contains", "VRIES")) == ["A"]
    assert names(practice_a, crit("patient", "last_name", "not_contains", "vries")) == ["B"]
    assert names(practice_a, crit("patient", "email", "contains", "gmail")) == ["A"]
    assert names(practice_a, crit("patient", "first_name", "ne", "nobody")) == ["A", "B"]


def test_age_equals_a_year_means_born_in_that_year(practice_a):
    make_patient(practice_a, name="Born 1988", patient={"birth_date": dt.date(1988, 12, 31)})
    make_patient(practice_a, name="Born 1989", patient={"birth_date": dt.date(1989, 1, 1)})
    make_patient(practice_a, name="Unknown")
    assert names(practice_a, crit("patient", "age", "eq", 1988)) == ["Born 1988"]
    assert names(practice_a, crit("patient", "age", "lt", 1989)) == ["Born 1988"]
    assert names(practice_a, crit("patient", "age", "between", 1980, 1990)) == [
        "Born 1988",
        "Born 1989",
    ]


def test_age_in_years_counts_on_the_practices_local_today(practice_a):
    make_patient(practice_a, name="Forty tomorrow", patient={"birth_date": dt.date(1990, 6, 11)})
    make_patient(practice_a, name="Forty today", patient={"birth_date": dt.date(1990, 6, 10)})
    # 23:30 in Amsterdam on 10 June (21:30 UTC): still the 10th there.
    now = dt.datetime(2030, 6, 10, 21, 30, tzinfo=UTC)
    assert names(practice_a, crit("patient", "age", "eq", 40), now=now) == ["Forty today"]
    assert names(practice_a, crit("patient", "age", "lt", 40), now=now) == ["Forty tomorrow"]
    assert names(practice_a, crit("patient", "age", "gt", 39), now=now) == ["Forty today"]
    later = dt.datetime(2030, 6, 10, 22, 30, tzinfo=UTC)  # 00:30 on the 11th in Amsterdam
    assert names(practice_a, crit("patient", "age", "eq", 40), now=later) == [
        "Forty today",
        "Forty tomorrow",
    ]


def test_sms_allowed_needs_a_mobile_neither_opted_out_nor_a_landline(practice_a):
    make_patient(practice_a, name="Mobile", mobile="+31612345601")
    make_patient(practice_a, name="No mobile", mobile="")
    make_patient(practice_a, name="Stopped", mobile="+31612345602", sms_opted_out=True)
    make_patient(practice_a, name="Landline", mobile="+31201234567", mobile_is_landline=True)
    assert names(practice_a, crit("patient", "sms_allowed", "eq", "true")) == ["Mobile"]
    assert names(practice_a, crit("patient", "sms_allowed", "eq", "false")) == [
        "Landline",
        "No mobile",
        "Stopped",
    ]


def test_marketing_consent_agreed_refused_or_never_asked(practice_a):
    make_patient(practice_a, name="Yes", marketing_consent=True)
    make_patient(practice_a, name="No", marketing_consent=False)
    make_patient(practice_a, name="Unasked", marketing_consent=None)
    assert names(practice_a, crit("patient", "marketing_consent", "eq", "yes")) == ["Yes"]
    assert names(practice_a, crit("patient", "marketing_consent", "eq", "no")) == ["No"]
    assert names(practice_a, crit("patient", "marketing_consent", "eq", "unknown")) == ["Unasked"]
    assert names(practice_a, crit("patient", "marketing_consent", "ne", "yes")) == ["No", "Unasked"]


def test_sex_choice_and_created_on_in_local_days(practice_a):
    with time_machine.travel(dt.datetime(2030, 3, 30, 23, 30, tzinfo=UTC), tick=False):
        make_patient(practice_a, name="31st", patient={"sex": "f"})  # 00:30 on 31 March local
    with time_machine.travel(dt.datetime(2030, 3, 30, 22, 30, tzinfo=UTC), tick=False):
        make_patient(practice_a, name="30th", patient={"sex": "m"})  # 23:30 on 30 March local
    assert names(practice_a, crit("patient", "created_on", "eq", "2030-03-31")) == ["31st"]
    assert names(practice_a, crit("patient", "created_on", "lt", "2030-03-31")) == ["30th"]
    assert names(practice_a, crit("patient", "created_on", "gt", "2030-03-30")) == ["31st"]
    between = crit("patient", "created_on", "between", "2030-03-30", "2030-03-31")
    assert names(practice_a, between) == ["30th", "31st"]
    assert names(practice_a, crit("patient", "sex", "eq", "f")) == ["31st"]


def test_last_appointment_more_than_n_days_ago_counts_the_practices_local_days(
    practice_a, appointment_for
):
    # given: now is 23:30 on 10 June in Amsterdam (21:30 UTC)
    now = dt.datetime(2030, 6, 10, 21, 30, tzinfo=UTC)
    on_the_5th = make_patient(practice_a, name="5 June 00:30")  # 4 June 22:30 UTC
    appointment_for(on_the_5th, dt.datetime(2030, 6, 4, 22, 30, tzinfo=UTC))
    on_the_4th = make_patient(practice_a, name="4 June 23:30")
    appointment_for(on_the_4th, dt.datetime(2030, 6, 4, 21, 30, tzinfo=UTC))
    came_back = make_patient(practice_a, name="Came back")
    appointment_for(came_back, dt.datetime(2030, 1, 1, 9, tzinfo=UTC))
    appointment_for(came_back, dt.datetime(2030, 6, 9, 9, tzinfo=UTC))
    cancelled_since = make_patient(practice_a, name="Cancelled since")
    appointment_for(cancelled_since, dt.datetime(2030, 1, 1, 9, tzinfo=UTC))
    appointment_for(
        cancelled_since,
        dt.datetime(2030, 6, 9, 9, tzinfo=UTC),
        status=Appointment.Status.CANCELLED,
    )
    make_patient(practice_a, name="Never came")
    # when / then: 'more than 5 days ago' is before local 5 June
    older = crit("patient", "last_appointment", "days_ago_gt", 5)
    assert names(practice_a, older, now=now) == ["4 June 23:30", "Cancelled since"]
    recent = crit("patient", "last_appointment", "days_ago_lte", 5)
    assert names(practice_a, recent, now=now) == ["5 June 00:30", "Came back"]
    first = crit("patient", "first_appointment", "lt", "2030-06-01")
    assert names(practice_a, first, now=now) == ["Came back", "Cancelled since"]


def test_appointment_criteria_must_hold_for_one_and_the_same_appointment(
    practice_a, appointment_for, location_a, dentist
):
    other_type = f.ConsultationTypeFactory(practice=practice_a, name="Cleaning")
    other_place = f.LocationFactory(practice=practice_a, name="Noord")
    both = make_patient(practice_a, name="Both in one")
    appointment_for(
        both, dt.datetime(2030, 5, 1, 9, tzinfo=UTC), consultation_type=other_type,
        location=other_place, practitioner=dentist,
    )  # fmt: skip
    split = make_patient(practice_a, name="Split over two")
    appointment_for(
        split, dt.datetime(2030, 5, 1, 10, tzinfo=UTC), consultation_type=other_type,
        practitioner=dentist,
    )  # fmt: skip
    appointment_for(split, dt.datetime(2030, 5, 2, 9, tzinfo=UTC), location=other_place)
    criteria = [
        crit("appointment", "consultation_type", "eq", other_type.pk),
        crit("appointment", "location", "eq", other_place.pk),
    ]
    assert names(practice_a, *criteria) == ["Both in one"]
    by_practitioner = crit("appointment", "practitioner", "eq", dentist.pk)
    assert names(practice_a, by_practitioner) == ["Both in one", "Split over two"]
    status = crit("appointment", "status", "eq", "completed")
    assert names(practice_a, status) == []
    in_may = crit("appointment", "date", "between", "2030-05-02", "2030-05-31")
    assert names(practice_a, in_may) == ["Split over two"]
    assert names(practice_a, crit("appointment", "category", "eq", "examination")) == [
        "Both in one",
        "Split over two",
    ]


def test_plan_and_treatment_criteria_use_their_own_fields(practice_a, appointment_for):
    big = make_patient(practice_a, name="Big plan")
    plan = f.TreatmentPlanFactory(
        practice=practice_a, patient=big, status=TreatmentPlan.Status.PROPOSED
    )
    visit = appointment_for(big, dt.datetime(2030, 5, 1, 9, tzinfo=UTC))
    for code, fee in (("C11", "40.00"), ("V93", "900.00")):
        PlannedTreatment.objects.unscoped().create(
            practice=practice_a, plan=plan, code=code, description=code, fee=Decimal(fee),
            appointment=visit, status=PlannedTreatment.Status.COMPLETED,
        )  # fmt: skip
    small = make_patient(practice_a, name="Small plan")
    small_plan = f.TreatmentPlanFactory(
        practice=practice_a, patient=small, status=TreatmentPlan.Status.ACCEPTED
    )
    PlannedTreatment.objects.unscoped().create(
        practice=practice_a, plan=small_plan, code="C11", description="check", fee=Decimal(40)
    )
    assert names(practice_a, crit("plan", "amount", "gt", 500)) == ["Big plan"]
    assert names(practice_a, crit("plan", "amount", "between", 0, "40.00")) == ["Small plan"]
    assert names(practice_a, crit("plan", "status", "eq", "accepted")) == ["Small plan"]
    assert names(practice_a, crit("treatment", "code", "eq", "v93")) == ["Big plan"]
    assert names(practice_a, crit("treatment", "amount", "lt", 100)) == ["Big plan", "Small plan"]
    done_c11 = [
        crit("treatment", "code", "eq", "C11"),
        crit("treatment", "status", "eq", "completed"),
    ]
    assert names(practice_a, *done_c11) == ["Big plan"]
    assert names(practice_a, crit("treatment", "date", "eq", "2030-05-01")) == ["Big plan"]


def test_all_criteria_must_hold(practice_a):
    make_patient(practice_a, name="Both", city="Amsterdam", marketing_consent=True)
    make_patient(practice_a, name="City only", city="Amsterdam", marketing_consent=False)
    make_patient(practice_a, name="Consent only", city="Utrecht", marketing_consent=True)
    criteria = [
        crit("patient", "city", "eq", "Amsterdam"),
        crit("patient", "marketing_consent", "eq", "yes"),
    ]
    assert names(practice_a, *criteria) == ["Both"]


def test_every_kind_of_criterion_compiles_into_one_sql_query(
    practice_a, appointment_for, ctype_a, location_a, django_assert_num_queries
):
    patient = make_patient(practice_a, name="Everything", city="Amsterdam")
    appointment_for(patient, timezone.now() - dt.timedelta(days=400))
    plan = f.TreatmentPlanFactory(practice=practice_a, patient=patient)
    PlannedTreatment.objects.unscoped().create(
        practice=practice_a, plan=plan, code="C11", description="x", fee=Decimal(50)
    )
    criteria = [
        crit("patient", "city", "eq", "amsterdam"),
        crit("patient", "age", "ne", 1900),
        crit("patient", "sms_allowed", "eq", "true"),
        crit("patient", "marketing_consent", "eq", "yes"),
        crit("patient", "created_on", "days_ago_lte", 10),
        crit("patient", "first_appointment", "lt", localtime.local_today(practice_a.tz)),
        crit("patient", "last_appointment", "days_ago_gt", 30),
        crit("appointment", "consultation_type", "eq", ctype_a.pk),
        crit("appointment", "location", "eq", location_a.pk),
        crit("plan", "amount", "gt", 10),
        crit("plan", "status", "eq", "proposed"),
        crit("treatment", "code", "contains", "c1"),
        crit("treatment", "amount", "between", 1, 100),
    ]
    with django_assert_num_queries(1):
        found = list(matching_patients(practice_a, criteria).values_list("name", flat=True))
    assert found == ["Everything"]


def test_criteria_never_match_another_practices_patients(practice_a, practice_b):
    make_patient(practice_a, name="Ours", city="Roma")
    make_patient(practice_b, name="Theirs", city="Roma")
    assert names(practice_a, crit("patient", "city", "eq", "Roma")) == ["Ours"]


@pytest.mark.parametrize(
    ("criterion", "key", "says"),
    [
        (crit("patient", "shoe_size", "eq", 42), "field", "Choose a field"),
        (crit("vehicle", "city", "eq", "x"), "subject", "Choose patient"),
        (crit("patient", "city", "lt", "Roma"), "operator", "can be compared with"),
        (crit("patient", "created_on", "eq", "31-03-2030"), "value", "YYYY-MM-DD"),
        (crit("patient", "created_on", "eq", "2030-02-30"), "value", "YYYY-MM-DD"),
        (crit("patient", "last_appointment", "days_ago_gt", "soon"), "value", "number of days"),
        (crit("plan", "amount", "gt", "lots"), "value", "Give a number"),
        (crit("plan", "amount", "gt", "NaN"), "value", "Give a number"),
        (crit("patient", "age", "eq", 500), "value", "year of birth"),
        (crit("patient", "sex", "eq", "q"), "value", "Choose one of"),
        (crit("patient", "sms_allowed", "eq", "maybe"), "value", "Choose one of"),
        (crit("patient", "city", "contains", " "), "value", "Give a value"),
        (crit("plan", "amount", "between", 50, 10), "value_to", "must not be below"),
        (crit("appointment", "location", "eq", "abc"), "value", "from the list"),
    ],
)
def test_a_criterion_that_cannot_be_read_says_which_part_and_why(criterion, key, says):
    with pytest.raises(ValidationError) as error:
        parse_criterion(**vars(criterion))
    assert key in error.value.message_dict
    assert says in " ".join(error.value.message_dict[key])


def test_a_criterion_naming_another_practices_row_is_refused(practice_a, location_b):
    rows = [
        crit("patient", "city", "eq", "Roma"),
        crit("appointment", "location", "eq", location_b.pk),
    ]
    parsed, problems = criteria_rows(practice_a, rows)
    assert problems[0] == {}
    assert "Choose one from the list." in problems[1]["value"]
    assert len(parsed) == 1
