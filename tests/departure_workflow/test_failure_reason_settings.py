"""Settings → Failure reasons: a practice manages its own reasons per departure action in the
app (issue 13, 'Checkout'): add, rename, reorder, deactivate. A reason a recorded action
names is never deleted; deactivated, it is no longer offered at checkout and still reads in
the history and the report. Manage-settings roles only, within their practice."""

import re

import pytest
from django.urls import reverse

from departure_workflow import services
from departure_workflow.models import ActionKind, DepartureAction, FailureReason
from practice.models import AuditLog

from .helpers import action_of, build

pytestmark = pytest.mark.django_db

PAGE = reverse("failure-reasons")


def _reasons(practice, kind):
    return FailureReason.objects.unscoped().filter(practice=practice, kind=kind)


def _offered_at_checkout(client, workflow, kind) -> list[str]:
    body = client.get(reverse("checkout", args=[workflow.pk])).content.decode()
    action = action_of(workflow, kind)
    select = re.search(rf'<select id="f{action.pk}-reason".*?</select>', body, re.S).group(0)
    return re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", select)


def _second_payment_reason(practice):
    # The practice's own words (practice A speaks Dutch): 'Card declined' in English.
    return _reasons(practice, ActionKind.PAYMENT).order_by("position", "id")[1]


@pytest.fixture
def failed_with_card_declined(practice_a, make_visit, rita_client, receptionist):
    """A completed checkout whose payment failed as 'Card declined' (a recorded action)."""
    workflow = build(practice_a, make_visit(fee="45.00"))
    declined = _second_payment_reason(practice_a)
    services.workflow_complete(
        practice_a,
        actor=receptionist.user,
        workflow=workflow,
        failure_reasons={
            a.pk: (declined if a.kind == ActionKind.PAYMENT else None, "hurry")
            for a in DepartureAction.objects.unscoped().filter(workflow=workflow)
        },
    )
    return workflow, declined


def test_the_settings_page_lists_the_reasons_per_action(rita_client, practice_a, practice_b):
    FailureReason.objects.unscoped().create(practice=practice_b, kind="payment", label="Kortti")
    body = rita_client.get(PAGE).content.decode()
    assert "Kortti" not in body  # another practice's list never shows
    for label in ActionKind.labels:
        assert f">{label}</h2>" in body
    payment = re.search(r'id="action-payment".*?</section>', body, re.S).group(0)
    for reason in _reasons(practice_a, ActionKind.PAYMENT):
        assert f'value="{reason.label}"' in payment
    payments = _reasons(practice_a, ActionKind.PAYMENT).values_list("label", flat=True)
    for reason in _reasons(practice_a, ActionKind.MOBILE).exclude(label__in=list(payments)):
        assert f'value="{reason.label}"' not in payment
    assert (
        reverse("failure-reasons")
        in rita_client.get(reverse("messaging-settings")).content.decode()
    )


def test_the_reason_list_takes_the_same_queries_however_many_reasons(
    rita_client, practice_a, django_assert_num_queries
):
    rita_client.get(PAGE)  # warm: session, membership
    with django_assert_num_queries(5) as few:
        assert rita_client.get(PAGE).status_code == 200
    for i in range(30):
        FailureReason.objects.unscoped().create(practice=practice_a, kind="email", label=f"R{i}")
    with django_assert_num_queries(len(few.captured_queries)):
        assert rita_client.get(PAGE).status_code == 200


def test_a_manager_adds_a_reason_at_the_end_and_checkout_offers_it(
    rita_client, practice_a, make_visit
):
    response = rita_client.post(
        reverse("failure-reason-add"), {"kind": "payment", "label": "  Paid by  the insurer "}
    )
    assert response.status_code == 302
    added = _reasons(practice_a, "payment").get(label="Paid by the insurer")
    assert added.position > max(
        _reasons(practice_a, "payment").exclude(pk=added.pk).values_list("position", flat=True)
    )
    workflow = build(practice_a, make_visit(fee="45.00"))
    offered = _offered_at_checkout(rita_client, workflow, "payment")
    assert offered[-1] == "Paid by the insurer"
    assert "Paid by the insurer" not in _offered_at_checkout(
        rita_client, workflow, "marketing_consent"
    )
    assert AuditLog.objects.unscoped().filter(action="failure_reason.add").count() == 1


@pytest.mark.parametrize("label", ["", "   ", "DUPLICATE", "x" * 121])
def test_a_blank_duplicate_or_long_reason_is_refused_beside_the_field_and_not_saved(
    rita_client, practice_a, label
):
    if label == "DUPLICATE":  # another letter case of a reason the action has
        label = _second_payment_reason(practice_a).label.upper()
    before = _reasons(practice_a, "payment").count()
    response = rita_client.post(reverse("failure-reason-add"), {"kind": "payment", "label": label})
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="add-error-payment"' in body
    assert _reasons(practice_a, "payment").count() == before


def test_an_unknown_action_is_refused_not_a_500(rita_client, practice_a):
    before = FailureReason.objects.unscoped().count()
    response = rita_client.post(reverse("failure-reason-add"), {"kind": "x", "label": "New"})
    assert response.status_code == 422
    assert FailureReason.objects.unscoped().count() == before


def test_a_manager_renames_a_reason_and_the_history_reads_the_new_name(
    rita_client, practice_a, failed_with_card_declined
):
    workflow, declined = failed_with_card_declined
    response = rita_client.post(
        reverse("failure-reason-rename", args=[declined.pk]), {"label": "Card refused"}
    )
    assert response.status_code == 302
    declined.refresh_from_db()
    assert declined.label == "Card refused"
    history = rita_client.get(reverse("checkout", args=[workflow.pk])).content.decode()
    assert "Card refused" in history


def test_a_rename_onto_another_reason_of_the_action_is_refused(rita_client, practice_a):
    declined = _second_payment_reason(practice_a)
    other = _reasons(practice_a, "payment").order_by("position", "id")[0].label.lower()
    response = rita_client.post(
        reverse("failure-reason-rename", args=[declined.pk]), {"label": other}
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert f'id="error-{declined.pk}"' in body
    assert f'value="{other}"' in body  # what was typed stays
    assert _reasons(practice_a, "payment").get(pk=declined.pk).label == declined.label


def test_moving_a_reason_up_changes_the_order_checkout_offers(rita_client, practice_a, make_visit):
    labels = list(
        _reasons(practice_a, "payment").order_by("position").values_list("label", flat=True)
    )
    second = _reasons(practice_a, "payment").get(label=labels[1])
    assert rita_client.post(reverse("failure-reason-up", args=[second.pk])).status_code == 302
    workflow = build(practice_a, make_visit(fee="45.00"))
    offered = _offered_at_checkout(rita_client, workflow, "payment")
    assert offered[:2] == [labels[1], labels[0]]
    # and down again; the last one moved down stays last
    rita_client.post(reverse("failure-reason-down", args=[second.pk]))
    last = _reasons(practice_a, "payment").get(label=labels[-1])
    rita_client.post(reverse("failure-reason-down", args=[last.pk]))
    assert _offered_at_checkout(rita_client, workflow, "payment") == labels


def test_a_deactivated_reason_is_not_offered_at_checkout_but_stays_in_history_and_report(
    rita_client, practice_a, make_visit, failed_with_card_declined, director, client
):
    workflow, declined = failed_with_card_declined
    response = rita_client.post(reverse("failure-reason-deactivate", args=[declined.pk]))
    assert response.status_code == 302
    new = build(practice_a, make_visit(fee="45.00", minute=40))
    assert declined.label not in _offered_at_checkout(rita_client, new, "payment")
    # the history of the checkout that used it, and the settings page, still name it
    history = rita_client.get(reverse("checkout", args=[workflow.pk])).content.decode()
    assert declined.label in history
    row = re.search(
        rf'id="reason-{declined.pk}".*?</li>', rita_client.get(PAGE).content.decode(), re.S
    ).group(0)
    assert "Not offered" in row
    # the report counts it under its name
    client.force_login(director.user)
    day = workflow.local_date.isoformat()
    report = client.get(reverse("report-departure"), {"date_from": day, "date_to": day})
    assert f"{declined.label}: 1" in report.content.decode()
    # offered again once activated
    rita_client.post(reverse("failure-reason-activate", args=[declined.pk]))
    assert declined.label in _offered_at_checkout(rita_client, new, "payment")


def test_a_used_reason_is_never_deleted(rita_client, practice_a, failed_with_card_declined):
    workflow, declined = failed_with_card_declined
    row = re.search(
        rf'id="reason-{declined.pk}".*?</li>', rita_client.get(PAGE).content.decode(), re.S
    ).group(0)
    assert reverse("failure-reason-delete", args=[declined.pk]) not in row  # no button
    response = rita_client.post(reverse("failure-reason-delete", args=[declined.pk]))
    assert response.status_code == 422
    assert "Deactivate it instead" in response.content.decode()
    assert FailureReason.objects.unscoped().filter(pk=declined.pk).exists()
    assert action_of(workflow, "payment").failure_reason_id == declined.pk


def test_an_unused_reason_can_be_deleted(rita_client, practice_a):
    typo = FailureReason.objects.unscoped().create(practice=practice_a, kind="email", label="Typo")
    assert rita_client.post(reverse("failure-reason-delete", args=[typo.pk])).status_code == 302
    assert not FailureReason.objects.unscoped().filter(pk=typo.pk).exists()


@pytest.mark.parametrize("role_fixture", ["dentist"])
def test_a_practitioner_cannot_see_or_change_the_reasons(client, practice_a, role_fixture, request):
    member = request.getfixturevalue(role_fixture)
    client.force_login(member.user)
    declined = _second_payment_reason(practice_a)
    assert client.get(PAGE).status_code == 403
    assert client.post(reverse("failure-reason-deactivate", args=[declined.pk])).status_code == 403
    assert client.post(reverse("failure-reason-add"), {"kind": "", "label": "X"}).status_code == 403
    declined.refresh_from_db()
    assert declined.is_active


def test_the_service_refuses_a_practitioner_too(practice_a, dentist):
    from django.core.exceptions import PermissionDenied

    from departure_workflow.failure_reasons import failure_reason_add

    with pytest.raises(PermissionDenied):
        failure_reason_add(practice_a, actor=dentist.user, kind="", label="X")


@pytest.mark.parametrize("name", ["rename", "up", "down", "deactivate", "activate", "delete"])
def test_another_practices_reason_answers_404_and_is_untouched(rita_client, practice_b, name):
    theirs = FailureReason.objects.unscoped().filter(practice=practice_b).first()
    response = rita_client.post(
        reverse(f"failure-reason-{name}", args=[theirs.pk]), {"label": "Mine now"}
    )
    assert response.status_code == 404
    after = FailureReason.objects.unscoped().get(pk=theirs.pk)
    assert (after.label, after.is_active, after.position) == (
        theirs.label,
        theirs.is_active,
        theirs.position,
    )
