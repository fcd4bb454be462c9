#!/usr/bin/env python3
"""Overload run of Tandem (see README.md, "Overload").

1. Clean capacity: a short ladder of call rates on a fresh Tandem; the
   highest rate whose calls all complete.
2. For each overload factor (default 2x and 3x the clean capacity): a fresh
   Tandem, SIPp offering factor x capacity for --seconds, then the load
   stops. Reported: calls completed per second of offered load against the
   clean capacity, calls refused with 503, Tandem's resident memory (peak
   while loaded, 5 s after and --after seconds after the load), and its
   dialogs and transactions from MI get_statistics at the same moments.

Everything on 127.0.0.1, bounded in time (a few minutes); every process it
starts is stopped when it ends or is interrupted. Reuses bench.py's process
and SIPp helpers by importing them."""

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bench import LOOPBACK, Proc, free_port, read_stats, stat, wait_listening  # noqa: E402

LADDER = [2000, 3000, 4000, 5000, 6000, 7000, 8000, 10000, 12000]


def log(*parts):
    print(*parts, flush=True)


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Tandem:
    def __init__(self, binary, workers, workdir, caps):
        self.binary, self.workers, self.workdir, self.caps = binary, workers, workdir, caps
        self.log_level = "info"
        self.proc = None

    def start(self):
        self.port, self.mi_port = free_port(), free_port()
        env = dict(os.environ, BENCH_PROXY_PORT=str(self.port), BENCH_MI_PORT=str(self.mi_port))
        argv = [self.binary, "--config", os.path.join(HERE, "overload.lua"), "--workers",
                str(self.workers), "--log-level", self.log_level]
        for name, value in self.caps.items():
            env["BENCH_" + name.upper()] = str(value)
        self.proc = Proc("tandem-%d" % self.port, argv, self.workdir, env)
        wait_listening(self.proc, self.port)
        time.sleep(0.5)
        return self

    def stop(self):
        if self.proc is not None:
            self.proc.stop()
            self.proc = None

    def rss(self):
        return rss_kib(self.proc.pid)

    def statistics(self):
        body = json.dumps({"jsonrpc": "2.0", "method": "get_statistics",
                           "params": {"statistics": ["all"]}, "id": 1}).encode()
        request = urllib.request.Request("http://%s:%d/mi" % (LOOPBACK, self.mi_port), data=body,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return json.loads(answer.read()).get("result", {})
        except (OSError, ValueError):
            return {}


class Calls:
    """A SIPp callee and caller: `calls` calls at `rate`, each held hold_ms."""

    def __init__(self, workdir, tag, proxy_port, calls, rate, hold_ms, timeout):
        self.workdir = tempfile.mkdtemp(prefix=tag + "-", dir=workdir)
        uas_port, uac_port = free_port(), free_port()
        common = ["-i", LOOPBACK, "-t", "u1", "-nostdin", "-m", str(calls), "-timeout",
                  "%ds" % timeout, "-buff_size", "4194304", "-trace_stat", "-fd", "1",
                  "-max_recv_loops", "10000", "-max_sched_loops", "10000"]
        self.uas = Proc("uas", ["sipp", "-sf", os.path.join(HERE, "uas.xml"), "-p", str(uas_port),
                                "-mp", str(free_port()),
                                "-stf", os.path.join(self.workdir, "uas.csv")] + common,
                        self.workdir)
        wait_listening(self.uas, uas_port)
        self.uac = Proc("uac", ["sipp", "-sf", os.path.join(HERE, "overload_uac.xml"),
                                "-p", str(uac_port), "-mp", str(free_port()),
                                "-r", str(rate), "-d", str(hold_ms), "-l", str(max(calls, 1000)),
                                "-key", "target", "sip:load@%s:%d" % (LOOPBACK, uas_port),
                                "-stf", os.path.join(self.workdir, "uac.csv")] + common
                        + ["%s:%d" % (LOOPBACK, proxy_port)], self.workdir)
        self.timeout = timeout

    def finish(self, bound):
        self.uac.wait(bound)
        self.uac.stop()
        time.sleep(1.2)  # the callee's last -fd 1 statistics line
        self.uas.stop()
        uac = read_stats(os.path.join(self.workdir, "uac.csv"))
        uas = read_stats(os.path.join(self.workdir, "uas.csv"))
        # A call refused with 503 ends normally for the caller: the callee
        # counts the calls that really completed (INVITE to BYE's 200).
        return {"successful": stat(uas, "SuccessfulCall(C)"),
                "failed": stat(uac, "FailedCall(C)"), "created": stat(uac, "TotalCallCreated")}

    def stop(self):
        self.uac.stop()
        self.uas.stop()


def clean_capacity(args, workdir):
    """The highest ladder rate whose calls all complete (a failing rate is
    tried once more: the machine is shared)."""
    proxy = Tandem(args.tandem, args.workers, workdir, args.caps).start()
    best = 0
    try:
        for rate in [r for r in LADDER if r <= args.max_rate]:
            passed = False
            for attempt in range(2):
                calls = int(rate * args.step_seconds)
                run = Calls(workdir, "clean-%d" % rate, proxy.port, calls, rate, args.hold_ms,
                            int(args.step_seconds + args.hold_ms / 1000 + 20))
                outcome = run.finish(args.step_seconds + args.hold_ms / 1000 + 12)
                passed = outcome["successful"] == calls and outcome["failed"] == 0
                log("  clean %5d calls/s: %d of %d completed%s" %
                    (rate, outcome["successful"], calls, "" if passed else " (not clean)"))
                if passed:
                    break
                time.sleep(3)
            if not passed:
                break
            best = rate
            time.sleep(2)
    finally:
        proxy.stop()
    return best


def overload(args, workdir, factor, capacity):
    rate = int(capacity * factor)
    calls = int(rate * args.seconds)
    proxy = Tandem(args.tandem, args.workers, workdir, args.caps).start()
    result = {"factor": factor, "rate": rate, "calls": calls}
    try:
        result["rss_start_kib"] = proxy.rss()
        peak = [0]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak[0] = max(peak[0], proxy.rss())
                time.sleep(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.monotonic()
        run = Calls(workdir, "over-%g" % factor, proxy.port, calls, rate, args.hold_ms,
                    int(args.seconds + args.hold_ms / 1000 + 40))
        # The offered load lasts args.seconds; calls still being set up then
        # get hold + a few seconds to finish, the rest is cut.
        outcome = run.finish(args.seconds + args.hold_ms / 1000 + 8)
        load_s = time.monotonic() - started
        stop.set()
        sampler.join()
        result.update(outcome)
        result["load_s"] = load_s
        result["rss_peak_kib"] = peak[0]
        result["stats_end"] = proxy.statistics()
        time.sleep(5)
        result["rss_after5_kib"] = proxy.rss()
        result["stats_after5"] = proxy.statistics()
        time.sleep(max(0, args.after - 5))
        result["rss_after_kib"] = proxy.rss()
        result["stats_after"] = proxy.statistics()
    finally:
        proxy.stop()
    return result


def dialogs_line(stats):
    return "active %s (early %s, confirmed %s, lingering %s), transactions %s+%s, refused %s" % (
        stats.get("dialog:active_dialogs", "?"), stats.get("dialog:early_dialogs", "?"),
        stats.get("dialog:confirmed_dialogs", "?"), stats.get("dialog:ended_dialogs_lingering", "?"),
        stats.get("tm:server_transactions", "?"), stats.get("tm:client_transactions", "?"),
        stats.get("proxy:overload_rejected", "-"))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tandem", default=os.path.join(os.path.dirname(os.path.dirname(HERE)),
                                                         "build/release/src/app/tandem"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--capacity", type=int, default=0,
                        help="clean capacity in calls/s (default: measured)")
    parser.add_argument("--max-rate", type=int, default=12000, help="top of the capacity ladder")
    parser.add_argument("--step-seconds", type=float, default=4.0)
    parser.add_argument("--factors", default="2,3", help="overload factors, comma-separated")
    parser.add_argument("--seconds", type=float, default=4.0, help="how long the overload lasts")
    parser.add_argument("--hold-ms", type=int, default=1000)
    parser.add_argument("--after", type=float, default=40.0,
                        help="seconds after the load at which memory and dialogs are read again")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    parser.add_argument("--max-transactions", type=int, default=0,
                        help="tm max_transactions for Tandem (0: its default)")
    parser.add_argument("--max-dialogs", type=int, default=0,
                        help="dialog max_dialogs for Tandem (0: its default)")
    parser.add_argument("--max-unreplied-invites", type=int, default=0,
                        help="tm max_unreplied_invites for Tandem (0: its default)")
    args = parser.parse_args()
    for tool in ("sipp",):
        if shutil.which(tool) is None:
            sys.exit("overload.py: %s is not installed" % tool)
    args.caps = {}
    if args.max_transactions:
        args.caps["max_transactions"] = args.max_transactions
    if args.max_dialogs:
        args.caps["max_dialogs"] = args.max_dialogs
    if args.max_unreplied_invites:
        args.caps["max_unreplied_invites"] = args.max_unreplied_invites

    workdir = tempfile.mkdtemp(prefix="tandem-overload-")
    try:
        capacity = args.capacity
        if not capacity:
            log("clean capacity (%g s steps, %d workers)" % (args.step_seconds, args.workers))
            capacity = clean_capacity(args, workdir)
            if not capacity:
                sys.exit("overload.py: not even the lowest rate was clean")
        log("clean capacity: %d calls/s" % capacity)
        results = []
        for factor in [float(f) for f in args.factors.split(",")]:
            log("overload %gx: %d calls/s for %g s" % (factor, int(capacity * factor), args.seconds))
            r = overload(args, workdir, factor, capacity)
            results.append(r)
            completed_cps = r["successful"] / args.seconds
            log("  offered %d calls (%d created by SIPp), completed %d, failed %d: %.0f calls/s "
                "completed = %.0f %% of clean capacity" %
                (r["calls"], r["created"], r["successful"], r["failed"], completed_cps,
                 100.0 * completed_cps / capacity))
            log("  RSS: start %.1f MB, peak %.1f MB, 5 s after %.1f MB, %g s after %.1f MB" %
                (r["rss_start_kib"] / 1024, r["rss_peak_kib"] / 1024, r["rss_after5_kib"] / 1024,
                 args.after, r["rss_after_kib"] / 1024))
            log("  load's end: " + dialogs_line(r["stats_end"]))
            log("  5 s after: " + dialogs_line(r["stats_after5"]))
            log("  %g s after: %s" % (args.after, dialogs_line(r["stats_after"])))
            time.sleep(2)
    finally:
        if args.keep:
            log("work directory kept: " + workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
