"""Offline Japanese FAQ chatbot for municipal inquiries (四街道市 AI問い合わせチャットボット)."""

__version__ = "0.1.0"
