"""The database guarantee against double booking of exclusive resources (PostgreSQL only).

No two bookings of the same exclusive resource whose half-open ranges [start, end) overlap may both hold the slot
(status pending or approved). On SQLite (development without DATABASE_URL) this migration does nothing: the row
lock and the Python check in ``services.booking_request`` remain.
"""

from django.db import migrations

CONSTRAINT = "practice_booking_no_overlap_exclusive"  # models.EXCLUSION_CONSTRAINT_NAME

CREATE = f"""
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE practice_center_booking
    ADD CONSTRAINT {CONSTRAINT}
    EXCLUDE USING gist (resource_id WITH =, tstzrange("start", "end", '[)') WITH &&)
    WHERE (resource_exclusive AND status IN ('pending', 'approved'));
"""

DROP = f"ALTER TABLE practice_center_booking DROP CONSTRAINT IF EXISTS {CONSTRAINT};"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("practice_center", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
