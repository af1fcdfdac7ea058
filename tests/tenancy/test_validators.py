"""GB 32100 unified social credit code and division code validation."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from consortium.tenancy.validators import (
    CREDIT_CODE_CHARSET,
    credit_code_check_char,
    credit_code_problem,
    validate_credit_code,
    validate_division_code,
)
from tests.factories.tenancy import credit_code

WEIGHTS = [3**i % 31 for i in range(17)]  # the standard's weights are 3^(i) mod 31


def _reference_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def test_weights_are_the_standard_ones():
    assert WEIGHTS == [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


@pytest.mark.parametrize(
    "first17", ["91230523000000001", "91230523MA1B2C3D4", "12230523ABCDEFGHJ", "11100000000013127"]
)
def test_computed_examples_validate(first17):
    code = first17 + _reference_check_char(first17)
    assert credit_code_check_char(first17) == code[-1]
    assert credit_code_problem(code) is None
    validate_credit_code(code)


def test_factory_codes_are_valid_and_unique():
    codes = {credit_code(n) for n in range(1, 500)}
    assert len(codes) == 499
    assert all(credit_code_problem(c) is None for c in codes)


@pytest.mark.parametrize("code,length", [("", 0), ("91230523", 8), ("91230523MA1B2C3D4XX", 19)])
def test_wrong_length(code, length):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(code)
    assert f"{length}位" in exc.value.messages[0]
    assert exc.value.error_list[0].code == "invalid_credit_code"


@pytest.mark.parametrize("bad", ["I", "O", "Z", "S", "V", "a", "-"])
def test_invalid_characters_are_named_with_their_position(bad):
    code = "91230523" + bad + "00000000" + "1"
    problem = credit_code_problem(code)
    assert problem is not None
    assert "第9位" in problem and bad in problem


def test_division_part_must_be_digits():
    first17 = "91A30523000000001"
    problem = credit_code_problem(first17 + credit_code_check_char(first17))
    assert problem is not None and "行政区划" in problem


def test_wrong_check_char_message_states_the_expected_char():
    first17 = "91230523000000001"
    expected = credit_code_check_char(first17)
    wrong = next(c for c in CREDIT_CODE_CHARSET if c != expected)
    problem = credit_code_problem(first17 + wrong)
    assert problem is not None
    assert f"“{expected}”" in problem and f"“{wrong}”" in problem


@given(
    st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=CREDIT_CODE_CHARSET, min_size=9, max_size=9),
)
def test_any_prefix_with_its_computed_check_char_validates(registrar, division, organisation):
    first17 = registrar + division + organisation
    code = first17 + credit_code_check_char(first17)
    assert credit_code_problem(code) is None
    assert credit_code_check_char(first17) == _reference_check_char(first17)
    # and every other 18th character is rejected
    other = CREDIT_CODE_CHARSET[(CREDIT_CODE_CHARSET.index(code[-1]) + 1) % 31]
    assert credit_code_problem(first17 + other) is not None


@pytest.mark.parametrize("value,ok", [("230523", True), ("23052", False), ("23052A", False), ("2305231", False)])
def test_division_code(value, ok):
    if ok:
        validate_division_code(value)
    else:
        with pytest.raises(ValidationError):
            validate_division_code(value)


def test_upload_size_validator_states_size_and_limit(settings):
    from django.core.files.base import ContentFile

    from consortium.funding.models import PolicyDocument
    from consortium.tenancy.validators import MaxFileSizeValidator, validate_upload_size
    from schools.models import DualQualification

    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    validate_upload_size(ContentFile(b"x" * 1024, name="ok.pdf"))  # under the limit: accepted
    with pytest.raises(ValidationError) as excinfo:
        validate_upload_size(ContentFile(b"x" * (3 * 1024 * 1024), name="big.pdf"))
    assert "3.0" in excinfo.value.messages[0] and "1" in excinfo.value.messages[0]
    # Every uploaded-file field of the portal carries it.
    for model, field in ((PolicyDocument, "attachment"), (DualQualification, "evidence_file")):
        assert any(isinstance(v, MaxFileSizeValidator) for v in model._meta.get_field(field).validators)
