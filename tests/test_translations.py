"""The Russian catalogue is complete and current: every string the code and templates mark for
translation is in ``locale/ru/LC_MESSAGES/django.po`` with a translation (none empty, none fuzzy),
and the committed ``django.mo`` is compiled from that ``.po`` (issue 12, bug 9: the ETL runs page
showed "Freshness", "watermark" and "refresh tick" in English because they were never extracted).

GNU gettext (``xgettext``, ``msgfmt``) does the work, as it does for ``makemessages``."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "locale" / "ru" / "LC_MESSAGES" / "django.po"
SOURCE_FOLDERS = ("portal", "templates", "workers")

pytestmark = pytest.mark.skipif(
    shutil.which("msgfmt") is None or shutil.which("xgettext") is None,
    reason="GNU gettext is not installed (apt-get install gettext)",
)


def msgids(po_file: Path) -> set[str]:
    """The msgids of a catalogue (plural forms by their singular), without the header."""
    text = po_file.read_text(encoding="utf-8")
    found = set()
    for match in re.finditer(r'^msgid ((?:".*"\n)+)', text, re.M):
        msgid = "".join(re.findall(r'"(.*)"', match.group(1)))
        if msgid:
            found.add(msgid)
    return found


def test_every_message_has_a_translation_and_none_is_fuzzy():
    statistics = subprocess.run(
        ["msgfmt", "--statistics", "-o", "/dev/null", str(CATALOGUE)],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    assert re.fullmatch(r"\d+ translated messages\.\n", statistics), statistics


def test_the_catalogue_holds_every_string_marked_for_translation(tmp_path, settings, monkeypatch):
    # makemessages writes into the project's locale folder: run it on a copy of the sources.
    for folder in SOURCE_FOLDERS:
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    copy = tmp_path / "locale" / "ru" / "LC_MESSAGES" / "django.po"
    copy.parent.mkdir(parents=True)
    shutil.copy(CATALOGUE, copy)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["ru"], no_obsolete=True, verbosity=0)

    missing = msgids(copy) - msgids(CATALOGUE)
    assert not missing, f"run makemessages -l ru and translate: {sorted(missing)}"


def test_the_compiled_catalogue_is_compiled_from_the_committed_one(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(CATALOGUE)], check=True)
    assert compiled.read_bytes() == CATALOGUE.with_suffix(".mo").read_bytes(), "run compilemessages"
