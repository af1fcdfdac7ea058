"""practice_center: choices (filled in by the practice_center issue; see DESIGN.md §4)."""
