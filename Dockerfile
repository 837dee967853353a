FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY helpdesk ./helpdesk
COPY customers ./customers
COPY routing ./routing
COPY inbox ./inbox
COPY channels_ingest ./channels_ingest
COPY knowledge ./knowledge
COPY analytics ./analytics
COPY templates ./templates
COPY static ./static
COPY manage.py ./

RUN pip install --no-cache-dir . \
    && DEBUG=1 python manage.py collectstatic --no-input \
    && useradd --create-home helpdesk && mkdir -p /app/media && chown helpdesk /app/media
USER helpdesk

EXPOSE 8000
CMD ["uvicorn", "helpdesk.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", "--ws-per-message-deflate", "false"]
