"""Prints criterion's mean estimates and peer/ccauth ratios from one run.

Bench ids are `<library>/<case>`; criterion stores them as `<library>_<case>`.
"""
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
means = {}
for estimates in sorted(root.glob("*/*/new/estimates.json")):
    lib, _, case = estimates.parts[-3].partition("_")
    means[(lib, case)] = json.loads(estimates.read_text())["mean"]["point_estimate"]
for (lib, case), ns in sorted(means.items()):
    print(f"{lib:>10} {case:<16} {ns / 1000:8.3f} µs")
for (lib, case), ns in sorted(means.items()):
    ours = means.get(("ccauth", case))
    if lib != "ccauth" and ours:
        print(f"{case}: {lib} takes {ns / ours:.2f}x the time of ccauth")
