"""Typed settings tables: the small part of pydantic's model API that sevbot's settings use.

Why not pydantic itself (issue 20): pydantic, pydantic-core and pydantic-settings held about
10 MiB of a process whose goal is 55 MiB, to check about forty settings once at start. This
module keeps the same shape, so the settings modules read as they did:

- `BaseModel`: fields from the class's annotations, with defaults or `Field(...)`; built with
  `Model(**values)` or `Model.model_validate(mapping)`; `model_config = {"extra": "forbid"}`
  refuses unknown keys; `model_fields`, `model_fields_set`, `model_dump`, `model_copy`.
- `field_validator(*names, mode="before"|"after")` and `model_validator(mode=...)`, in
  pydantic's order: before validators, the type, its bounds, after validators (each seeing
  `info.data`, the fields validated before it), then the model's after validators.
- Types: str, int, float, bool, date, timedelta, `SecretStr`, `Literal`, unions, `list`,
  `tuple`, `dict` and nested models, coerced as pydantic's lax mode does (a TOML or
  environment string `"8080"` is an int), otherwise refused with pydantic's wording.
- `ValidationError.errors()`: every problem found, each with its `loc` and `msg`.
- `BaseSettings`: the environment (`SEVBOT_` prefix, `__` for nested keys, names without
  regard to case, JSON for lists and tables) over a file's values over the defaults; keyword
  arguments win over both.
"""

from __future__ import annotations

import copy
import json
import os
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import (
    Annotated,
    Any,
    ClassVar,
    Literal,
    TypeVar,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

F = TypeVar("F")
M = TypeVar("M", bound="BaseModel")


class SecretStr:
    """A secret that prints as stars: in `repr`, logs and `sevbot config check`."""

    __slots__ = ("_secret",)

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def get_secret_value(self) -> str:
        """The secret itself."""
        return self._secret

    def __repr__(self) -> str:
        return "SecretStr('**********')" if self._secret else "SecretStr('')"

    def __str__(self) -> str:
        return "**********" if self._secret else ""

    def __len__(self) -> int:
        return len(self._secret)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretStr) and other._secret == self._secret

    def __hash__(self) -> int:
        return hash(self._secret)


class NoDecode:
    """`Annotated[..., NoDecode]`: an environment value is the field's text, not JSON."""


class AliasChoices:
    """Names a setting is read by, first found wins (e.g. `PORT`, then `SEVBOT_PORT`)."""

    def __init__(self, *choices: str) -> None:
        self.choices = list(choices)


_MISSING: Any = object()


@dataclass
class FieldInfo:
    """One field: its default, bounds and aliases (what `Field(...)` says) and its type."""

    default: Any = _MISSING
    default_factory: Callable[[], Any] | None = None
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    min_length: int | None = None
    validation_alias: str | AliasChoices | None = None
    validate_default: bool = False
    annotation: Any = None
    no_decode: bool = False

    def is_required(self) -> bool:
        """No default and no factory."""
        return self.default is _MISSING and self.default_factory is None

    def make_default(self) -> Any:
        """A fresh default: the factory's, or a copy of a mutable default."""
        if self.default_factory is not None:
            return self.default_factory()
        return copy.deepcopy(self.default)

    def aliases(self) -> list[str]:
        """The names this field is read by besides its own."""
        alias = self.validation_alias
        if isinstance(alias, str):
            return [alias]
        return list(alias.choices) if isinstance(alias, AliasChoices) else []


def Field(
    default: Any = _MISSING,
    *,
    default_factory: Callable[[], Any] | None = None,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    min_length: int | None = None,
    validation_alias: str | AliasChoices | None = None,
    validate_default: bool = False,
) -> Any:
    """A field's default and bounds, as pydantic's `Field` takes them."""
    return FieldInfo(
        default=default,
        default_factory=default_factory,
        gt=gt,
        ge=ge,
        lt=lt,
        le=le,
        min_length=min_length,
        validation_alias=validation_alias,
        validate_default=validate_default,
    )


@dataclass
class ValidationInfo:
    """What a field validator may see: the fields validated before it."""

    data: dict[str, Any]
    field_name: str


class ValidationError(ValueError):
    """Every problem of one validation, each with where (`loc`) and what (`msg`)."""

    def __init__(self, title: str, problems: list[dict[str, Any]]) -> None:
        self.title = title
        self._problems = problems
        super().__init__(str(self))

    def errors(self) -> list[dict[str, Any]]:
        """Each problem: `{"loc": ("policy", "warning_fraction"), "msg": "…", "type": "…"}`."""
        return [dict(problem) for problem in self._problems]

    def __str__(self) -> str:
        count = len(self._problems)
        lines = [f"{count} validation error{'s' if count != 1 else ''} for {self.title}"]
        for problem in self._problems:
            lines.append(".".join(str(part) for part in problem["loc"]) or self.title)
            lines.append(f"  {problem['msg']}")
        return "\n".join(lines)


class _Invalid(Exception):
    """Problems found below one value, their locations relative to it."""

    def __init__(self, problems: list[tuple[tuple[Any, ...], str, str]]) -> None:
        super().__init__(problems)
        self.problems = problems

    @classmethod
    def one(cls, message: str, kind: str) -> _Invalid:
        return cls([((), message, kind)])

    def under(self, *loc: Any) -> list[tuple[tuple[Any, ...], str, str]]:
        return [((*loc, *where), message, kind) for where, message, kind in self.problems]


def _value_error(error: ValueError | AssertionError) -> _Invalid:
    if isinstance(error, ValidationError):
        return _Invalid([(tuple(p["loc"]), p["msg"], p["type"]) for p in error.errors()])
    if isinstance(error, AssertionError):
        return _Invalid.one(f"Assertion failed, {error}", "assertion_error")
    return _Invalid.one(f"Value error, {error}", "value_error")


_VALIDATOR = "__sevbot_validator__"


def field_validator(*fields: str, mode: Literal["before", "after"] = "after") -> Callable[[F], F]:
    """Run the decorated class method on these fields' values (see the module's order)."""

    def mark(method: F) -> F:
        function = getattr(method, "__func__", method)
        setattr(function, _VALIDATOR, ("field", fields, mode))
        return method

    return mark


def model_validator(*, mode: Literal["before", "after"]) -> Callable[[F], F]:
    """`before`: a class method given the raw mapping; `after`: a method given the model."""

    def mark(method: F) -> F:
        function = getattr(method, "__func__", method)
        setattr(function, _VALIDATOR, ("model", (), mode))
        return method

    return mark


@dataclass
class _Validators:
    before: dict[str, list[Callable[..., Any]]]
    after: dict[str, list[Callable[..., Any]]]
    model_before: list[Callable[..., Any]]
    model_after: list[Callable[..., Any]]


def _takes_info(function: Callable[..., Any]) -> bool:
    code = getattr(function, "__code__", None)
    return code is not None and code.co_argcount >= 3


class BaseModel:
    """A settings table: see the module's docstring for what it checks and how."""

    model_config: ClassVar[dict[str, Any]] = {}
    model_fields: ClassVar[dict[str, FieldInfo]] = {}
    __validators__: ClassVar[_Validators]

    model_fields_set: set[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        hints = get_type_hints(cls, include_extras=True)
        fields: dict[str, FieldInfo] = {}
        for name, hint in hints.items():
            if get_origin(hint) is ClassVar or name.startswith("_") or name == "model_fields_set":
                continue
            declared = cls.__dict__.get(name, _MISSING)
            if declared is _MISSING:
                inherited = next(
                    (
                        b.model_fields[name]
                        for b in _models(cls.__mro__[1:])
                        if name in b.model_fields
                    ),
                    None,
                )
                info = copy.copy(inherited) if inherited is not None else FieldInfo()
            elif isinstance(declared, FieldInfo):
                info = copy.copy(declared)
            else:
                info = FieldInfo(default=declared)
            info.annotation, info.no_decode = _unwrap(hint)
            fields[name] = info
        cls.model_fields = fields
        validators = _Validators(before={}, after={}, model_before=[], model_after=[])
        for klass in reversed(cls.__mro__):
            for attribute in vars(klass).values():
                function = getattr(attribute, "__func__", attribute)
                marked = getattr(function, _VALIDATOR, None)
                if marked is None:
                    continue
                kind, names, mode = marked
                if kind == "model":
                    (
                        validators.model_before if mode == "before" else validators.model_after
                    ).append(function)
                    continue
                for name in names:
                    if name not in fields:
                        raise TypeError(f"{cls.__name__}: a validator names no field `{name}`")
                    table = validators.before if mode == "before" else validators.after
                    table.setdefault(name, []).append(function)
        cls.__validators__ = validators
        for name in fields:
            if name in cls.__dict__:
                delattr(cls, name)  # the instance's value, not the class's default, is read

    def __init__(self, **data: Any) -> None:
        self._validate_into(data)

    @classmethod
    def model_validate(cls: type[M], data: Any) -> M:
        """The model of a mapping (or the model itself); ValidationError naming each problem."""
        if isinstance(data, cls):
            return data
        model = cls.__new__(cls)
        model._validate_into(data)
        return model

    def _validate_into(self, data: Any) -> None:
        cls = type(self)
        try:
            self.__dict__.update(cls._validated(data))
        except _Invalid as invalid:
            raise ValidationError(cls.__name__, _problems(invalid.problems)) from None
        model_after = cls.__validators__.model_after
        for validate in model_after:
            try:
                validate(self)
            except (ValueError, AssertionError) as error:
                raise ValidationError(
                    cls.__name__, _problems(_value_error(error).problems)
                ) from None

    @classmethod
    def _validated(cls, data: Any) -> dict[str, Any]:
        """The fields' values and `model_fields_set`, or `_Invalid` with every problem."""
        for before in cls.__validators__.model_before:
            try:
                data = before(cls, data)
            except (ValueError, AssertionError) as error:
                raise _value_error(error) from None
        if isinstance(data, BaseModel):
            data = data.__dict__ if isinstance(data, cls) else data.model_dump()
        if not isinstance(data, Mapping):
            raise _Invalid.one(
                f"Input should be a valid dictionary or instance of {cls.__name__}", "model_type"
            )
        problems: list[tuple[tuple[Any, ...], str, str]] = []
        given = dict(data)
        values: dict[str, Any] = {}
        provided: set[str] = set()
        for name, info in cls.model_fields.items():
            key = next(
                (k for k in (*info.aliases(), name) if k in given),
                None,
            )
            if key is None:
                if info.is_required():
                    problems.append(((name,), "Field required", "missing"))
                    continue
                value = info.make_default()
                if not info.validate_default:
                    values[name] = value
                    continue
            else:
                provided.add(name)
                value = given[key]
            try:
                values[name] = cls._field(name, info, value, values)
            except _Invalid as invalid:
                problems.extend(invalid.under(name))
        if cls.model_config.get("extra") == "forbid":
            known = {k for n, i in cls.model_fields.items() for k in (n, *i.aliases())}
            problems.extend(
                ((key,), "Extra inputs are not permitted", "extra_forbidden")
                for key in given
                if key not in known
            )
        if problems:
            raise _Invalid(problems)
        values["model_fields_set"] = provided
        return values

    @classmethod
    def _field(cls, name: str, info: FieldInfo, value: Any, data: dict[str, Any]) -> Any:
        """One field's value through its before validators, its type and bounds, and its
        after validators."""
        validators = cls.__validators__
        try:
            for validate in validators.before.get(name, ()):
                value = cls._call(validate, value, data, name)
        except (ValueError, AssertionError) as error:
            raise _value_error(error) from None
        value = _convert(info.annotation, value)
        _bounds(info, value)
        try:
            for validate in validators.after.get(name, ()):
                value = cls._call(validate, value, data, name)
        except (ValueError, AssertionError) as error:
            raise _value_error(error) from None
        return value

    @classmethod
    def _call(
        cls, validate: Callable[..., Any], value: Any, data: dict[str, Any], name: str
    ) -> Any:
        if _takes_info(validate):
            return validate(cls, value, ValidationInfo(data=dict(data), field_name=name))
        return validate(cls, value)

    def model_dump(self, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
        """The fields as plain values: nested models as dicts, everything else as it is."""
        left_out = set(exclude)
        return {
            name: _dump(getattr(self, name))
            for name in type(self).model_fields
            if name not in left_out
        }

    def model_copy(self: M, *, update: Mapping[str, Any] | None = None) -> M:
        """A shallow copy, with `update`'s fields set as given (not validated)."""
        twin = copy.copy(self)
        twin.__dict__ = dict(self.__dict__)
        twin.__dict__["model_fields_set"] = set(self.model_fields_set)
        for name, value in (update or {}).items():
            twin.__dict__[name] = value
            twin.model_fields_set.add(name)
        return twin

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, BaseModel)
        return all(getattr(self, n) == getattr(other, n) for n in type(self).model_fields)

    __hash__ = None  # type: ignore[assignment]  # a mutable table, as pydantic's

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in type(self).model_fields)
        return f"{type(self).__name__}({shown})"


def _models(classes: Iterable[type]) -> Iterable[type[BaseModel]]:
    return (c for c in classes if issubclass(c, BaseModel) and "model_fields" in vars(c))


def _problems(found: list[tuple[tuple[Any, ...], str, str]]) -> list[dict[str, Any]]:
    return [{"loc": loc, "msg": message, "type": kind} for loc, message, kind in found]


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, list):
        return [_dump(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_dump(item) for item in value)
    if isinstance(value, dict):
        return {key: _dump(item) for key, item in value.items()}
    return value


def _unwrap(hint: Any) -> tuple[Any, bool]:
    """The type without `Annotated`, and whether it was marked `NoDecode`."""
    if get_origin(hint) is Annotated:
        base, *extras = get_args(hint)
        return base, any(extra is NoDecode for extra in extras)
    return hint, False


def _bounds(info: FieldInfo, value: Any) -> None:
    if info.min_length is not None and value is not None and len(value) < info.min_length:
        item = "item" if info.min_length == 1 else "items"
        raise _Invalid.one(
            f"List should have at least {info.min_length} {item} after validation, "
            f"not {len(value)}",
            "too_short",
        )
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return
    for bound, words, kind in (
        (info.gt, "greater than", "greater_than"),
        (info.ge, "greater than or equal to", "greater_than_equal"),
        (info.lt, "less than", "less_than"),
        (info.le, "less than or equal to", "less_than_equal"),
    ):
        if bound is None:
            continue
        ok = {
            "greater_than": value > bound,
            "greater_than_equal": value >= bound,
            "less_than": value < bound,
            "less_than_equal": value <= bound,
        }[kind]
        if not ok:
            raise _Invalid.one(f"Input should be {words} {_number(bound)}", kind)


def _number(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)


_TRUE = {"1", "on", "t", "true", "y", "yes"}
_FALSE = {"0", "off", "f", "false", "n", "no"}


def _convert(kind: Any, value: Any) -> Any:
    """`value` as `kind`, coerced as pydantic's lax mode does; `_Invalid` when it cannot be."""
    origin = get_origin(kind)
    if kind is Any:
        return value
    if kind is None or kind is type(None):
        if value is None:
            return None
        raise _Invalid.one("Input should be None", "none_required")
    if origin is Union or origin is types.UnionType:
        return _union(get_args(kind), value)
    if origin is Literal:
        choices = get_args(kind)
        if value in choices:
            return value
        listed = [repr(choice) for choice in choices]
        words = listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " or " + listed[-1]
        raise _Invalid.one(f"Input should be {words}", "literal_error")
    if origin is list or origin is tuple:
        return _sequence(kind, origin, value)
    if origin is dict:
        key_kind, item_kind = get_args(kind) or (Any, Any)
        if not isinstance(value, Mapping):
            raise _Invalid.one("Input should be a valid dictionary", "dict_type")
        result: dict[Any, Any] = {}
        problems: list[tuple[tuple[Any, ...], str, str]] = []
        for key, item in value.items():
            try:
                result[_convert(key_kind, key)] = _convert(item_kind, item)
            except _Invalid as invalid:
                problems.extend(invalid.under(key))
        if problems:
            raise _Invalid(problems)
        return result
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        if isinstance(value, kind):
            return value
        model = kind.__new__(kind)
        try:
            model._validate_into(value)
        except ValidationError as error:
            raise _Invalid(
                [(tuple(p["loc"]), p["msg"], p["type"]) for p in error.errors()]
            ) from None
        return model
    if kind is str:
        if isinstance(value, str):
            return value
        raise _Invalid.one("Input should be a valid string", "string_type")
    if kind is SecretStr:
        if isinstance(value, SecretStr):
            return value
        if isinstance(value, str):
            return SecretStr(value)
        raise _Invalid.one("Input should be a valid string", "string_type")
    if kind is bool:
        return _bool(value)
    if kind is int:
        return _int(value)
    if kind is float:
        return _float(value)
    if kind is timedelta:
        if isinstance(value, timedelta):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return timedelta(seconds=value)
        raise _Invalid.one("Input should be a valid timedelta", "time_delta_type")
    if kind is date:
        return _date(value)
    if isinstance(kind, type):
        if isinstance(value, kind):
            return value
        try:
            return kind(value)
        except (TypeError, ValueError):
            raise _Invalid.one(
                f"Input should be an instance of {kind.__name__}", "is_instance_of"
            ) from None
    raise TypeError(f"a settings field of type {kind!r} is not supported")


def _union(choices: tuple[Any, ...], value: Any) -> Any:
    """The first choice that takes the value as it is, else the first that converts it."""
    if value is None and type(None) in choices:
        return None
    others = [choice for choice in choices if choice is not type(None)]
    for choice in others:
        base = get_origin(choice) or choice
        if (
            isinstance(base, type)
            and isinstance(value, base)
            and not (base is int and isinstance(value, bool))
        ):
            try:
                return _convert(choice, value)
            except _Invalid:
                continue
    failures: list[_Invalid] = []
    for choice in others:
        try:
            return _convert(choice, value)
        except _Invalid as invalid:
            failures.append(invalid)
    if len(failures) == 1:
        raise failures[0]
    messages = list(dict.fromkeys(message for f in failures for _, message, _ in f.problems))
    raise _Invalid.one("; or ".join(messages), "union")


def _sequence(kind: Any, origin: Any, value: Any) -> Any:
    name = "list" if origin is list else "tuple"
    if not isinstance(value, list | tuple):
        raise _Invalid.one(f"Input should be a valid {name}", f"{name}_type")
    args = get_args(kind)
    item_kind = args[0] if args else Any
    items: list[Any] = []
    problems: list[tuple[tuple[Any, ...], str, str]] = []
    for index, item in enumerate(value):
        try:
            items.append(_convert(item_kind, item))
        except _Invalid as invalid:
            problems.extend(invalid.under(index))
    if problems:
        raise _Invalid(problems)
    return items if origin is list else tuple(items)


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _Invalid.one("Input should be a valid boolean, unable to interpret input", "bool_parsing")


def _int(value: Any) -> int:
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise _Invalid.one(
            "Input should be a valid integer, got a number with a fractional part",
            "int_from_float",
        )
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            raise _Invalid.one(
                "Input should be a valid integer, unable to parse string as an integer",
                "int_parsing",
            ) from None
    raise _Invalid.one("Input should be a valid integer", "int_type")


def _float(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            raise _Invalid.one(
                "Input should be a valid number, unable to parse string as a number",
                "float_parsing",
            ) from None
    raise _Invalid.one("Input should be a valid number", "float_type")


def _date(value: Any) -> date:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _Invalid.one(
        "Input should be a valid date in the format YYYY-MM-DD", "date_from_datetime_parsing"
    )


def _is_complex(kind: Any) -> tuple[bool, bool]:
    """Whether an environment value of this type is JSON, and whether text is also fine
    (a union of a table and a string)."""
    origin = get_origin(kind)
    if origin is Union or origin is types.UnionType:
        found = [_is_complex(choice)[0] for choice in get_args(kind)]
        return any(found), any(found) and not all(
            found[i] or choice is type(None) for i, choice in enumerate(get_args(kind))
        )
    if origin in (list, tuple, dict, set, frozenset):
        return True, False
    return isinstance(kind, type) and issubclass(kind, BaseModel), False


def _deep_update(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_update(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


class BaseSettings(BaseModel):
    """Settings read from the environment over `file_values()` over the defaults.

    `env_prefix` (`SEVBOT_`) and `env_nested_delimiter` (`__`) come from `model_config`;
    a field with a `validation_alias` is read by its alias alone. Names are read without
    regard to case. A list or table given in the environment is JSON, except a field marked
    `Annotated[..., NoDecode]`.
    """

    def __init__(self, **values: Any) -> None:
        environment, unreadable = self._environment()
        merged = _deep_update(self._by_field(self.file_values()), environment)
        try:
            super().__init__(**_deep_update(merged, self._by_field(values, fold=False)))
        except ValidationError as error:
            raise ValidationError(type(self).__name__, unreadable + error.errors()) from None
        if unreadable:
            raise ValidationError(type(self).__name__, unreadable)

    @classmethod
    def file_values(cls) -> Mapping[str, Any]:
        """A configuration file's values (none here)."""
        return {}

    @classmethod
    def _names(cls) -> dict[str, str]:
        """Each name a setting is read by, in lower case, and its field."""
        names: dict[str, str] = {}
        for name, info in cls.model_fields.items():
            for key in (name, *info.aliases()):
                names[key.lower()] = name
        return names

    @classmethod
    def _by_field(cls, values: Mapping[str, Any], *, fold: bool = True) -> dict[str, Any]:
        """Values keyed by field name (keys that name no field are left out)."""
        names = cls._names()
        found: dict[str, Any] = {}
        for key, value in values.items():
            field = names.get(key.lower()) if fold else names.get(key.lower(), key)
            if field is not None:
                found[field] = value
        return found

    @classmethod
    def _environment(cls) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The settings the environment gives, by field, and each variable that is not the
        JSON its setting needs (that setting is then left to its file value or default)."""
        prefix = str(cls.model_config.get("env_prefix", "")).lower()
        nested = str(cls.model_config.get("env_nested_delimiter", ""))
        environ = {key.lower(): value for key, value in os.environ.items()}
        found: dict[str, Any] = {}
        problems: list[tuple[tuple[Any, ...], str, str]] = []
        for name, info in cls.model_fields.items():
            env_names = [a.lower() for a in info.aliases()] or [prefix + name]
            key = next((n for n in env_names if n in environ), None)
            value: Any = None
            try:
                if key is not None:
                    value = _decode(info, environ[key])
                if nested and not info.aliases():
                    value = _explode(info, prefix + name + nested.lower(), nested, environ, value)
            except _Invalid as invalid:
                problems.extend(invalid.under(name))
                continue
            if key is not None or value is not None:
                found[name] = value
        return found, _problems(problems)


def _decode(info: FieldInfo, text: str) -> Any:
    complex_, text_too = _is_complex(info.annotation)
    if not complex_ or info.no_decode:
        return text
    try:
        return json.loads(text)
    except ValueError:
        if text_too:
            return text
        raise _Invalid.one(
            "is not valid JSON; a list or table given in the environment is JSON, "
            'e.g. ["a", "b"] or {"sev1": "30m"}',
            "json_invalid",
        ) from None


def _bare(kind: Any) -> Any:
    if get_origin(kind) in (Union, types.UnionType):
        return next((k for k in get_args(kind) if k is not type(None)), kind)
    return kind


def _explode(
    info: FieldInfo, start: str, delimiter: str, environ: Mapping[str, str], value: Any
) -> Any:
    """`SEVBOT_POLICY__WARNING_FRACTION=0.5` as `{"warning_fraction": "0.5"}`, merged into the
    field's own JSON value if it has one."""
    parts: dict[str, Any] = {}
    for key, text in environ.items():
        if not key.startswith(start) or len(key) == len(start):
            continue
        path = key[len(start) :].split(delimiter.lower())
        kind = _bare(info.annotation)
        target = parts
        for step in path[:-1]:
            kind = _nested_kind(kind, step)
            target = target.setdefault(step, {})
            if not isinstance(target, dict):
                break
        else:
            leaf_kind = _nested_kind(kind, path[-1])
            leaf = FieldInfo(annotation=leaf_kind)
            try:
                target[path[-1]] = _decode(leaf, text)
            except _Invalid as invalid:
                raise _Invalid(invalid.under(*path)) from None
    if not parts:
        return value
    return _deep_update(value if isinstance(value, dict) else {}, parts)


def _nested_kind(kind: Any, key: str) -> Any:
    kind = _bare(kind)
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        info = kind.model_fields.get(key)
        return Any if info is None else _bare(info.annotation)
    if get_origin(kind) is dict:
        return _bare((get_args(kind) or (Any, Any))[1])
    return Any


__all__ = [
    "AliasChoices",
    "BaseModel",
    "BaseSettings",
    "Field",
    "FieldInfo",
    "NoDecode",
    "SecretStr",
    "ValidationError",
    "ValidationInfo",
    "field_validator",
    "model_validator",
]
