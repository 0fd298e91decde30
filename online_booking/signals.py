"""Signals apps above listen to; sent after the transaction commits."""

from django.dispatch import Signal

# kwargs: practice, appointment, tags (the UTM tags the booking page was opened with, and
# the landing page: {"utm_source": ..., "landing_page": ...}). The contact history records
# the booking as a web request with its ad channel.
booked_online = Signal()
