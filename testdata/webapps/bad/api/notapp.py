"""`app` is not a web application: `app: api/notapp.py` must fail with a clear error."""
app = 42
