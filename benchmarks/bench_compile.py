"""Benchmark: compile a generated policy (1,000 services, 20 tiers, 100 customers x 10 contracts),
load its artifact, and import the runtime in a fresh interpreter. Prints figures against the goals.

Run: .venv/bin/python benchmarks/bench_compile.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

N_SERVICES, N_TIERS, N_CUSTOMERS, N_CONTRACTS = 1000, 20, 100, 10


def generate(path: Path) -> None:
    """A large but valid policy in one directory (three files joined by imports)."""
    lines = ['policy "Generated" {', '  version "1"', '  timezone "Europe/London"', "  horizon 2020..2040", "}",
             'import "./people.sla" as people', ""]
    lines += ["window business_hours {", '  timezone "Europe/London"', "  mon-fri 09:00-17:30",
              '  except holidays "GB-ENG"', "}", "window maintenance {", '  timezone "UTC"', "  sun 02:00-04:00", "}"]
    for p, d in (("P1", "Critical"), ("P2", "High"), ("P3", "Normal"), ("P4", "Low")):
        lines.append(f'severity {p} "{d}"')
    lines += ['exclusion customer_caused "Customer caused"', 'exclusion force_majeure "Force majeure"']
    lines += ["escalation chain {", "  at 50% notify people.lead", "  at 75% notify people.manager via pager",
              "  at breach notify people.head via pager, email", "  repeat every 1h up to 3 times", "}"]
    for t in range(N_TIERS):
        parent = f" extends tier{t - 1}" if t else ""
        target = f"99.{90 + t % 10}"
        lines += [f"tier tier{t}{parent} {{", f'  description "Tier {t}"',
                  "  support business_hours via email, phone" if t % 2 == 0 else "  support always via phone",
                  "  pause when pending_customer",
                  f"  response P1 within {60 - t}m", f"  response P2 within {4 * 60 - t}m internal 1h",
                  "  response P3 within 8h", "  response P4 within 16h", "  resolution P1 within 24h during always",
                  "  update P1 every 2h", "  response P3, P4 90% within 6h",
                  f"  availability {target}% monthly", "  exclude maintenance with notice 72h, customer_caused",
                  "  ignore outages under 1m",
                  "  credits {", f"    below {target}% credit 10%", "    below 99.0% credit 25%",
                  "    below 95.0% credit 100%", "    cap 50%", "  }", "  escalate chain", "}"]
    for s in range(N_SERVICES):
        deps = ""
        if s >= 10:
            deps = f"  depends on svc{s % 10}\n  depends on any of svc{(s % 7) + 1}, svc{(s % 5) + 2}\n"
        lines.append(f'service svc{s} {{\n  owner "team-{s % 40}"\n  offers tier{s % N_TIERS}, '
                     f"tier{(s + 1) % N_TIERS}\n{deps}}}")
    for c in range(N_CUSTOMERS):
        body = [f"customer cust{c} {{", f'  name "Customer {c}"']
        for k in range(N_CONTRACTS):
            s = (c * N_CONTRACTS + k) % N_SERVICES
            override = " {\n    response P1 within 10m\n  }" if k == 0 else ""
            body.append(f"  contract svc{s} tier{s % N_TIERS} from 2025-01-01 to 2026-12-31{override}")
        body.append("}")
        lines += body
    (path / "policy.sla").write_text("\n".join(lines) + "\n")
    (path / "people.sla").write_text('contact lead "lead@x.example"\ncontact manager "m@x.example"\n'
                                     'contact head "h@x.example"\n')


def timed(fn, repeat: int):
    times = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return result, min(times), statistics.median(times)


def main() -> None:
    import slalang
    from slalang.compiler import check

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "policy"
        src.mkdir()
        generate(src)
        size = sum(f.stat().st_size for f in src.iterdir())
        # Warm the parser build and holiday expansion once, as a long-running CLI would not need to.
        result = check([src])
        errors = [d for d in result.diagnostics if d.is_error]
        if errors:
            raise SystemExit(f"generated policy has errors: {errors[:3]}")
        policy, best, median = timed(lambda: slalang.compile(src), 3)
        artifact_path = Path(tmp) / "policy.json"
        policy.save(artifact_path)
        _, load_best, load_median = timed(lambda: slalang.load(artifact_path), 5)

        cold = subprocess.run([sys.executable, "-c", (
            "import time; t=time.perf_counter(); import slalang; "
            f"p=slalang.load({str(artifact_path)!r}); print(time.perf_counter()-t)")],
            capture_output=True, text=True, check=True, cwd=ROOT)
        imports = []
        for _ in range(5):
            out = subprocess.run([sys.executable, "-c", (
                "import time; t=time.perf_counter(); import slalang.runtime; print(time.perf_counter()-t)")],
                capture_output=True, text=True, check=True, cwd=ROOT)
            imports.append(float(out.stdout))
        heavy = subprocess.run([sys.executable, "-c", (
            "import sys, slalang.runtime; print(' '.join(m for m in ('lark','networkx','holidays','numpy',"
            "'jsonschema') if m in sys.modules) or '-')")], capture_output=True, text=True, check=True, cwd=ROOT)

        rows = [
            ("source", f"{size / 1024:,.0f} KiB, {N_SERVICES} services, {N_TIERS} tiers, "
                       f"{N_CUSTOMERS}x{N_CONTRACTS} contracts", ""),
            ("compile (in-process, warm)", f"{best:.2f} s best, {median:.2f} s median", "goal < 3 s"),
            ("artifact", f"{artifact_path.stat().st_size / 1024:,.0f} KiB", ""),
            ("slalang.load (warm imports)", f"{load_best * 1000:.0f} ms best, {load_median * 1000:.0f} ms median",
             "goal < 100 ms"),
            ("import + load (cold process)", f"{float(cold.stdout) * 1000:.0f} ms", ""),
            ("import slalang.runtime (cold)", f"{min(imports) * 1000:.0f} ms best of 5", "goal < 150 ms"),
            ("modules pulled in by runtime", heavy.stdout.strip(), "none of lark, networkx, holidays"),
        ]
        width = max(len(r[0]) for r in rows)
        print("bench_compile")
        for name, value, goal in rows:
            print(f"  {name:<{width}}  {value:<48} {goal}")


if __name__ == "__main__":
    main()
