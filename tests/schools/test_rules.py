"""Pure rules of the schools app: no database."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from schools.rules import (
    id_check_char,
    id_number_problem,
    mask_id_number,
    mask_name,
    mask_phone,
    normalize_id_number,
    part_time_allows,
    part_time_cap,
    part_time_cap_message,
    part_time_headroom,
    practice_hours_problem,
    programme_code_problem,
    quota_too_low_message,
    validate_id_number,
)
from tests.factories.schools import id_number


@pytest.mark.parametrize(
    ("quota", "cap"), [(0, 0), (4, 0), (5, 1), (9, 1), (10, 2), (14, 2), (15, 3), (100, 20), (101, 20), (-3, 0)]
)
def test_part_time_cap_is_floor_of_20_percent(quota, cap):
    assert part_time_cap(quota) == cap


@pytest.mark.parametrize(
    ("quota", "current", "headroom"), [(0, 0, 0), (4, 0, 0), (5, 0, 1), (5, 1, 0), (9, 1, 0), (10, 1, 1), (10, 5, 0)]
)
def test_part_time_headroom_never_negative(quota, current, headroom):
    assert part_time_headroom(quota, current) == headroom


def test_part_time_allows_up_to_the_cap_only():
    assert part_time_allows(10, 1, 1)
    assert not part_time_allows(10, 2, 1)
    assert not part_time_allows(10, 0, 3)
    assert not part_time_allows(0, 0, 1)
    assert not part_time_allows(4, 0, 1)
    assert part_time_allows(5, 0, 1)


def test_cap_message_states_quota_cap_current_and_headroom():
    message = part_time_cap_message(12, 2)
    assert "编制员额12人" in message
    assert "上限2人" in message
    assert "现有兼职教师2人" in message
    assert "剩余可聘0人" in message
    assert "拟新增" not in message
    batch = part_time_cap_message(50, 7, adding=5)
    assert "剩余可聘3人" in batch and "拟新增5人" in batch


def test_quota_too_low_message_names_minimum_quota():
    message = quota_too_low_message(9, 2)
    assert "现有兼职教师2人" in message and "至少应为10人" in message


def test_id_check_char_known_example():
    # GB 11643 example: 11010519491231002X
    assert id_check_char("11010519491231002") == "X"
    assert id_number_problem("11010519491231002X") is None


def test_id_number_factory_values_are_valid():
    for n in (0, 1, 999, 1000, 123456):
        assert id_number_problem(id_number(n)) is None


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("1101051949123100", "应为18位"),
        ("11010519491231002Y", "第18位应为数字或X"),
        ("1101051949123100AX", "前17位应为数字"),
        ("110105194913310021", "出生日期"),
        ("110105194912310021", "校验位错误：第18位应为“X”"),
    ],
)
def test_id_number_problems_are_specific(value, fragment):
    problem = id_number_problem(value)
    assert problem and fragment in problem


def test_validate_id_number_raises_and_normalises():
    assert normalize_id_number(" 11010519491231002x ") == "11010519491231002X"
    validate_id_number("")  # blank is the field's business
    with pytest.raises(ValidationError) as info:
        validate_id_number("110105194912310021")
    assert info.value.code == "invalid_id_number"


def test_programme_code_prefix_must_match_category_code_for_level():
    assert programme_code_problem("460103", "associate", "46") is None
    assert "前两位应为专业大类代码“46”" in programme_code_problem("660103", "associate", "46")
    assert "6位数字" in programme_code_problem("46010", "associate", "46")
    assert "6位数字" in programme_code_problem("46A103", "associate", "46")
    assert programme_code_problem("460103", "associate", "") is not None


def test_masks():
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_id_number("") == ""
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("12345") == "***45"
    assert mask_name("张三丰") == "张**"
    assert mask_name("") == ""


def test_practice_hours_bound_by_days():
    assert practice_hours_problem(date(2024, 7, 1), date(2024, 7, 1), 24) is None
    assert "超过" in practice_hours_problem(date(2024, 7, 1), date(2024, 7, 1), 25)
    assert "早于" in practice_hours_problem(date(2024, 7, 2), date(2024, 7, 1), 1)
