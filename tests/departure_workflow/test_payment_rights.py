"""The right to take payments is checked by the service that writes the payment, so the
checkout page and the API refuse the same roles (dentist, hygienist, vet) alike."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from rest_framework.test import APIClient

from appointments.models import Payment
from appointments.services import payment_take
from departure_workflow.models import DepartureStep
from practice.models import Role

from .. import factories as f
from .helpers import action_of, build

pytestmark = pytest.mark.django_db

REFUSED = [Role.DENTIST, Role.HYGIENIST, Role.VET]
ALLOWED = [Role.RECEPTION, Role.DIRECTOR, Role.NURSE]
REFUSAL = "Your role does not allow taking payments."


@pytest.fixture
def visit(make_visit):
    return make_visit(fee="45.00")


@pytest.fixture
def workflow(practice_a, visit):
    return build(practice_a, visit)


@pytest.fixture
def member(practice_a):
    def make(role):
        user = f.UserFactory(username=f"staff-{role}")
        return f.MembershipFactory(practice=practice_a, role=role, user=user)

    return make


def _pay_on_page(client, workflow, **extra):
    action = action_of(workflow, "payment")
    url = reverse("checkout-step", args=[workflow.pk, action.pk, "pay"])
    return client.post(url, {"amount": "45.00", "method": "card"}, **extra)


def _pay_by_api(user, appointment):
    api = APIClient()
    api.force_authenticate(user)
    return api.post(
        f"/api/v1/appointments/{appointment.pk}/payments/",
        {"amount": "45.00", "method": "cash"},
        format="json",
    )


def _nothing_paid(workflow):
    assert not Payment.objects.unscoped().exists()
    assert action_of(workflow, "payment").paid_amount == 0
    assert not DepartureStep.objects.unscoped().filter(what="payment_taken").exists()


@pytest.mark.parametrize("role", REFUSED)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_role_without_the_right_is_refused_on_the_checkout_page(
    client, member, workflow, role, htmx
):
    client.force_login(member(role).user)
    response = _pay_on_page(client, workflow, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
    assert response.status_code == 403
    assert REFUSAL in response.content.decode()
    _nothing_paid(workflow)


@pytest.mark.parametrize("role", REFUSED)
def test_role_without_the_right_is_refused_by_the_api(member, workflow, visit, role):
    response = _pay_by_api(member(role).user, visit)
    assert response.status_code == 403
    assert response.json()["detail"] == REFUSAL
    _nothing_paid(workflow)


@pytest.mark.parametrize("role", REFUSED)
def test_checkout_page_shows_no_payment_form_to_a_role_without_the_right(
    client, member, workflow, role
):
    client.force_login(member(role).user)
    content = client.get(reverse("checkout", args=[workflow.pk])).content.decode()
    assert "/pay/" not in content
    assert REFUSAL in content


@pytest.mark.parametrize("role", ALLOWED)
def test_roles_with_the_right_take_payments_on_the_page(client, member, workflow, role):
    client.force_login(member(role).user)
    content = client.get(reverse("checkout", args=[workflow.pk])).content.decode()
    assert "/pay/" in content
    response = _pay_on_page(client, workflow)
    assert response.status_code == 302
    assert action_of(workflow, "payment").paid_amount == Decimal("45.00")


@pytest.mark.parametrize("role", ALLOWED)
def test_roles_with_the_right_take_payments_by_the_api(member, visit, role):
    user = member(role).user
    response = _pay_by_api(user, visit)
    assert response.status_code == 201, response.json()
    payment = Payment.objects.unscoped().get(pk=response.json()["id"])
    assert (payment.amount, payment.method, payment.taken_by) == (Decimal("45.00"), "cash", user)


def test_api_payment_with_bad_input_is_a_400_and_saves_nothing(member, visit):
    user = member(Role.RECEPTION).user
    api = APIClient()
    api.force_authenticate(user)
    response = api.post(
        f"/api/v1/appointments/{visit.pk}/payments/", {"amount": "-5", "method": "coins"}
    )
    assert response.status_code == 400
    assert {"method"} <= set(response.json())
    assert not Payment.objects.unscoped().exists()


def test_service_refuses_someone_who_is_not_a_member_of_the_practice(practice_a, visit, outsider):
    with pytest.raises(PermissionDenied):
        payment_take(
            practice_a, actor=outsider.user, appointment=visit, amount=Decimal(5), method="card"
        )
    assert not Payment.objects.unscoped().exists()


def test_service_refuses_an_inactive_membership(practice_a, visit, member):
    cashier = member(Role.RECEPTION)
    cashier.is_active = False
    cashier.save()
    with pytest.raises(PermissionDenied):
        payment_take(
            practice_a, actor=cashier.user, appointment=visit, amount=Decimal(5), method="card"
        )
