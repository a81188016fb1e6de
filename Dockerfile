# Yotsukaido FAQ chatbot: CPU-only, runs offline once built.
# Build:  docker build -t yotsukaido-chatbot .
# Run:    docker run -p 8000:8000 -v chatbot-db:/app/var/db yotsukaido-chatbot
# Mount your own knowledge/ over /app/knowledge to serve edited FAQs (the entry point rebuilds the index
# when the knowledge changed), and /app/var/index to keep index versions across containers.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
# CPU build of torch first, so sentence-transformers does not pull a CUDA build.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY chatbot ./chatbot
RUN pip install .
COPY knowledge ./knowledge
# The default model and the index are built here, so the container starts serving at once.
RUN CHATBOT_INDEX_DIR=/app/var/index chatbot build-index

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin chatbot
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --from=build --chown=chatbot:chatbot /app/knowledge ./knowledge
COPY --from=build --chown=chatbot:chatbot /app/var ./var
COPY gunicorn.conf.py ./
COPY scripts/serve.sh ./scripts/serve.sh
RUN mkdir -p var/db && chown -R chatbot:chatbot var
USER chatbot
ENV PATH=/opt/venv/bin:$PATH \
    CHATBOT_KNOWLEDGE_DIR=/app/knowledge \
    CHATBOT_INDEX_DIR=/app/var/index \
    CHATBOT_DB_URL=sqlite:////app/var/db/chatbot.sqlite3 \
    CHATBOT_BIND=0.0.0.0:8000 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
VOLUME ["/app/knowledge", "/app/var/index", "/app/var/db"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4).status != 200)"
ENTRYPOINT ["/app/scripts/serve.sh"]
