"""`make bench`: run every scenario script in bench/ (or those named), each in its own process,
and collect what they report into bench/results.json.

A scenario is a script that measures one thing on the local stack and prints, as its last line,
`RESULT <json>`; it never asserts a speed. Targets are compared here and reported, not enforced.

`--ab REV` (`make bench ab=main only=event_lag`) runs each named scenario through ab.py instead:
on REV's code and on the working tree in the same run, recorded as "<scenario> A/B <REV>"."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"


def main(argv: list[str]) -> int:
    ab = argv[argv.index("--ab") + 1] if "--ab" in argv[:-1] else None
    names = [name for name in argv if name not in ("--ab", ab)]
    scripts = sorted(p for p in HERE.glob("*.py") if p.name not in ("run.py", "ab.py"))
    if names:
        scripts = [script for script in scripts if script.stem in names]
    if not scripts or (ab and not names):
        print(f"no scenarios found in {HERE} matching {names or 'anything'}")
        return 1
    results: dict[str, object] = {}
    failed = []
    for script in scripts:
        label = f"{script.stem} A/B {ab}" if ab else script.stem
        print(f"== {label}", flush=True)
        started = time.monotonic()
        argv = [str(HERE / "ab.py"), "--rev", ab, script.stem] if ab else [str(script)]
        # Shown as it comes (an A/B run takes minutes), kept to find the result line.
        proc = subprocess.Popen(
            [sys.executable, *argv], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        lines = _follow(proc)
        result = next(
            (line[len("RESULT ") :] for line in reversed(lines) if line.startswith("RESULT ")),
            None,
        )
        if proc.wait() != 0 or result is None:
            failed.append(label)
            continue
        results[label] = json.loads(result) | {"wall_seconds": round(time.monotonic() - started, 1)}
    merged = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    RESULTS.write_text(json.dumps(merged | results, indent=2, sort_keys=True) + "\n")
    print(f"results written to {RESULTS.relative_to(HERE.parent)}")
    if failed:
        print(f"scenarios that did not finish: {', '.join(failed)}")
        return 1
    return 0


def _follow(proc: subprocess.Popen[str]) -> list[str]:
    """The scenario's output lines; on Ctrl-C (which reaches it too) or SIGTERM (passed on),
    waits until it has stopped its stacks before leaving."""
    assert proc.stdout is not None
    signal.signal(signal.SIGTERM, lambda *_: proc.send_signal(signal.SIGTERM))
    lines = []
    try:
        for line in proc.stdout:
            sys.stdout.write(line if not line.startswith("RESULT ") else "")
            lines.append(line.rstrip("\n"))
    except KeyboardInterrupt:
        proc.wait()
        raise SystemExit(130) from None
    return lines


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
