"""Data migration: the beat entry that marks stale match runs failed, every 10 minutes (Asia/Shanghai crontab)."""

from django.db import migrations

from consortium.tenancy.beat import BEAT_DEPENDENCY, daily_beat_entry

TASK_NAME = "matching.tasks.fail_stale_runs"
ENTRY_NAME = "匹配运行超时检查（每10分钟）"


class Migration(migrations.Migration):
    dependencies = [("matching", "0001_initial"), BEAT_DEPENDENCY]

    operations = [
        # daily_beat_entry writes its hour/minute into a crontab verbatim: "*" and "*/10" give every 10 minutes.
        daily_beat_entry(
            name=ENTRY_NAME,
            task=TASK_NAME,
            hour="*",  # type: ignore[arg-type]
            minute="*/10",  # type: ignore[arg-type]
            description="每10分钟将超过15分钟没有进展的“运行中”匹配标记为失败（可重新运行）。",
        )
    ]
