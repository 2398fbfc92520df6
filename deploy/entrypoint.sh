#!/bin/sh
# One image, five roles: `migrate` (one-shot), `web`, `worker`, `refresher`, `beat`. Anything else
# is run as is (e.g. `python manage.py createsuperuser`).
set -eu

case "${1:-web}" in
migrate)
    python manage.py migrate --noinput
    python manage.py migrate --noinput --database crm
    python manage.py migrate --noinput --database telemetry
    python manage.py migrate_clickhouse
    # Publications and slots of the change feed (idempotent; says so and goes on without
    # wal_level=logical): created here by the tables' owner, read by the worker's etl_feed role.
    python manage.py setup_change_feed
    python manage.py setup_periodic_tasks
    exec python manage.py collectstatic --noinput --verbosity 0
    ;;
web)
    exec gunicorn --config deploy/gunicorn.conf.py portal.wsgi:application
    ;;
worker)
    # The node name is the one the container's health check pings: celery@$HOSTNAME.
    exec celery -A workers worker --loglevel "${LOG_LEVEL:-INFO}" \
        --hostname "celery@${HOSTNAME:-$(hostname)}" --concurrency "${CELERY_WORKER_CONCURRENCY:-2}"
    ;;
refresher)
    # The refresh tick's own worker (MARTS_REFRESH_QUEUE): one tick at a time, never queued
    # behind the default queue's e-mails or nightly run. On embedded chDB its pool process keeps
    # the engine running between ticks (portal/clickhouse/keeper.py), but each report read that
    # takes the directory makes the next tick start it again, which keeps ~5 threads and a few MB
    # (bench/freshness.py: 400-680 threads and 560-760 MB private after 5-7 minutes of 10 s ticks
    # and reads, replaced every 10 or 100 tasks). So the pool process is replaced after the task
    # in which its resident memory passed MARTS_REFRESHER_MAX_MEMORY_KB (about 400 MB private,
    # the ~400 MB of the chDB library's pages aside). A lower cap (700 MB) replaced it after
    # nearly every task, and each fresh process's first tick is a cold one: freshness at a 10 s
    # tick fell from p95 ~11 s to 19-50 s.
    exec celery -A workers worker --loglevel "${LOG_LEVEL:-INFO}" \
        --hostname "refresher@${HOSTNAME:-$(hostname)}" --queues "${MARTS_REFRESH_QUEUE:-marts}" \
        --concurrency 1 --max-memory-per-child "${MARTS_REFRESHER_MAX_MEMORY_KB:-800000}"
    ;;
beat)
    exec celery -A workers beat --loglevel "${LOG_LEVEL:-INFO}" \
        --scheduler django_celery_beat.schedulers:DatabaseScheduler \
        --pidfile "${CELERY_BEAT_PIDFILE:-/tmp/celerybeat.pid}"
    ;;
*)
    exec "$@"
    ;;
esac
