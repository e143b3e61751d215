#!/usr/bin/env python3
"""Prints what a test run skipped, and why, from the JUnit XML that lit
(--xunit-xml-output, the `lit` ctest test writes build/test/lit-results.xml)
and ctest (--output-junit) write. scripts/test.sh runs it last, so a run
whose ptxas or GPU checks did not happen never reads as a full pass.

Usage: test-summary.py [--lit LIT_XML] [--ctest CTEST_XML]
"""
import argparse
import os
import re
import sys
import xml.etree.ElementTree as ET


def _testcases(path):
    if not path or not os.path.exists(path):
        return []
    return ET.parse(path).getroot().iter("testcase")


def lit_unsupported(path):
    """(test, reason) for each lit test that did not run."""
    out = []
    for case in _testcases(path):
        skipped = case.find("skipped")
        if skipped is None:
            continue
        suite = case.get("classname", "").split(".", 1)[-1]
        name = f"{suite}/{case.get('name')}" if suite else case.get("name")
        out.append((name, skipped.get("message", "unsupported")))
    return out


def _skip_reason(case):
    """GoogleTest's skip messages (the line after "file:line: Skipped"),
    else the output's last line (a script's exit-77 reason), else ctest's."""
    text = (case.findtext("system-out") or "").splitlines()
    reasons = []
    for i, line in enumerate(text):
        if re.search(r":\d+: Skipped$", line) and i + 1 < len(text):
            if text[i + 1] not in reasons:
                reasons.append(text[i + 1])
    if reasons:
        cases = sum("[  SKIPPED ]" in line for line in text)
        more = f" (+{len(reasons) - 1} other reasons)" if len(reasons) > 1 else ""
        return f"{cases} case(s): {reasons[0]}{more}"
    lines = [l for l in text if l.strip()]
    if lines:
        return lines[-1].strip()
    skipped = case.find("skipped")
    return skipped.get("message", "skipped") if skipped is not None else "skipped"


def ctest_skipped(path):
    """(test, reason) for each ctest test that did not run."""
    return [(case.get("name"), _skip_reason(case)) for case in _testcases(path)
            if case.get("status") in ("notrun", "disabled")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lit", help="lit's xunit XML")
    ap.add_argument("--ctest", help="ctest's JUnit XML")
    args = ap.parse_args()
    lit = lit_unsupported(args.lit)
    ctest = [(n, r) for n, r in ctest_skipped(args.ctest) if n != "lit"]
    for name, reason in lit:
        print(f"  lit UNSUPPORTED: {name}: {reason}")
    for name, reason in ctest:
        print(f"  ctest skipped: {name}: {reason}")
    if lit or ctest:
        total = len(lit) + len(ctest)
        print(f"test summary: {total} check{'s' if total > 1 else ''} skipped "
              f"({len(lit)} lit UNSUPPORTED, {len(ctest)} ctest skipped; "
              "reasons above)")
    else:
        print("test summary: no checks skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
