"""CSV files as a spreadsheet in the user's language opens them: one owner for the list
separator, the decimal comma, the BOM and streaming, for every report's export."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils import formats, translation


class Echo:
    """csv.writer target that hands each line back, for streaming."""

    def write(self, value: str) -> str:
        return value


def writer(target=None):
    """A csv.writer in the active language's spreadsheet dialect: Excel splits a CSV by its
    locale's list separator, ';' where the decimal separator is a comma (nl, it, ru, fi)
    and ',' in English. Without a target, each `writerow` returns its line."""
    delimiter = ";" if formats.get_format("DECIMAL_SEPARATOR") == "," else ","
    return csv.writer(Echo() if target is None else target, delimiter=delimiter)


def number(value: float | int | None, decimal_pos: int | None = 1) -> str:
    """A figure as the active language writes it (66,7 in Dutch), so a spreadsheet in that
    language reads it as a number, not as text."""
    if value is None:
        return ""
    return formats.number_format(value, decimal_pos=decimal_pos)


def _in_language(lines: Iterable[str], language: str) -> Iterator[str]:
    # The server reads the lines after the view returned: keep the request's language.
    with translation.override(language):
        yield "\ufeff"  # Excel opens UTF-8 (ë, ä, я) correctly with a BOM
        yield from lines


def streamed(lines: Iterable[str], filename: str) -> StreamingHttpResponse:
    """`lines` (a generator, run later) as a downloaded CSV file in the request's language."""
    response = StreamingHttpResponse(
        _in_language(lines, translation.get_language()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
