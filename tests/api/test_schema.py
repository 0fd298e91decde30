"""What the OpenAPI schema promises: every operation names its error answers, empty values are
in the enums, the departure report is one object. schemathesis (test_schemathesis.py) then holds
the answers to it."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from .. import factories as f

METHODS = {"get", "post", "patch", "put", "delete"}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_every_operation_documents_its_error_answers(schema):
    for path, method, operation in _operations(schema):
        codes = set(operation["responses"])
        parameters = operation.get("parameters", [])
        reads_input = "requestBody" in operation or any(
            p["in"] == "query" and p["name"] != "page" for p in parameters
        )
        names_something = any(p["in"] == "path" or p["name"] == "page" for p in parameters)
        label = f"{method.upper()} {path}"
        assert ("400" in codes) == reads_input, label
        assert ("404" in codes) == names_something, label
        assert "429" in codes, label  # the booking limits, or a locked-out login
        if path.startswith("/api/v1/public/"):
            assert "403" not in codes, label
        else:
            assert "403" in codes, label


def test_conflicts_are_documented_where_a_time_can_be_taken(schema):
    paths = schema["paths"]
    assert "409" in paths["/api/v1/appointments/"]["post"]["responses"]
    assert "409" in paths["/api/v1/appointments/{id}/"]["patch"]["responses"]
    assert "409" in paths["/api/v1/appointments/{id}/status/"]["post"]["responses"]
    assert "409" in paths["/api/v1/public/{practice_slug}/book/"]["post"]["responses"]
    assert "409" not in paths["/api/v1/patients/"]["post"]["responses"]


def test_error_answers_have_their_shapes(schema):
    components = schema["components"]["schemas"]
    assert components["Error"]["required"] == ["detail"]
    assert components["ValidationError"]["additionalProperties"] == {
        "type": "array",
        "items": {"type": "string"},
    }
    answer = schema["paths"]["/api/v1/clients/"]["post"]["responses"]["400"]
    assert answer["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ValidationError"
    }


def test_departure_report_is_documented_as_one_object(schema):
    answer = schema["paths"]["/api/v1/reports/departure/"]["get"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DepartureReport"
    }


def test_empty_sex_and_room_kind_are_in_the_schema(schema):
    components = schema["components"]["schemas"]
    blank = {"$ref": "#/components/schemas/BlankEnum"}
    for component, field in [
        ("ClientOutput", "sex"),
        ("PatientOutput", "sex"),
        ("ConsultationType", "room_kind"),
    ]:
        assert blank in components[component]["properties"][field]["oneOf"], component
    email = components["ClientOutput"]["properties"]["email"]
    assert email["nullable"] is True


def test_an_empty_email_sex_and_room_kind_answer_as_documented(api, practice_a):
    client = f.ClientFactory(practice=practice_a, email="", sex="")
    f.ConsultationTypeFactory(practice=practice_a, room_kind="")
    answer = api.get(f"/api/v1/clients/{client.pk}/").json()
    assert answer["email"] is None
    assert answer["sex"] == ""
    assert api.get("/api/v1/consultation-types/").json()["results"][0]["room_kind"] == ""


def test_the_departure_report_answers_one_object(api, director):
    api.force_authenticate(director.user)
    day = {"date_from": "2030-01-07", "date_to": "2030-01-07"}
    response = api.get("/api/v1/reports/departure/", day)
    assert response.status_code == 200
    assert isinstance(response.json(), dict)
    assert response.json()["date_from"] == "2030-01-07"


def test_an_unknown_api_path_answers_json_404_and_a_page_html(api, client, practice_a):
    response = api.get("/api/v1/patients/not-a-number/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    page = client.get("/no/such/page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


def test_a_service_error_about_the_whole_request_answers_non_field_errors(api, appointment_a):
    api.post(f"/api/v1/appointments/{appointment_a.pk}/cancel/", {}, format="json")
    response = api.patch(
        f"/api/v1/appointments/{appointment_a.pk}/",
        {"starts_at": appointment_a.starts_at.isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Only a booked appointment can be moved."]}
