"""Signals apps above listen to (the contact history re-matches communications); sent after
the transaction commits."""

from django.dispatch import Signal

# kwargs: practice, client, numbers (the client's mobile before and after, E.164), emails
# (before and after): a new client with contact details, or a client whose changed.
client_contact_details_changed = Signal()
