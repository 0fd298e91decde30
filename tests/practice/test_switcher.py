from django.urls import reverse

from practice.models import Role
from practice.rights import Right, has_right

from .. import factories as f


def test_a_user_in_two_practices_switches_between_them(client, practice_a, practice_b, patient_b):
    user = f.UserFactory(username="both")
    f.MembershipFactory(practice=practice_a, user=user, role=Role.RECEPTION)
    f.MembershipFactory(practice=practice_b, user=user, role=Role.RECEPTION)
    client.force_login(user)
    # Practices are offered by name; Centrum sorts after Eläinklinikka, so Kivi comes first.
    first = client.get(reverse("patient-card", args=[patient_b.pk]))
    assert first.status_code == 200

    client.post(reverse("practice-switch"), {"practice": practice_a.pk, "next": "/patients/"})
    assert client.get(reverse("patient-card", args=[patient_b.pk])).status_code == 404
    assert client.get("/calendar/").context["practice"] == practice_a


def test_switching_to_a_practice_one_is_not_a_member_of_is_refused(
    rita_client, practice_a, practice_b
):
    response = rita_client.post(
        reverse("practice-switch"), {"practice": practice_b.pk}, follow=True
    )
    assert "not a member" in response.content.decode()
    assert response.context["practice"] == practice_a


def test_switch_ignores_an_offsite_next_url(rita_client, practice_a):
    response = rita_client.post(
        reverse("practice-switch"), {"practice": practice_a.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("calendar")


def test_only_managers_have_the_reports_and_settings_rights(director, receptionist, dentist):
    assert has_right(director, Right.VIEW_REPORTS)
    assert has_right(receptionist, Right.MANAGE_SETTINGS)
    assert not has_right(dentist, Right.VIEW_REPORTS)
    assert not has_right(dentist, Right.MANAGE_SETTINGS)
    assert has_right(dentist, Right.BOOK_APPOINTMENTS)
    assert not has_right(None, Right.VIEW_CALENDAR)
