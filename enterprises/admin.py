"""enterprises: admin (filled in by the enterprises issue; see DESIGN.md §4)."""
