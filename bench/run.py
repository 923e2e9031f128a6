"""`make bench`: run every scenario script in bench/ (or those named), each in its own process,
and collect what they report into bench/results.json.

A scenario is a script that measures one thing on the local stack and prints, as its last line,
`RESULT <json>`; it never asserts a speed. Targets are compared here and reported, not enforced."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"


def main(names: list[str]) -> int:
    scripts = sorted(p for p in HERE.glob("*.py") if p.name != "run.py")
    if names:
        scripts = [script for script in scripts if script.stem in names]
    if not scripts:
        print(f"no scenarios found in {HERE} matching {names or 'anything'}")
        return 1
    results: dict[str, object] = {}
    failed = []
    for script in scripts:
        print(f"== {script.stem}", flush=True)
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, check=False
        )
        sys.stdout.write(proc.stdout)
        result = next(
            (
                line[len("RESULT ") :]
                for line in reversed(proc.stdout.splitlines())
                if line.startswith("RESULT ")
            ),
            None,
        )
        if proc.returncode != 0 or result is None:
            failed.append(script.stem)
            sys.stdout.write(proc.stderr[-3000:])
            continue
        results[script.stem] = json.loads(result) | {
            "wall_seconds": round(time.monotonic() - started, 1)
        }
    merged = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    RESULTS.write_text(json.dumps(merged | results, indent=2, sort_keys=True) + "\n")
    print(f"results written to {RESULTS.relative_to(HERE.parent)}")
    if failed:
        print(f"scenarios that did not finish: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
