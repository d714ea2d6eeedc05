# The servicebot app: `docker run IMAGE` serves the web app (webhooks, consoles, probes on
# 8080); the worker is the same image with the command `worker` (probes on
# SERVICEBOT_WORKER_HTTP_PORT). See deploy/README.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY nlu ./nlu
COPY handlers ./handlers
COPY faq ./faq
COPY orders ./orders
COPY crm_bridge ./crm_bridge
RUN pip install . && rm -rf /app/*

# Installed into site-packages, the code's own directory is no place for data: state lives
# in PostgreSQL and Redis, the rest under /var/lib/servicebot.
RUN useradd --create-home --uid 10001 --user-group servicebot \
    && mkdir -p /var/lib/servicebot/var /var/lib/servicebot/models \
    && chown -R servicebot:servicebot /var/lib/servicebot
ENV SERVICEBOT_ENVIRONMENT=production \
    SERVICEBOT_HTTP_HOST=0.0.0.0 \
    SERVICEBOT_HTTP_PORT=8080 \
    SERVICEBOT_DATA_DIR=/var/lib/servicebot/var \
    SERVICEBOT_MODEL_DIR=/var/lib/servicebot/models \
    SERVICEBOT_LOG_JSON=true
USER servicebot
EXPOSE 8080 8081

ENTRYPOINT ["servicebot"]
CMD ["web"]
