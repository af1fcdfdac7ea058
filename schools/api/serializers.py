"""API serializers (see DESIGN.md §4)."""
