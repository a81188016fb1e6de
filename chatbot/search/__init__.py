"""Search: the engine and its channels (BM25, readings, the dense model), respelling, department topics, the
answer-or-fallback decision, and index versions on disk (build, verify, compare, publish, roll back, hot-swap).
The only home of faiss and torch."""
