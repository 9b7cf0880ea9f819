"""Request validation errors are said in the reader's language, with their limits."""

from datetime import date, datetime
from typing import Literal

import pytest
from pydantic import BaseModel, Field, ValidationError

from gridcare.core import validation


class Form(BaseModel):
    count: int
    share: float
    kind: Literal["repair", "complaint"]
    code: str = Field(max_length=2)
    level: int = Field(ge=1)
    at: datetime
    on: date
    flag: bool
    items: list[int]


def errors() -> dict[str, dict]:
    with pytest.raises(ValidationError) as caught:
        Form(count="x", share="y", kind="other", code="abc", level=0, at="nope", on="nope", flag="maybe", items="x")
    return {e["loc"][0]: e for e in caught.value.errors()}


def test_english_keeps_pydantics_words_and_chinese_gets_ours_with_the_limits():
    found = errors()
    assert validation.reason(found["count"], "en") == found["count"]["msg"]
    chinese = {field: validation.reason(error, "zh_CN") for field, error in found.items()}
    assert chinese == {
        "count": "必须是整数",
        "share": "必须为数字",
        "kind": "必须为以下之一：'repair' or 'complaint'",
        "code": "不能超过 2 个字符",
        "level": "不能小于 1",
        "at": "必须为日期时间，例如 2026-11-24T08:00:00+08:00",
        "on": "必须为日期，例如 2026-11-24",
        "flag": "必须为 true 或 false",
        "items": "必须为列表",
    }


def test_an_unknown_type_keeps_pydantics_words():
    assert validation.reason({"type": "something_new", "msg": "Input is odd"}, "zh_CN") == "Input is odd"
    assert validation.reason({"type": "string_too_long", "msg": "too long", "ctx": {}}, "zh_CN") == "too long"
