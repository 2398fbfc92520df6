"""What each device error code means, in words a customer understands, and what to do about it.

The catalogue lives in the code (firmware codes change with releases, not with the data); a code
that is not in it is shown as unknown, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ErrorCode:
    code: str
    title: Promise
    explanation: Promise


CATALOGUE: dict[str, ErrorCode] = {
    entry.code: entry
    for entry in (
        ErrorCode(
            "E101",
            _("Grip sensor timeout"),
            _("A grip took longer than expected; the hand retried it. Usually harmless once or twice."),
        ),
        ErrorCode(
            "E204",
            _("Motor overcurrent"),
            _("A motor drew more current than it should, often when lifting something heavy."),
        ),
        ErrorCode(
            "E310",
            _("Muscle signal lost"),
            _("The sensors lost the muscle signal for a moment; check that the socket sits well."),
        ),
        ErrorCode(
            "E402",
            _("Battery running hot"),
            _("The battery got warm; avoid charging it in the sun or under a blanket."),
        ),
        ErrorCode(
            "E517",
            _("Bluetooth link dropped"),
            _("The connection to the phone app dropped; the prosthesis kept working."),
        ),
        ErrorCode(
            "C901",
            _("Motor driver fault"),
            _(
                "The prosthesis stopped a motor to protect it and needed a restart. "
                "Contact support if it repeats."
            ),
        ),
        ErrorCode(
            "C914",
            _("Battery protection cut-off"),
            _("The battery switched itself off to protect its cells; charge it fully before use."),
        ),
        ErrorCode(
            "C930",
            _("Firmware restart"),
            _("The built-in software stopped responding and restarted the prosthesis."),
        ),
    )
}


def explain(code: str | None) -> tuple[str, str]:
    """(title, explanation) of ``code``, in the active language."""
    entry = CATALOGUE.get(code or "")
    if entry is None:
        return (
            str(_("Unknown error code %(code)s") % {"code": code or "—"}),
            str(_("This code is not in our catalogue yet; support can look it up for you.")),
        )
    return str(entry.title), str(entry.explanation)
