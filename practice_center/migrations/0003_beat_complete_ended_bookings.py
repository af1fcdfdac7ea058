"""Data migration: the beat entry that marks approved bookings that ended as completed, daily at 00:30 Asia/Shanghai."""

from django.db import migrations

from consortium.tenancy.beat import BEAT_DEPENDENCY, daily_beat_entry

TASK_NAME = "practice_center.tasks.complete_ended_bookings_all"
ENTRY_NAME = "实践中心预约完成登记（每日）"


class Migration(migrations.Migration):
    dependencies = [("practice_center", "0002_booking_exclusion_constraint"), BEAT_DEPENDENCY]

    operations = [
        daily_beat_entry(
            name=ENTRY_NAME,
            task=TASK_NAME,
            hour=0,
            minute=30,
            description="每天00:30（北京时间）将结束已满两天的已批准预约登记为已完成（未到场须由中心在此之前登记）。",
        )
    ]
