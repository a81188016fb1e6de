"""Storage: connections by URL, named migrations for every table, the queued writer and the conversation log.

The only package that speaks SQL; it depends on chatbot.core alone.
"""
