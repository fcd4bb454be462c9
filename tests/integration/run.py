#!/usr/bin/env python3
"""Runs the integration tests against the tandem binary (or Kamailio).

  run.py --tandem build/release/src/app/tandem [--workers 2] [--case NAME ...]
  run.py --kamailio [--case NAME ...]        # the reference proxy
  TANDEM_BIN=... run.py                      # same as --tandem

Exit status: 0 all passed, 1 a test failed, 77 skipped (no binary, or no
SIPp): the status CTest's SKIP_RETURN_CODE expects.
"""

import argparse
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
import test_proxy  # noqa: E402

SKIP = harness.SKIP


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tandem", default=os.environ.get("TANDEM_BIN", ""),
                        help="path of the tandem binary (default: $TANDEM_BIN)")
    parser.add_argument("--kamailio", action="store_true", help="test Kamailio instead of Tandem")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--case", action="append", choices=sorted(test_proxy.CASES),
                        help="run only this case (repeatable); default: all")
    parser.add_argument("--slow", type=float, default=float(os.environ.get("TANDEM_IT_SLOW", "1")),
                        help="multiply timeouts (sanitizer builds); default $TANDEM_IT_SLOW or 1")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()

    if shutil.which("sipp") is None:
        print("SKIP: sipp (Debian package sip-tester) is not installed")
        return SKIP
    if args.kamailio:
        binary = shutil.which("kamailio") or "/usr/sbin/kamailio"
        if not os.access(binary, os.X_OK):
            print("SKIP: kamailio is not installed")
            return SKIP
        test_proxy.CONFIG["proxy"] = lambda workers: harness.KamailioProxy(binary, workers, args.log_level)
    else:
        binary = args.tandem
        if not binary or not os.access(binary, os.X_OK):
            print("SKIP: no tandem binary (%s)" % (binary or "give --tandem or TANDEM_BIN"))
            return SKIP
        binary = os.path.abspath(binary)
        test_proxy.CONFIG["proxy"] = lambda workers: harness.TandemProxy(binary, workers, args.log_level)
    test_proxy.CONFIG["workers"] = args.workers
    test_proxy.CONFIG["slow"] = args.slow

    loader = unittest.TestLoader()
    names = [test_proxy.CASES[c] for c in (args.case or sorted(test_proxy.CASES))]
    suite = unittest.TestSuite(loader.loadTestsFromName(n, test_proxy) for n in names)
    print("integration: %s, %d worker(s), %d case(s)" % (binary, args.workers, suite.countTestCases()))
    return harness.run_suite(suite, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
