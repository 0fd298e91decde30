"""Signals other apps (messaging, workflows) listen to; sent after the transaction commits."""

from django.dispatch import Signal

# kwargs: practice, appointment, actor
appointment_booked = Signal()
# kwargs: practice, appointment, actor, previous_starts_at (each move raises
# appointment.schedule_revision; a request for where it already is sends nothing)
appointment_moved = Signal()
# kwargs: practice, appointment, actor, by_client (the client cancelled through their link)
appointment_cancelled = Signal()
# kwargs: practice, appointment, actor, previous_status
appointment_status_changed = Signal()
# kwargs: practice, appointment, actor, at (staff told the patient about the appointment,
# e.g. by phone: the contact history's outgoing calls may count as a reminder)
appointment_notified = Signal()
# kwargs: practice, offers (new WaitlistOffers, each to be told to its client)
waitlist_offered = Signal()
# kwargs: practice, offers (WaitlistOffers whose time went to someone else or is no longer free)
waitlist_offers_gone = Signal()
# kwargs: practice, entry_ids (waitlist entries added, closed or booked: their contacts'
# results may change)
waitlist_entries_changed = Signal()
