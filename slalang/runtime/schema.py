"""Runtime stage: the artifact's JSON Schema compiled into Python closures, for a fast `load`.

The `jsonschema` library checks every artifact when it is written (compile time). A service
loading an artifact needs the same answer in milliseconds, so `load` runs this validator,
built from the very same schema file. It implements only the draft 2020-12 keywords that
schema uses and refuses to compile any other keyword, so the two can never silently differ;
tests check both agree on valid and on mutated artifacts.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterator

Check = Callable[[Any, tuple], Iterator[str]]

_SUPPORTED = {"$schema", "$id", "title", "description", "$defs", "$ref", "type", "properties", "required",
              "additionalProperties", "items", "prefixItems", "minItems", "enum", "const", "pattern", "minimum",
              "maximum", "minLength", "oneOf", "propertyNames"}

_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


class SchemaCompileError(ValueError):
    """The schema uses a keyword this validator does not implement."""


def _where(path: tuple) -> str:
    return "/".join(str(p) for p in path) or "(top level)"


def compile_schema(root: dict) -> Callable[[Any], list[str]]:
    """A function returning the violations of a document (empty when valid)."""
    cache: dict[str, Check] = {}

    def resolve(ref: str) -> Check:
        if ref not in cache:
            if not ref.startswith("#/"):
                raise SchemaCompileError(f"only local $ref is supported: {ref}")
            node: Any = root
            for part in ref[2:].split("/"):
                node = node[part]
            cache[ref] = lambda v, p: iter(())  # placeholder for recursive references
            compiled = build(node)
            cache[ref] = compiled
        return lambda v, p: cache[ref](v, p)

    def build(schema: Any) -> Check:
        if schema is True:
            return lambda v, p: iter(())
        if schema is False:
            return lambda v, p: iter((f"{_where(p)}: no value is allowed here",))
        unknown = set(schema) - _SUPPORTED
        if unknown:
            raise SchemaCompileError(f"unsupported schema keywords: {sorted(unknown)}")
        checks: list[Check] = []
        if "$ref" in schema:
            checks.append(resolve(schema["$ref"]))
        if "type" in schema:
            names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            tests = [_TYPES[n] for n in names]
            label = " or ".join(names)

            def check_type(v, p, tests=tests, label=label):
                if not any(t(v) for t in tests):
                    yield f"{_where(p)}: {v!r:.60} is not of type {label}"
            checks.append(check_type)
        if "const" in schema:
            const = schema["const"]

            def check_const(v, p):
                if v != const or type(v) is not type(const):
                    yield f"{_where(p)}: {const!r} was expected"
            checks.append(check_const)
        if "enum" in schema:
            options = schema["enum"]

            def check_enum(v, p):
                if not any(v == o and type(v) is type(o) for o in options):
                    yield f"{_where(p)}: {v!r:.60} is not one of {options}"
            checks.append(check_enum)
        if "pattern" in schema:
            rx = re.compile(schema["pattern"])

            def check_pattern(v, p):
                if isinstance(v, str) and not rx.search(v):
                    yield f"{_where(p)}: {v!r:.60} does not match {rx.pattern!r}"
            checks.append(check_pattern)
        if "minLength" in schema:
            n = schema["minLength"]

            def check_min_length(v, p):
                if isinstance(v, str) and len(v) < n:
                    yield f"{_where(p)}: {v!r} is shorter than {n}"
            checks.append(check_min_length)
        for key, op in (("minimum", lambda a, b: a < b), ("maximum", lambda a, b: a > b)):
            if key in schema:
                bound = schema[key]

                def check_bound(v, p, bound=bound, op=op, key=key):
                    if isinstance(v, (int, float)) and not isinstance(v, bool) and op(v, bound):
                        yield f"{_where(p)}: {v} is {'less' if key == 'minimum' else 'greater'} than the {key} {bound}"
                checks.append(check_bound)
        if any(k in schema for k in ("properties", "required", "additionalProperties", "propertyNames")):
            checks.append(_object_check(schema, build))
        if any(k in schema for k in ("items", "prefixItems", "minItems")):
            checks.append(_array_check(schema, build))
        if "oneOf" in schema:
            branches = [build(s) for s in schema["oneOf"]]

            def check_one_of(v, p):
                passing = sum(1 for b in branches if next(iter(b(v, p)), None) is None)
                if passing != 1:
                    yield (f"{_where(p)}: {v!r:.60} is not valid under any of the given schemas" if not passing
                           else f"{_where(p)}: {v!r:.60} is valid under more than one of the given schemas")
            checks.append(check_one_of)
        if len(checks) == 1:
            return checks[0]

        def check_all(v, p):
            for c in checks:
                yield from c(v, p)
        return check_all

    top = build(root)
    fast = _compile_predicate(root)

    def validate(document: Any, limit: int = 5) -> list[str]:
        if fast(document):  # the common case: one pass of plain boolean checks, no messages built
            return []
        out = []
        for problem in top(document, ()):
            out.append(problem)
            if len(out) >= limit:
                break
        return out

    return validate


def _object_check(schema: dict, build) -> Check:
    props = {k: build(s) for k, s in schema.get("properties", {}).items()}
    required = schema.get("required", [])
    extra = schema.get("additionalProperties", True)
    extra_check = None if extra is True or extra is False else build(extra)
    names = build(schema["propertyNames"]) if "propertyNames" in schema else None

    def check_object(v, p):
        if not isinstance(v, dict):
            return
        for key in required:
            if key not in v:
                yield f"{_where(p)}: {key!r} is a required property"
        for key, value in v.items():
            sub = props.get(key)
            if sub is not None:
                yield from sub(value, p + (key,))
            elif extra is False:
                yield f"{_where(p)}: additional property {key!r} is not allowed"
            elif extra_check is not None:
                yield from extra_check(value, p + (key,))
            if names is not None:
                yield from names(key, p + (key,))
    return check_object


def _array_check(schema: dict, build) -> Check:
    prefix = [build(s) for s in schema.get("prefixItems", [])]
    items = schema.get("items", True)
    items_check = None if items is True or items is False else build(items)
    min_items = schema.get("minItems")

    def check_array(v, p):
        if not isinstance(v, list):
            return
        if min_items is not None and len(v) < min_items:
            yield f"{_where(p)}: {v!r:.60} should have at least {min_items} items"
        for i, value in enumerate(v):
            if i < len(prefix):
                yield from prefix[i](value, p + (i,))
            elif items is False:
                yield f"{_where(p)}: unexpected item {i} (expected at most {len(prefix)})"
                return
            elif items_check is not None:
                yield from items_check(value, p + (i,))
    return check_array


def _compile_predicate(root: dict) -> Callable[[Any], bool]:
    """The same schema as a plain predicate: no generators, no messages, several times faster."""
    cache: dict[str, Callable[[Any], bool]] = {}

    def resolve(ref: str) -> Callable[[Any], bool]:
        if ref not in cache:
            node: Any = root
            for part in ref[2:].split("/"):
                node = node[part]
            cache[ref] = lambda v: True
            cache[ref] = build(node)
        return lambda v: cache[ref](v)

    def build(schema: Any) -> Callable[[Any], bool]:
        if schema is True or schema is False:
            return (lambda v: True) if schema else (lambda v: False)
        preds: list[Callable[[Any], bool]] = []
        if "$ref" in schema:
            preds.append(resolve(schema["$ref"]))
        if "type" in schema:
            names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            tests = tuple(_TYPES[n] for n in names)
            preds.append(tests[0] if len(tests) == 1 else (lambda v, tests=tests: any(t(v) for t in tests)))
        if "const" in schema:
            const = schema["const"]
            preds.append(lambda v: v == const and type(v) is type(const))
        if "enum" in schema:
            options = schema["enum"]
            preds.append(lambda v: any(v == o and type(v) is type(o) for o in options))
        if "pattern" in schema:
            search = re.compile(schema["pattern"]).search
            preds.append(lambda v: not isinstance(v, str) or search(v) is not None)
        if "minLength" in schema:
            n = schema["minLength"]
            preds.append(lambda v: not isinstance(v, str) or len(v) >= n)
        if "minimum" in schema:
            lo = schema["minimum"]
            preds.append(lambda v: not _TYPES["number"](v) or v >= lo)
        if "maximum" in schema:
            hi = schema["maximum"]
            preds.append(lambda v: not _TYPES["number"](v) or v <= hi)
        if any(k in schema for k in ("properties", "required", "additionalProperties", "propertyNames")):
            props = {k: build(sub) for k, sub in schema.get("properties", {}).items()}
            required = tuple(schema.get("required", ()))
            extra = schema.get("additionalProperties", True)
            extra_ok = None if isinstance(extra, bool) else build(extra)
            names_ok = build(schema["propertyNames"]) if "propertyNames" in schema else None

            def obj(v):
                if not isinstance(v, dict):
                    return True
                for key in required:
                    if key not in v:
                        return False
                for key, value in v.items():
                    sub = props.get(key)
                    if sub is not None:
                        if not sub(value):
                            return False
                    elif extra is False:
                        return False
                    elif extra_ok is not None and not extra_ok(value):
                        return False
                    if names_ok is not None and not names_ok(key):
                        return False
                return True
            preds.append(obj)
        if any(k in schema for k in ("items", "prefixItems", "minItems")):
            prefix = tuple(build(sub) for sub in schema.get("prefixItems", ()))
            items = schema.get("items", True)
            items_ok = None if isinstance(items, bool) else build(items)
            min_items = schema.get("minItems", 0)

            def arr(v):
                if not isinstance(v, list):
                    return True
                if len(v) < min_items or (items is False and len(v) > len(prefix)):
                    return False
                for i, value in enumerate(v):
                    check = prefix[i] if i < len(prefix) else items_ok
                    if check is not None and not check(value):
                        return False
                return True
            preds.append(arr)
        if "oneOf" in schema:
            branches = tuple(build(sub) for sub in schema["oneOf"])
            preds.append(lambda v: sum(1 for b in branches if b(v)) == 1)
        if len(preds) == 1:
            return preds[0]
        preds_t = tuple(preds)
        return lambda v: all(p(v) for p in preds_t)

    return build(root)
