#!/usr/bin/env bash
# Nightly re-index: validate → build → smoke test (knowledge/smoke.tsv) → compare with the serving index (prints
# which answers change; never fails the run) → publish → keep the last N versions.
# Exit 0 when published or unchanged; non-zero with the reason on stderr (and in CHATBOT_LOG_DIR) on any
# failure, in which case nothing is published and the running service keeps its current index.
# Runs from the repository root so relative CHATBOT_* paths resolve as they do for the service.
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${CHATBOT_BIN:-.venv/bin/chatbot}" reindex "$@"
