"""Defines no application: `app: api/noapp.py` must fail with a clear error."""
GREETING = "hello"
