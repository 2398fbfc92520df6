"""A rich console for management command output."""

from typing import IO, cast

from django.core.management.base import OutputWrapper
from rich.console import Console

PIPED_OUTPUT_WIDTH = 120


def command_console(stdout: OutputWrapper) -> Console:
    """Writes to the command's own stream (so call_command(stdout=...) captures it). When that
    is not a terminal, rich would wrap at 80 columns; logs and pipes get a wider line."""
    # The stream OutputWrapper wraps; both are text files, though OutputWrapper is typed as a
    # TextIOBase rather than the typing.IO that rich asks for.
    stream = cast(IO[str], getattr(stdout, "_out", stdout))
    console = Console(file=stream)
    if not console.is_terminal:
        console = Console(file=stream, width=PIPED_OUTPUT_WIDTH)
    return console
