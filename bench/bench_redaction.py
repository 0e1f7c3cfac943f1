"""Benchmark: redaction of 5 MB of journal-like text against a floor measured in the same run.

The floor is one pass of a single precompiled regular expression over the same text (the
cheapest scan any redaction needs). Prints the time of both and the ratio.

    .venv/bin/python bench/bench_redaction.py
"""

from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path

from rhcos_helpers.redaction import redact_text

LINES = [
    'Nov 20 09:30:00 worker-1 kubelet[2345]: I1120 "SyncLoop" pod="openshift-dns/dns-default"',
    'Nov 20 09:30:01 worker-1 crio[1234]: level=info msg="Pulled image: quay.io/x@sha256:'
    + "0123456789abcdef" * 4
    + '" id=abc',
    "Nov 20 09:30:02 worker-1 kubelet[2345]: Authorization: Bearer sha256~abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
]


def main() -> None:
    text = "\n".join(LINES * (5_000_000 // sum(len(x) + 1 for x in LINES) + 1))
    floor_re = re.compile(r"sha256~[A-Za-z0-9_-]{20,}")
    floor, ours = [], []
    for _ in range(5):
        t = time.perf_counter()
        floor_re.sub("<redacted>", text)
        floor.append(time.perf_counter() - t)
        t = time.perf_counter()
        redact_text(text)
        ours.append(time.perf_counter() - t)
    f, o = statistics.median(floor), statistics.median(ours)
    print(f"{len(text) / 1e6:.1f} MB: floor {f:.3f} s, redact_text {o:.3f} s, {o / f:.1f}x floor")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "redaction.json").write_text(
        json.dumps({"mb": len(text) / 1e6, "floor_s": f, "redact_s": o, "ratio": o / f})
    )


if __name__ == "__main__":
    main()
