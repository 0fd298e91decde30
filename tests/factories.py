"""factory_boy factories. They write through the unscoped manager: tests set up rows for
several practices at once, exactly what the scoped default manager refuses to do."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from appointments.models import (
    Appointment,
    ConsultationType,
    Payment,
    TreatmentPlan,
    WorkingHours,
)
from patients.models import Client, Patient
from practice.models import (
    Equipment,
    Location,
    Membership,
    Practice,
    Role,
    Room,
    StaffProfile,
)


class UnscopedFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _get_manager(cls, model_class):
        manager = model_class._default_manager
        return manager.unscoped() if hasattr(manager, "unscoped") else manager


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice

    name = factory.Sequence(lambda n: f"Practice {n}")
    slug = factory.Sequence(lambda n: f"practice-{n}")
    kind = Practice.Kind.DENTAL
    time_zone = "Europe/Amsterdam"
    language = "nl"
    default_country = "NL"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("pw")

    @factory.post_generation
    def language(user, create, extracted, **kwargs):
        """Test staff chose English (the tests read English); `language=""`: a member who
        has not chosen, who gets the practice's language; `language="fi"`: chose Finnish."""
        language = "en" if extracted is None else extracted
        if create and language:
            StaffProfile.objects.update_or_create(user=user, defaults={"language": language})


class LocationFactory(UnscopedFactory):
    class Meta:
        model = Location

    practice = factory.SubFactory(PracticeFactory)
    name = factory.Sequence(lambda n: f"Location {n}")
    city = "Utrecht"


class MembershipFactory(UnscopedFactory):
    class Meta:
        model = Membership

    practice = factory.SubFactory(PracticeFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.DENTIST


class RoomFactory(UnscopedFactory):
    class Meta:
        model = Room

    practice = factory.SubFactory(PracticeFactory)
    location = factory.SubFactory(LocationFactory, practice=factory.SelfAttribute("..practice"))
    name = factory.Sequence(lambda n: f"Room {n}")
    kind = Room.Kind.SURGERY


class EquipmentFactory(UnscopedFactory):
    class Meta:
        model = Equipment

    practice = factory.SubFactory(PracticeFactory)
    location = factory.SubFactory(LocationFactory, practice=factory.SelfAttribute("..practice"))
    name = factory.Sequence(lambda n: f"X-ray {n}")
    kind = "x-ray"


class ClientFactory(UnscopedFactory):
    class Meta:
        model = Client

    practice = factory.SubFactory(PracticeFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    mobile = factory.Sequence(lambda n: f"+316{n:08d}")
    email = factory.Sequence(lambda n: f"client{n}@example.com")


class PatientFactory(UnscopedFactory):
    class Meta:
        model = Patient

    practice = factory.SubFactory(PracticeFactory)
    client = factory.SubFactory(ClientFactory, practice=factory.SelfAttribute("..practice"))
    name = factory.LazyAttribute(lambda o: o.client.full_name)
    search_text = factory.LazyAttribute(
        lambda o: Patient(name=o.name, client=o.client).build_search_text(o.client)
    )


class ConsultationTypeFactory(UnscopedFactory):
    class Meta:
        model = ConsultationType

    practice = factory.SubFactory(PracticeFactory)
    name = factory.Sequence(lambda n: f"Check-up {n}")
    duration_minutes = 30
    category = ConsultationType.Category.EXAMINATION


class WorkingHoursFactory(UnscopedFactory):
    class Meta:
        model = WorkingHours

    practice = factory.SubFactory(PracticeFactory)
    weekday = 0
    start_time = dt.time(8)
    end_time = dt.time(17)


class AppointmentFactory(UnscopedFactory):
    class Meta:
        model = Appointment

    practice = factory.SubFactory(PracticeFactory)
    patient = factory.SubFactory(PatientFactory, practice=factory.SelfAttribute("..practice"))
    client = factory.SelfAttribute("patient.client")
    practitioner = factory.SubFactory(
        MembershipFactory, practice=factory.SelfAttribute("..practice")
    )
    location = factory.SubFactory(LocationFactory, practice=factory.SelfAttribute("..practice"))
    consultation_type = factory.SubFactory(
        ConsultationTypeFactory, practice=factory.SelfAttribute("..practice")
    )
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + dt.timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(minutes=30))


class PaymentFactory(UnscopedFactory):
    class Meta:
        model = Payment

    practice = factory.SubFactory(PracticeFactory)
    client = factory.SubFactory(ClientFactory, practice=factory.SelfAttribute("..practice"))
    amount = Decimal("45.00")
    method = Payment.Method.CARD
    taken_at = factory.LazyFunction(timezone.now)


class TreatmentPlanFactory(UnscopedFactory):
    class Meta:
        model = TreatmentPlan

    practice = factory.SubFactory(PracticeFactory)
    patient = factory.SubFactory(PatientFactory, practice=factory.SelfAttribute("..practice"))
    title = "Plan"
