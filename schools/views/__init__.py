"""Pages of the schools app, split by area: programmes (structure) and people (teachers, students, pool)."""
