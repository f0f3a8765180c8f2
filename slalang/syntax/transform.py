"""Syntax stage: Lark parse tree -> AST. One short method per rule; literal errors become diagnostics."""

from __future__ import annotations

from decimal import Decimal

from lark import Token, Transformer, v_args

from slalang.diagnostics import Diagnostic, Span, error
from slalang.syntax import ast
from slalang.syntax.literals import (DAYS, LiteralError, parse_date, parse_datetime, parse_duration,
                                     parse_percent, parse_string, parse_time)


def _span_of(file: str, obj) -> Span:
    if isinstance(obj, Token):
        return Span(file, obj.line, obj.column, obj.end_line, obj.end_column)
    if isinstance(obj, ast.Node):
        return obj.span
    return Span(file, obj.line, obj.column, obj.end_line, obj.end_column)


def _year(text: str) -> int:
    """A horizon year: at most four digits (a longer number means nothing, and 5,000 digits once
    reached Python's int conversion limit as an internal error)."""
    if len(text) > 4:
        raise LiteralError(f"{text[:12]}{'...' if len(text) > 12 else ''} is not a year",
                           "write e.g. horizon 2020..2040")
    return int(text)


@v_args(meta=True)
class ToAst(Transformer):
    """Build AST nodes; a bad literal appends a diagnostic and yields a harmless placeholder."""

    def __init__(self, file: str):
        super().__init__(visit_tokens=False)
        self.file = file
        self.diagnostics: list[Diagnostic] = []

    # -- helpers --------------------------------------------------------------------------
    def _span(self, meta) -> Span:
        if getattr(meta, "empty", True):
            return Span(self.file, 1, 1, 1, 1)
        return Span(self.file, meta.line, meta.column, meta.end_line, meta.end_column)

    def _tok_span(self, tok: Token) -> Span:
        return _span_of(self.file, tok)

    def _literal(self, tok: Token, parse, placeholder, code: str = "SLA004", **kw):
        try:
            return parse(str(tok), **kw)
        except LiteralError as exc:
            self.diagnostics.append(error(code, str(exc), self._tok_span(tok), exc.help))
            return placeholder

    # -- leaves ---------------------------------------------------------------------------
    def name(self, meta, c):
        return ast.Name(self._span(meta), str(c[0]))

    def qualname(self, meta, c):
        parts = tuple(n.value for n in c if n is not None)
        return ast.QualName(self._span(meta), parts)

    def string(self, meta, c):
        return ast.Str(self._span(meta), parse_string(str(c[0])), str(c[0]))

    def percent(self, meta, c):
        # The lexer guarantees digits: a bad percentage keeps its written value, so no pass
        # reports a second, false problem (99.12345% is not "outside (0%, 100%]").
        value = self._literal(c[0], parse_percent, Decimal(str(c[0]).rstrip("%")), code="SLA005")
        return ast.Percent(self._span(meta), value, str(c[0]))

    def duration(self, meta, c):
        seconds = self._literal(c[0], parse_duration, None, code="SLA006")
        # a bad duration keeps a placeholder, marked, so that no pass compares it (no cascades)
        return ast.Duration(self._span(meta), seconds or 1, str(c[0]), valid=seconds is not None)

    def date(self, meta, c):
        import datetime as dt
        value = self._literal(c[0], parse_date, dt.date(2000, 1, 1), code="SLA007")
        return ast.Date(self._span(meta), value, str(c[0]))

    def datetime(self, meta, c):
        import datetime as dt
        value = self._literal(c[0], parse_datetime, dt.datetime(2000, 1, 1), code="SLA007")
        return ast.DateTime(self._span(meta), value, str(c[0]))

    def _keyword(self, meta, c):
        return str(c[0])

    metric = metric_any = event_type = avail_verdict = period = _keyword

    def name_list(self, meta, c):
        return tuple(c)

    qualname_list = name_list

    # -- header and imports -----------------------------------------------------------------
    def policy_header(self, meta, c):
        return ast.PolicyHeader(self._span(meta), c[0], tuple(c[1:]))

    def _field(key):
        def build(self, meta, c):
            return ast.Field(self._span(meta), key, c[0])
        return build

    version_stmt = _field("version")
    owner_stmt = _field("owner")
    timezone_stmt = _field("timezone")
    description_stmt = _field("description")
    customer_name_stmt = _field("name")
    provider_stmt = _field("provider")
    consumer_stmt = _field("consumer")
    del _field

    def horizon_stmt(self, meta, c):
        return ast.Horizon(self._span(meta), *(self._literal(tok, _year, 2020, "SLA409") for tok in c))

    def import_decl(self, meta, c):
        return ast.Import(self._span(meta), c[0], c[1])

    # -- windows ---------------------------------------------------------------------------
    def window_decl(self, meta, c):
        return ast.WindowDecl(self._span(meta), c[0], c[1], tuple(c[2:]))

    def day(self, meta, c):
        i = DAYS.index(str(c[0]))
        return ast.DayRange(self._span(meta), i, i)

    def day_range(self, meta, c):
        return ast.DayRange(self._span(meta), c[0].first, c[1].first)

    def day_set(self, meta, c):
        return tuple(c)

    def time_range(self, meta, c):
        start = self._literal(c[0], parse_time, 0, code="SLA007", is_end=False)
        end = self._literal(c[1], parse_time, 86400, code="SLA007", is_end=True)
        if end <= start:  # `22:00-06:00` runs into the next day
            end += 86400
        return ast.TimeRange(self._span(meta), start, end, f"{c[0]}-{c[1]}")

    def weekly_stmt(self, meta, c):
        return ast.Weekly(self._span(meta), c[0], tuple(c[1:]))

    def dated_stmt(self, meta, c):
        return ast.Dated(self._span(meta), c[0], c[1])

    def include_stmt(self, meta, c):
        return ast.Include(self._span(meta), c[0])

    def except_holidays(self, meta, c):
        return ast.ExceptHolidays(self._span(meta), c[0])

    def except_dates(self, meta, c):
        return ast.ExceptDates(self._span(meta), c[0], c[1])

    def except_window(self, meta, c):
        return ast.ExceptWindow(self._span(meta), c[0])

    # -- scales ------------------------------------------------------------------------------
    def severity_decl(self, meta, c):
        return ast.SeverityDecl(self._span(meta), c[0], c[1])

    def status_decl(self, meta, c):
        return ast.StatusDecl(self._span(meta), c[0], c[1])

    def exclusion_decl(self, meta, c):
        return ast.ExclusionDecl(self._span(meta), c[0], c[1])

    def contact_decl(self, meta, c):
        return ast.ContactDecl(self._span(meta), c[0], c[1])

    # -- escalation ------------------------------------------------------------------------------
    def escalation_decl(self, meta, c):
        return ast.EscalationDecl(self._span(meta), c[0], tuple(c[1:]))

    def trigger_percent(self, meta, c):
        return (c[0], None)

    def trigger_breach(self, meta, c):
        return (None, c[0])

    def step_stmt(self, meta, c):
        percent, after = c[0]
        return ast.Step(self._span(meta), percent, after, c[1], c[2] or ())

    def repeat_stmt(self, meta, c):
        return ast.Repeat(self._span(meta), c[0], int(c[1]))

    # -- objectives ------------------------------------------------------------------------------
    def tier_decl(self, meta, c):
        return ast.TierDecl(self._span(meta), c[0], c[1], tuple(c[2:]))

    def support_stmt(self, meta, c):
        return ast.Support(self._span(meta), c[0], c[1] or ())

    def pause_stmt(self, meta, c):
        return ast.PauseWhen(self._span(meta), c[0])

    def severity_change_stmt(self, meta, c):
        return ast.SeverityChange(self._span(meta), c[0])

    def keep_elapsed(self, meta, c):
        return "keep_elapsed"

    def restart(self, meta, c):
        return "restart"

    def internal_duration(self, meta, c):
        return ("internal", c[0])

    def during_opt(self, meta, c):
        return ("during", c[0])

    def internal_percent(self, meta, c):
        return ("internal", c[0])

    def including_dependencies(self, meta, c):
        return ("including", True)

    def _options(self, items, meta):
        out = {}
        for key, value in items:
            if key in out:
                self.diagnostics.append(error("SLA008", f'"{key}" is given twice in one statement',
                                              value.span if isinstance(value, ast.Node) else self._span(meta)))
            out[key] = value
        return out

    def target_stmt(self, meta, c):
        opts = self._options(c[3:], meta)
        return ast.Target(self._span(meta), str(c[0]), c[1], c[2], opts.get("internal"), opts.get("during"))

    def update_stmt(self, meta, c):
        opts = self._options(c[2:], meta)
        return ast.Target(self._span(meta), "update", c[0], c[1], opts.get("internal"), opts.get("during"))

    def percentile_stmt(self, meta, c):
        during = c[4][1] if c[4] else None
        return ast.PercentileTarget(self._span(meta), str(c[0]), c[1], c[2], c[3], during)

    def availability_stmt(self, meta, c):
        opts = self._options(c[2:], meta)
        return ast.Availability(self._span(meta), c[0], str(c[1]), opts.get("during"), opts.get("internal"),
                                bool(opts.get("including")))

    def exclude_item(self, meta, c):
        return ast.ExcludeItem(self._span(meta), c[0], c[1])

    def exclude_stmt(self, meta, c):
        return ast.Exclude(self._span(meta), tuple(c))

    def ignore_stmt(self, meta, c):
        return ast.IgnoreUnder(self._span(meta), c[0])

    def credits_block(self, meta, c):
        return ast.Credits(self._span(meta), tuple(c))

    def credit_below(self, meta, c):
        return ast.CreditRow(self._span(meta), c[0], False, c[1])

    def credit_at_or_below(self, meta, c):
        return ast.CreditRow(self._span(meta), c[0], True, c[1])

    def cap_stmt(self, meta, c):
        return ast.Cap(self._span(meta), c[0])

    def escalate_stmt(self, meta, c):
        return ast.Escalate(self._span(meta), c[0])

    # -- services, customers, olas -----------------------------------------------------------
    def service_decl(self, meta, c):
        return ast.ServiceDecl(self._span(meta), c[0], tuple(c[1:]))

    def offers_stmt(self, meta, c):
        return ast.Offers(self._span(meta), c[0])

    def depends_serial(self, meta, c):
        return ast.DependsOn(self._span(meta), "serial", c[0])

    def depends_any(self, meta, c):
        return ast.DependsOn(self._span(meta), "any", c[0])

    def customer_decl(self, meta, c):
        return ast.CustomerDecl(self._span(meta), c[0], tuple(c[1:]))

    def contract_body(self, meta, c):
        return tuple(c)

    def contract_stmt(self, meta, c):
        body = c[4]
        return ast.Contract(self._span(meta), c[0], c[1], c[2], c[3], body or (), body is not None)

    def ola_decl(self, meta, c):
        return ast.OlaDecl(self._span(meta), c[0], tuple(c[1:]))

    def underpins_stmt(self, meta, c):
        return ast.Underpins(self._span(meta), c[0])

    # -- ticket sources --------------------------------------------------------------------------
    def source_decl(self, meta, c):
        return ast.SourceDecl(self._span(meta), c[0], tuple(c[1:]))

    def format_stmt(self, meta, c):
        return ast.SourceFormat(self._span(meta), c[0])

    def instants_stmt(self, meta, c):
        return ast.Instants(self._span(meta), c[0])

    def column_stmt(self, meta, c):
        return ast.Column(self._span(meta), c[0], c[1])

    string_list = name_list

    def source_severity(self, meta, c):
        return ast.SourceMapping(self._span(meta), "severity", c[0], c[1])

    def source_status(self, meta, c):
        target = ast.QualName(c[1].span, (c[1].value,))
        return ast.SourceMapping(self._span(meta), "status", c[0], target, c[2] is not None)

    # -- tests --------------------------------------------------------------------------------
    def test_decl(self, meta, c):
        return ast.TestDecl(self._span(meta), c[0], tuple(c[1:]))

    def given_tier(self, meta, c):
        return ast.GivenTier(self._span(meta), c[0])

    def given_contract(self, meta, c):
        return ast.GivenContract(self._span(meta), c[0], c[1])

    def ticket_body(self, meta, c):
        return tuple(c)

    def ticket_stmt(self, meta, c):
        body = c[3]
        return ast.TicketStmt(self._span(meta), c[0], c[1], c[2], body or (), body is not None)

    def event_status(self, meta, c):
        return ("status", c[0].value)

    def event_severity(self, meta, c):
        return ("severity", c[0].text)

    def event_kind(self, meta, c):
        return (c[0], None)

    def event_stmt(self, meta, c):
        kind, value = c[1]
        return ast.Event(self._span(meta), c[0], kind, value)

    def outage_tags(self, meta, c):
        return ("tags", c[0])

    def outage_announced(self, meta, c):
        return ("announced", c[0])

    def outage_impact(self, meta, c):
        return ("impact", c[0])

    def outage_stmt(self, meta, c):
        opts = self._options(c[3:], meta)
        impact = opts.get("impact")
        return ast.OutageStmt(self._span(meta), c[0], c[1], c[2], opts.get("tags", ()),
                              opts.get("announced"), Decimal(str(impact)) if impact is not None else None,
                              str(impact) if impact is not None else None)

    def expect_due(self, meta, c):
        due = c[3] if isinstance(c[3], ast.DateTime) else None
        return ast.Expect(self._span(meta), "due", ticket=c[0], metric=str(c[1]), internal=c[2] is not None,
                          due=due)

    def expect_state(self, meta, c):
        return ast.Expect(self._span(meta), "state", ticket=c[0], metric=str(c[1]), internal=c[2] is not None,
                          state=c[3], at=c[4])

    def expect_elapsed(self, meta, c):
        return ast.Expect(self._span(meta), "elapsed", ticket=c[0], metric=str(c[1]), elapsed=c[2], at=c[3])

    def expect_notify(self, meta, c):
        return ast.Expect(self._span(meta), "notifies", ticket=c[0], contact=c[1], at=c[2])

    def expect_availability(self, meta, c):
        return ast.Expect(self._span(meta), "availability", period=str(c[0]), service=c[1], percent=c[2])

    def expect_met(self, meta, c):
        return ast.Expect(self._span(meta), "verdict", period=str(c[0]), service=c[1], verdict=str(c[2]))

    def expect_credit(self, meta, c):
        return ast.Expect(self._span(meta), "credit", period=str(c[0]), service=c[1], percent=c[2])
