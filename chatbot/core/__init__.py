"""Configuration and utilities every layer may use: settings, the language registry, the message catalogue,
redaction of personal data, ids, bounded memos and logging. Imports nothing else from chatbot."""
