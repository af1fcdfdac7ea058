# One image for web (gunicorn), worker and beat (celery). Built once by docker compose and reused by every service.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=consortium.settings \
    DEBUG=false \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media \
    IMPORTS_ROOT=/app/private/imports

# CJK fonts and Pango (WeasyPrint) for the generated PDF reports. No GNU gettext: catalogues are compiled with polib (compilemessages_py).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first (the project installs no packages of its own), so code edits do not reinstall them.
COPY pyproject.toml ./
RUN pip install .

COPY . .

# Build products: translations and static files (whitenoise serves them). Build-time settings need no services.
RUN SECRET_KEY=build-only python manage.py compilemessages_py \
    && SECRET_KEY=build-only python manage.py collectstatic --noinput -v 0 \
    && useradd --system --uid 1000 --home-dir /app app \
    && mkdir -p /app/media /app/var /app/private/imports \
    && chown -R app:app /app/media /app/var /app/private

USER app
EXPOSE 8000

CMD ["gunicorn", "consortium.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
