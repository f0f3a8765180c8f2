"""`make demo`'s last step: use the compiled artifact the way a service would, and write build/report.md.

It loads build/policy.json with `slalang.load` (the runtime only), then for every tier shows
its support window's open hours in a sample week and the response deadlines of tickets
opened at a few awkward moments (Friday evening, a bank holiday, across a DST change).
Ticket evaluation and availability reports join this as those commands land.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import slalang


def fmt_duration(td: dt.timedelta) -> str:
    total = int(td.total_seconds())
    hours, rest = divmod(total, 3600)
    return f"{hours}h{rest // 60:02d}m"


def main(build: Path) -> None:
    policy = slalang.load(build / "policy.json")
    tz = ZoneInfo(policy.timezone)
    art = policy.artifact
    samples = [dt.datetime(2025, 3, 7, 17, 45, tzinfo=tz),   # Friday after hours
               dt.datetime(2025, 3, 28, 16, 0, tzinfo=tz),   # Friday before the clocks go forward
               dt.datetime(2025, 4, 18, 10, 0, tzinfo=tz),   # Good Friday
               dt.datetime(2025, 12, 24, 11, 0, tzinfo=tz)]  # Christmas Eve
    week = (dt.datetime(2025, 3, 10, tzinfo=tz), dt.datetime(2025, 3, 17, tzinfo=tz))
    lines = [f"# {policy.name} — version {policy.version}", "",
             f"Artifact `{build / 'policy.json'}` ({policy.digest[:19]}), policy timezone {policy.timezone}.", "",
             "## Tiers", "", "| tier | support window | open hours, week of 2025-03-10 |", "|---|---|---|"]
    for name, tier in sorted(art["tiers"].items()):
        window = policy.window(tier["support"]["window"])
        lines.append(f"| {name} | {tier['support']['window']} | {fmt_duration(window.open_time(*week))} |")
    lines += ["", "## Response deadlines", "",
              "| tier | severity | goal | " + " | ".join(s.strftime("%a %d %b %H:%M") for s in samples) + " |",
              "|---|---|---|" + "---|" * len(samples)]
    for name, tier in sorted(art["tiers"].items()):
        for target in tier["targets"]:
            if target["metric"] != "response":
                continue
            window = policy.window(target["window"] or tier["support"]["window"])
            goal = dt.timedelta(seconds=target["goal"])
            due = [window.add(s, goal).astimezone(tz).strftime("%a %d %b %H:%M") for s in samples]
            lines.append(f"| {name} | {target['severity']} | {fmt_duration(goal)} | " + " | ".join(due) + " |")
    report = build / "report.md"
    report.write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:12]))
    print(f"... wrote {report}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "build"))
