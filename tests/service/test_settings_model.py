"""The settings tables without pydantic (bot/settings_model.py, issue 20): what they accept,
what they refuse and in which words, where each problem is said to be, and how the
environment, a file's values and keyword arguments combine. The settings themselves are
tested through `load_settings` in test_config_file.py and the other config tests."""

from __future__ import annotations

import os
from datetime import date
from typing import Annotated, Any, ClassVar, Literal

import pytest

from bot.settings_model import (
    AliasChoices,
    BaseModel,
    BaseSettings,
    Field,
    NoDecode,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)


class Child(BaseModel):
    model_config: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    name: str
    size: int = Field(default=1, ge=1)


class Parent(BaseModel):
    model_config: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    count: int = 0
    ratio: float = Field(default=0.5, gt=0, lt=1)
    flag: bool = False
    day: date | None = None
    kind: Literal["a", "b"] = "a"
    tags: list[str] = Field(default_factory=list)
    limits: dict[str, int] = Field(default_factory=dict)
    children: list[Child] = Field(default_factory=list)
    child: Child | None = None
    either: str | dict[str, str] | None = None
    members: list[str] = Field(default_factory=lambda: ["x"], min_length=1)
    defaults: list[str] = ["shared"]  # noqa: RUF012 - copied per model, as pydantic does


def problems(model: type[BaseModel], data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """Each problem's place and words."""
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return [(p["loc"], p["msg"]) for p in caught.value.errors()]


def test_lax_coercion_as_pydantic_does_it() -> None:
    """Numbers and booleans given as text (as the environment gives everything) are taken,
    a whole float is an int, and a date may be ISO text."""
    model = Parent.model_validate(
        {"count": " 42 ", "ratio": "0.25", "flag": "yes", "day": "2026-12-24", "tags": ("a",)}
    )
    assert (model.count, model.ratio, model.flag, model.day) == (42, 0.25, True, date(2026, 12, 24))
    assert model.tags == ["a"]
    assert Parent.model_validate({"count": 7.0}).count == 7
    assert Parent.model_validate({"flag": 0}).flag is False


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"count": "x"}, "Input should be a valid integer, unable to parse string as an integer"),
        ({"count": 1.5}, "Input should be a valid integer, got a number with a fractional part"),
        ({"count": [1]}, "Input should be a valid integer"),
        ({"ratio": "x"}, "Input should be a valid number, unable to parse string as a number"),
        ({"ratio": 1}, "Input should be less than 1"),
        ({"ratio": 0}, "Input should be greater than 0"),
        ({"flag": "maybe"}, "Input should be a valid boolean, unable to interpret input"),
        ({"flag": 2}, "Input should be a valid boolean, unable to interpret input"),
        ({"day": "soon"}, "Input should be a valid date in the format YYYY-MM-DD"),
        ({"kind": "c"}, "Input should be 'a' or 'b'"),
        ({"tags": "a"}, "Input should be a valid list"),
        ({"limits": []}, "Input should be a valid dictionary"),
        ({"members": []}, "List should have at least 1 item after validation, not 0"),
        ({"child": "x"}, "Input should be a valid dictionary or instance of Child"),
    ],
)
def test_a_bad_value_is_refused_in_pydantics_words(data: dict[str, Any], expected: str) -> None:
    """Each refusal names what would have been valid, in the words pydantic used (so the
    messages people knew stay the same)."""
    [(loc, message)] = problems(Parent, data)
    assert loc == (next(iter(data)),)
    assert message == expected


def test_every_problem_is_found_each_at_its_place() -> None:
    """Problems in nested lists, tables and models are all reported, each with its path; a
    missing required field and an unknown key too."""
    found = problems(
        Parent,
        {
            "count": "x",
            "tags": ["ok", 3],
            "limits": {"a": 1, "b": "two"},
            "children": [{"name": "ok"}, {"size": 0}],
            "colour": "red",
        },
    )
    assert found == [
        (("count",), "Input should be a valid integer, unable to parse string as an integer"),
        (("tags", 1), "Input should be a valid string"),
        (("limits", "b"), "Input should be a valid integer, unable to parse string as an integer"),
        (("children", 1, "name"), "Field required"),
        (("children", 1, "size"), "Input should be greater than or equal to 1"),
        (("colour",), "Extra inputs are not permitted"),
    ]


def test_a_union_keeps_the_type_given_and_refuses_with_each_choices_words() -> None:
    """`str | dict[str, str] | None`: text stays text, a table stays a table; a number is
    neither, and the refusal says both."""
    assert Parent.model_validate({"either": "x"}).either == "x"
    assert Parent.model_validate({"either": {"sev1": "x"}}).either == {"sev1": "x"}
    [(_, message)] = problems(Parent, {"either": 5})
    assert message == "Input should be a valid string; or Input should be a valid dictionary"


def test_defaults_are_fresh_for_each_model_and_fields_set_says_what_was_given() -> None:
    """A mutable default is never shared between two models; `model_fields_set` holds only
    what the data named."""
    one, two = Parent(), Parent(count=3)
    one.defaults.append("changed")
    one.tags.append("changed")
    assert two.defaults == ["shared"]
    assert two.tags == []
    assert one.model_fields_set == set()
    assert two.model_fields_set == {"count"}


class Checked(BaseModel):
    model_config: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    order: list[str] = Field(default_factory=list)
    first: str = "a"
    second: str = "b"
    seen: list[str] = Field(default_factory=list, validate_default=True)

    @field_validator("first", mode="before")
    @classmethod
    def _before(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @field_validator("first")
    @classmethod
    def _after(cls, value: str) -> str:
        if value == "bad":
            raise ValueError("`bad` is not a first; use e.g. `good`")
        return value.upper()

    @field_validator("seen")
    @classmethod
    def _seen(cls, value: list[str], info: ValidationInfo) -> list[str]:
        return [*value, *sorted(info.data)]

    @model_validator(mode="after")
    def _whole(self) -> Checked:
        if self.first == self.second.upper():
            raise ValueError("first and second must differ")
        return self


def test_validators_run_in_pydantics_order_and_see_the_fields_before_them() -> None:
    """Before validators see the raw value (an int becomes text before the type check), after
    validators the typed one; a validator sees the fields validated before it; a default
    marked `validate_default` is validated too."""
    model = Checked.model_validate({"first": 12})
    assert model.first == "12"
    assert model.seen == ["first", "order", "second"]


def test_a_validators_value_error_is_said_as_pydantic_said_it() -> None:
    """`Value error, ` then the validator's message, at the field; a model validator's at the
    model (an empty place)."""
    assert problems(Checked, {"first": "bad"}) == [
        (("first",), "Value error, `bad` is not a first; use e.g. `good`")
    ]
    assert problems(Checked, {"first": "b"}) == [((), "Value error, first and second must differ")]


def test_a_failed_field_is_not_in_the_data_later_validators_see() -> None:
    """As in pydantic: a field that failed is left out of `info.data`, so a later check that
    depends on it can tell 'not given' from 'given and wrong'."""
    found = problems(Checked, {"first": "bad", "second": 3})
    assert [loc for loc, _ in found] == [("first",), ("second",)]


def test_dump_copy_equality_and_secrets() -> None:
    """`model_dump` gives nested models as dicts; `model_copy(update=…)` changes only the
    copy; models with the same values are equal; a secret prints as stars."""
    model = Parent(children=[{"name": "c"}], child={"name": "d", "size": 2})
    dumped = model.model_dump(exclude={"defaults"})
    assert dumped["children"] == [{"name": "c", "size": 1}]
    assert dumped["child"] == {"name": "d", "size": 2}
    assert "defaults" not in dumped
    twin = model.model_copy(update={"count": 9})
    assert (twin.count, model.count) == (9, 0)
    assert Parent(count=1) == Parent(count="1") != Parent(count=2)
    secret = SecretStr("hunter2")
    assert secret.get_secret_value() == "hunter2"
    assert "hunter2" not in f"{secret} {secret!r} {[secret]}"
    assert secret == SecretStr("hunter2") != SecretStr("other")


class Env(BaseSettings):
    model_config: ClassVar[dict[str, Any]] = {
        "env_prefix": "TESTSET_",
        "env_nested_delimiter": "__",
        "extra": "ignore",
    }

    port: int = Field(default=1, validation_alias=AliasChoices("TESTSET_PORT_ALIAS", "TESTSET_P"))
    token: SecretStr | None = Field(default=None, validation_alias="TESTSET_TOKEN_ALIAS")
    interval: int = 5
    child: Child = Field(default_factory=lambda: Child(name="default"))
    tags: list[str] = Field(default_factory=list)
    raw: Annotated[tuple[str, ...], NoDecode] = ()
    page: str | dict[str, str] | None = None
    file: ClassVar[dict[str, Any]] = {}

    @field_validator("raw", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return tuple(value.split(",")) if isinstance(value, str) else value

    @classmethod
    def file_values(cls) -> dict[str, Any]:
        return cls.file


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.upper().startswith("TESTSET_"):
            monkeypatch.delenv(name)
    monkeypatch.setattr(Env, "file", {})
    return monkeypatch


def test_the_environment_over_the_file_over_defaults_and_arguments_over_all(
    env: pytest.MonkeyPatch,
) -> None:
    """A file's value is overridden by the environment's, and a keyword argument wins over
    both; a nested table merges key by key."""
    env.setattr(Env, "file", {"INTERVAL": 7, "child": {"name": "file", "size": 3}})
    assert Env().interval == 7
    env.setenv("testset_interval", "8")  # names are read without regard to case
    env.setenv("TESTSET_CHILD__NAME", "env")
    settings = Env()
    assert settings.interval == 8
    assert (settings.child.name, settings.child.size) == ("env", 3)
    assert Env(interval=9).interval == 9


def test_aliases_are_read_in_order_and_the_prefix_is_not_added_to_them(
    env: pytest.MonkeyPatch,
) -> None:
    """A field with aliases is read by them alone, the first set winning."""
    env.setenv("TESTSET_PORT", "5")  # the prefixed field name is not one of its names
    assert Env().port == 1
    env.setenv("TESTSET_P", "6")
    assert Env().port == 6
    env.setenv("TESTSET_PORT_ALIAS", "7")
    assert Env().port == 7
    env.setenv("TESTSET_TOKEN_ALIAS", "s3cret")
    token = Env().token
    assert token is not None
    assert token.get_secret_value() == "s3cret"


def test_lists_and_tables_in_the_environment_are_json_unless_marked(
    env: pytest.MonkeyPatch,
) -> None:
    """A list is JSON; a field marked NoDecode gets the text; a union of text and a table takes
    JSON when it is JSON and the text otherwise."""
    env.setenv("TESTSET_TAGS", '["a", "b"]')
    env.setenv("TESTSET_RAW", "x,y")
    env.setenv("TESTSET_PAGE", "maintainers")
    settings = Env()
    assert (settings.tags, settings.raw, settings.page) == (["a", "b"], ("x", "y"), "maintainers")
    env.setenv("TESTSET_PAGE", '{"sev1": "sre"}')
    assert Env().page == {"sev1": "sre"}


def test_an_environment_value_that_is_not_json_is_said_with_the_other_problems(
    env: pytest.MonkeyPatch,
) -> None:
    """The variable that is not JSON is named at its place, beside the problems of the other
    settings, rather than stopping at the first."""
    env.setenv("TESTSET_TAGS", "a,b")
    env.setenv("TESTSET_CHILD__SIZE", "0")
    env.setenv("TESTSET_INTERVAL", "soon")
    with pytest.raises(ValidationError) as caught:
        Env()
    found = {p["loc"]: p["msg"] for p in caught.value.errors()}
    assert found[("tags",)].startswith("is not valid JSON; a list or table given in the env")
    assert found[("child", "size")] == "Input should be greater than or equal to 1"
    assert found[("interval",)].startswith("Input should be a valid integer")


def test_a_validator_naming_no_field_is_a_mistake_at_class_creation() -> None:
    """A misspelt field name in `field_validator` fails when the class is made, not never."""
    with pytest.raises(TypeError, match="names no field `nmae`"):

        class Misspelt(BaseModel):
            name: str = ""

            @field_validator("nmae")
            @classmethod
            def _check(cls, value: str) -> str:
                return value
