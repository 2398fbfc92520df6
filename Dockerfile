# One image for the portal's web, worker, beat and migrate containers (deploy/entrypoint.sh).
# Build stage: compile the virtualenv and the translations; runtime stage: only what runs.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements.txt /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt
WORKDIR /app
COPY . .
# .mo files are build output: compile them here so the runtime stage needs no gettext.
RUN if [ -d locale ]; then DJANGO_SECRET_KEY=build-only DATA_DIR=/tmp/build \
        python manage.py compilemessages --ignore .venv; fi

FROM python:3.11-slim-bookworm AS runtime
# WeasyPrint needs pango (and harfbuzz through it); DejaVu has the Cyrillic glyphs of the PDFs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --home-dir /app --shell /usr/sbin/nologin portal \
    && mkdir -p /var/lib/bionicpro /srv/static \
    && chown portal:portal /var/lib/bionicpro /srv/static
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=root:root /app /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=portal.settings \
    DATA_DIR=/var/lib/bionicpro
WORKDIR /app
USER portal:portal
EXPOSE 8000
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["web"]
