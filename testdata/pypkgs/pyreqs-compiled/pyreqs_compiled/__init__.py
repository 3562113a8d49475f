"""pyreqs-compiled: a compiled test package published only as an sdist."""
