import pytest
from django.http import Http404

from patients.models import Client
from practice.scoping import for_practice, get_for_practice_or_404
from practice.tenancy import PracticeNotSet, practice_scope, practice_task


def test_default_manager_refuses_to_run_without_a_current_practice(patient_a):
    with pytest.raises(PracticeNotSet):
        list(Client.objects.all())


def test_default_manager_only_sees_the_current_practice(patient_a, patient_b, practice_a):
    with practice_scope(practice_a):
        names = set(Client.objects.values_list("last_name", flat=True))
    assert names == {"de Vries"}


def test_scope_is_reset_after_the_block(practice_a, patient_a):
    with practice_scope(practice_a):
        pass
    with pytest.raises(PracticeNotSet):
        Client.objects.count()


def test_for_practice_scopes_explicitly(practice_a, practice_b, patient_a, patient_b):
    assert list(for_practice(Client, practice_b)) == [patient_b.client]


def test_another_practices_id_answers_like_a_missing_one(practice_a, patient_b):
    with pytest.raises(Http404) as other:
        get_for_practice_or_404(Client, practice_a, patient_b.client_id)
    with pytest.raises(Http404) as missing:
        get_for_practice_or_404(Client, practice_a, 999_999)
    assert str(other.value) == str(missing.value)


def test_malformed_id_answers_404_not_500(practice_a):
    with pytest.raises(Http404):
        get_for_practice_or_404(Client, practice_a, "abc")


def test_practice_task_sets_the_scope_from_its_first_argument(practice_a, practice_b, patient_b):
    @practice_task
    def count_clients(practice_id):
        return Client.objects.count()

    assert count_clients(practice_b.pk) == 1
    assert count_clients(practice_a.pk) == 0
    with pytest.raises(PracticeNotSet):
        Client.objects.count()
