"""The long fuzz run over every parser target of ``tests/fuzz/fuzz_targets.py`` (issue 7, item 7).

With atheris installed (``pip install atheris``; a wheel exists for CPython 3.11 on x86-64 Linux) each
target is fuzzed coverage-guided in a child process for ``--seconds``; without it, the same targets get
seeded random and mutated inputs (the mutations of the test suite) for ``--seconds`` each. Reports inputs
tried and failures (crashes and hangs) found per target; failing inputs are printed in base64 to replay.
Exit status 1 when any target failed.

    .venv/bin/python benchmarks/fuzz_long.py [--seconds 60] [--targets mrz,tlv] [--engine auto|atheris|random]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
# The repository first, tests/ last: tests/ holds folders named like the packages (tests/drivers, tests/kiosk).
sys.path.insert(0, str(REPOSITORY))
sys.path.append(str(REPOSITORY / "tests" / "fuzz"))

from fuzz_targets import (  # type: ignore[import-not-found]
    MUTATIONS,
    FuzzTarget,
    b64,
    build_targets,
    mutate,
    run_one,
)

MAX_INPUT_BYTES = 4096
MAX_FAILURES_KEPT = 5


def random_run(target: FuzzTarget, seconds: float, seed: int) -> dict[str, object]:
    """Seeded random bytes and mutated seeds for ``seconds``: inputs tried and failures found."""
    rng = random.Random(seed)
    tried, failures = 0, []
    corpus = list(target.seeds)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if rng.random() < 0.25:
            data = rng.randbytes(rng.randrange(MAX_INPUT_BYTES))
        else:
            steps = [(rng.choice(MUTATIONS), rng.randrange(1 << 16), rng.randrange(256))
                     for _ in range(rng.randrange(1, 8))]
            data = mutate(rng.choice(corpus), steps)[:MAX_INPUT_BYTES]
        verdict = run_one(target, data)
        tried += 1
        if verdict.crash is not None:
            failures.append({"error": verdict.crash, "input_base64": b64(data)})
        elif rng.random() < 0.01 and len(corpus) < 200:
            corpus.append(data)  # keep some inputs that passed the first checks as new starting points
    return {"target": target.name, "engine": "random", "inputs": tried, "failures": len(failures),
            "examples": failures[:MAX_FAILURES_KEPT]}


ATHERIS_CHILD = """
import sys, atheris, json, base64
sys.path.insert(0, {repository!r})
sys.path.append({fuzz!r})
with atheris.instrument_imports():
    import kiosk, drivers, simulator
from fuzz_targets import build_targets, run_one
target = next(t for t in build_targets() if t.name == {name!r})
def one(data):
    verdict = run_one(target, data)
    if verdict.crash is not None:
        print(json.dumps({{"crash": verdict.crash, "input_base64": base64.b64encode(data).decode()}}), flush=True)
        raise RuntimeError(verdict.crash)
corpus = {corpus!r}
atheris.Setup([sys.argv[0], "-max_total_time={seconds}", "-max_len={max_len}", "-rss_limit_mb=2048", corpus],
              one)
atheris.Fuzz()
"""


def atheris_run(target: FuzzTarget, seconds: float, work: Path) -> dict[str, object]:
    """Coverage-guided fuzzing of one target in a child process (libFuzzer stops it after ``seconds``)."""
    corpus = work / target.name
    corpus.mkdir(parents=True, exist_ok=True)
    for index, seed in enumerate(target.seeds):
        (corpus / f"seed-{index}").write_bytes(seed)
    code = ATHERIS_CHILD.format(repository=str(REPOSITORY), fuzz=str(REPOSITORY / "tests" / "fuzz"),
                                name=target.name,
                                corpus=str(corpus), seconds=int(seconds), max_len=MAX_INPUT_BYTES)
    finished = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=seconds + 120, check=False, cwd=work)
    failures = [json.loads(line) for line in finished.stdout.splitlines() if line.startswith("{")]
    # libFuzzer ends with "Done N runs in S second(s)" (or reports the runs so far when it stops on a crash).
    runs = re.findall(r"(?:Done |#)(\d+)", finished.stderr)
    tried = max((int(run) for run in runs), default=0)
    if finished.returncode != 0 and not failures:
        failures.append({"error": f"fuzzer exited with {finished.returncode}: {finished.stderr[-300:]}"})
    return {"target": target.name, "engine": "atheris", "inputs": tried, "failures": len(failures),
            "examples": failures[:MAX_FAILURES_KEPT]}


def atheris_available() -> bool:
    """Whether atheris imports in this interpreter."""
    probe = subprocess.run([sys.executable, "-c", "import atheris"], capture_output=True, check=False)
    return probe.returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="per target")
    parser.add_argument("--targets", default="", help="comma-separated target names (default: all)")
    parser.add_argument("--engine", choices=("auto", "atheris", "random"), default="auto")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the random engine")
    parser.add_argument("--work", type=Path, default=None, help="where atheris keeps its corpora")
    args = parser.parse_args()

    targets = build_targets()
    if args.targets:
        wanted = set(args.targets.split(","))
        targets = [target for target in targets if target.name in wanted]
    engine = args.engine
    if engine == "auto":
        engine = "atheris" if atheris_available() else "random"
    work = args.work or Path(f"/tmp/kiosk-fuzz-corpora-{int(time.time())}")
    print(f"engine: {engine}; {len(targets)} targets, {args.seconds:g} s each")
    results = []
    for target in targets:
        if engine == "atheris":
            result = atheris_run(target, args.seconds, work)
        else:
            result = random_run(target, args.seconds, args.seed)
        results.append(result)
        print(json.dumps(result, ensure_ascii=False), flush=True)
    total_inputs = sum(int(str(result["inputs"])) for result in results)
    total_failures = sum(int(str(result["failures"])) for result in results)
    print(f"total: {total_inputs} inputs tried over {len(results)} targets, {total_failures} failures")
    sys.exit(1 if total_failures else 0)


if __name__ == "__main__":
    main()
