"""matching: models (filled in by the matching issue; see DESIGN.md §4)."""
