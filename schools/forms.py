"""schools: forms (filled in by the schools issue; see DESIGN.md §4)."""
