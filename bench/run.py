"""Run every benchmark (make bench). Each prints JSON; results are summarised in BENCHMARKS.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

BENCHES = [
    [sys.executable, str(HERE / "bench_pipeline.py"), "--scale", "1"],
    [sys.executable, str(HERE / "bench_clv.py")],
    [sys.executable, str(HERE / "bench_journeys.py")],
    [sys.executable, str(HERE / "bench_churn.py")],
    [sys.executable, str(HERE / "bench_recommend.py")],
    [sys.executable, str(HERE / "bench_activation.py")],
    [sys.executable, str(HERE / "bench_privacy.py")],
    [sys.executable, str(HERE / "bench_surveys.py")],
    [sys.executable, str(HERE / "bench_web_ingest.py")],
    [sys.executable, str(HERE / "bench_web_pages.py"), "--scale", "1"],
]

if __name__ == "__main__":
    failed = 0
    for cmd in BENCHES:
        if not Path(cmd[1]).exists():
            continue
        print("==>", " ".join(cmd[1:]), flush=True)
        failed += subprocess.call(cmd) != 0
    sys.exit(1 if failed else 0)
