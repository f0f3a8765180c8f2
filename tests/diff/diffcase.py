"""Helpers for the diff tests: a small base policy, variants of it, and the command on a local
typer app (the project CLI registers the same function as `slalang diff`).

A plain module with a name of its own: tests import it as `diffcase`, never `from conftest
import ...`, which depends on which conftest pytest imported last."""

from __future__ import annotations

from pathlib import Path

import typer

import slalang
from slalang.diff.command import diff_command

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "diff"

BASE = '''policy "Diff" {
  version "1"
  timezone "Europe/London"
  horizon 2024..2026
}

window office {
  mon-fri 09:00-17:00
  except holidays "GB-ENG"
}

window maintenance {
  sun 02:00-04:00
}

severity P1 "Urgent"
severity P2 "Normal"

exclusion customer_caused "Caused by the customer"

contact lead "lead@example.com"

escalation chain {
  at 50% notify lead via email
  at breach notify lead via pager
}

tier standard {
  description "Office-hours support"
  support office via email, phone
  pause when pending_customer
  response P1 within 2h
  response P2 within 8h internal 4h
  resolution P1 within 16h
  availability 99.9% monthly
  exclude maintenance with notice 48h, customer_caused
  ignore outages under 1m
  credits {
    below 99.9% credit 10%
    below 99.0% credit 25%
    cap 50%
  }
  escalate chain
}

tier premium {
  description "24x7 support"
  support always via email, phone
  response P1 within 15m
  response P2 within 1h
  availability 99.95% monthly
}

service api {
  owner "team-api"
  offers standard, premium
}

customer acme {
  name "Acme"
  contract api standard from 2025-01-01 to 2025-12-31
}
'''


def variant(edits: list[tuple[str, str]], text: str = BASE) -> str:
    """BASE with each `old` replaced by `new`; every `old` must occur (a stale case fails loudly)."""
    for old, new in edits:
        assert old in text, f"edit does not apply: {old!r}"
        text = text.replace(old, new)
    return text


def write_policy(directory: Path, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "policy.sla").write_text(text, encoding="utf-8")
    return directory


def artifact(path: Path) -> dict:
    return slalang.compile(path).artifact


def diff_app() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command("diff")(diff_command)

    @app.callback()
    def _root() -> None:
        """A stand-in for the slalang CLI: with a callback, `diff` stays a subcommand."""

    return app
