"""Staff accounts stay in their practice in Django admin.

Every admin form with a user field offers a practice manager only their own practice's
staff and refuses another practice's user id; a director adds a colleague only as a new
account in their practice. Superusers keep full power.
"""

import re

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.forms import ModelChoiceField
from django.urls import reverse

from appointments.models import Payment
from practice.admin_base import PracticeScopedAdmin
from practice.models import AuditLog, Membership, Role

from .. import factories as f

User = get_user_model()

SCOPED_ADMINS = sorted(
    (
        model
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, PracticeScopedAdmin)
    ),
    key=lambda model: model._meta.label,
)
# The user fields a practice manager can fill in today; a new one is checked automatically
# by the parametrized tests below and should be added here.
KNOWN_USER_FIELDS = {
    ("appointments.Appointment", "created_by"),
    ("appointments.TreatmentPlan", "created_by"),
    ("appointments.Payment", "taken_by"),
    ("departure_workflow.CustomOption", "added_by"),
}


def _url(model, name, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{name}", args=args)


def _names_otto(content: bytes) -> bool:
    return re.search(r"\botto\b", content.decode(), re.IGNORECASE) is not None


def _user_fields(form) -> dict[str, ModelChoiceField]:
    return {
        name: field
        for name, field in form.fields.items()
        if isinstance(field, ModelChoiceField) and field.queryset.model is User
    }


@pytest.fixture
def dora_admin(client, director):
    director.user.is_staff = True
    director.user.save()
    client.force_login(director.user)
    return client


@pytest.fixture
def superuser_client(client, db):
    client.force_login(f.UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def staff(director, receptionist, dentist, outsider, vet_b):
    """Three staff in practice A, two in B."""
    return {
        "a": {director.user, receptionist.user, dentist.user},
        "b": {outsider.user, vet_b.user},
    }


def _add_form(client, model):
    response = client.get(_url(model, "add"))
    if response.status_code == 403:  # read-only admins: no form to fill in
        return None
    assert response.status_code == 200
    return response.context["adminform"].form


def test_every_known_user_field_is_found_in_the_admin_forms(dora_admin, staff):
    found = set()
    for model in SCOPED_ADMINS:
        form = _add_form(dora_admin, model)
        if form is not None:
            found |= {(model._meta.label, name) for name in _user_fields(form)}
    assert found == KNOWN_USER_FIELDS


@pytest.mark.parametrize("model", SCOPED_ADMINS, ids=lambda m: m.__name__)
def test_user_pickers_list_only_the_practices_own_staff(dora_admin, staff, model):
    form = _add_form(dora_admin, model)
    for field in _user_fields(form).values() if form is not None else ():
        assert set(field.queryset) == staff["a"]


@pytest.mark.parametrize(("label", "name"), sorted(KNOWN_USER_FIELDS))
def test_another_practices_user_id_in_a_user_field_is_a_form_error(
    dora_admin, staff, outsider, label, name
):
    from django.apps import apps

    form = _add_form(dora_admin, apps.get_model(label))
    # The admin's own form class for this request, bound to the other practice's user.
    bound = type(form)(data={name: outsider.user.pk})
    assert not bound.is_valid()
    assert "Select a valid choice" in bound.errors[name][0]


def test_user_pickers_are_plain_lists_without_the_raw_id_lookup(dora_admin, staff, outsider):
    from django.contrib.admin.widgets import ForeignKeyRawIdWidget

    from departure_workflow.models import CustomOption

    # CustomOption declares added_by as a raw-id field, which shows the username of any id
    # it is given; a manager gets the list of their staff instead.
    response = dora_admin.get(_url(CustomOption, "add") + f"?added_by={outsider.user.pk}")
    widget = response.context["adminform"].form.fields["added_by"].widget
    assert not isinstance(getattr(widget, "widget", widget), ForeignKeyRawIdWidget)
    assert not _names_otto(response.content)


def test_payment_with_another_practices_user_as_taker_is_refused_and_not_saved(
    dora_admin, appointment_a, receptionist, outsider
):
    def post(taker):
        return dora_admin.post(
            _url(Payment, "add"),
            {
                "client": appointment_a.client_id,
                "appointment": appointment_a.pk,
                "amount": "45.00",
                "method": "card",
                "taken_at_0": "2030-01-02",
                "taken_at_1": "10:00:00",
                "taken_by": taker.pk,
            },
        )

    refused = post(outsider.user)
    assert refused.status_code == 200
    assert "taken_by" in refused.context["adminform"].form.errors
    assert not Payment.objects.unscoped().exists()
    # the same form with their own colleague is saved
    assert post(receptionist.user).status_code == 302
    assert Payment.objects.unscoped().get().taken_by == receptionist.user


def test_superusers_pickers_list_every_practices_users(superuser_client, staff):
    form = superuser_client.get(_url(Payment, "add")).context["adminform"].form
    assert staff["a"] | staff["b"] <= set(form.fields["taken_by"].queryset)


# --- staff memberships -------------------------------------------------------------------


def _new_colleague(**overrides):
    data = {
        "username": "nina",
        "first_name": "Nina",
        "last_name": "Nurse",
        "email": "nina@example.nl",
        "password1": "Glad-Tandvlees-42",
        "password2": "Glad-Tandvlees-42",
        "role": Role.NURSE,
        "display_name": "",
        "colour": "#4f7cac",
        "is_active": "on",
    }
    return {**data, **overrides}


def test_directors_membership_form_has_no_account_picker(dora_admin, staff, outsider):
    response = dora_admin.get(_url(Membership, "add") + f"?user={outsider.user.pk}")
    form = response.context["adminform"].form
    assert "user" not in form.fields
    assert {"username", "password1", "password2", "role"} <= set(form.fields)
    assert not _names_otto(response.content)


def test_director_adds_a_colleague_as_a_new_account_in_their_practice(
    dora_admin, client, practice_a, staff
):
    response = dora_admin.post(_url(Membership, "add"), _new_colleague())
    assert response.status_code == 302, response.context["adminform"].form.errors
    membership = Membership.objects.unscoped().get(user__username="nina")
    assert membership.practice == practice_a
    assert membership.role == Role.NURSE
    assert membership.user.check_password("Glad-Tandvlees-42")
    assert membership.user.email == "nina@example.nl"
    assert (
        AuditLog.objects.unscoped()
        .filter(practice=practice_a, action="membership.create", object_id=membership.pk)
        .exists()
    )
    # and Nina can log in and work in practice A
    client.logout()
    client.post("/login/", {"username": "nina", "password": "Glad-Tandvlees-42"})
    assert client.get(reverse("calendar")).context["practice"] == practice_a


def test_director_cannot_attach_another_practices_account(dora_admin, client, practice_a, outsider):
    # given: the form is posted with Otto's id (as the old raw-id box allowed)
    response = dora_admin.post(
        _url(Membership, "add"), {**_new_colleague(), "user": outsider.user.pk}
    )
    # then: a new account is made; Otto gains nothing
    assert response.status_code == 302
    assert not Membership.objects.unscoped().filter(user=outsider.user, practice=practice_a)
    client.force_login(outsider.user)
    switcher = client.get(reverse("calendar")).context["memberships"]
    assert [m.practice.slug for m in switcher] == ["kivi"]


def test_existing_username_is_a_form_error_not_an_attachment(dora_admin, practice_a, outsider):
    response = dora_admin.post(_url(Membership, "add"), _new_colleague(username="OTTO"))
    assert response.status_code == 200
    assert "That username is taken" in response.context["adminform"].form.errors["username"][0]
    assert not Membership.objects.unscoped().filter(practice=practice_a, user=outsider.user)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password2": "Something-Else-42"}, "password2"),
        ({"password1": "nina", "password2": "nina"}, "password1"),
        ({"username": "bad name!"}, "username"),
    ],
    ids=["passwords-differ", "weak-password", "bad-username"],
)
def test_bad_account_details_are_form_errors_and_nothing_is_saved(
    dora_admin, director, overrides, field
):
    response = dora_admin.post(_url(Membership, "add"), _new_colleague(**overrides))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not User.objects.filter(first_name="Nina").exists()


def test_membership_change_form_keeps_its_account(dora_admin, dentist, outsider):
    url = _url(Membership, "change", dentist.pk)
    form = dora_admin.get(url).context["adminform"].form
    assert "user" not in form.fields
    response = dora_admin.post(
        url,
        {
            "user": outsider.user.pk,
            "role": Role.DENTIST,
            "display_name": "Dr Dirk",
            "colour": "#4f7cac",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    dentist.refresh_from_db()
    assert dentist.user.username == "dirk"
    assert dentist.display_name == "Dr Dirk"


def test_another_practices_membership_answers_like_a_missing_one(dora_admin, outsider):
    other = dora_admin.get(_url(Membership, "change", outsider.pk), follow=True)
    missing = dora_admin.get(_url(Membership, "change", 987_654), follow=True)
    assert other.redirect_chain == missing.redirect_chain
    assert not _names_otto(other.content)


def test_receptionist_cannot_manage_staff(client, receptionist):
    receptionist.user.is_staff = True
    receptionist.user.save()
    client.force_login(receptionist.user)
    assert client.get(_url(Membership, "changelist")).status_code == 403
    assert client.post(_url(Membership, "add"), _new_colleague()).status_code == 403
    assert not User.objects.filter(username="nina").exists()


def test_superuser_still_attaches_any_account_to_any_practice(
    superuser_client, practice_a, outsider
):
    form = superuser_client.get(_url(Membership, "add")).context["adminform"].form
    assert "user" in form.fields
    response = superuser_client.post(
        _url(Membership, "add"),
        {
            "practice": practice_a.pk,
            "user": outsider.user.pk,
            "role": Role.VET,
            "display_name": "",
            "colour": "#4f7cac",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Membership.objects.unscoped().filter(practice=practice_a, user=outsider.user)


def test_new_manager_accounts_may_use_the_admin_and_clinical_ones_not(dora_admin, director):
    dora_admin.post(_url(Membership, "add"), _new_colleague(username="rob", role=Role.RECEPTION))
    dora_admin.post(_url(Membership, "add"), _new_colleague(username="dan", role=Role.DENTIST))
    assert User.objects.get(username="rob").is_staff
    assert not User.objects.get(username="dan").is_staff
