"""No English left in the translated interface (issue 13, 'Leftovers').

(a) Every string the source marks for translation has a translation, not fuzzy, in nl, it,
    ru and fi, and the catalogs hold no untranslated or fuzzy entry. These read locale/*.po:
    after a change, run makemessages and translate before the suite is green.
(b) The main pages, a client's link and booking pages and the messages, rendered in Finnish
    and Russian, show none of the English msgids (a string marked but shown untranslated,
    or computed in English and stored) and none of the English we know slipped through.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from departure_workflow.models import DepartureStep, postpone_text
from messaging.links import appointment_link
from messaging.models import Message
from practice.models import StaffProfile

from . import factories as f
from .i18n_catalog import LANGUAGES, catalog, marked_msgids

# -- (a) the catalogs -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def marked():
    return marked_msgids()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_string_has_a_translation(marked, language):
    entries = catalog(language)
    missing = [e.msgid for e in marked if e.key not in entries or not entries[e.key].translated]
    assert not missing, (
        f"{len(missing)} string(s) without a {language} translation; run makemessages "
        f"and translate them: {missing[:15]}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_untranslated_or_fuzzy_entry_in_the_catalog(language):
    bad = [e.msgid for e in catalog(language).values() if not e.translated]
    assert not bad, f"untranslated or fuzzy in {language}: {bad[:15]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_translation_keeps_the_placeholders_of_its_msgid(language):
    """A lost '%(date)s' or '{link}' would drop the date or the link from a page or an SMS.
    (Plurals are left out: a singular form may say the number in words.)"""
    placeholder = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
    wrong = [
        e.msgid
        for e in catalog(language).values()
        if e.translated
        and not e.msgid_plural
        and sorted(placeholder.findall(e.msgstr[0])) != sorted(placeholder.findall(e.msgid))
    ]
    assert not wrong, f"placeholders differ in {language}: {wrong[:10]}"


# -- (b) what a page, an email or an SMS shows --------------------------------------------

# English we know reached a translated page before (issue 13).
KNOWN_LEFTOVERS = [
    "The client has no mobile number.",
    "Not asked again until",
    "(no)",
    "(yes)",
    "We are sending you a confirmation",
    "Paid at a later checkout",
]
# Short or shared words (names of languages, codes) that may stand in any language.
MIN_LENGTH = 12


def _english_msgids(language: str) -> list[str]:
    """English msgids a page in `language` must not show: long enough to be a phrase, and
    translated to something else (not a name that stays the same)."""
    found = []
    for entry in catalog(language).values():
        text = entry.msgid
        if "%" in text or "{" in text or len(text) < MIN_LENGTH or " " not in text:
            continue
        if entry.msgstr.get(0, "") == text:
            continue
        found.append(text)
    return found


def _visible_text(content: str) -> str:
    """What a reader sees: no tags, no scripts, entities decoded, spaces collapsed."""
    content = re.sub(r"<(script|style)\b.*?</\1>", " ", content, flags=re.S)
    content = re.sub(r"<[^>]+>", " ", content)
    return re.sub(r"\s+", " ", html.unescape(content))


def _english_in(text: str, language: str) -> list[str]:
    shown = [m for m in _english_msgids(language) if m in text]
    shown += [k for k in KNOWN_LEFTOVERS if k in text]
    return shown


@pytest.fixture
def finnish_day(practice_b, location_b, vet_b, patient_b):
    """A day of the Finnish practice: one completed visit with a checkout and its history,
    one failed message, one booked appointment with a client's link."""
    start = timezone.now() + dt.timedelta(days=1)
    appointment = f.AppointmentFactory(
        practice=practice_b,
        patient=patient_b,
        practitioner=vet_b,
        location=location_b,
        consultation_type=f.ConsultationTypeFactory(practice=practice_b, name="Rokotus"),
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=20),
    )
    Message.objects.unscoped().create(
        practice=practice_b,
        appointment=appointment,
        client_id=patient_b.client_id,
        kind="confirmation",
        channel="sms",
        status="failed",
        error_code="no_mobile",
        error="The client has no mobile number.",  # written by a worker, in English
        due_at=timezone.now(),
        idempotency_key="lang:failed",
    )
    return appointment


def _staff(practice, language):
    member = f.MembershipFactory(
        practice=practice, user=f.UserFactory(language=language), role="reception"
    )
    return member


STAFF_PAGES = [
    ("calendar", None),
    ("checkout-list", None),
    ("task-list", None),
    ("patient-search", None),
    ("my-settings", None),
    ("online-review", None),
]


@pytest.mark.parametrize("language", ["fi", "ru"])
def test_staff_pages_in_finnish_and_russian_show_no_english(
    client, practice_b, finnish_day, language
):
    member = _staff(practice_b, language)
    client.force_login(member.user)
    day = finnish_day.starts_at.astimezone(practice_b.tz).date().isoformat()
    pages = {
        "calendar": reverse("calendar") + f"?date={day}",
        "panel": reverse("appointment-detail", args=[finnish_day.pk]),
        "card": reverse("patient-card", args=[finnish_day.patient_id]),
        "client": reverse("client-edit", args=[finnish_day.patient.client_id]),
        "messages": reverse("appointment-messages", args=[finnish_day.pk]),
        **{name: reverse(name) for name, _ in STAFF_PAGES},
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        shown = _english_in(_visible_text(response.content.decode()), language)
        assert not shown, f"{name} in {language} shows English: {shown}"


@pytest.mark.parametrize("language", ["fi", "ru"])
def test_the_clients_link_page_in_their_language_shows_no_english(client, finnish_day, language):
    client_row = finnish_day.client
    type(client_row).objects.unscoped().filter(pk=client_row.pk).update(language=language)
    url = "/" + appointment_link(finnish_day).split("://", 1)[-1].split("/", 1)[-1]
    text = _visible_text(client.get(url).content.decode())
    assert not _english_in(text, language)


@pytest.mark.parametrize("language", ["fi", "ru"])
def test_the_public_page_and_booking_page_show_no_english(
    client, practice_b, location_b, vet_b, language
):
    from .online_booking.conftest import open_for_online

    open_for_online(practice_b, location_b, vet_b, f.ConsultationTypeFactory(practice=practice_b))
    for url in (f"/p/{practice_b.slug}/?lang={language}", f"/p/{practice_b.slug}/book/"):
        text = _visible_text(client.get(url).content.decode())
        assert not _english_in(text, language), url


@pytest.mark.parametrize("language", ["fi", "ru", "it", "nl"])
def test_the_default_messages_are_written_in_each_language(language):
    """Every SMS and email template a practice starts with exists in each language and
    holds none of the English one's sentences."""
    from messaging.defaults import DEFAULT_TEMPLATES

    for (kind, channel), by_language in DEFAULT_TEMPLATES.items():
        assert language in by_language, (kind, channel)
        english_lines = {
            line.strip()
            for line in by_language["en"][1].splitlines()
            if len(line.strip()) > MIN_LENGTH and "{" not in line
        }
        body = by_language[language][1]
        assert not [line for line in english_lines if line in body], (kind, channel)


# -- the named leftovers ----------------------------------------------------------------------


def test_a_failed_messages_reason_reads_in_the_staff_members_language(
    client, practice_b, finnish_day
):
    # given: a worker stored the reason in English; Tiina reads the panel in Finnish
    client.force_login(_staff(practice_b, "fi").user)
    url = reverse("appointment-messages", args=[finnish_day.pk])
    text = _visible_text(client.get(url).content.decode())
    # then
    assert "Asiakkaalla ei ole matkapuhelinnumeroa." in text
    assert "The client has no mobile number." not in text


def test_not_asked_again_until_reads_in_the_readers_language():
    # given: the note as a checkout keeps it now (a date), and as older rows kept it
    for note in ("2027-11-30", "Not asked again until 2027-11-30"):
        with translation.override("ru"):
            text = postpone_text("prompt_later", note)
        assert text.endswith("30 ноября 2027"), text
        assert "Not asked" not in text


def test_the_checkout_history_words_a_consents_no_in_the_readers_language():
    step = DepartureStep(what="consent_recorded", detail="no")
    with translation.override("fi"):
        assert step.detail_text == "ei"
    with translation.override("ru"):
        assert step.detail_text == "нет"
    dated = DepartureStep(what="paid_later_same_day", detail="2026-11-30")
    with translation.override("ru"):
        assert dated.detail_text == "30 ноября 2026"


def test_the_staff_member_language_is_kept_on_their_profile(practice_b):
    member = _staff(practice_b, "ru")
    assert StaffProfile.objects.get(user=member.user).language == "ru"
