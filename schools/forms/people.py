"""people forms."""
