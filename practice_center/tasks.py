"""practice_center: tasks (filled in by the practice_center issue; see DESIGN.md §4)."""
