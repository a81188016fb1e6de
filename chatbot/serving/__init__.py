"""Serving: a question and a loaded index in, a typed `Reply` and `ContactCard` out; no I/O, the clock passed in."""
