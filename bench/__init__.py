"""Benchmarks, run as `python -m bench NAME [--scale N] [--rebuild]`.

Each benchmark is a module here with `DEFAULT_SCALE`, `build(scale)` (makes its dataset)
and `run(scale) -> dict[str, object]` (returns figures). Register it in BENCHMARKS (name:
module, description); the runner gives each its own database and prints one
`figure: value` line per figure.
"""

BENCHMARKS = {
    "search": ("bench.search", "patient search by name, phone, email over N patients"),
    "calendar": ("bench.calendar", "day calendar of a busy location, N appointments in all"),
    "dispatch": ("bench.dispatch", "N reminders due at once, sent via a fake Twilio on loopback"),
    "departure": ("bench.departure", "departure report over a year of N appointments, vs SQL"),
    "availability": ("bench.availability", "online free days and times, N practitioners, 30 days"),
    "contacts": ("bench.contacts", "contact history grouped over a month of N communications"),
    "enrolment": ("bench.enrolment", "N matching patients enrolled in a workflow, first email run"),
}
