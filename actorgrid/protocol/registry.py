"""Typed immutable messages: the ``@message`` decorator, field constraints and the registry.

A message is a frozen, slotted dataclass deriving from :class:`Message`, registered under a
stable wire tag and a schema version::

    @message("meter.reading", version=1)
    @dataclass(frozen=True, slots=True)
    class MeterReading(Message):
        source_id: Annotated[str, MaxLen(64)]
        slot: Annotated[int, Range(0, 2**32)]
        energy_wh: Annotated[int, Range(0, 10**9)]

Registration compiles, once per class, a validator (run on every construction, so an
instance that exists is valid) and the wire converters the codec uses; nothing is reflected
per message at run time.

Supported field types: ``int``, ``bool``, ``str``, ``bytes``, ``float`` (finite; never
money), ``enum.Enum`` subclasses whose values are all ``int`` or all ``str``, other
registered messages, ``X | None`` and ``tuple[X, ...]`` of any of these, each optionally
wrapped in ``Annotated[..., Range(lo, hi)]`` / ``Annotated[..., MaxLen(n)]``.
Defaults when not annotated: ints within int64, floats finite, ``str`` ≤ 1024 characters,
``bytes`` ≤ 64 KiB, tuples ≤ 1024 items.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import msgpack

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ITEMS",
    "DEFAULT_MAX_STR",
    "INT64_MAX",
    "INT64_MIN",
    "REGISTRY",
    "FieldSpec",
    "MaxLen",
    "Message",
    "MessageSpec",
    "MessageValidationError",
    "Range",
    "Registry",
    "TypeSpec",
    "message",
]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
UINT64_MAX = 2**64 - 1
DEFAULT_MAX_STR = 1024
DEFAULT_MAX_BYTES = 64 * 1024
DEFAULT_MAX_ITEMS = 1024


class MessageValidationError(ValueError):
    """A message was constructed (or decoded) with a value its schema does not allow."""


@dataclass(frozen=True, slots=True)
class Range:
    """Inclusive bounds ``lo <= value <= hi`` for an ``int`` or ``float`` field."""

    lo: int | float
    hi: int | float

    def __post_init__(self) -> None:
        if not self.lo <= self.hi:
            raise ValueError(f"Range({self.lo}, {self.hi}): lo must be <= hi")


@dataclass(frozen=True, slots=True)
class MaxLen:
    """Upper bound on the length of a ``str`` (characters), ``bytes`` or ``tuple`` field."""

    n: int

    def __post_init__(self) -> None:
        if self.n < 0:
            raise ValueError(f"MaxLen({self.n}) must be >= 0")


class Message:
    """Base class of every wire message. Subclasses are frozen slotted dataclasses.

    Registering the subclass with :func:`message` installs its validator, so constructing
    an instance with a value outside its schema raises :class:`MessageValidationError`.
    """

    __slots__ = ()
    _wire_spec: ClassVar[MessageSpec]

    def __post_init__(self) -> None:
        raise TypeError(f"{type(self).__qualname__} is not registered: decorate it with @message")


M = TypeVar("M", bound=Message)


# --------------------------------------------------------------------------- type specs


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """The compiled description of one field type (a tree for optionals and tuples)."""

    kind: str  # "int" "bool" "str" "bytes" "float" "enum" "message" "optional" "tuple"
    lo: int | float | None = None
    hi: int | float | None = None
    max_len: int | None = None
    item: TypeSpec | None = None
    cls: type[Any] | None = None  # enum class or message class

    def describe(self) -> str:
        """Human-readable type, for error messages."""
        if self.kind == "optional":
            assert self.item is not None
            return f"{self.item.describe()} | None"
        if self.kind == "tuple":
            assert self.item is not None
            return f"tuple[{self.item.describe()}, ...] (len <= {self.max_len})"
        if self.cls is not None:
            return self.cls.__qualname__
        if self.kind in ("int", "float"):
            return f"{self.kind} in [{self.lo}, {self.hi}]"
        if self.kind in ("str", "bytes"):
            return f"{self.kind} (len <= {self.max_len})"
        return self.kind


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a message: name, type spec and whether it has a default."""

    name: str
    type: TypeSpec
    has_default: bool


@dataclass(frozen=True, slots=True)
class MessageSpec:
    """Everything the codec needs about one registered message class."""

    cls: type[Message]
    tag: str
    major: int
    minor: int
    fields: tuple[FieldSpec, ...]
    n_required: int
    to_wire: Callable[[Any], tuple[Any, ...]]  # instance -> (tag, major, minor, *fields)
    pack: Callable[[Any], bytes]  # instance -> msgpack bytes of to_wire(instance)
    to_body: Callable[[Any], tuple[Any, ...]]  # instance -> (minor, *fields), when nested
    from_fields: Callable[[tuple[Any, ...]], Any]  # wire field values -> instance
    from_wire: Callable[[tuple[Any, ...]], Any]  # whole wire tuple -> instance

    @property
    def wire_len(self) -> int:
        """``len(to_wire(instance))``: the header's 3 items plus one per field."""
        return 3 + len(self.fields)


# --------------------------------------------------------------------------- registry


class Registry:
    """Maps wire tags to message classes. ``REGISTRY`` is the process-wide default."""

    def __init__(self) -> None:
        self.by_tag: dict[str, MessageSpec] = {}
        """tag -> spec; read-only for callers (use :meth:`add` to register)."""
        self.decoders: dict[str, Callable[[Any], Any]] = {}
        """tag -> generated decoder of a whole wire tuple; read-only for callers."""

    def add(self, spec: MessageSpec) -> None:
        """Register ``spec``; a tag may only be reused by a redefinition of the same class."""
        old = self.by_tag.get(spec.tag)
        if old is not None and (
            old.cls.__module__ != spec.cls.__module__
            or old.cls.__qualname__ != spec.cls.__qualname__
        ):
            raise ValueError(
                f"wire tag {spec.tag!r} already used by {old.cls.__module__}.{old.cls.__qualname__}"
            )
        self.by_tag[spec.tag] = spec
        self.decoders[spec.tag] = spec.from_wire

    def get(self, tag: str) -> MessageSpec | None:
        """The spec registered under ``tag``, or None."""
        return self.by_tag.get(tag)

    def classes(self) -> Mapping[str, type[Message]]:
        """A snapshot ``tag -> class`` of everything registered."""
        return {tag: spec.cls for tag, spec in self.by_tag.items()}

    def __iter__(self) -> Iterator[MessageSpec]:
        return iter(list(self.by_tag.values()))

    def __len__(self) -> int:
        return len(self.by_tag)


REGISTRY = Registry()

PACKERS: dict[type[Any], Callable[[Any], bytes]] = {}
"""class -> generated function packing an instance to msgpack bytes (read-only)."""

# One shared Packer: ~2x faster than msgpack.packb, which builds a Packer per call. Safe
# across threads under the GIL because the wire tuples hold only msgpack-native values, so
# pack() never calls back into Python and never fails half-way.
_pack = msgpack.Packer(autoreset=True).pack


def message(
    tag: str, version: int | tuple[int, int] = 1, *, registry: Registry | None = None
) -> Callable[[type[M]], type[M]]:
    """Register a frozen dataclass ``Message`` subclass under ``tag`` and schema ``version``.

    ``version`` is ``major`` or ``(major, minor)``. Within a major version a new minor may
    only append fields that have defaults (see the forward-compatibility rule in the README).
    Apply it *above* ``@dataclass(frozen=True, slots=True)``.
    """
    major, minor = (version, 0) if isinstance(version, int) else version
    if not isinstance(tag, str) or not tag or len(tag) > 128:
        raise ValueError(f"message tag must be a non-empty str of <= 128 chars, got {tag!r}")
    if not (0 <= major <= 0xFFFF and 0 <= minor <= 0xFFFF):
        raise ValueError(f"version must be within 0..65535, got {version!r}")
    reg = REGISTRY if registry is None else registry

    def register(cls: type[M]) -> type[M]:
        spec = _compile(cls, tag, major, minor)
        reg.add(spec)
        return cls

    return register


def spec_of(cls: type[Message]) -> MessageSpec:
    """The compiled spec of a registered message class."""
    try:
        return cls.__dict__["_wire_spec"]  # type: ignore[no-any-return]
    except KeyError:
        raise TypeError(f"{cls.__qualname__} is not a registered message") from None


# --------------------------------------------------------------------------- compiling


def _compile(cls: type[Message], tag: str, major: int, minor: int) -> MessageSpec:
    if not (isinstance(cls, type) and issubclass(cls, Message)):
        raise TypeError(f"@message needs a Message subclass, got {cls!r}")
    params = getattr(cls, "__dataclass_params__", None)
    if not dataclasses.is_dataclass(cls) or params is None or not params.frozen:
        raise TypeError(f"{cls.__qualname__}: apply @dataclass(frozen=True, slots=True) first")
    if "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__qualname__}: the dataclass must use slots=True")
    hints = typing.get_type_hints(cls, include_extras=True)
    fields: list[FieldSpec] = []
    for f in dataclasses.fields(cls):
        if not f.init or f.kw_only:
            raise TypeError(f"{cls.__qualname__}.{f.name}: init=False/kw_only fields unsupported")
        has_default = (
            f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        )
        fields.append(
            FieldSpec(f.name, _type_spec(hints[f.name], f"{cls.__qualname__}."), has_default)
        )
    n_required = sum(1 for f in fields if not f.has_default)
    user_post_init = cls.__dict__.get("__post_init__")
    validate = _build_validator(cls, fields, user_post_init)
    to_wire, to_body, pack, convert = _build_converters(cls, tag, major, minor, fields)
    from_wire = _build_fast_decoder(cls, major, minor, fields, user_post_init)
    spec = MessageSpec(
        cls=cls,
        tag=tag,
        major=major,
        minor=minor,
        fields=tuple(fields),
        n_required=n_required,
        to_wire=to_wire,
        pack=pack,
        to_body=to_body,
        from_fields=convert,
        from_wire=from_wire,
    )
    cls.__post_init__ = validate
    cls._wire_spec = spec
    PACKERS[cls] = pack
    return spec


def _type_spec(hint: Any, where: str) -> TypeSpec:
    """Translate one annotation into a TypeSpec, applying Range/MaxLen and defaults."""
    constraints: list[Any] = []
    while typing.get_origin(hint) is typing.Annotated:
        constraints.extend(c for c in hint.__metadata__ if isinstance(c, Range | MaxLen))
        hint = hint.__origin__
    rng = next((c for c in constraints if isinstance(c, Range)), None)
    mx = next((c for c in constraints if isinstance(c, MaxLen)), None)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)

    if origin in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1 or len(args) != 2:
            raise TypeError(f"{where}: only `X | None` unions are supported, got {hint!r}")
        inner = rest[0]
        if constraints:  # Annotated[X | None, Range(...)]: constraints apply to X
            inner = typing.Annotated[(inner, *constraints)]
        return TypeSpec("optional", item=_type_spec(inner, where))
    if rng is not None and hint not in (int, float):
        raise TypeError(f"{where}: Range applies to int/float fields, not {hint!r}")
    if mx is not None and hint not in (str, bytes) and origin is not tuple:
        raise TypeError(f"{where}: MaxLen applies to str/bytes/tuple fields, not {hint!r}")
    if origin is tuple:
        if len(args) != 2 or args[1] is not Ellipsis:
            raise TypeError(f"{where}: only tuple[X, ...] is supported, got {hint!r}")
        n = DEFAULT_MAX_ITEMS if mx is None else mx.n
        return TypeSpec("tuple", max_len=n, item=_type_spec(args[0], where))
    if hint is bool:
        return TypeSpec("bool")
    if hint is int:
        lo, hi = (INT64_MIN, INT64_MAX) if rng is None else (rng.lo, rng.hi)
        if not (isinstance(lo, int) and isinstance(hi, int)):
            raise TypeError(f"{where}: Range of an int field needs int bounds")
        if lo < INT64_MIN or hi > UINT64_MAX:
            raise TypeError(f"{where}: Range({lo}, {hi}) exceeds what msgpack can carry")
        return TypeSpec("int", lo=lo, hi=hi)
    if hint is float:
        lo_f, hi_f = (-math.inf, math.inf) if rng is None else (rng.lo, rng.hi)
        return TypeSpec("float", lo=lo_f, hi=hi_f)
    if hint is str:
        return TypeSpec("str", max_len=DEFAULT_MAX_STR if mx is None else mx.n)
    if hint is bytes:
        return TypeSpec("bytes", max_len=DEFAULT_MAX_BYTES if mx is None else mx.n)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        values = [m.value for m in hint]
        if not values or not (
            all(type(v) is int and INT64_MIN <= v <= INT64_MAX for v in values)
            or all(type(v) is str and len(v) <= DEFAULT_MAX_STR for v in values)
        ):
            raise TypeError(f"{where}: enum {hint.__qualname__} needs all-int or all-str values")
        return TypeSpec("enum", cls=hint)
    if isinstance(hint, type) and issubclass(hint, Message):
        if "_wire_spec" not in hint.__dict__:
            raise TypeError(f"{where}: nested message {hint.__qualname__} must be registered first")
        return TypeSpec("message", cls=hint)
    raise TypeError(f"{where}: unsupported field type {hint!r}")


class _Gen:
    """Tiny code generator: names constants into a namespace, hands out fresh variables."""

    def __init__(self) -> None:
        self.ns: dict[str, Any] = {"_isfinite": math.isfinite}
        self._n = 0

    def const(self, value: Any) -> str:
        self._n += 1
        name = f"_c{self._n}"
        self.ns[name] = value
        return name

    def var(self) -> str:
        self._n += 1
        return f"_v{self._n}"

    def compile(self, src: str, name: str) -> Any:
        # Trusted input: generated from dataclass field names and named constants only.
        exec(src, self.ns)
        return self.ns[name]


def _check_expr(t: TypeSpec, v: str, g: _Gen) -> str:
    """A boolean expression that is true iff ``v`` is a valid value of type ``t``."""
    k = t.kind
    if k == "bool":
        return f"{v}.__class__ is bool"
    if k == "int":
        return f"({v}.__class__ is int and {t.lo!r} <= {v} <= {t.hi!r})"
    if k == "float":
        lo, hi = g.const(t.lo), g.const(t.hi)
        return f"({v}.__class__ is float and _isfinite({v}) and {lo} <= {v} <= {hi})"
    if k in ("str", "bytes"):
        return f"({v}.__class__ is {k} and len({v}) <= {t.max_len!r})"
    if k in ("enum", "message"):
        return f"{v}.__class__ is {g.const(t.cls)}"
    assert t.item is not None
    if k == "optional":
        return f"({v} is None or {_check_expr(t.item, v, g)})"
    x = g.var()
    return (
        f"({v}.__class__ is tuple and len({v}) <= {t.max_len!r} and "
        f"all({_check_expr(t.item, x, g)} for {x} in {v}))"
    )


def explain(t: TypeSpec, value: Any) -> str:
    """Why ``value`` is not valid for ``t`` (slow path, only used to build error messages)."""
    k = t.kind
    if k == "optional":
        assert t.item is not None
        return explain(t.item, value)
    if k == "tuple":
        assert t.item is not None
        if type(value) is not tuple:
            return f"expected tuple, got {type(value).__name__}"
        if t.max_len is not None and len(value) > t.max_len:
            return f"tuple of {len(value)} items exceeds max {t.max_len}"
        for i, item in enumerate(value):
            if not _valid(t.item, item):
                return f"item {i}: {explain(t.item, item)}"
        return "invalid tuple"
    want: type[Any] | None = t.cls if t.cls is not None else _PRIMITIVES.get(k)
    if want is not None and type(value) is not want:
        return f"expected {want.__qualname__}, got {type(value).__name__}"
    if k in ("int", "float"):
        if k == "float" and not math.isfinite(value):
            return f"float must be finite, got {value!r}"
        return f"{value!r} is outside [{t.lo}, {t.hi}]"
    if k in ("str", "bytes"):
        return f"{k} of length {len(value)} exceeds max {t.max_len}"
    return f"invalid value {value!r:.80}"


_PRIMITIVES: dict[str, type[Any]] = {
    "int": int,
    "bool": bool,
    "str": str,
    "bytes": bytes,
    "float": float,
}


def _valid(t: TypeSpec, value: Any) -> bool:
    g = _Gen()
    fn = g.compile(f"def _ok(v):\n    return {_check_expr(t, 'v', g)}\n", "_ok")
    return bool(fn(value))


def _build_validator(
    cls: type[Message], fields: list[FieldSpec], user_post_init: Any
) -> Callable[[Any], None]:
    g = _Gen()
    g.ns["_fail"] = _make_fail(cls, fields)
    lines = ["def __post_init__(self):"]
    for i, f in enumerate(fields):
        v = g.var()
        lines.append(f"    {v} = self.{f.name}")
        lines.append(f"    if not {_check_expr(f.type, v, g)}: _fail({i}, {v})")
    if user_post_init is not None:
        lines.append(f"    {g.const(user_post_init)}(self)")
    if len(lines) == 1:
        lines.append("    pass")
    fn: Callable[[Any], None] = g.compile("\n".join(lines) + "\n", "__post_init__")
    fn.__qualname__ = f"{cls.__qualname__}.__post_init__"
    return fn


def _make_fail(cls: type[Message], fields: list[FieldSpec]) -> Callable[[int, Any], None]:
    def fail(i: int, value: Any) -> None:
        f = fields[i]
        raise MessageValidationError(
            f"{cls.__qualname__}.{f.name}: {explain(f.type, value)} (want {f.type.describe()})"
        )

    return fail


def _wire_expr(t: TypeSpec, v: str, g: _Gen) -> str:
    """Expression turning a valid Python value into its msgpack-ready wire value."""
    k = t.kind
    if k == "enum":
        return f"{v}.value"
    if k == "message":
        assert t.cls is not None
        return f"{g.const(spec_of(t.cls).to_body)}({v})"
    if k == "optional":
        assert t.item is not None
        inner = _wire_expr(t.item, v, g)
        return v if inner == v else f"(None if {v} is None else {inner})"
    if k == "tuple":
        assert t.item is not None
        x = g.var()
        inner = _wire_expr(t.item, x, g)
        return v if inner == x else f"tuple([{inner} for {x} in {v}])"
    return v


def _from_wire_expr(t: TypeSpec, v: str, g: _Gen) -> str:
    """Expression turning a decoded wire value back into a Python value (pre-validation).

    Values of the wrong shape are passed through unchanged so the validator reports them.
    """
    k = t.kind
    if k == "enum":
        assert t.cls is not None
        members = {m.value: m for m in t.cls}
        vtype = type(next(iter(members)))
        return f"{g.const(members)}.get({v}, {v}) if {v}.__class__ is {g.const(vtype)} else {v}"
    if k == "message":
        assert t.cls is not None
        return f"{g.const(_nested_from_wire(t.cls))}({v})"
    if k == "optional":
        assert t.item is not None
        inner = _from_wire_expr(t.item, v, g)
        return v if inner == v else f"(None if {v} is None else {inner})"
    if k == "tuple":
        assert t.item is not None
        x = g.var()
        inner = _from_wire_expr(t.item, x, g)
        if inner == x:
            return v
        return f"(tuple([{inner} for {x} in {v}]) if {v}.__class__ is tuple else {v})"
    return v


def _nested_from_wire(cls: type[Message]) -> Callable[[Any], Any]:
    """Decode a nested body ``(minor, *fields)``; wrong shapes raise MessageValidationError."""
    spec = spec_of(cls)

    def from_body(body: Any) -> Any:
        if type(body) is not tuple or not body or type(body[0]) is not int:
            raise MessageValidationError(f"{cls.__qualname__}: malformed nested message")
        return build(spec, body[0], body[1:])

    return from_body


def build_other(cls: type[Message], wire: Any) -> Any:
    """Decode a wire tuple whose header or length differs from ``cls``'s own version."""
    spec = spec_of(cls)
    if wire.__class__ is not tuple or len(wire) < 3:
        raise MessageValidationError("not a message: expected an array [tag, major, minor, ...]")
    tag, major, minor = wire[0], wire[1], wire[2]
    if tag.__class__ is not str or major.__class__ is not int or minor.__class__ is not int:
        raise MessageValidationError("not a message: bad tag/version header")
    if major != spec.major:
        raise UnsupportedVersion(
            f"unsupported major version {major} (this reader knows {spec.major})"
        )
    return build(spec, minor, wire[3:])


class UnsupportedVersion(MessageValidationError):
    """A message of a major version this reader does not know."""


def build(spec: MessageSpec, minor: int, values: tuple[Any, ...]) -> Any:
    """Construct ``spec.cls`` from wire field values, applying the forward-compat rule."""
    n, nf = len(values), len(spec.fields)
    if n > nf:
        if minor <= spec.minor:
            raise MessageValidationError(
                f"{spec.tag} v{spec.major}.{minor}: {n} fields, schema has {nf}"
            )
        values = values[:nf]  # a newer minor appended fields we do not know: ignore them
    elif n < nf and (minor >= spec.minor or n < spec.n_required):
        raise MessageValidationError(
            f"{spec.tag} v{spec.major}.{minor}: {n} fields, schema needs {nf}"
        )
    return spec.from_fields(values)


def _build_converters(
    cls: type[Message], tag: str, major: int, minor: int, fields: list[FieldSpec]
) -> tuple[
    Callable[[Any], tuple[Any, ...]],
    Callable[[Any], tuple[Any, ...]],
    Callable[[Any], bytes],
    Callable[[tuple[Any, ...]], Any],
]:
    g = _Gen()
    g.ns["_pack"] = _pack
    attrs = [_wire_expr(f.type, f"m.{f.name}", g) for f in fields]
    body = "".join(f"{a}, " for a in attrs)
    t, c = g.const(tag), g.const(cls)
    src = (
        f"def to_wire(m):\n    return ({t}, {major}, {minor}, {body})\n"
        f"def to_body(m):\n    return ({minor}, {body})\n"
        f"def pack(m):\n    return _pack(({t}, {major}, {minor}, {body}))\n"
    )
    names = [g.var() for _ in fields]
    convs = [_from_wire_expr(f.type, n, g) for f, n in zip(fields, names, strict=True)]
    if all(conv == n for conv, n in zip(convs, names, strict=True)):
        src += f"def convert(vals):\n    return {c}(*vals)\n"
    else:
        # Missing trailing fields (older minor) keep their dataclass defaults.
        src += "def convert(vals):\n    n = len(vals)\n    args = []\n"
        for i, (n, conv) in enumerate(zip(names, convs, strict=True)):
            src += f"    if n > {i}:\n        {n} = vals[{i}]\n        args.append({conv})\n"
        src += f"    return {c}(*args)\n"
    g.compile(src, "to_wire")
    return g.ns["to_wire"], g.ns["to_body"], g.ns["pack"], g.ns["convert"]


def _build_fast_decoder(
    cls: type[Message], major: int, minor: int, fields: list[FieldSpec], user_post_init: Any
) -> Callable[[tuple[Any, ...]], Any]:
    """Decoder of a whole wire tuple. For exactly this version (the common case) it converts,
    validates and fills the slots inline; anything else goes to :func:`build_other`.

    The instance is built as a "mutable twin" (same base, same slots, so the same memory
    layout), filled with plain slot stores and then re-classed; CPython checks the layouts
    match on ``__class__`` assignment, and we only use a twin when a trial assignment at
    registration succeeds (otherwise the slot descriptors are written one by one).

    Hand-rolled rather than calling the dataclass ``__init__``: a frozen dataclass sets each
    field through ``object.__setattr__`` and then calls ``__post_init__``; writing the slot
    descriptors directly after inline checks is about twice as fast, which is what lets
    decode keep up with raw msgpack (same checks, same errors as construction).
    """
    g = _Gen()
    g.ns["_fail"] = _make_fail(cls, fields)
    g.ns["_new"] = object.__new__
    g.ns["_other"] = build_other
    c = g.const(cls)
    names = [g.var() for _ in fields]
    lines = [
        "def from_wire(w):",
        f"    if len(w) != {3 + len(fields)}:",
        f"        return _other({c}, w)",
        f"    _t, _M, _m, {''.join(n + ', ' for n in names)}= w",
        # `is int` as well: True == 1 and 1.0 == 1, but neither is a valid version
        f"    if _M != {major} or _m != {minor} or _M.__class__ is not int "
        "or _m.__class__ is not int:",
        f"        return _other({c}, w)",
    ]
    for i, (f, n) in enumerate(zip(fields, names, strict=True)):
        conv = _from_wire_expr(f.type, n, g)
        if conv != n:
            lines.append(f"    {n} = {conv}")
        lines.append(f"    if not {_check_expr(f.type, n, g)}: _fail({i}, {n})")
    twin = _mutable_twin(cls, fields)
    if twin is not None:
        lines.append(f"    o = _new({g.const(twin)})")
        lines.extend(f"    o.{f.name} = {n}" for f, n in zip(fields, names, strict=True))
        lines.append(f"    o.__class__ = {c}")
    else:
        lines.append(f"    o = _new({c})")
        for f, n in zip(fields, names, strict=True):
            lines.append(f"    {g.const(getattr(cls, f.name).__set__)}(o, {n})")
    if user_post_init is not None:
        lines.append(f"    {g.const(user_post_init)}(o)")
    lines.append("    return o")
    fn: Callable[[tuple[Any, ...]], Any] = g.compile("\n".join(lines) + "\n", "from_wire")
    return fn


def _mutable_twin(cls: type[Message], fields: list[FieldSpec]) -> type[Any] | None:
    """A plain slotted class with ``cls``'s exact layout, or None if there is none."""
    own = cls.__dict__.get("__slots__", ())
    if tuple(own) != tuple(f.name for f in fields) or cls.__bases__ != (Message,):
        return None  # inherited fields or extra slots: layouts would differ
    twin = type(f"_{cls.__name__}Twin", (Message,), {"__slots__": tuple(own)})
    try:
        probe: Any = object.__new__(twin)
        probe.__class__ = cls
    except TypeError:
        return None
    return twin
