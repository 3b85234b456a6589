"""Admin: complaints (read-only history; managers work on them in the pages)."""
