"""Signals apps above messaging listen to; messaging never imports them.

`message_outcome_changed` is sent by `services.message_set_status`, the one function every
status change after queueing goes through (Twilio's callback, the dispatcher's refusal or
send, the reconciler, a resend by staff), when a message

- reaches a final outcome of sending: delivered, failed or undelivered; or
- is scheduled again after one of those (a resend).

It is sent inside the transaction that records the status, not after commit: what a
receiver derives from the message (a departure action's outcome) then commits or rolls
back with it and never disagrees with it. A receiver that fails makes the status change
fail too (a callback then answers 500 and Twilio calls again).

A message refused before it is queued (no mobile, no template) is created failed and its
caller is told at once; it was never on its way, so nothing is signalled. Cancelling the
pending confirmation and reminders of a changed appointment is not an outcome either.

kwargs: message (its new `status` saved), previous_status, actor (the staff member who
resent it, else None).
"""

from django.dispatch import Signal

message_outcome_changed = Signal()
