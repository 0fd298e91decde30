"""Why a derived state is what it is, stored as a code and shown in the reader's language.

Used by every app that writes a reason or note in a worker (no reader's language there):
the CRM's reasons and channel evidence, messages' notes, workflow enrolment and run notes.

A reason is stored as its English message id with its parameters (`reason`), e.g.
`{"r":"matched by %(how)s","p":{"how":"{\"r\":\"number\"}"}}`, and translated when read
(`reason_text`), in the language active for the reader: a Finnish receptionist and an
English director see the same call's reason each in their own language. Rows written
before reasons were codes hold a text already translated (in the practice's language at
the time): they are shown as stored.
"""

from __future__ import annotations

import json

from django.utils.translation import gettext

_MARK = '{"r":'


def reason(msgid: str, **params: object) -> str:
    """The stored form of `msgid` (mark it with gettext_noop where it is written, so the
    translators see it) with `params`; a parameter that is itself a reason is translated
    with it."""
    data: dict[str, object] = {"r": msgid}
    if params:
        data["p"] = params
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def reason_text(stored: str) -> str:
    """`stored` in the active language; a text written before codes, as it is."""
    if not stored or not stored.startswith(_MARK):
        return stored
    try:
        data = json.loads(stored)
        msgid = data["r"]
    except (ValueError, KeyError, TypeError):
        return stored  # cut short or not ours: the stored text is all there is
    if not isinstance(msgid, str):
        return stored
    params = {
        name: reason_text(value) if isinstance(value, str) else value
        for name, value in (data.get("p") or {}).items()
    }
    text = gettext(msgid)
    try:
        return text % params if params else text
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
        return msgid % params if params else msgid
