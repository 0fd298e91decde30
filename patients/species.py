"""Names of the common species, in the reader's language.

Species are stored as the practice typed them (lower case, e.g. "dog"); these are the
labels shown to clients and staff for the usual ones. Anything else shows as typed.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

LABELS = {
    "dog": _("Dog"),
    "cat": _("Cat"),
    "rabbit": _("Rabbit"),
    "guinea pig": _("Guinea pig"),
    "hamster": _("Hamster"),
    "bird": _("Bird"),
    "ferret": _("Ferret"),
    "horse": _("Horse"),
    "reptile": _("Reptile"),
}


def species_label(value: str) -> str:
    value = (value or "").strip()
    return str(LABELS.get(value.lower(), value.capitalize()))
