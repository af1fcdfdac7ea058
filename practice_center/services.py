"""practice_center: services (filled in by the practice_center issue; see DESIGN.md §4)."""
