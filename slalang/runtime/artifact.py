"""Runtime stage: the artifact on disk — canonical JSON, digest, schema check, atomic save, safe load."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from slalang.runtime.errors import ArtifactError

FORMAT_VERSION = 1
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "ir" / "artifact.schema.json"
MAX_ARTIFACT_BYTES = 256 * 1024 * 1024


def canonical_json(data: Any) -> str:
    """The one serialisation used for digests and files: sorted keys, fixed separators, UTF-8."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest_of(body: dict) -> str:
    content = {k: v for k, v in body.items() if k != "digest"}
    return "sha256:" + hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def with_digest(body: dict) -> dict:
    out = dict(body)
    out["digest"] = digest_of(body)
    return out


@lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _jsonschema_validator():
    import jsonschema  # compile time only: the authoritative check of what we write

    cls = jsonschema.validators.validator_for(schema())
    return cls(schema())


@lru_cache(maxsize=1)
def _compiled_validator():
    from slalang.runtime.schema import compile_schema

    return compile_schema(schema())


def schema_errors(data: Any, limit: int = 5, *, authoritative: bool = False) -> list[str]:
    """Schema violations (at most `limit`), each with its JSON path.

    `authoritative` uses the jsonschema library (on write); otherwise the compiled validator
    of the same schema (on load), which tests keep in agreement with jsonschema.
    """
    if not authoritative:
        return _compiled_validator()(data, limit)
    errors = []
    for err in _jsonschema_validator().iter_errors(data):
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        errors.append(f"{where}: {err.message}")
        if len(errors) >= limit:
            break
    return errors


def check_artifact(data: Any, *, source: str = "artifact", authoritative: bool = False) -> dict:
    """Raise ArtifactError unless `data` is an artifact this runtime can use."""
    if not isinstance(data, dict):
        raise ArtifactError(f"{source}: not a slalang artifact (top level is not an object)")
    fmt = data.get("format")
    if not isinstance(fmt, int) or isinstance(fmt, bool):
        raise ArtifactError(f"{source}: not a slalang artifact (no integer 'format' field)")
    if fmt > FORMAT_VERSION:
        raise ArtifactError(f"{source}: artifact format {fmt} is newer than this slalang reads "
                            f"(format {FORMAT_VERSION}); upgrade slalang or recompile with this version")
    problems = schema_errors(data, authoritative=authoritative)
    if problems:
        raise ArtifactError(f"{source}: artifact does not match the schema: " + "; ".join(problems))
    if data["digest"] != digest_of(data):
        raise ArtifactError(f"{source}: digest mismatch: the artifact was edited or damaged after "
                            "compilation; recompile it with `slalang compile`")
    from slalang.runtime.meaning import meaning_problems

    problems = meaning_problems(data)
    if problems:
        raise ArtifactError(f"{source}: artifact does not make sense: " + "; ".join(problems))
    return data


def read_artifact(path: str | os.PathLike) -> dict:
    """Parse and check an artifact file; never executes anything from it."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_ARTIFACT_BYTES:
            raise ArtifactError(f"{p}: {size:,} bytes is larger than any artifact slalang writes")
        raw = p.read_bytes()
    except OSError as exc:
        raise ArtifactError(f"{p}: cannot read: {exc.strerror or exc}") from None
    return parse_artifact(raw, source=str(p))


def parse_artifact(raw: bytes | str, *, source: str = "artifact") -> dict:
    """Parse and check an artifact held in memory (bytes or text): what `read_artifact` does
    after reading the file, for artifacts shipped by other means (a Spark broadcast, a blob)."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise ArtifactError(f"{source}: expected the artifact's bytes, got {type(raw).__name__}")
    raw = bytes(raw)
    if len(raw) > MAX_ARTIFACT_BYTES:
        raise ArtifactError(f"{source}: {len(raw):,} bytes is larger than any artifact slalang writes")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        hint = " (the file looks truncated)" if isinstance(exc, json.JSONDecodeError) and exc.pos >= len(raw) - 1 else ""
        raise ArtifactError(f"{source}: not valid JSON{hint}: {exc}") from None
    return check_artifact(data, source=source)


def write_atomic(path: str | os.PathLike, text: str) -> None:
    """Write via a temp file in the same directory and rename: readers see the old or the new file."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def save_artifact(data: dict, path: str | os.PathLike) -> None:
    """Check and write an artifact deterministically and atomically. The check is the compiled
    validator of the schema (jsonschema, its reference, took 12 s on a 0.8 MB policy; the test
    suite keeps the two in agreement)."""
    check_artifact(data, source="artifact to save")
    # Indented (not the compact digest form) so that artifacts diff readably in review.
    write_atomic(path, json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1) + "\n")
