# One image for web (gunicorn), worker and beat; docker-compose.yml picks the
# command. psycopg2 is built from source, so the build stage has a compiler
# and the libpq headers; the final stage keeps only the libpq runtime.

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential libpq-dev \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install -r /tmp/requirements.txt


FROM python:3.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=fbss_clinic.settings.production
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv

WORKDIR /app
# The code stays owned by root: the app user can read it, not change it.
COPY . .

# Static files are baked into the image (whitenoise serves them). Production
# settings refuse to load without a secret, hosts, PostgreSQL and Redis URLs;
# these placeholders exist only for this one command (nothing connects to
# them, and they are not kept in the image's environment). var/ holds
# uploaded reports (a volume in compose): the one place the app may write.
RUN DJANGO_SECRET_KEY=build-time-placeholder-for-collectstatic-never-used-at-runtime \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build:build@localhost:5432/build \
    REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var \
    && chown app:app /app/var

USER app
EXPOSE 8000
CMD ["gunicorn", "fbss_clinic.wsgi:application", "--bind", "0.0.0.0:8000", "--no-control-socket", "--access-logfile", "-", \
     "--logger-class", "fbss_clinic.gunicorn_logging.ScrubbedLogger", \
     "--access-logformat", "%(h)s \"%(m)s %(U)s\" %(s)s %(b)s %(M)sms"]
