#!/usr/bin/env python3
"""Checks an oracle report (oracle.py check --report FILE): every mismatch must be a
documented difference between Prometheus 2.42 (the oracle's reference) and Prometheus
3.x (promlite's reference), or the check fails.

Known differences:
  * atan2 drops the metric name since Prometheus 2.46 (prometheus/prometheus#12595);
    2.42 keeps it. Accepted only when the answers differ in nothing but __name__.
"""
import json
import re
import sys

NAME_ONLY = re.compile(
    r"^missing (\d+) series e\.g\. [^{\s]+\{(.*)\}; unexpected \1 series e\.g\. \{\2\} "
    r"\(expected \1, got \1\)$"
)


def known(m):
    return "atan2" in m.get("expr", "") and NAME_ONLY.match(m.get("reason", "")) is not None


def main(path):
    report = json.load(open(path))
    mismatches = report.get("mismatches", [])
    unknown = [m for m in mismatches if not known(m)]
    for m in mismatches:
        tag = "known 2.x/3.x difference" if known(m) else "UNEXPECTED"
        print(f"  #{m.get('id')} [{tag}] {m.get('expr')}: {m.get('reason')}")
    print(f"oracle: {len(mismatches)} mismatches, {len(mismatches) - len(unknown)} known "
          f"2.x/3.x differences, {len(unknown)} unexpected")
    return 1 if unknown else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
