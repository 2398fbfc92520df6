"""A real SMTP server (aiosmtpd) on a free port, for tests and the delivery bench.

It keeps every accepted message, and can refuse a recipient with a chosen reply a number of times
(``451 ...`` temporary, ``550 ...`` permanent), so tests see what a real mail server answers."""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller


@dataclass
class ReceivedMail:
    recipients: list[str]
    message: EmailMessage

    def header(self, name: str) -> str:
        """A header as a mail client shows it (unfolded, without the space after the colon)."""
        return str(self.message[name]).strip()

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")

    def attachments(self) -> list[tuple[str, str, bytes]]:
        """(filename, content type, bytes) of every attachment."""
        return [
            (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
            for part in self.message.iter_attachments()
        ]


@dataclass
class _Handler:
    received: list[ReceivedMail] = field(default_factory=list)
    refusals: dict[str, list[str]] = field(default_factory=dict)
    rcpt_attempts: dict[str, int] = field(default_factory=dict)
    delay_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            self.rcpt_attempts[address] = self.rcpt_attempts.get(address, 0) + 1
            planned = self.refusals.get(address)
            if planned:
                return planned.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)  # a slow server
        message = email.message_from_bytes(envelope.original_content, policy=default_policy)
        with self.lock:
            self.received.append(ReceivedMail(list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 Message accepted"


class SmtpServer:
    def __init__(self, *, delay_seconds: float = 0.0):
        self.port = free_port()
        self._handler = _Handler(delay_seconds=delay_seconds)
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[ReceivedMail]:
        with self._handler.lock:
            return list(self._handler.received)

    def mail_to(self, address: str) -> list[ReceivedMail]:
        return [mail for mail in self.received if address in mail.recipients]

    def refuse(self, address: str, reply: str, *, times: int = 1) -> None:
        with self._handler.lock:
            self._handler.refusals.setdefault(address, []).extend([reply] * times)

    def rcpt_attempts(self, address: str) -> int:
        with self._handler.lock:
            return self._handler.rcpt_attempts.get(address, 0)

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings) -> Iterator[SmtpServer]:
    """A started SMTP server, and Django's mail settings pointing at it."""
    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield server
    finally:
        server.stop()
