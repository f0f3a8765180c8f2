"""Syntax stage: the AST. It mirrors the source (for the formatter and for spans); meaning lives in the IR."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional, Union

from slalang.diagnostics import Span


@dataclass(frozen=True)
class Node:
    span: Span


# -- leaves ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Name(Node):
    value: str


@dataclass(frozen=True)
class QualName(Node):
    """`name` or `alias.name`."""

    parts: tuple[str, ...]

    @property
    def text(self) -> str:
        return ".".join(self.parts)

    @property
    def alias(self) -> Optional[str]:
        return self.parts[0] if len(self.parts) > 1 else None

    @property
    def name(self) -> str:
        return self.parts[-1]


@dataclass(frozen=True)
class Str(Node):
    value: str
    raw: str


@dataclass(frozen=True)
class Duration(Node):
    seconds: int
    text: str
    valid: bool = True   # False: the literal was reported (SLA006); its seconds are a placeholder


@dataclass(frozen=True)
class Percent(Node):
    value: Decimal
    text: str


@dataclass(frozen=True)
class Date(Node):
    value: dt.date
    text: str


@dataclass(frozen=True)
class DateTime(Node):
    """A datetime as written; naive unless the source gave `Z` or an offset."""

    value: dt.datetime
    text: str


DateLike = Union[Date, DateTime]


# -- header and imports ----------------------------------------------------------------------

@dataclass(frozen=True)
class Field(Node):
    """A `keyword "value"` statement: version, owner, timezone, description, name, provider..."""

    key: str
    value: Str


@dataclass(frozen=True)
class Horizon(Node):
    first: int
    last: int


@dataclass(frozen=True)
class PolicyHeader(Node):
    title: Str
    body: tuple[Node, ...]


@dataclass(frozen=True)
class Import(Node):
    path: Str
    alias: Optional[Name]


# -- windows ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class DayRange(Node):
    first: int  # 0 = Monday
    last: int


@dataclass(frozen=True)
class TimeRange(Node):
    start: int  # seconds from local midnight
    end: int    # may exceed 86400 once normalised for overnight ranges
    text: str


@dataclass(frozen=True)
class Weekly(Node):
    days: tuple[DayRange, ...]
    ranges: tuple[TimeRange, ...]


@dataclass(frozen=True)
class Dated(Node):
    start: DateLike
    end: Optional[DateLike]


@dataclass(frozen=True)
class Include(Node):
    ref: QualName


@dataclass(frozen=True)
class ExceptHolidays(Node):
    region: Str


@dataclass(frozen=True)
class ExceptDates(Node):
    start: DateLike
    end: Optional[DateLike]


@dataclass(frozen=True)
class ExceptWindow(Node):
    ref: QualName


@dataclass(frozen=True)
class WindowDecl(Node):
    name: Name
    extends: Optional[QualName]
    body: tuple[Node, ...]


# -- scales ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SeverityDecl(Node):
    name: Name
    description: Str


@dataclass(frozen=True)
class StatusDecl(Node):
    name: Name
    description: Str


@dataclass(frozen=True)
class ExclusionDecl(Node):
    name: Name
    description: Str


@dataclass(frozen=True)
class ContactDecl(Node):
    name: Name
    address: Str


# -- escalation ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step(Node):
    """`at 50% notify ...` (percent set) or `at breach [+ D] notify ...` (percent None)."""

    percent: Optional[Percent]
    after: Optional[Duration]
    notify: tuple[QualName, ...]
    channels: tuple[Name, ...]


@dataclass(frozen=True)
class Repeat(Node):
    every: Duration
    times: int


@dataclass(frozen=True)
class EscalationDecl(Node):
    name: Name
    body: tuple[Node, ...]


# -- objectives ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Support(Node):
    window: QualName
    channels: tuple[Name, ...]


@dataclass(frozen=True)
class PauseWhen(Node):
    statuses: tuple[Name, ...]


@dataclass(frozen=True)
class SeverityChange(Node):
    mode: str  # "keep_elapsed" | "restart"


@dataclass(frozen=True)
class Target(Node):
    """`response|resolution SEVS within D [internal D] [during W]` and `update SEVS every D ...`."""

    metric: str
    severities: tuple[QualName, ...]
    goal: Duration
    internal: Optional[Duration]
    during: Optional[QualName]


@dataclass(frozen=True)
class PercentileTarget(Node):
    metric: str
    severities: tuple[QualName, ...]
    share: Percent
    goal: Duration
    during: Optional[QualName]


@dataclass(frozen=True)
class Availability(Node):
    target: Percent
    period: str
    during: Optional[QualName]
    internal: Optional[Percent]
    including_dependencies: bool


@dataclass(frozen=True)
class ExcludeItem(Node):
    ref: QualName
    notice: Optional[Duration]


@dataclass(frozen=True)
class Exclude(Node):
    items: tuple[ExcludeItem, ...]


@dataclass(frozen=True)
class IgnoreUnder(Node):
    duration: Duration


@dataclass(frozen=True)
class CreditRow(Node):
    threshold: Percent
    inclusive: bool  # `at or below`
    credit: Percent


@dataclass(frozen=True)
class Cap(Node):
    value: Percent


@dataclass(frozen=True)
class Credits(Node):
    body: tuple[Node, ...]  # CreditRow and Cap in source order


@dataclass(frozen=True)
class Escalate(Node):
    ref: QualName


@dataclass(frozen=True)
class TierDecl(Node):
    name: Name
    extends: Optional[QualName]
    body: tuple[Node, ...]


# -- services, customers, olas -----------------------------------------------------------------

@dataclass(frozen=True)
class Offers(Node):
    tiers: tuple[QualName, ...]


@dataclass(frozen=True)
class DependsOn(Node):
    kind: str  # "serial" | "any"
    services: tuple[QualName, ...]


@dataclass(frozen=True)
class ServiceDecl(Node):
    name: Name
    body: tuple[Node, ...]


@dataclass(frozen=True)
class Contract(Node):
    service: QualName
    tier: QualName
    start: Date
    end: Optional[Date]
    overrides: tuple[Node, ...]
    has_body: bool


@dataclass(frozen=True)
class CustomerDecl(Node):
    name: Name
    body: tuple[Node, ...]


@dataclass(frozen=True)
class Underpins(Node):
    services: tuple[QualName, ...]


@dataclass(frozen=True)
class OlaDecl(Node):
    name: Name
    body: tuple[Node, ...]


# -- tests -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class GivenTier(Node):
    tier: QualName


@dataclass(frozen=True)
class GivenContract(Node):
    customer: QualName
    service: QualName


@dataclass(frozen=True)
class Event(Node):
    at: DateTime
    kind: str            # "status" | "severity" | "responded" | "updated" | "resolved" | "reopened"
    value: Optional[str]  # the status or severity name


@dataclass(frozen=True)
class TicketStmt(Node):
    name: Name
    severity: QualName
    opened: DateTime
    events: tuple[Event, ...]
    has_body: bool


@dataclass(frozen=True)
class OutageStmt(Node):
    service: QualName
    start: DateTime
    end: DateTime
    tags: tuple[Name, ...]
    announced: Optional[DateTime]
    impact: Optional[Decimal]
    impact_text: Optional[str] = None


@dataclass(frozen=True)
class Expect(Node):
    """One expectation. `what` is due | state | elapsed | notifies | availability | verdict | credit."""

    what: str
    ticket: Optional[Name] = None
    metric: Optional[str] = None
    internal: bool = False
    at: Optional[DateTime] = None
    due: Optional[DateTime] = None      # None with what=due means `due none`
    state: Optional[Name] = None
    elapsed: Optional[Duration] = None
    contact: Optional[QualName] = None
    period: Optional[str] = None
    service: Optional[QualName] = None
    percent: Optional[Percent] = None
    verdict: Optional[str] = None


@dataclass(frozen=True)
class TestDecl(Node):
    name: Str
    body: tuple[Node, ...]


# -- ticket sources ----------------------------------------------------------------------------

@dataclass(frozen=True)
class SourceFormat(Node):
    format: Name


@dataclass(frozen=True)
class Instants(Node):
    format: Str


@dataclass(frozen=True)
class Column(Node):
    field: Name
    path: Str


@dataclass(frozen=True)
class SourceMapping(Node):
    """`severity "raw", ... as NAME` or `status "raw", ... as NAME [responds]`."""

    kind: str                      # "severity" | "status"
    raws: tuple[Str, ...]
    target: QualName
    responds: bool = False


@dataclass(frozen=True)
class SourceDecl(Node):
    name: Name
    body: tuple[Node, ...]


# -- module ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Comment(Node):
    text: str


@dataclass(frozen=True)
class Module(Node):
    """One parsed file. `comments` are kept for the formatter; they carry no meaning."""

    path: str
    items: tuple[Node, ...]
    comments: tuple[Comment, ...] = field(default=())

    @property
    def header(self) -> Optional[PolicyHeader]:
        return next((i for i in self.items if isinstance(i, PolicyHeader)), None)

    @property
    def imports(self) -> tuple[Import, ...]:
        return tuple(i for i in self.items if isinstance(i, Import))


DECL_KINDS: dict[type, str] = {
    WindowDecl: "window",
    SeverityDecl: "severity",
    StatusDecl: "status",
    ExclusionDecl: "exclusion",
    ContactDecl: "contact",
    EscalationDecl: "escalation",
    TierDecl: "tier",
    ServiceDecl: "service",
    CustomerDecl: "customer",
    OlaDecl: "ola",
    SourceDecl: "source",
}
