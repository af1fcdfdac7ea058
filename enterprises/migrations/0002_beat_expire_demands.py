"""Data migration: the beat entry that expires published needs past their validity, daily at 00:15 Asia/Shanghai."""

from django.db import migrations

from consortium.tenancy.beat import BEAT_DEPENDENCY, daily_beat_entry

TASK_NAME = "enterprises.tasks.expire_demands_all"
ENTRY_NAME = "人才需求到期处理（每日）"


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_initial"), BEAT_DEPENDENCY]

    operations = [
        daily_beat_entry(
            name=ENTRY_NAME,
            task=TASK_NAME,
            hour=0,
            minute=15,
            description="每天00:15（北京时间）将已过有效期的已发布人才需求标记为已过期。",
        )
    ]
