"""Data migration: the beat entry that warns about expiring dual-qualification certifications.

Daily at 07:30 Asia/Shanghai, ``schools.tasks.warn_expiring_certifications_all`` fans out one task per consortium.
"""

from django.db import migrations

from consortium.tenancy.beat import BEAT_DEPENDENCY, daily_beat_entry

TASK_NAME = "schools.tasks.warn_expiring_certifications_all"
ENTRY_NAME = "双师型认定到期提醒（每日）"


class Migration(migrations.Migration):
    dependencies = [("schools", "0001_initial"), BEAT_DEPENDENCY]

    operations = [
        daily_beat_entry(
            name=ENTRY_NAME,
            task=TASK_NAME,
            hour=7,
            minute=30,
            description="每天07:30（北京时间）检查各产教联合体90天内到期或已过期的双师型教师认定，并邮件提醒学校管理员。",
        )
    ]
