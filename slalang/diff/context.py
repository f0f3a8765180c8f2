"""Diff stage: what every comparison needs about both policies — window measures, uses, findings."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

from slalang.diff.change import LOOSER, NEUTRAL, STRICTER, Change, direction_class
from slalang.diff.uses import Use, contracts_on, describe_uses, escalation_uses, severity_uses, window_uses
from slalang.diff.windows import Delta, Frame, Measure, weekly_hours


@dataclass(frozen=True)
class Finding:
    """A change inside one entity, before it is placed: field, values, classification, why."""

    field: str
    old: Optional[str]
    new: Optional[str]
    classification: str
    explanation: str = ""
    internal: bool = False

    def place(self, kind: str, entity: str, prefix: str = "", internal: bool = False) -> Change:
        """The Change for this finding in entity (kind, entity); `internal` marks a whole entity
        only the provider's teams see (an OLA): its stricter/looser become `neutral (internal)`."""
        finding = internalised(self) if internal else self
        field = f"{prefix}: {finding.field}" if prefix else finding.field
        return Change(kind, entity, field, finding.old, finding.new, finding.classification,
                      finding.explanation, finding.internal)


def internalised(finding: Finding, party: str = "the consumer team") -> Finding:
    """Customers never see an internal goal: its direction becomes part of the explanation."""
    if finding.internal:
        return finding
    why = finding.explanation
    if finding.classification in (STRICTER, LOOSER):
        why = f"{finding.classification} for {party}" + (f": {why}" if why else "")
        return replace(finding, classification=NEUTRAL, explanation=why, internal=True)
    return replace(finding, internal=True)


def aggregate(findings: list[Finding]) -> str:
    """One classification for several findings: stricter or looser when they all agree, else neutral."""
    moves = {f.classification for f in findings if not f.internal} & {STRICTER, LOOSER}
    return moves.pop() if len(moves) == 1 else NEUTRAL


class Context:
    """Both artifacts, with their window measures and the uses of their declarations."""

    def __init__(self, old: dict, new: dict):
        self.old, self.new = old, new
        self.frame = Frame.between(old["policy"]["horizon"], new["policy"]["horizon"])
        # Each side also knows the windows only the other side has, so that one changed part of
        # a window (an `include` of a new window, say) can be measured on its own.
        old_windows = {**new["windows"], **old["windows"]}
        new_windows = {**old["windows"], **new["windows"]}
        self.old_measure = Measure(old_windows, old["policy"]["horizon"], self.frame.week_year[0], self.frame.years)
        self.new_measure = Measure(new_windows, new["policy"]["horizon"], self.frame.week_year[1], self.frame.years)
        self.old_window_uses, self.new_window_uses = window_uses(old), window_uses(new)
        self.old_chain_uses, self.new_chain_uses = escalation_uses(old), escalation_uses(new)
        self.old_severity_uses = severity_uses(old)
        self.old_contracts = contracts_on(old)
        ranks = {s["name"]: s["rank"] for s in old["severities"]}
        ranks.update({s["name"]: s["rank"] for s in new["severities"]})
        self.severity_rank = ranks

    # -- windows ---------------------------------------------------------------------------
    def ref_delta(self, old_id: str, new_id: str) -> Delta:
        """How window `new_id` of the new policy compares with `old_id` of the old one."""
        return Delta(self.new_measure.weekly(new_id) - self.old_measure.weekly(old_id),
                     self.new_measure.total(new_id) - self.old_measure.total(old_id), self.frame)

    def ref_text(self, side: str, wid: str) -> str:
        """`service_desk (50h/week)`, `always (24x7)`."""
        measure = self.old_measure if side == "old" else self.new_measure
        return f"{wid} ({weekly_hours(measure.weekly(wid))})"

    def window_ref_finding(self, field: str, old_id: str, new_id: str, more_is: int,
                           old_text: Optional[str] = None, new_text: Optional[str] = None) -> Finding:
        """A reference moved from one window to another. `more_is`: +1 when more open time is
        better for the customer (support hours, clocks, measurement), -1 when worse (exclusions)."""
        delta = self.ref_delta(old_id, new_id)
        return Finding(field, old_text or self.ref_text("old", old_id), new_text or self.ref_text("new", new_id),
                       direction_class(delta.direction * more_is), delta.describe())

    def window_roles(self, wid: str) -> list[Use]:
        """Every role the window plays in either policy."""
        seen = set(self.old_window_uses.get(wid, [])) | set(self.new_window_uses.get(wid, []))
        return sorted(seen, key=lambda u: (u.internal, u.role, u.via or "", u.holder))


def judge_by_uses(direction: int, uses: list[Use], what: str) -> tuple[str, str, bool]:
    """(classification, explanation, internal) for a change to something shared, by the roles it
    plays: more open time of a support window is stricter, of a maintenance exclusion looser.
    When its roles disagree the worse one for the customer wins, and the explanation says so."""
    if not uses:
        return NEUTRAL, f"{what}; not used by any tier, contract or OLA", False
    public = [u for u in uses if not u.internal]
    if not public:
        finding = Finding("", None, None, direction_class(direction), what)
        judged = internalised(finding, "the OLAs that use it")
        return judged.classification, f"{judged.explanation} ({describe_uses(uses)})", True
    if direction == 0:
        return NEUTRAL, what, False
    effects = {direction * u.sign for u in public}
    classification = LOOSER if -1 in effects else STRICTER
    hurt = [u for u in public if direction * u.sign < 0]
    helped = [u for u in public if direction * u.sign > 0]
    if hurt and helped:
        why = f"{what}: looser as {describe_uses(hurt)}; stricter as {describe_uses(helped)}"
    else:
        why = f"{what} for {describe_uses(hurt or helped)}"
    return classification, why, False
