"""Why a message did not go out, in plain words for reception."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from practice.reasons import reason

NO_TEMPLATE = "no_template"
NO_MOBILE = "no_mobile"
NO_EMAIL = "no_email"
NO_GATEWAY = "no_gateway"
NO_CREDIT = "no_credit"
INVALID_NUMBER = "invalid_number"
OPTED_OUT = "opted_out"
LANDLINE = "landline"
PROVIDER_ERROR = "provider_error"
NO_CONSENT = "no_consent"
NO_TEXT = "no_text"
# Not a failure: the reconciler found no trace of a send at the provider and sends again.
RESENDING = "resending"

# The English message ids (marked for makemessages), and their texts in the active language.
REASON_IDS = {
    NO_TEMPLATE: gettext_noop("No template for this consultation type."),
    NO_MOBILE: gettext_noop("The client has no mobile number."),
    NO_EMAIL: gettext_noop("The client has no email address."),
    NO_GATEWAY: gettext_noop("No SMS gateway is set up for the practice."),
    NO_CREDIT: gettext_noop("Not enough SMS credit at the gateway."),
    INVALID_NUMBER: gettext_noop("Invalid or unreachable number."),
    OPTED_OUT: gettext_noop("The recipient opted out of SMS (replied STOP)."),
    LANDLINE: gettext_noop("The number is a landline and cannot receive SMS."),
    PROVIDER_ERROR: gettext_noop("The provider refused the message."),
    NO_CONSENT: gettext_noop("The client has not agreed to news and offers (marketing consent)."),
    NO_TEXT: gettext_noop("The message has no text."),
    RESENDING: gettext_noop("Not found at the provider: sending again."),
}
REASONS = {code: _(msgid) for code, msgid in REASON_IDS.items()}


# Twilio error codes that mean: do not retry, and why (messaging.twilio_provider), and
# the reason a page shows for a message that failed with one.
TWILIO_REFUSALS = {
    "21610": OPTED_OUT,  # recipient replied STOP
    "21211": INVALID_NUMBER,  # invalid 'To' number
    "21214": INVALID_NUMBER,
    "21217": INVALID_NUMBER,
    "21612": INVALID_NUMBER,
    "21614": LANDLINE,  # 'To' is not a mobile number
    "30006": LANDLINE,  # landline or unreachable carrier
    "30003": INVALID_NUMBER,  # unreachable handset
    "30005": INVALID_NUMBER,  # unknown destination handset
    "10001": NO_CREDIT,  # account not active
    "20005": NO_CREDIT,  # account not active (suspended / no balance)
    "30002": NO_CREDIT,  # account suspended
    "21606": PROVIDER_ERROR,  # 'From' cannot send
}


def reason_text(code: str, stored: str) -> str:
    """Why a message did not go out, in the reader's language.

    The row keeps the English (or whatever language was active when a worker wrote it);
    the code says which reason it was, so the page translates it when it is read. A
    provider's own code (Twilio's '21610') stands for one of ours; what we cannot name
    shows as stored, and a provider's detail after the reason is kept.
    """
    key = code if code in REASONS else _provider_reason(code)
    if key is None:
        return stored
    english = REASON_IDS[key]
    detail = stored[len(english) :] if stored.startswith(english) else ""
    return f"{REASONS[key]}{detail}"


def _provider_reason(code: str) -> str | None:
    return TWILIO_REFUSALS.get(code, PROVIDER_ERROR) if code else None


def stored_reason(code: str, stored: str) -> str:
    """Reason `code` in its stored form (`practice.reasons`), for a note another app keeps
    (a workflow run skipped for it) and reads in the reader's language; `stored`, as it
    is, for a reason that is not ours."""
    return reason(REASON_IDS[code]) if code in REASON_IDS else stored
