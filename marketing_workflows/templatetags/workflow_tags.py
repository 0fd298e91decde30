"""Small filters for the builder: a row's errors for one of its fields."""

from django import template

register = template.Library()


@register.filter
def errors_of(row, name: str) -> list[str]:
    """The messages on `row` for its field `name` (criteria and action rows of the builder)."""
    return row.errors.get(name, [])
