"""programmes forms."""
