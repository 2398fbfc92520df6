"""Where e-mails go: EMAIL_URL names an SMTP server; without it (the embedded default, `make
demo`) each e-mail is written as a file under DATA_DIR/mail."""

import email
import json
import subprocess
import sys
from email.policy import default as default_policy

import pytest
from django.conf import settings as django_settings

from portal.reports.tasks import deliver_closed_month

SHOW_MAIL_SETTINGS = (
    "import json; from django.conf import settings as s; "
    "print(json.dumps([s.EMAIL_BACKEND, s.EMAIL_FILE_PATH, getattr(s, 'EMAIL_HOST', None), "
    "getattr(s, 'EMAIL_PORT', None)]))"
)


def mail_settings(**env: str) -> list:
    environment = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "portal.settings", **env}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {SHOW_MAIL_SETTINGS}"],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.splitlines()[-1])


def test_without_email_url_mail_is_written_to_files_under_the_data_dir(tmp_path):
    assert mail_settings(DATA_DIR=str(tmp_path)) == [
        "django.core.mail.backends.filebased.EmailBackend",
        str(tmp_path / "mail"),
        "localhost",
        25,
    ]


def test_email_url_picks_the_smtp_server(tmp_path):
    backend, _, host, port = mail_settings(DATA_DIR=str(tmp_path), EMAIL_URL="smtp://127.0.0.1:2525")
    assert (backend, host, port) == ("django.core.mail.backends.smtp.EmailBackend", "127.0.0.1", 2525)


@pytest.mark.django_db(databases="__all__")
def test_the_file_backend_holds_last_months_emails_after_delivery(delivery_world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(settings.DATA_DIR / "mail-files")

    deliver_closed_month(delivery_world.run.pk)

    files = sorted((settings.DATA_DIR / "mail-files").glob("*.log"))
    messages = [email.message_from_bytes(path.read_bytes(), policy=default_policy) for path in files]
    assert sorted(str(m["To"]) for m in messages) == ["anna@example.com", "john@example.com"]
    assert {str(m["Subject"]).strip() for m in messages} == {
        "Ваш отчёт BionicPRO за март 2025",
        "Your BionicPRO report for March 2025",
    }
