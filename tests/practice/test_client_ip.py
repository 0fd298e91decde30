"""The client's address behind proxies: trusted hops only, never a 500, 429 says when.

With TRUSTED_PROXY_COUNT = N the address is the N-th entry from the right of
X-Forwarded-For; what the client wrote further left changes nothing.
"""

import pytest
from django.test import override_settings

from ..online_booking.conftest import open_for_online

pytestmark = pytest.mark.django_db

BOOK = "/p/centrum/book/"


@pytest.fixture
def setup(practice_a, location_a, dentist, ctype_a):
    return open_for_online(practice_a, location_a, dentist, ctype_a)


def _reasons(location):
    return f"/api/v1/public/centrum/reasons/?location={location.pk}"


@override_settings(TRUSTED_PROXY_COUNT=1, ONLINE_BOOKING_RATE_READ="3/m")
def test_a_new_made_up_forwarded_header_each_time_does_not_bypass_the_limit(client, setup):
    # given one proxy in front, which appends the real client 203.0.113.7
    codes = [
        client.get(
            BOOK, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.7"
        ).status_code
        for n in range(4)
    ]
    # then the client's made-up entries count as the same client
    assert codes == [200, 200, 200, 429]


@override_settings(TRUSTED_PROXY_COUNT=0, ONLINE_BOOKING_RATE_READ="2/m")
def test_without_trusted_proxies_the_forwarded_header_is_ignored(client, setup):
    codes = [client.get(BOOK, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(3)]
    assert codes == [200, 200, 429]


@override_settings(TRUSTED_PROXY_COUNT=1, ONLINE_BOOKING_RATE_READ="1/m")
def test_behind_a_proxy_each_real_client_has_its_own_count(client, setup):
    first = client.get(BOOK, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    second = client.get(BOOK, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.8")
    again = client.get(BOOK, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert (first.status_code, second.status_code, again.status_code) == (200, 200, 429)


@override_settings(TRUSTED_PROXY_COUNT=2, ONLINE_BOOKING_RATE_READ="1/m")
def test_with_two_proxies_the_second_entry_from_the_right_is_the_client(client, setup):
    # a load balancer appended the client, nginx appended the load balancer
    headers = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.1.1.1, 203.0.113.7, 10.0.0.1"}
    assert client.get(BOOK, **headers).status_code == 200
    spoofed = {**headers, "HTTP_X_FORWARDED_FOR": "2.2.2.2, 203.0.113.7, 10.0.0.1"}
    assert client.get(BOOK, **spoofed).status_code == 429


@pytest.mark.parametrize(
    "header",
    ["", "garbage", ",,,", "999.1.1.1", "1.2.3.4.5", "[::1", "unknown, ", "a" * 5000, " , "],
)
@override_settings(TRUSTED_PROXY_COUNT=2)
def test_a_malformed_or_short_forwarded_header_never_answers_500(client, setup, header):
    response = client.get(BOOK, HTTP_X_FORWARDED_FOR=header)
    api = client.get("/api/v1/public/centrum/reasons/?location=1", HTTP_X_FORWARDED_FOR=header)
    assert response.status_code == 200
    assert api.status_code < 500


@override_settings(TRUSTED_PROXY_COUNT=1, ONLINE_BOOKING_RATE_READ="1/m")
def test_a_malformed_header_counts_against_the_proxys_address(client, setup):
    assert client.get(BOOK, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="junk").status_code == 200
    assert client.get(BOOK, REMOTE_ADDR="10.0.0.1").status_code == 429


@pytest.mark.parametrize("remote", ["", "not-an-address"])
def test_a_missing_or_odd_connection_address_never_answers_500(client, setup, remote):
    assert client.get(BOOK, REMOTE_ADDR=remote).status_code == 200


@override_settings(ONLINE_BOOKING_RATE_READ="1/m")
def test_a_refused_page_says_when_to_try_again(client, setup):
    client.get(BOOK)
    refused = client.get(BOOK)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60


@override_settings(ONLINE_BOOKING_RATE_READ="1/m")
def test_a_refused_api_call_says_when_to_try_again(client, setup, location_a):
    client.get(_reasons(location_a))
    refused = client.get(_reasons(location_a))
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60


@override_settings(ONLINE_BOOKING_RATE_BOOK="1/m")
def test_a_refused_booking_attempt_says_when_to_try_again(client, setup):
    url = f"/p/centrum/book/details/?reason={setup.pk}&start=2030-01-07T08:00:00Z"
    client.post(url, {"start": "2030-01-07T08:00:00Z"})
    refused = client.post(url, {"start": "2030-01-07T08:00:00Z"})
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("198.51.100.1, 203.0.113.7", "203.0.113.7"),
        ("203.0.113.7:5678", "203.0.113.7"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("", "10.0.0.1"),
        ("no address", "10.0.0.1"),
    ],
)
@override_settings(TRUSTED_PROXY_COUNT=1)
def test_client_ip_reads_the_trusted_hop(rf, forwarded, expected):
    from practice.client_ip import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def _fail_login(client, times, **headers):
    for _ in range(times):
        response = client.post(
            "/login/", {"username": "rita", "password": "wrong-password"}, **headers
        )
    return response


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_made_up_forwarded_header_does_not_escape_a_login_lockout(client, receptionist):
    from django.conf import settings

    # given rita locked out from the real client 203.0.113.7 behind one proxy
    locked = _fail_login(
        client,
        settings.AXES_FAILURE_LIMIT,
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert locked.status_code == 429
    # when the same client sends a new made-up entry in front
    again = client.post(
        "/login/",
        {"username": "rita", "password": "pw"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.99, 203.0.113.7",
    )
    # then it is still locked; another real client behind the same proxy is not
    assert again.status_code == 429
    elsewhere = client.post(
        "/login/",
        {"username": "rita", "password": "pw"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.8",
    )
    assert elsewhere.status_code == 302


def test_a_locked_out_login_page_says_when_to_try_again(client, receptionist):
    from django.conf import settings

    locked = _fail_login(client, settings.AXES_FAILURE_LIMIT)
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
