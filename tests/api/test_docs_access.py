"""In production (DEBUG false, as in the tests) the API schema and docs need a staff login,
unless API_DOCS_PUBLIC opens them."""

import base64

from django.test import override_settings
from rest_framework.test import APIClient

from .. import factories as f


def test_schema_and_docs_need_a_staff_login_in_production(client, receptionist):
    # given: nobody logged in
    assert client.get("/api/schema/").status_code == 403
    docs = client.get("/api/docs/")
    assert docs.status_code == 302
    assert docs["Location"].startswith("/login/?next=/api/docs/")
    # when: a practice member logs in
    client.force_login(receptionist.user)
    # then
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_a_user_of_no_practice_may_not_read_the_schema(client, db):
    client.force_login(f.UserFactory(username="nobody"))
    assert client.get("/api/schema/").status_code == 403
    assert client.get("/api/docs/").status_code == 403


def test_api_clients_read_the_schema_with_basic_auth(receptionist):
    token = base64.b64encode(b"rita:pw").decode()
    response = APIClient().get("/api/schema/", HTTP_AUTHORIZATION=f"Basic {token}")
    assert response.status_code == 200
    assert b"/api/v1/patients/" in response.content


@override_settings(API_DOCS_PUBLIC=True)
def test_api_docs_public_opens_schema_and_docs_to_anyone(client, db):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_browser_shows_the_schema_instead_of_downloading_it(client, receptionist):
    client.force_login(receptionist.user)
    response = client.get("/api/schema/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "attachment" not in response.get("Content-Disposition", "")
    assert response.content.startswith(b"openapi: ")
    assert b"/api/v1/messages/" in response.content


def test_api_clients_still_get_the_schema_type_they_ask_for(receptionist):
    api = APIClient()
    api.force_authenticate(receptionist.user)
    assert api.get("/api/schema/")["Content-Type"].startswith("application/vnd.oai.openapi")
    as_json = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert as_json["Content-Type"].startswith("application/json")
    assert as_json.json()["openapi"].startswith("3.")


def test_a_browser_without_a_login_is_still_refused_the_schema(client, db):
    assert client.get("/api/schema/", HTTP_ACCEPT=BROWSER_ACCEPT).status_code == 403
