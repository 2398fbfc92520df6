"""Never twice, with real processes: a worker SIGKILLed in the middle of a month's batch (real
Redis broker, real SMTP server), then the coordinator run again and two workers racing over
what is left. Every customer gets at most one e-mail, and everyone whose e-mail was not caught
inside the SMTP exchange gets theirs."""

import os
import signal
import time

import pytest

from portal.reports.delivery.claims import INTERRUPTED_WHILE_SENDING
from portal.reports.delivery.models import MonthlyEmail
from tests.support.delivery import add_customers, closing_run
from tests.support.smtp import SmtpServer
from tests.support.workers import portal_env, require_redis, run_in_portal, start_worker

CUSTOMERS = 6
Status = MonthlyEmail.Status


def wait_for(condition, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def unfinished() -> int:
    return MonthlyEmail.objects.filter(status__in=[Status.PENDING, Status.PREPARING, Status.SENDING]).count()


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_worker_killed_mid_batch_and_a_coordinator_rerun_send_nobody_a_second_email(clickhouse_marts):
    require_redis()
    customers = add_customers(CUSTOMERS)
    run = closing_run()
    smtp = SmtpServer(delay_seconds=0.3).start()
    env = portal_env(
        EMAIL_URL=smtp.url,
        REPORT_DELIVERY_ENABLED="true",
        REPORT_DELIVERY_STALE_AFTER_SECONDS="2",
        REPORT_DELIVERY_RETRY_SECONDS="1",
    )
    coordinate = f"from portal.reports.tasks import deliver_closed_month as d; d.delay({run.pk})"
    workers = [start_worker(env)]
    try:
        run_in_portal(env, coordinate)
        wait_for(lambda: len(smtp.received) >= 2, seconds=240, what="the first e-mails")
        os.kill(workers[0].pid, signal.SIGKILL)
        workers[0].wait()
        delivered_before_kill = len(smtp.received)
        assert delivered_before_kill < CUSTOMERS, "the batch finished before the kill"

        time.sleep(2.5)  # past the stale window: queued messages the dead worker held are lost
        run_in_portal(env, coordinate)
        run_in_portal(env, coordinate)
        workers += [start_worker(env), start_worker(env)]
        wait_for(lambda: unfinished() == 0, seconds=300, what="the rest of the batch")
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=30)
        smtp.stop()

    rows = {row.crm_user_id: row for row in MonthlyEmail.objects.all()}
    assert set(rows) == {customer.pk for customer in customers}
    for customer in customers:
        received = smtp.mail_to(customer.email)
        row = rows[customer.pk]
        assert len(received) <= 1, f"{customer.email} got {len(received)} e-mails"
        if row.status == Status.SENT:
            assert len(received) == 1
        else:  # only the one e-mail the SMTP server had when the worker died
            assert (row.status, row.detail) == (Status.FAILED, INTERRUPTED_WHILE_SENDING)
    assert sum(row.status == Status.SENT for row in rows.values()) >= CUSTOMERS - 1
