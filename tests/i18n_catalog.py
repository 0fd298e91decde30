"""Read the project's gettext catalogs for the translation tests, with no extra package.

`po_entries` parses a .po file (msgctxt, msgid, msgid_plural, msgstr / msgstr[n], the fuzzy
flag; obsolete '#~' entries skipped). `marked_msgids` runs Django's makemessages over the
project's source in a scratch folder, so the real locale/ is never written.
"""

from __future__ import annotations

import ast
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(settings.BASE_DIR)
LANGUAGES = ["nl", "it", "ru", "fi"]
# What is not shown to a user, or not ours: tests, benchmarks, generated files.
NOT_SOURCE = {"tests", "bench", "var", "locale", "node_modules", "screenshots", "i18n"}


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values()) and not self.fuzzy


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def po_entries(path: Path) -> list[Entry]:
    """The entries of a .po file, header and obsolete entries left out."""
    entries: list[Entry] = []
    entry, target, flags = Entry(), None, False

    def finish() -> None:
        nonlocal entry, target, flags
        if target is not None and entry.msgid:
            entry.fuzzy = flags
            entries.append(entry)
        entry, target, flags = Entry(), None, False

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                finish()
            continue
        if line.startswith("#,"):
            flags = "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            if target is not None and target[0] == "msgstr":
                finish()
            entry.msgctxt, target = _unquote(line[8:]), ("msgctxt", None)
        elif line.startswith("msgid_plural "):
            entry.msgid_plural, target = _unquote(line[13:]), ("msgid_plural", None)
        elif line.startswith("msgid "):
            if target is not None and target[0] == "msgstr":
                finish()
            entry.msgid, target = _unquote(line[6:]), ("msgid", None)
        elif line.startswith("msgstr["):
            index = int(line[7 : line.index("]")])
            entry.msgstr[index] = _unquote(line[line.index("]") + 2 :])
            target = ("msgstr", index)
        elif line.startswith("msgstr "):
            entry.msgstr[0], target = _unquote(line[7:]), ("msgstr", 0)
        elif line.startswith('"') and target is not None:
            _continue(entry, target, _unquote(line))
    finish()
    return entries


def _continue(entry: Entry, target: tuple[str, int | None], text: str) -> None:
    kind, index = target
    if kind == "msgstr":
        entry.msgstr[index] += text
    elif kind == "msgid_plural":
        entry.msgid_plural = (entry.msgid_plural or "") + text
    else:
        setattr(entry, kind, (getattr(entry, kind) or "") + text)


def catalog(language: str) -> dict[tuple[str | None, str], Entry]:
    path = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    return {e.key: e for e in po_entries(path)}


def marked_msgids() -> list[Entry]:
    """Every msgid the source marks for translation, as makemessages extracts it today."""
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        for child in ROOT.iterdir():
            if child.name.startswith(".") or child.name in NOT_SOURCE:
                continue
            (work / child.name).symlink_to(child)
        old = Path.cwd()
        os.chdir(work)
        try:
            with override_settings(LOCALE_PATHS=[str(work / "locale")]):
                call_command(
                    "makemessages",
                    locale=["fi"],
                    symlinks=True,
                    no_obsolete=True,
                    no_location=True,
                    verbosity=0,
                )
        finally:
            os.chdir(old)
        return po_entries(work / "locale" / "fi" / "LC_MESSAGES" / "django.po")
