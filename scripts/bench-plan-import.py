#!/usr/bin/env python3
"""Times `socai import-plan` on a generated plan table against `socai import` of the same events
as JSON lines (the baseline, in the same run), and a re-import of the unchanged table.

    cargo build --release && python3 scripts/bench-plan-import.py [ROWS] [path/to/socai]

Prints seconds and ratios; it asserts nothing (figures, not a timed test).
"""

import os
import subprocess
import sys
import tempfile
import time

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
HERE = os.path.dirname(os.path.abspath(__file__))
BIN = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "..", "target", "release", "socai")


def run(*args, stdout=subprocess.DEVNULL):
    start = time.perf_counter()
    subprocess.run([BIN, *args], check=True, stdout=stdout)
    return time.perf_counter() - start


with tempfile.TemporaryDirectory() as tmp:
    csv = os.path.join(tmp, "plan.csv")
    with open(csv, "w", encoding="utf-8") as f:
        f.write("line;program;capital;source;plan_year;origin;amount;decision_number;decision_date\n")
        for i in range(ROWS):
            amount = f"{1_000_000 + i:,}".replace(",", ".")
            f.write(f"2025/B/L{i:06d};DTTS;recurrent;NSTW;2025;in_year;{amount};{i}/QĐ-UBND;2025-01-{1 + i % 28:02d}\n")
    a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
    t_plan = run("--db", a, "import-plan", csv)
    jsonl = os.path.join(tmp, "events.jsonl")
    with open(jsonl, "w") as out:
        run("--db", a, "export", stdout=out)
    t_jsonl = run("--db", b, "import", jsonl)
    t_again = run("--db", a, "import-plan", csv)
    t_verify = run("--db", a, "verify")
    print(f"rows: {ROWS} ({2 * ROWS} events)")
    print(f"import-plan (new store):      {t_plan:7.2f} s")
    print(f"import of the same JSON lines:{t_jsonl:7.2f} s   ratio {t_plan / t_jsonl:.2f}")
    print(f"re-import-plan (no-op):       {t_again:7.2f} s   ratio to verify {t_again / t_verify:.2f}")
    print(f"verify (open + chain + rules):{t_verify:7.2f} s")
