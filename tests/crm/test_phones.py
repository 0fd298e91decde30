"""Phone numbers as telephony sends them, read with the practice's default region."""

import pytest

from crm.phones import parse_phone


def test_a_national_number_is_read_with_the_practice_region_and_both_forms_kept():
    phone = parse_phone("06 12 34 56 78", "NL")
    assert phone.raw == "06 12 34 56 78"
    assert phone.e164 == "+31612345678"
    assert phone.is_valid


def test_the_same_digits_read_differently_in_another_region():
    assert parse_phone("040 123 4567", "FI").e164 == "+358401234567"


def test_a_sip_address_is_cut_to_its_number():
    phone = parse_phone("sip:+31612345678@pbx.provider.example;transport=udp", "NL")
    assert phone.raw == "+31612345678"
    assert phone.e164 == "+31612345678"


@pytest.mark.parametrize("withheld", ["", "anonymous", "Anonymous", "+266696687", "withheld", None])
def test_a_withheld_or_empty_caller_id_normalises_to_nothing(withheld):
    phone = parse_phone(withheld, "NL")
    assert phone.e164 == ""
    assert not phone.is_valid


def test_an_italian_number_keeps_its_leading_zero():
    assert parse_phone("06 1234 5678", "IT").e164 == "+390612345678"


def test_too_long_input_is_not_valid_but_keeps_its_raw_form():
    phone = parse_phone("+31 6 1234 5678 9999 1234", "NL")
    assert phone.e164 == ""
    assert not phone.is_valid
    assert phone.raw == "+31 6 1234 5678 9999 1234"


def test_an_international_number_sent_without_plus_is_read():
    assert parse_phone("31612345678", "NL").e164 == "+31612345678"


def test_a_communication_names_itself_on_the_practices_clock(practice_a):
    import datetime as dt

    from .history_factories import CommunicationFactory

    practice_a.time_zone = "Europe/Helsinki"
    practice_a.save()
    call = CommunicationFactory(
        practice=practice_a, started_at=dt.datetime(2030, 1, 15, 22, 30, tzinfo=dt.UTC)
    )
    assert str(call) == "Call 06 1000 0000 2030-01-16 00:30"
