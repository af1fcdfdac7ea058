"""Writes of the schools app: keyword-only, ``actor`` first, atomic; raise ValidationError({field: [msg]}) /
PermissionDenied (the API and pages turn them into 400/403 with field messages).

Permission model: a write for a unit needs the actor to be able to edit that member unit
(``MemberUnit.objects.editable_by``: the unit's admins, the secretariat, platform admins); a change of an existing row
needs the row in ``Model.objects.editable_by(actor)``. Officials never write.

The part-time cap (plan §三(六): part-time teachers ≤ 20 % of the staffing quota) is enforced on EVERY path that adds
or activates a part-time teacher or lowers the quota: ``teacher_create``, ``teacher_update``, ``teachers_upsert_bulk``,
``engagement_decide`` (approval) and ``school_profile_upsert`` / ``school_profile_update``. Each path first locks the
school's ``SchoolProfile`` row (``select_for_update(of=("self",))``), so two concurrent writes cannot both pass.

Bulk upserts (``programmes_upsert_bulk``, ``teachers_upsert_bulk``, ``students_upsert_bulk``) are what the Excel
import calls: all-or-nothing, natural keys, ``bulk_create``/``bulk_update`` in batches, and a ``BulkRowsError`` whose
``row_errors`` maps each row key to ``{field: [messages]}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, models, router, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from consortium.imports.bulk import BulkResult, BulkRowsError  # noqa: F401  (re-exported for importers)
from consortium.tenancy.choices import UnitKind
from consortium.tenancy.models import Industry, LocalChain, MemberUnit, User
from consortium.tenancy.scoping import same_tenant_errors
from consortium.tenancy.sharing import share_with_unit, unshare_with_unit
from consortium.tenancy.text import join_list

from .choices import (
    CatalogueLevel,
    CertificateKind,
    DualLevel,
    Employment,
    EngagementStatus,
    Gender,
    OfferingStatus,
    PriorityClass,
    ProfessorKind,
    SchoolLevel,
    StudentStatus,
    StudioKind,
    TrainingBaseKind,
)
from .models import (
    Campus,
    DualQualification,
    EngagementRequest,
    EnterprisePractice,
    IndustryProfessor,
    PoolExpert,
    Programme,
    ProgrammeGroup,
    ProgrammeIndustryLink,
    ProgrammeMajorCategory,
    ProgrammeOffering,
    SchoolProfile,
    Student,
    StudentCertificate,
    Studio,
    Teacher,
    TrainingBase,
)
from .rules import (
    normalize_id_number,
    part_time_allows,
    part_time_cap,
    part_time_cap_message,
    quota_too_low_message,
)

CATALOGUE_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "programme_catalogue_categories.json"
BATCH_SIZE = 1000
# bulk_update builds one CASE WHEN per field with an arm per row: its cost grows with batch², so keep batches small.
UPDATE_BATCH_SIZE = 200
STUDENT_UPDATE_FIELDS = (
    "offering_id",
    "name",
    "gender",
    "id_number",
    "phone",
    "cohort",
    "expected_graduation",
    "status",
    "skills",
    "willing_to_work_locally",
    "preferred_places",
)

# Fields each service accepts (anything else is a programming error → TypeError).
SCHOOL_PROFILE_FIELDS = ("level", "staffing_quota", "enrolment", "founded_year", "notes")
CAMPUS_FIELDS = ("name", "address", "area_mu", "building_area_m2")
PROGRAMME_FIELDS = ("level", "code", "name", "major_category", "is_active", "description")
PROGRAMME_GROUP_FIELDS = ("name", "lead_programme", "description")
OFFERING_FIELDS = ("planned_intake", "reported_enrolled", "status", "priority_class", "note")
TEACHER_FIELDS = (
    "name",
    "gender",
    "employment",
    "source_unit",
    "title",
    "qualifications",
    "id_number",
    "phone",
    "is_active",
    "in_shared_pool",
    "expertise",
)
DUAL_FIELDS = ("level", "evidence", "evidence_file", "certified_on", "expires_on")
PROFESSOR_FIELDS = (
    "person_name",
    "from_unit",
    "kind",
    "term_start",
    "term_end",
    "workload_hours_per_year",
    "outputs",
    "teacher",
)
STUDIO_FIELDS = ("kind", "name", "lead_name", "partner_unit", "established_on", "description")
POOL_FIELDS = ("name", "expertise", "programme_keywords", "available_hours_per_term", "bio", "is_listed")
PRACTICE_FIELDS = ("host_unit", "host_name", "start_date", "end_date", "hours", "content")
TRAINING_BASE_FIELDS = ("name", "kind", "capacity", "address", "description", "is_active")
STUDENT_FIELDS = (
    "offering",
    "student_no",
    "name",
    "gender",
    "id_number",
    "phone",
    "cohort",
    "expected_graduation",
    "status",
    "skills",
    "willing_to_work_locally",
    "preferred_places",
)
CERTIFICATE_FIELDS = ("kind", "name", "level", "issued_on", "issuer")


# --- helpers ------------------------------------------------------------------------------------------------------


def _pick(fields: Mapping[str, Any], allowed: Sequence[str]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise TypeError(f"unexpected fields: {', '.join(unknown)}")
    return dict(fields)


def _can_write_unit(actor: User, unit: MemberUnit) -> bool:
    return MemberUnit.objects.editable_by(actor).filter(pk=unit.pk).exists()


def _require_unit_writer(actor: User, unit: MemberUnit, *, school: bool = True) -> None:
    """The actor may write for ``unit`` (unit admin, secretariat, platform admin); ``school``: unit must be a school."""
    if unit is None or not _can_write_unit(actor, unit):
        raise PermissionDenied(_("您无权为该单位登记或修改此类信息。"))
    if school and unit.kind != UnitKind.SCHOOL:
        raise ValidationError({"unit": [_("只有职业学校类成员单位可以登记此类信息。")]})


def _require_editable(actor: User, obj: models.Model) -> None:
    if not type(obj).objects.editable_by(actor).filter(pk=obj.pk).exists():  # type: ignore[attr-defined]
        raise PermissionDenied(_("您无权修改该记录。"))


def _same_tenant(consortium_id: int, **related: Any) -> None:
    values = {k: v for k, v in related.items() if v is not None}
    errors = same_tenant_errors(values, consortium_id)
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})


def _same_school(unit_id: int, field: str, objects: Iterable[Any]) -> None:
    for obj in objects:
        if obj is not None and obj.unit_id != unit_id:
            raise ValidationError({field: [_("所选对象不属于本校。")]})


def _save(obj: models.Model) -> models.Model:
    obj.full_clean()
    obj.save()
    return obj


def _delete(actor: User, obj: models.Model) -> None:
    _require_editable(actor, obj)
    try:
        obj.delete()
    except ProtectedError:
        raise ValidationError({"__all__": [_("该记录仍被其他记录引用，不能删除。")]})


def _create(model: type[models.Model], *, actor: User, unit: MemberUnit, fields: dict[str, Any], school: bool = True):
    _require_unit_writer(actor, unit, school=school)
    _same_tenant(unit.consortium_id, **{k: v for k, v in fields.items() if isinstance(v, models.Model)})
    obj = model(consortium_id=unit.consortium_id, unit=unit, **fields)
    return _save(obj)


def _update(actor: User, obj: models.Model, fields: dict[str, Any]) -> models.Model:
    _require_editable(actor, obj)
    _same_tenant(obj.consortium_id, **{k: v for k, v in fields.items() if isinstance(v, models.Model)})
    for key, value in fields.items():
        setattr(obj, key, value)
    return _save(obj)


def _choice(choices: type[models.TextChoices], value: Any) -> Any:
    """Accept a choice's value or its (Chinese) label, e.g. "part_time" or "兼职"; other input passes through."""
    if value is None:
        return value
    text = str(value).strip()
    if text in choices.values:
        return text
    for member in choices:
        if str(member.label) == text:
            return member.value
    return text


def _bool(value: Any, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "y", "是", "√", "✓")


def _list(value: Any) -> list[Any]:
    """A list from a list/tuple/set or a comma/、-separated string."""
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple | set):
        return [v for v in value if v not in (None, "")]
    return [part.strip() for part in str(value).replace("，", ",").replace("、", ",").split(",") if part.strip()]


def _month(value: Any) -> Any:
    """A date from a date/datetime or "YYYY-MM"/"YYYY-MM-DD"/"YYYY/MM"/"YYYY.MM"; other input passes through."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date) or value in (None, ""):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    parts = text.split("-")
    try:
        if len(parts) == 2:
            return date(int(parts[0]), int(parts[1]), 1)
        if len(parts) == 3:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        pass
    return text


def _messages(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {k: list(v) for k, v in error.message_dict.items()}
    return {"__all__": list(error.messages)}


def _row_key(row: Mapping[str, Any], index: int) -> Any:
    return row.get("_row", index)


def _fast_update(model: type[models.Model], objs: list[models.Model], fields: Sequence[str]) -> None:
    """``bulk_update`` without Django's per-row CASE expressions (which cost ~2 ms a row in Python):
    ``UPDATE t SET f = v.columnN FROM (VALUES (...), ...) v WHERE t.id = v.column1`` on SQLite ≥ 3.33 and PostgreSQL.

    ``fields`` are attribute names (``offering_id``, ``name``...). Values go through each field's
    ``get_db_prep_save``; PostgreSQL gets explicit casts (VALUES parameters would be typed text)."""
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    field_objs = [meta.get_field(name.removesuffix("_id")) for name in fields]
    quote = connection.ops.quote_name
    postgres = connection.vendor == "postgresql"
    assignments = []
    for position, field in enumerate(field_objs, start=2):
        value = f"v.column{position}"
        if postgres:
            value = f"CAST({value} AS {field.db_type(connection)})"
        assignments.append(f"{quote(field.column)} = {value}")
    width = len(fields) + 1
    max_params = getattr(connection.features, "max_query_params", None) or 65535
    per_statement = max(1, min(1000, max_params // width))
    row_sql = "(" + ", ".join(["%s"] * width) + ")"
    pk_column = quote(meta.pk.column)
    if postgres:
        pk_match = f"{quote(meta.db_table)}.{pk_column} = CAST(v.column1 AS {meta.pk.db_type(connection)})"
    else:
        pk_match = f"{quote(meta.db_table)}.{pk_column} = v.column1"
    with connection.cursor() as cursor:
        for start in range(0, len(objs), per_statement):
            chunk = objs[start : start + per_statement]
            params: list[Any] = []
            for obj in chunk:
                params.append(obj.pk)
                for field in field_objs:
                    params.append(field.get_db_prep_save(getattr(obj, field.attname), connection))
            sql = (
                f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} "
                f"FROM (VALUES {', '.join([row_sql] * len(chunk))}) AS v WHERE {pk_match}"
            )
            cursor.execute(sql, params)


# --- reference data -----------------------------------------------------------------------------------------------


@transaction.atomic
def catalogue_load(*, data: dict[str, Any] | None = None) -> int:
    """Load the 2021 catalogue's major categories (global reference data). Idempotent; returns the number loaded.

    ``data`` defaults to ``schools/fixtures/programme_catalogue_categories.json``. Called by the demo loader and by
    deployment scripts (not by a migration)."""
    if data is None:
        data = json.loads(CATALOGUE_FIXTURE.read_text(encoding="utf-8"))
    count = 0
    for position, item in enumerate(data["major_categories"], start=1):
        ProgrammeMajorCategory.objects.update_or_create(
            name=item["name"],
            defaults={
                "name_en": item.get("name_en", ""),
                "code_secondary": item["secondary"],
                "code_associate": item["associate"],
                "code_bachelor": item["bachelor"],
                "position": position,
            },
        )
        count += 1
    return count


def catalogue_category_for(code: str, level: str) -> ProgrammeMajorCategory | None:
    """The major category whose two-digit code at ``level`` starts ``code`` (None when there is none)."""
    field = {
        CatalogueLevel.SECONDARY: "code_secondary",
        CatalogueLevel.ASSOCIATE: "code_associate",
        CatalogueLevel.BACHELOR: "code_bachelor",
    }.get(level)
    if not field or not code or len(code) < 2:
        return None
    return ProgrammeMajorCategory.objects.filter(**{field: code[:2]}).first()


# --- part-time cap ------------------------------------------------------------------------------------------------


def _lock_profile(unit_id: int) -> SchoolProfile | None:
    """Lock the school's profile row for the rest of the transaction: serialises every cap-relevant write."""
    return SchoolProfile.objects.select_for_update(of=("self",)).filter(unit_id=unit_id).first()


def _active_part_time(unit_id: int, exclude_ids: Iterable[int] = ()) -> int:
    qs = Teacher.objects.filter(unit_id=unit_id, employment=Employment.PART_TIME, is_active=True)
    exclude_ids = [pk for pk in exclude_ids if pk]
    if exclude_ids:
        qs = qs.exclude(pk__in=exclude_ids)
    return qs.count()


def _cap_error(profile: SchoolProfile | None, current: int, adding: int, field: str) -> ValidationError:
    quota = profile.staffing_quota if profile else 0
    message = part_time_cap_message(quota, current, adding)
    if profile is None:
        message = _("学校尚未登记编制员额。") + " " + message
    return ValidationError({field: [ValidationError(message, code="part_time_cap")]})


def _check_part_time_cap(*, unit_id: int, adding: int = 1, exclude_ids: Iterable[int] = (), field: str) -> None:
    """Refuse when ``adding`` more active part-timers would exceed the cap. Call inside the write's transaction."""
    profile = _lock_profile(unit_id)
    current = _active_part_time(unit_id, exclude_ids)
    if not part_time_allows(profile.staffing_quota if profile else 0, current, adding):
        raise _cap_error(profile, current, adding, field)


# --- school profile and campuses ----------------------------------------------------------------------------------


def _apply_profile(profile: SchoolProfile, fields: dict[str, Any]) -> SchoolProfile:
    if "level" in fields:
        fields["level"] = _choice(SchoolLevel, fields["level"])
    for key, value in fields.items():
        setattr(profile, key, value)
    profile.full_clean()
    if profile.pk:
        current = _active_part_time(profile.unit_id)
        if part_time_cap(profile.staffing_quota) < current:
            raise ValidationError(
                {
                    "staffing_quota": [
                        ValidationError(quota_too_low_message(profile.staffing_quota, current), code="part_time_cap")
                    ]
                }
            )
    profile.save()
    return profile


@transaction.atomic
def school_profile_upsert(*, actor: User, unit: MemberUnit, **fields: Any) -> SchoolProfile:
    """Create or update the profile of school ``unit``. Fields: level, staffing_quota, enrolment, founded_year, notes.

    Lowering the quota so that the current active part-time teachers exceed 20 % of it is refused."""
    fields = _pick(fields, SCHOOL_PROFILE_FIELDS)
    _require_unit_writer(actor, unit)
    profile = _lock_profile(unit.pk) or SchoolProfile(consortium_id=unit.consortium_id, unit=unit)
    return _apply_profile(profile, fields)


@transaction.atomic
def school_profile_update(*, actor: User, profile: SchoolProfile, **fields: Any) -> SchoolProfile:
    """Change an existing profile (same rules as ``school_profile_upsert``)."""
    fields = _pick(fields, SCHOOL_PROFILE_FIELDS)
    _require_editable(actor, profile)
    locked = _lock_profile(profile.unit_id)
    assert locked is not None
    return _apply_profile(locked, fields)


@transaction.atomic
def campus_create(*, actor: User, unit: MemberUnit, **fields: Any) -> Campus:
    """Add a campus to school ``unit`` (which needs a profile). Fields: name, address, area_mu, building_area_m2."""
    fields = _pick(fields, CAMPUS_FIELDS)
    _require_unit_writer(actor, unit)
    profile = SchoolProfile.objects.filter(unit_id=unit.pk).first()
    if profile is None:
        raise ValidationError({"unit": [_("请先登记学校概况。")]})
    return _create(Campus, actor=actor, unit=unit, fields={**fields, "school": profile})


@transaction.atomic
def campus_update(*, actor: User, campus: Campus, **fields: Any) -> Campus:
    return _update(actor, campus, _pick(fields, CAMPUS_FIELDS))


@transaction.atomic
def campus_delete(*, actor: User, campus: Campus) -> None:
    _delete(actor, campus)


# --- programmes ---------------------------------------------------------------------------------------------------


def _programme_fields(fields: dict[str, Any]) -> dict[str, Any]:
    if "level" in fields:
        fields["level"] = _choice(CatalogueLevel, fields["level"])
    if "code" in fields:
        fields["code"] = str(fields["code"] or "").strip()
    return fields


@transaction.atomic
def programme_create(*, actor: User, unit: MemberUnit, **fields: Any) -> Programme:
    """Register a programme of school ``unit``. Fields: level, code, name, major_category (derived from the code's
    first two digits and the level when omitted), is_active, description."""
    fields = _programme_fields(_pick(fields, PROGRAMME_FIELDS))
    if fields.get("major_category") is None:
        fields["major_category"] = catalogue_category_for(fields.get("code", ""), fields.get("level", ""))
        if fields["major_category"] is None:
            raise ValidationError({"code": [_("专业代码前两位不是该层次任何专业大类的代码。")]})
    return _create(Programme, actor=actor, unit=unit, fields=fields)


@transaction.atomic
def programme_update(*, actor: User, programme: Programme, **fields: Any) -> Programme:
    return _update(actor, programme, _programme_fields(_pick(fields, PROGRAMME_FIELDS)))


@transaction.atomic
def programme_delete(*, actor: User, programme: Programme) -> None:
    """Delete a programme (refused while students are attached to its offerings; deactivate it instead)."""
    _delete(actor, programme)


def _set_group_programmes(group: ProgrammeGroup, programmes: list[Programme] | None) -> None:
    if programmes is None:
        programmes = list(group.programmes.all())
    _same_school(group.unit_id, "programmes", programmes)
    if group.lead_programme_id and group.lead_programme_id not in {p.pk for p in programmes}:
        programmes.append(group.lead_programme)  # the lead programme is always a member of its group
    group.programmes.set(programmes)


@transaction.atomic
def programme_group_create(
    *, actor: User, unit: MemberUnit, programmes: Iterable[Programme] = (), **fields: Any
) -> ProgrammeGroup:
    """Create a programme group (专业群) of school ``unit``; programmes and the lead programme must be the school's."""
    fields = _pick(fields, PROGRAMME_GROUP_FIELDS)
    _same_school(unit.pk, "lead_programme", [fields.get("lead_programme")])
    group = _create(ProgrammeGroup, actor=actor, unit=unit, fields=fields)
    _set_group_programmes(group, list(programmes))
    return group


@transaction.atomic
def programme_group_update(
    *, actor: User, group: ProgrammeGroup, programmes: Iterable[Programme] | None = None, **fields: Any
) -> ProgrammeGroup:
    fields = _pick(fields, PROGRAMME_GROUP_FIELDS)
    _same_school(group.unit_id, "lead_programme", [fields.get("lead_programme")])
    group = _update(actor, group, fields)
    _set_group_programmes(group, None if programmes is None else list(programmes))
    return group


@transaction.atomic
def programme_group_delete(*, actor: User, group: ProgrammeGroup) -> None:
    _delete(actor, group)


@transaction.atomic
def offering_upsert(*, actor: User, programme: Programme, year: int, **fields: Any) -> tuple[ProgrammeOffering, bool]:
    """Create or update the offering of ``programme`` in ``year``; returns (offering, created).
    Fields: planned_intake, reported_enrolled, status, priority_class, note."""
    fields = _pick(fields, OFFERING_FIELDS)
    if "status" in fields:
        fields["status"] = _choice(OfferingStatus, fields["status"])
    if "priority_class" in fields:
        fields["priority_class"] = _choice(PriorityClass, fields["priority_class"])
    _require_editable(actor, programme)
    offering = ProgrammeOffering.objects.filter(programme=programme, year=year).first()
    created = offering is None
    if created:
        offering = ProgrammeOffering(
            consortium_id=programme.consortium_id, unit_id=programme.unit_id, programme=programme, year=year
        )
    for key, value in fields.items():
        setattr(offering, key, value)
    _save(offering)
    return offering, created


@transaction.atomic
def offering_delete(*, actor: User, offering: ProgrammeOffering) -> None:
    _delete(actor, offering)


@transaction.atomic
def programme_link_set(
    *, actor: User, programme: Programme, links: Iterable[Mapping[str, Any]]
) -> list[ProgrammeIndustryLink]:
    """Replace the programme's industry/chain mapping. Each link: {"industry": Industry | None, "local_chain":
    LocalChain | None, "weight": 1..100}; exactly one target per link, no target twice, chains of the same consortium.
    Errors are keyed ``links`` and name the link's position (1-based)."""
    _require_editable(actor, programme)
    problems: list[str] = []
    rows: list[ProgrammeIndustryLink] = []
    seen: set[tuple[str, int]] = set()
    for position, link in enumerate(links, start=1):
        industry, chain = link.get("industry"), link.get("local_chain")
        weight = link.get("weight", 100)
        prefix = _("第%(n)d项：") % {"n": position}
        if (industry is None) == (chain is None):
            problems.append(prefix + _("请选择一个产业或一条本地产业链（只能二选一）。"))
            continue
        if industry is not None and not isinstance(industry, Industry):
            problems.append(prefix + _("产业无效。"))
            continue
        if chain is not None and (not isinstance(chain, LocalChain) or chain.consortium_id != programme.consortium_id):
            problems.append(prefix + _("所选产业链属于其他产教联合体。"))
            continue
        try:
            weight = int(weight)
        except (TypeError, ValueError):
            weight = 0
        if not 1 <= weight <= 100:
            problems.append(prefix + _("权重应为1到100之间的整数。"))
            continue
        target = ("industry", industry.pk) if industry is not None else ("chain", chain.pk)
        if target in seen:
            problems.append(prefix + _("同一目标重复出现。"))
            continue
        seen.add(target)
        rows.append(
            ProgrammeIndustryLink(
                consortium_id=programme.consortium_id,
                unit_id=programme.unit_id,
                programme=programme,
                industry=industry,
                local_chain=chain,
                weight=weight,
            )
        )
    if problems:
        raise ValidationError({"links": problems})
    ProgrammeIndustryLink.objects.filter(programme=programme).delete()
    return ProgrammeIndustryLink.objects.bulk_create(rows)


# --- teachers -----------------------------------------------------------------------------------------------------


def _teacher_fields(fields: dict[str, Any]) -> dict[str, Any]:
    if "id_number" in fields:
        fields["id_number"] = normalize_id_number(fields["id_number"])
    if "employment" in fields:
        fields["employment"] = _choice(Employment, fields["employment"])
    if "gender" in fields:
        fields["gender"] = _choice(Gender, fields["gender"] or "")
    return fields


def _sync_pool_entry(teacher: Teacher) -> None:
    """``in_shared_pool`` drives the teacher's pool entry: opting in lists it (creating it), opting out unlists it."""
    entry = PoolExpert.objects.filter(teacher=teacher).first()
    listed = teacher.in_shared_pool and teacher.is_active
    if entry is None and listed:
        PoolExpert.objects.create(
            consortium_id=teacher.consortium_id,
            unit_id=teacher.unit_id,
            teacher=teacher,
            name=teacher.name,
            expertise=teacher.expertise or teacher.title or teacher.name,
            is_listed=True,
        )
    elif entry is not None and entry.is_listed != listed:
        entry.is_listed = listed
        entry.save(update_fields=["is_listed"])


@transaction.atomic
def teacher_create(*, actor: User, unit: MemberUnit, programmes: Iterable[Programme] = (), **fields: Any) -> Teacher:
    """Register a teacher of school ``unit``. Fields: name, gender, employment, source_unit, title, qualifications,
    id_number, phone, is_active, in_shared_pool, expertise. An active part-time teacher must fit under the cap."""
    fields = _teacher_fields(_pick(fields, TEACHER_FIELDS))
    programmes = list(programmes)
    _require_unit_writer(actor, unit)
    _same_school(unit.pk, "programmes", programmes)
    teacher = Teacher(consortium_id=unit.consortium_id, unit=unit, **fields)
    _same_tenant(unit.consortium_id, source_unit=teacher.source_unit)
    teacher.full_clean()
    if teacher.is_part_time and teacher.is_active:
        _check_part_time_cap(unit_id=unit.pk, field="employment")
    teacher.save()
    teacher.programmes.set(programmes)
    _sync_pool_entry(teacher)
    return teacher


@transaction.atomic
def teacher_update(
    *, actor: User, teacher: Teacher, programmes: Iterable[Programme] | None = None, **fields: Any
) -> Teacher:
    """Change a teacher. Switching to part-time or reactivating a part-timer is subject to the cap."""
    fields = _teacher_fields(_pick(fields, TEACHER_FIELDS))
    _require_editable(actor, teacher)
    _lock_profile(teacher.unit_id)  # lock before reading the teacher's current state
    current = Teacher.objects.select_for_update(of=("self",)).get(pk=teacher.pk)
    was_counted = current.is_part_time and current.is_active
    for key, value in fields.items():
        setattr(current, key, value)
    _same_tenant(current.consortium_id, source_unit=current.source_unit)
    current.full_clean()
    if current.is_part_time and current.is_active and not was_counted:
        field = "employment" if "employment" in fields else "is_active"
        _check_part_time_cap(unit_id=current.unit_id, exclude_ids=[current.pk], field=field)
    current.save()
    if programmes is not None:
        programmes = list(programmes)
        _same_school(current.unit_id, "programmes", programmes)
        current.programmes.set(programmes)
    _sync_pool_entry(current)
    return current


@transaction.atomic
def teacher_deactivate(*, actor: User, teacher: Teacher) -> Teacher:
    """Mark a teacher as no longer working at the school (frees a part-time place; unlists the pool entry)."""
    return teacher_update(actor=actor, teacher=teacher, is_active=False)


@transaction.atomic
def teachers_upsert_bulk(*, actor: User, unit: MemberUnit, rows: Sequence[Mapping[str, Any]]) -> BulkResult:
    """Import teachers of school ``unit``; natural key (unit, id_number). All-or-nothing.

    Row keys: id_number (required), name, gender, employment, title, qualifications, phone, is_active, expertise,
    in_shared_pool, source_unit (MemberUnit or unit name), programme_codes (list or comma-separated codes of the
    school's programmes), optional ``_row`` (key for errors). The part-time cap is checked for the whole batch:
    active part-timers after the import must fit under 20 % of the quota (error key ``employment`` on the first row
    that adds one)."""
    _require_unit_writer(actor, unit)
    profile = _lock_profile(unit.pk)
    existing = {t.id_number: t for t in Teacher.objects.filter(unit=unit).exclude(id_number="")}
    programmes = {p.code: p for p in Programme.objects.filter(unit=unit)}
    units_by_name = {u.name: u for u in MemberUnit.objects.for_consortium(unit.consortium_id)}
    errors: dict[Any, dict[str, list[str]]] = {}
    to_create: list[Teacher] = []
    to_update: list[Teacher] = []
    m2m: dict[int, list[Programme]] = {}  # row index -> programmes
    seen: set[str] = set()
    objects_by_index: dict[int, Teacher] = {}
    pt_added_keys: list[Any] = []
    now = timezone.now()
    for index, row in enumerate(rows):
        key = _row_key(row, index)
        row_errors: dict[str, list[str]] = {}
        id_number = normalize_id_number(row.get("id_number"))
        if not id_number:
            row_errors["id_number"] = [_("身份证号码不能为空（用于识别同一教师）。")]
        elif id_number in seen:
            row_errors["id_number"] = [_("该身份证号码在本次导入中重复。")]
        seen.add(id_number)
        source = row.get("source_unit")
        if isinstance(source, str) and source.strip():
            source = units_by_name.get(source.strip())
            if source is None:
                row_errors["source_unit"] = [_("本联合体没有名为“%(name)s”的成员单位。") % {"name": row["source_unit"]}]
        elif isinstance(source, MemberUnit):
            if source.consortium_id != unit.consortium_id:
                row_errors["source_unit"] = [_("所选对象属于其他产教联合体。")]
        else:
            source = None
        codes = [str(c).strip() for c in _list(row.get("programme_codes"))]
        missing = [c for c in codes if c not in programmes]
        if missing:
            row_errors["programme_codes"] = [_("本校没有以下专业代码：%(codes)s。") % {"codes": join_list(missing)}]
        teacher = existing.get(id_number) or Teacher(consortium_id=unit.consortium_id, unit=unit, id_number=id_number)
        was_counted = bool(teacher.pk) and teacher.is_part_time and teacher.is_active
        values = {
            "name": str(row.get("name") or "").strip(),
            "gender": _choice(Gender, row.get("gender") or ""),
            "employment": _choice(Employment, row.get("employment") or Employment.FULL_TIME),
            "title": str(row.get("title") or "").strip(),
            "qualifications": str(row.get("qualifications") or "").strip(),
            "phone": str(row.get("phone") or "").strip(),
            "is_active": _bool(row.get("is_active"), default=True),
            "expertise": str(row.get("expertise") or "").strip(),
            "in_shared_pool": _bool(row.get("in_shared_pool"), default=teacher.in_shared_pool),
            "source_unit": source if isinstance(source, MemberUnit) else None,
        }
        for field, value in values.items():
            setattr(teacher, field, value)
        try:
            teacher.full_clean(
                exclude=["unit", "consortium", "source_unit"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            for field, messages in _messages(exc).items():
                row_errors.setdefault(field, []).extend(messages)
        if row_errors:
            errors[key] = row_errors
            continue
        if teacher.is_part_time and teacher.is_active and not was_counted:
            pt_added_keys.append(key)
        teacher.updated_at = now
        (to_update if teacher.pk else to_create).append(teacher)
        objects_by_index[index] = teacher
        m2m[index] = [programmes[c] for c in codes]
    if not errors and pt_added_keys:
        batch_ids = {t.pk for t in to_update}
        untouched = (
            Teacher.objects.filter(unit=unit, employment=Employment.PART_TIME, is_active=True)
            .exclude(pk__in=batch_ids)
            .count()
        )
        after = untouched + sum(1 for t in to_create + to_update if t.is_part_time and t.is_active)
        quota = profile.staffing_quota if profile else 0
        if after > part_time_cap(quota):
            current = _active_part_time(unit.pk)
            errors[pt_added_keys[0]] = _messages(_cap_error(profile, current, max(after - current, 1), "employment"))
    if errors:
        raise BulkRowsError(errors)
    Teacher.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    update_fields = [
        "name",
        "gender",
        "employment",
        "title",
        "qualifications",
        "phone",
        "is_active",
        "expertise",
        "in_shared_pool",
        "source_unit",
        "updated_at",
    ]
    Teacher.objects.bulk_update(to_update, update_fields, batch_size=UPDATE_BATCH_SIZE)
    through = Teacher.programmes.through
    with_codes = {index: progs for index, progs in m2m.items() if "programme_codes" in rows[index]}
    through.objects.filter(teacher_id__in=[objects_by_index[i].pk for i in with_codes]).delete()
    through.objects.bulk_create(
        [
            through(teacher_id=objects_by_index[i].pk, programme_id=p.pk)
            for i, progs in with_codes.items()
            for p in progs
        ],
        batch_size=BATCH_SIZE,
    )
    with_entry = set(PoolExpert.objects.filter(unit=unit, teacher__isnull=False).values_list("teacher_id", flat=True))
    for teacher in to_create + to_update:
        if teacher.in_shared_pool or teacher.pk in with_entry:
            _sync_pool_entry(teacher)
    return BulkResult(created=len(to_create), updated=len(to_update))


# --- dual qualification -------------------------------------------------------------------------------------------


@transaction.atomic
def dual_qualification_create(*, actor: User, teacher: Teacher, **fields: Any) -> DualQualification:
    """Record a dual-qualified certification. Fields: level, evidence, evidence_file, certified_on, expires_on."""
    fields = _pick(fields, DUAL_FIELDS)
    if "level" in fields:
        fields["level"] = _choice(DualLevel, fields["level"])
    _require_editable(actor, teacher)
    obj = DualQualification(consortium_id=teacher.consortium_id, unit_id=teacher.unit_id, teacher=teacher, **fields)
    return _save(obj)


@transaction.atomic
def dual_qualification_update(*, actor: User, certification: DualQualification, **fields: Any) -> DualQualification:
    """Change a certification; a new ``expires_on`` (renewal) re-arms the expiry warning."""
    fields = _pick(fields, DUAL_FIELDS)
    if "level" in fields:
        fields["level"] = _choice(DualLevel, fields["level"])
    return _update(actor, certification, fields)


@transaction.atomic
def dual_qualification_delete(*, actor: User, certification: DualQualification) -> None:
    _delete(actor, certification)


# --- industry professors and studios ------------------------------------------------------------------------------


@transaction.atomic
def professor_create(*, actor: User, unit: MemberUnit, **fields: Any) -> IndustryProfessor:
    """Appoint an industry / tech-extension professor at school ``unit``. Fields: person_name, from_unit, kind,
    term_start, term_end, workload_hours_per_year, outputs, teacher (a teacher of the same school)."""
    fields = _pick(fields, PROFESSOR_FIELDS)
    if "kind" in fields:
        fields["kind"] = _choice(ProfessorKind, fields["kind"])
    _same_school(unit.pk, "teacher", [fields.get("teacher")])
    return _create(IndustryProfessor, actor=actor, unit=unit, fields=fields)


@transaction.atomic
def professor_update(*, actor: User, professor: IndustryProfessor, **fields: Any) -> IndustryProfessor:
    fields = _pick(fields, PROFESSOR_FIELDS)
    if "kind" in fields:
        fields["kind"] = _choice(ProfessorKind, fields["kind"])
    _same_school(professor.unit_id, "teacher", [fields.get("teacher")])
    return _update(actor, professor, fields)


@transaction.atomic
def professor_delete(*, actor: User, professor: IndustryProfessor) -> None:
    _delete(actor, professor)


@transaction.atomic
def studio_create(*, actor: User, unit: MemberUnit, **fields: Any) -> Studio:
    """Create a studio hosted by ``unit``: a master's studio in a school, a famous-teacher studio in an enterprise.
    Fields: kind, name, lead_name, partner_unit, established_on, description."""
    fields = _pick(fields, STUDIO_FIELDS)
    if "kind" in fields:
        fields["kind"] = _choice(StudioKind, fields["kind"])
    return _create(Studio, actor=actor, unit=unit, fields=fields, school=False)


@transaction.atomic
def studio_update(*, actor: User, studio: Studio, **fields: Any) -> Studio:
    fields = _pick(fields, STUDIO_FIELDS)
    if "kind" in fields:
        fields["kind"] = _choice(StudioKind, fields["kind"])
    return _update(actor, studio, fields)


@transaction.atomic
def studio_delete(*, actor: User, studio: Studio) -> None:
    _delete(actor, studio)


# --- shared pool and engagements ----------------------------------------------------------------------------------


@transaction.atomic
def pool_expert_create(
    *, actor: User, unit: MemberUnit, industries: Iterable[Industry] = (), teacher: Teacher | None = None, **fields: Any
) -> PoolExpert:
    """List an expert of ``unit`` (enterprise, school...) in the shared pool. Fields: name, expertise,
    programme_keywords, available_hours_per_term, bio, is_listed. ``teacher``: a teacher of ``unit`` opting in."""
    fields = _pick(fields, POOL_FIELDS)
    if teacher is not None:
        _same_school(unit.pk, "teacher", [teacher])
        if PoolExpert.objects.filter(teacher=teacher).exists():
            raise ValidationError({"teacher": [_("该教师已在兼职教师库中。")]})
    expert = _create(PoolExpert, actor=actor, unit=unit, fields={**fields, "teacher": teacher}, school=False)
    expert.industries.set(list(industries))
    if teacher is not None:
        Teacher.objects.filter(pk=teacher.pk).update(in_shared_pool=expert.is_listed)
    return expert


@transaction.atomic
def pool_expert_update(
    *, actor: User, expert: PoolExpert, industries: Iterable[Industry] | None = None, **fields: Any
) -> PoolExpert:
    expert = _update(actor, expert, _pick(fields, POOL_FIELDS))
    if industries is not None:
        expert.industries.set(list(industries))
    if expert.teacher_id:
        Teacher.objects.filter(pk=expert.teacher_id).update(in_shared_pool=expert.is_listed)
    return expert


@transaction.atomic
def pool_expert_delete(*, actor: User, expert: PoolExpert) -> None:
    """Remove an entry (refused once engagements refer to it: unlist it instead)."""
    teacher_id = expert.teacher_id
    _delete(actor, expert)
    if teacher_id:
        Teacher.objects.filter(pk=teacher_id).update(in_shared_pool=False)


@transaction.atomic
def engagement_request(
    *,
    actor: User,
    school_unit: MemberUnit,
    expert: PoolExpert,
    period_start: date,
    period_end: date,
    hours: int = 0,
    note: str = "",
) -> EngagementRequest:
    """A school asks to engage a listed pool expert of another unit; that unit's admins decide."""
    _require_unit_writer(actor, school_unit)
    if (
        expert.consortium_id != school_unit.consortium_id
        or not PoolExpert.objects.visible_to(actor).filter(pk=expert.pk, is_listed=True).exists()
    ):
        raise ValidationError({"expert": [_("该专家不在本联合体的兼职教师库中。")]})
    if expert.unit_id == school_unit.pk:
        raise ValidationError({"expert": [_("不能向本单位的专家提出聘用申请。")]})
    if EngagementRequest.objects.filter(
        school_unit=school_unit, expert=expert, status=EngagementStatus.REQUESTED
    ).exists():
        raise ValidationError({"expert": [_("已有待审批的申请，请勿重复提交。")]})
    engagement = EngagementRequest(
        consortium_id=school_unit.consortium_id,
        school_unit=school_unit,
        unit_id=expert.unit_id,
        expert=expert,
        period_start=period_start,
        period_end=period_end,
        hours=hours,
        note=note,
        requested_by=actor,
    )
    return _save(engagement)


def _lock_engagement(engagement: EngagementRequest) -> EngagementRequest:
    return EngagementRequest.objects.select_for_update(of=("self",)).get(pk=engagement.pk)


@transaction.atomic
def engagement_decide(
    *, actor: User, engagement: EngagementRequest, approve: bool, reason: str = ""
) -> EngagementRequest:
    """The expert's unit approves or declines a request (decline needs a reason).

    Approval creates an active part-time Teacher in the requesting school (or reactivates the one an earlier
    engagement of the same expert created), subject to the part-time cap: at the cap it is refused with the cap
    message (key ``approve``) and nothing changes."""
    expert_unit = MemberUnit.objects.filter(pk=engagement.unit_id).first()
    if expert_unit is None or not _can_write_unit(actor, expert_unit):
        raise PermissionDenied(_("只有专家所属单位可以审批该申请。"))
    school_profile_lock = _lock_profile(engagement.school_unit_id)  # profile first, then the request: one lock order
    engagement = _lock_engagement(engagement)
    if engagement.status != EngagementStatus.REQUESTED:
        raise ValidationError({"status": [_("该申请已处理，不能重复审批。")]})
    reason = (reason or "").strip()
    if not approve:
        if not reason:
            raise ValidationError({"decision_reason": [_("拒绝申请时必须填写原因。")]})
        engagement.status = EngagementStatus.DECLINED
    else:
        expert = engagement.expert
        previous = (
            EngagementRequest.objects.filter(
                school_unit_id=engagement.school_unit_id, expert=expert, created_teacher__isnull=False
            )
            .select_related("created_teacher")
            .order_by("-decided_at")
            .first()
        )
        teacher = previous.created_teacher if previous else None
        counted = teacher is not None and teacher.is_part_time and teacher.is_active
        if not counted:
            current = _active_part_time(engagement.school_unit_id, [teacher.pk] if teacher else [])
            quota = school_profile_lock.staffing_quota if school_profile_lock else 0
            if not part_time_allows(quota, current, 1):
                raise _cap_error(school_profile_lock, current, 1, "approve")
        if teacher is None:
            teacher = Teacher.objects.create(
                consortium_id=engagement.consortium_id,
                unit_id=engagement.school_unit_id,
                name=expert.name,
                employment=Employment.PART_TIME,
                source_unit_id=expert.unit_id,
                expertise=expert.expertise,
                qualifications=expert.bio,
                is_active=True,
            )
        elif not counted:
            teacher.employment = Employment.PART_TIME
            teacher.is_active = True
            teacher.save(update_fields=["employment", "is_active", "updated_at"])
        engagement.status = EngagementStatus.APPROVED
        engagement.created_teacher = teacher
    engagement.decided_by = actor
    engagement.decided_at = timezone.now()
    engagement.decision_reason = reason
    engagement.save()
    return engagement


@transaction.atomic
def engagement_withdraw(*, actor: User, engagement: EngagementRequest) -> EngagementRequest:
    """The requesting school withdraws a pending request."""
    school = MemberUnit.objects.filter(pk=engagement.school_unit_id).first()
    if school is None or not _can_write_unit(actor, school):
        raise PermissionDenied(_("只有申请学校可以撤回该申请。"))
    engagement = _lock_engagement(engagement)
    if engagement.status != EngagementStatus.REQUESTED:
        raise ValidationError({"status": [_("只有待审批的申请可以撤回。")]})
    engagement.status = EngagementStatus.WITHDRAWN
    engagement.save(update_fields=["status"])
    return engagement


# --- enterprise practice and training bases -----------------------------------------------------------------------


@transaction.atomic
def practice_create(*, actor: User, teacher: Teacher, **fields: Any) -> EnterprisePractice:
    """Record a teacher's enterprise practice. Fields: host_unit, host_name, start_date, end_date, hours, content."""
    fields = _pick(fields, PRACTICE_FIELDS)
    _require_editable(actor, teacher)
    _same_tenant(teacher.consortium_id, host_unit=fields.get("host_unit"))
    obj = EnterprisePractice(consortium_id=teacher.consortium_id, unit_id=teacher.unit_id, teacher=teacher, **fields)
    return _save(obj)


@transaction.atomic
def practice_update(*, actor: User, practice: EnterprisePractice, **fields: Any) -> EnterprisePractice:
    return _update(actor, practice, _pick(fields, PRACTICE_FIELDS))


@transaction.atomic
def practice_delete(*, actor: User, practice: EnterprisePractice) -> None:
    _delete(actor, practice)


@transaction.atomic
def training_base_create(*, actor: User, unit: MemberUnit, **fields: Any) -> TrainingBase:
    """Register a teacher training / enterprise-practice base hosted by ``unit`` (any kind of member unit).
    Fields: name, kind, capacity, address, description, is_active."""
    fields = _pick(fields, TRAINING_BASE_FIELDS)
    if "kind" in fields:
        fields["kind"] = _choice(TrainingBaseKind, fields["kind"])
    return _create(TrainingBase, actor=actor, unit=unit, fields=fields, school=False)


@transaction.atomic
def training_base_update(*, actor: User, base: TrainingBase, **fields: Any) -> TrainingBase:
    fields = _pick(fields, TRAINING_BASE_FIELDS)
    if "kind" in fields:
        fields["kind"] = _choice(TrainingBaseKind, fields["kind"])
    return _update(actor, base, fields)


@transaction.atomic
def training_base_delete(*, actor: User, base: TrainingBase) -> None:
    _delete(actor, base)


# --- students -----------------------------------------------------------------------------------------------------


def _student_fields(fields: dict[str, Any]) -> dict[str, Any]:
    if "id_number" in fields:
        fields["id_number"] = normalize_id_number(fields["id_number"])
    if "status" in fields:
        fields["status"] = _choice(StudentStatus, fields["status"])
    if "gender" in fields:
        fields["gender"] = _choice(Gender, fields["gender"] or "")
    if "expected_graduation" in fields:
        fields["expected_graduation"] = _month(fields["expected_graduation"])
    return fields


@transaction.atomic
def student_create(
    *, actor: User, unit: MemberUnit, preferred_industries: Iterable[Industry] = (), **fields: Any
) -> Student:
    """Register a student of school ``unit``. Fields: offering (of the same school), student_no, name, gender,
    id_number, phone, cohort, expected_graduation, status, skills, willing_to_work_locally, preferred_places."""
    fields = _student_fields(_pick(fields, STUDENT_FIELDS))
    _same_school(unit.pk, "offering", [fields.get("offering")])
    student = _create(Student, actor=actor, unit=unit, fields=fields)
    student.preferred_industries.set(list(preferred_industries))
    return student


@transaction.atomic
def student_update(
    *, actor: User, student: Student, preferred_industries: Iterable[Industry] | None = None, **fields: Any
) -> Student:
    fields = _student_fields(_pick(fields, STUDENT_FIELDS))
    _same_school(student.unit_id, "offering", [fields.get("offering")])
    student = _update(actor, student, fields)
    if preferred_industries is not None:
        student.preferred_industries.set(list(preferred_industries))
    return student


@transaction.atomic
def student_delete(*, actor: User, student: Student) -> None:
    _delete(actor, student)


@transaction.atomic
def student_share(*, actor: User, student: Student, unit: MemberUnit) -> int:
    """Share the full record (incl. personal fields) with every active user of partner ``unit`` (same consortium),
    through guardian's direct-FK table — never a global permission. Returns the number of users granted.
    Users who join the unit later are not covered: share again."""
    _require_editable(actor, student)
    if unit is None or unit.consortium_id != student.consortium_id:
        raise ValidationError({"unit": [_("只能共享给本产教联合体的成员单位。")]})
    if unit.pk == student.unit_id:
        raise ValidationError({"unit": [_("本校用户无需共享即可查看。")]})
    return share_with_unit(student, unit_id=unit.pk)


@transaction.atomic
def student_unshare(*, actor: User, student: Student, unit: MemberUnit) -> int:
    """Withdraw a share from every user of ``unit``; returns the number of grants removed."""
    _require_editable(actor, student)
    return unshare_with_unit(student, unit_id=unit.pk)


@transaction.atomic
def student_certificate_create(*, actor: User, student: Student, **fields: Any) -> StudentCertificate:
    """Record a certificate of ``student``. Fields: kind, name, level, issued_on, issuer."""
    fields = _pick(fields, CERTIFICATE_FIELDS)
    if "kind" in fields:
        fields["kind"] = _choice(CertificateKind, fields["kind"])
    _require_editable(actor, student)
    obj = StudentCertificate(consortium_id=student.consortium_id, unit_id=student.unit_id, student=student, **fields)
    return _save(obj)


@transaction.atomic
def student_certificate_update(*, actor: User, certificate: StudentCertificate, **fields: Any) -> StudentCertificate:
    fields = _pick(fields, CERTIFICATE_FIELDS)
    if "kind" in fields:
        fields["kind"] = _choice(CertificateKind, fields["kind"])
    return _update(actor, certificate, fields)


@transaction.atomic
def student_certificate_delete(*, actor: User, certificate: StudentCertificate) -> None:
    _delete(actor, certificate)


# --- bulk imports -------------------------------------------------------------------------------------------------


@transaction.atomic
def programmes_upsert_bulk(*, actor: User, unit: MemberUnit, rows: Sequence[Mapping[str, Any]]) -> BulkResult:
    """Import programmes of school ``unit``; natural key (unit, code). All-or-nothing.

    Row keys: code, name, level (value or Chinese label), major_category (optional: instance or name; derived from
    the code and level when omitted), description, is_active, optional ``_row``."""
    _require_unit_writer(actor, unit)
    existing = {p.code: p for p in Programme.objects.filter(unit=unit)}
    categories = list(ProgrammeMajorCategory.objects.all())
    by_name = {c.name: c for c in categories}
    errors: dict[Any, dict[str, list[str]]] = {}
    to_create: list[Programme] = []
    to_update: list[Programme] = []
    seen: set[str] = set()
    now = timezone.now()
    for index, row in enumerate(rows):
        key = _row_key(row, index)
        row_errors: dict[str, list[str]] = {}
        code = str(row.get("code") or "").strip()
        level = _choice(CatalogueLevel, row.get("level") or "")
        if code in seen:
            row_errors["code"] = [_("该专业代码在本次导入中重复。")]
        seen.add(code)
        category = row.get("major_category")
        if isinstance(category, str) and category.strip():
            category = by_name.get(category.strip())
            if category is None:
                row_errors["major_category"] = [_("未知的专业大类“%(name)s”。") % {"name": row["major_category"]}]
        elif not isinstance(category, ProgrammeMajorCategory):
            category = next((c for c in categories if code[:2] and c.code_for(level) == code[:2]), None)
            if category is None and level in CatalogueLevel.values and len(code) == 6:
                row_errors["code"] = [_("专业代码前两位不是该层次任何专业大类的代码。")]
        programme = existing.get(code) or Programme(consortium_id=unit.consortium_id, unit=unit, code=code)
        programme.code = code
        programme.level = level
        programme.name = str(row.get("name") or "").strip()
        programme.description = str(row.get("description") or "").strip()
        programme.is_active = _bool(row.get("is_active"), default=True)
        if isinstance(category, ProgrammeMajorCategory):
            programme.major_category = category
        if not row_errors:
            try:
                programme.full_clean(
                    exclude=["unit", "consortium", "major_category"], validate_unique=False, validate_constraints=False
                )
            except ValidationError as exc:
                row_errors.update(_messages(exc))
        if row_errors:
            errors[key] = row_errors
            continue
        programme.updated_at = now
        (to_update if programme.pk else to_create).append(programme)
    if errors:
        raise BulkRowsError(errors)
    Programme.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    Programme.objects.bulk_update(
        to_update,
        ["level", "name", "description", "is_active", "major_category", "updated_at"],
        batch_size=UPDATE_BATCH_SIZE,
    )
    return BulkResult(created=len(to_create), updated=len(to_update))


@transaction.atomic
def students_upsert_bulk(*, actor: User, unit: MemberUnit, rows: Sequence[Mapping[str, Any]]) -> BulkResult:
    """Import students of school ``unit``; natural key (unit, student_no). All-or-nothing; 10,000 rows in seconds.

    Row keys: student_no, name, gender, id_number, phone, cohort, expected_graduation (date or "YYYY-MM"), status,
    skills, willing_to_work_locally, preferred_places, and the offering as either ``offering`` (instance) or
    ``programme_code`` + ``offering_year`` (defaults to ``cohort``); ``preferred_industry_codes`` (list or
    comma-separated 4567 industry codes; replaces the set when the key is present); optional ``_row``."""
    _require_unit_writer(actor, unit)
    existing = {s.student_no: s for s in Student.objects.filter(unit=unit)}
    offerings = {
        (code, year): pk
        for pk, code, year in ProgrammeOffering.objects.filter(unit=unit).values_list("pk", "programme__code", "year")
    }
    offering_ids = set(offerings.values())
    industries = dict(Industry.objects.values_list("code", "pk"))
    errors: dict[Any, dict[str, list[str]]] = {}
    to_create: list[Student] = []
    to_update: list[Student] = []
    industry_rows: list[tuple[Student, list[int]]] = []
    seen: set[str] = set()
    unchanged = 0
    now = timezone.now()
    exclude = ["unit", "consortium", "offering"]
    for index, row in enumerate(rows):
        key = _row_key(row, index)
        row_errors: dict[str, list[str]] = {}
        student_no = str(row.get("student_no") or "").strip()
        if student_no and student_no in seen:
            row_errors["student_no"] = [_("该学号在本次导入中重复。")]
        seen.add(student_no)
        student = existing.get(student_no) or Student(consortium_id=unit.consortium_id, unit=unit)
        before = tuple(getattr(student, f) for f in STUDENT_UPDATE_FIELDS) if student.pk else None
        student.student_no = student_no
        for field in ("name", "phone", "skills", "preferred_places"):
            setattr(student, field, str(row.get(field) or "").strip())
        student.gender = _choice(Gender, row.get("gender") or "")
        student.id_number = normalize_id_number(row.get("id_number"))
        student.cohort = row.get("cohort")
        student.expected_graduation = _month(row.get("expected_graduation"))
        student.status = _choice(StudentStatus, row.get("status") or StudentStatus.STUDYING)
        student.willing_to_work_locally = _bool(row.get("willing_to_work_locally"))
        offering = row.get("offering")
        if isinstance(offering, ProgrammeOffering):
            if offering.pk not in offering_ids:
                row_errors["offering"] = [_("所选对象不属于本校。")]
            else:
                student.offering_id = offering.pk
        else:
            code = str(row.get("programme_code") or "").strip()
            year = row.get("offering_year") or row.get("cohort")
            try:
                offering_id = offerings.get((code, int(year)))
            except (TypeError, ValueError):
                offering_id = None
            if offering_id is None:
                row_errors["programme_code"] = [
                    _("本校没有专业代码“%(code)s”在%(year)s年度的开设记录。") % {"code": code, "year": year or "?"}
                ]
            else:
                student.offering_id = offering_id
        codes = [str(c).strip() for c in _list(row.get("preferred_industry_codes"))]
        unknown = [c for c in codes if c not in industries]
        if unknown:
            row_errors["preferred_industry_codes"] = [_("未知的产业代码：%(codes)s。") % {"codes": join_list(unknown)}]
        try:
            student.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for field, messages in _messages(exc).items():
                row_errors.setdefault(field, []).extend(messages)
        if row_errors:
            errors[key] = row_errors
            continue
        if student.pk is None:
            to_create.append(student)
        elif before != tuple(getattr(student, f) for f in STUDENT_UPDATE_FIELDS):
            student.updated_at = now
            to_update.append(student)
        else:
            unchanged += 1  # re-importing the same file writes nothing for this row
        if "preferred_industry_codes" in row:
            industry_rows.append((student, [industries[c] for c in codes]))
    if errors:
        raise BulkRowsError(errors)
    Student.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    _fast_update(Student, to_update, [*STUDENT_UPDATE_FIELDS, "updated_at"])
    if industry_rows:
        through = Student.preferred_industries.through
        through.objects.filter(student_id__in=[s.pk for s, _ids in industry_rows if s.pk]).delete()
        through.objects.bulk_create(
            [through(student_id=s.pk, industry_id=i) for s, ids in industry_rows for i in ids], batch_size=BATCH_SIZE
        )
    return BulkResult(created=len(to_create), updated=len(to_update), unchanged=unchanged)
