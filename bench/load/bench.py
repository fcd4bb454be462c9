#!/usr/bin/env python3
"""Load benchmark: Tandem and Kamailio doing the same work (stateful relay,
Record-Route, dialog tracking) under SIPp on this machine.

The default run is the comparison (see README.md): rounds with the order of
the two servers alternating; in each, for each server on fresh processes:
  memory  5000 calls held open: the growth of the PSS of all its processes
          against idle, per call;
  CPU     steps of new calls at 1000 and 3000 calls/s: utime+stime of all its
          processes over the steady window, per completed call, and its
          voluntary context switches per call.
Then the figures of every round, their ranges and the per-round ratios.
--ladder runs the older benchmark instead (highest clean rate by a ladder of
rates, memory per dialog from two waves of calls).
Everything runs on 127.0.0.1; every process started is stopped at the end.
"""

import argparse
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
LOOPBACK = "127.0.0.1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# Kamailio's memory pools (MiB): shared memory well above what 10000 calls
# need, private memory per process twice Debian's default.
KAMAILIO_SHM_MB = 1024
KAMAILIO_PKG_MB = 16

# The rates tried, in calls per second, lowest first.
RATE_LADDER = [250, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 5000, 6000, 7000, 8000, 10000, 12000]


def log(*parts):
    print(*parts, flush=True)


# ---------------------------------------------------------------------------
# Processes and /proc


def free_port():
    while True:
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            udp.bind((LOOPBACK, 0))
            port = udp.getsockname()[1]
            try:
                tcp.bind((LOOPBACK, port))
            except OSError:
                continue
            return port
        finally:
            udp.close()
            tcp.close()


class Proc:
    """A child in its own process group; stop() ends the whole group."""

    def __init__(self, name, argv, workdir, env=None):
        self.name = name
        self.log_path = os.path.join(workdir, name + ".log")
        self._log = open(self.log_path, "wb")
        self.popen = subprocess.Popen(argv, cwd=workdir, stdin=subprocess.DEVNULL, stdout=self._log,
                                      stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.pid = self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def wait(self, timeout):
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            return None

    def stop(self, grace=10.0):
        if self.alive():
            try:
                os.killpg(self.pid, signal.SIGTERM)
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
            except ProcessLookupError:
                pass
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.popen.wait()
        self._log.close()
        return self.popen.returncode

    def tail(self, lines=15):
        with open(self.log_path, "rb") as f:
            return "\n".join(f.read().decode("utf-8", "replace").splitlines()[-lines:])


def group_pids(pgid):
    """Every live process of a process group."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            pids.append(int(entry))
    return pids


def cpu_seconds(pgid):
    """utime+stime of all live processes of a group (all their threads)."""
    total = 0
    for pid in group_pids(pgid):
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def context_switches(pgid):
    """Voluntary context switches of every thread of every live process of a
    group: how many times the proxy went to sleep waiting for work (each one
    ends with a wake-up)."""
    total = 0
    for pid in group_pids(pgid):
        for status in glob.glob("/proc/%d/task/*/status" % pid):
            try:
                with open(status) as f:
                    for line in f:
                        if line.startswith("voluntary_ctxt_switches:"):
                            total += int(line.split()[1])
                            break
            except OSError:
                continue
    return total


def memory_kib(pgid):
    """Proportional set size of a process group in KiB: shared pages (e.g.
    Kamailio's shared memory) are counted once across its processes."""
    total = 0
    for pid in group_pids(pgid):
        try:
            with open("/proc/%d/smaps_rollup" % pid) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


def udp_ports():
    ports = set()
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    ports.add(int(line.split()[1].rsplit(":", 1)[1], 16))
        except OSError:
            pass
    return ports


def udp_drops(ports):
    """Datagrams the kernel dropped (receive buffer full) on the UDP sockets
    bound to each of ports, from the drops column of /proc/net/udp."""
    drops = dict.fromkeys(ports, 0)
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    port = int(fields[1].rsplit(":", 1)[1], 16)
                    if port in drops:
                        drops[port] += int(fields[-1])
        except OSError:
            pass
    return drops


def wait_listening(proc, port, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port in udp_ports():
            return
        if not proc.alive():
            raise RuntimeError("%s exited before listening:\n%s" % (proc.name, proc.tail()))
        time.sleep(0.05)
    raise RuntimeError("%s does not listen on %d:\n%s" % (proc.name, port, proc.tail()))


# ---------------------------------------------------------------------------
# The proxies


class Proxy:
    def __init__(self, name, workdir):
        self.name = name
        self.workdir = workdir
        self.proc = None
        self.port = None

    def start(self):
        self.port = free_port()
        self.proc = self.launch()
        wait_listening(self.proc, self.port)
        time.sleep(0.5)
        return self

    def stop(self):
        if self.proc is not None:
            self.proc.stop()
            self.proc = None

    def cpu(self):
        return cpu_seconds(self.proc.pid)

    def memory(self):
        return memory_kib(self.proc.pid)

    def processes(self):
        return len(group_pids(self.proc.pid))


class Tandem(Proxy):
    def __init__(self, binary, workers, workdir):
        super().__init__("Tandem", workdir)
        self.binary = binary
        self.workers = workers

    def describe(self):
        try:
            version = subprocess.run([self.binary, "--version"], capture_output=True, text=True,
                                     timeout=10).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            version = "?"
        return "%s --workers %d (bench/load/tandem.lua; %s)" % (self.binary, self.workers, version)

    def memory_settings(self):
        return "glibc malloc, no limit set"

    def launch(self):
        env = dict(os.environ, BENCH_PROXY_PORT=str(self.port))
        argv = [self.binary, "--config", os.path.join(HERE, "tandem.lua"), "--workers", str(self.workers),
                "--log-level", "warn"]
        return Proc("tandem-%d" % self.port, argv, self.workdir, env)


class Kamailio(Proxy):
    def __init__(self, binary, children, workdir):
        super().__init__("Kamailio", workdir)
        self.binary = binary
        self.children = children

    def describe(self):
        try:
            version = subprocess.run([self.binary, "-v"], capture_output=True, text=True,
                                     timeout=10).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            version = "?"
        return "%s -n %d (bench/load/kamailio.cfg; %s)" % (self.binary, self.children, version)

    def memory_settings(self):
        return "TLSF allocator for shared and private memory (-x tlsf -X tlsf), %d MiB shared (-m), " \
               "%d MiB private per process (-M)" % (KAMAILIO_SHM_MB, KAMAILIO_PKG_MB)

    def launch(self):
        # As Kamailio's own documentation and its experts set it for load:
        # TLSF for both memory pools (faster than the default allocator under
        # churn), enough shared memory that nothing is tight, and the UDP
        # receive buffer (maxbuffer in kamailio.cfg) as large as Tandem's.
        argv = [self.binary, "-f", os.path.join(HERE, "kamailio.cfg"), "-DD", "-E",
                "-l", "udp:%s:%d" % (LOOPBACK, self.port), "-n", str(self.children),
                "-x", "tlsf", "-X", "tlsf", "-m", str(KAMAILIO_SHM_MB), "-M", str(KAMAILIO_PKG_MB),
                "-Y", self.workdir, "-P", os.path.join(self.workdir, "kamailio-%d.pid" % self.port)]
        return Proc("kamailio-%d" % self.port, argv, self.workdir)


# ---------------------------------------------------------------------------
# SIPp


class SippPair:
    """A callee (UAS) and a caller (UAC) SIPp for one step."""

    def __init__(self, workdir, tag, proxy, calls, rate, hold_ms, timeout):
        self.workdir = tempfile.mkdtemp(prefix=tag + "-", dir=workdir)
        uas_port, uac_port = free_port(), free_port()
        self.ports = (uac_port, uas_port)
        common = ["-i", LOOPBACK, "-t", "u1", "-nostdin", "-m", str(calls), "-timeout", "%ds" % timeout,
                  "-buff_size", "4194304", "-trace_stat", "-fd", "1", "-max_recv_loops", "10000",
                  "-max_sched_loops", "10000"]
        self.uas = Proc("uas", ["sipp", "-sf", os.path.join(HERE, "uas.xml"), "-p", str(uas_port),
                                "-mp", str(free_port()),
                                "-stf", os.path.join(self.workdir, "uas.csv")] + common, self.workdir)
        wait_listening(self.uas, uas_port)
        self.uac = Proc("uac", ["sipp", "-sf", os.path.join(HERE, "uac.xml"), "-p", str(uac_port),
                                "-mp", str(free_port()),
                                "-r", str(rate), "-d", str(hold_ms), "-trace_counts",
                                "-l", str(max(calls, 1000)),
                                "-key", "target", "sip:load@%s:%d" % (LOOPBACK, uas_port),
                                "-stf", os.path.join(self.workdir, "uac.csv")] + common
                        + ["%s:%d" % (LOOPBACK, proxy.port)], self.workdir)
        self.timeout = timeout

    def established(self):
        """Calls whose ACK the caller has sent (from its -trace_counts file)."""
        files = glob.glob(os.path.join(self.workdir, "*_counts.csv"))
        if not files:
            return 0
        with open(files[0]) as f:
            lines = f.read().splitlines()
        if len(lines) < 2:
            return 0
        names, values = lines[0].split(";"), lines[-1].split(";")
        for name, value in zip(names, values):
            if name.endswith("_ACK_Sent"):
                return int(value or 0)
        return 0

    def finish(self, extra=20):
        """Waits for both (or collects them if already stopped) and returns
        their statistics."""
        uac_status = self.uac.wait(self.timeout + extra)
        uas_status = self.uas.wait(10 if uac_status == 0 else 3)
        self.uas.stop()
        return {"uac": uac_status, "uas": uas_status,
                "uac_stats": read_stats(os.path.join(self.workdir, "uac.csv")),
                "uas_stats": read_stats(os.path.join(self.workdir, "uas.csv"))}

    def stop(self):
        self.uac.stop()
        self.uas.stop()

    def cpu(self):
        return sum(cpu_seconds(p.pid) for p in (self.uac, self.uas) if p.alive())


def read_stats(path):
    """The last line of a SIPp -trace_stat file as a dict."""
    try:
        with open(path) as f:
            lines = [line for line in f.read().splitlines() if line.strip()]
    except OSError:
        return {}
    if len(lines) < 2:
        return {}
    return dict(zip(lines[0].split(";"), lines[-1].split(";")))


def stat(stats, name):
    try:
        return int(float(stats.get(name, "0") or 0))
    except ValueError:
        return 0


# ---------------------------------------------------------------------------
# Phases


def establish(proxy, tag, calls, rate, hold_s):
    """Starts calls held open hold_s seconds; returns the SippPair once they
    are all established (or when that takes too long)."""
    pair = SippPair(proxy.workdir, "%s-%s" % (proxy.name, tag), proxy, calls, rate, int(hold_s * 1000),
                    int(hold_s + calls / rate + 60))
    started = time.monotonic()
    while pair.established() < calls and time.monotonic() - started < calls / rate + 20:
        if not pair.uac.alive():
            break
        time.sleep(0.5)
    return pair


def memory_phase(proxy, calls, rate, wait_txn_s):
    """Memory per established call, with its transactions and without.

    Wave A: `calls` calls established and held; the memory is taken with
    their INVITE transactions still kept, then once the transactions have
    expired (Tandem keeps an answered INVITE transaction 32 s, RFC 6026;
    Kamailio 5 s). The memory freed by the transactions stays with the
    process (allocators keep it), so wave B, as many calls again, is set up
    next: its transactions reuse that memory and its growth is the dialogs'.
    Without wait_txn_s (quick runs) only wave A is measured."""
    result = {"calls": calls}
    establish_s = calls / rate
    proxy.start()
    try:
        # Warm-up: a few calls through every code path before the baseline
        # (their state, kept a while after they end, is under 1 % of the
        # measured calls').
        SippPair(proxy.workdir, "%s-warmup" % proxy.name, proxy, 50, 50, 0, 30).finish()
        time.sleep(2.0)
        result["base_kib"] = proxy.memory()
        hold_a = establish_s + (wait_txn_s + establish_s + 8 if wait_txn_s else 4)
        wave_a = establish(proxy, "memory-a", calls, rate, hold_a)
        established_at = time.monotonic()
        result["established"] = wave_a.established()
        time.sleep(2.0)
        result["with_txn_kib"] = proxy.memory()
        if wait_txn_s:
            time.sleep(max(0.0, established_at + wait_txn_s - time.monotonic()))
            result["a_dialogs_kib"] = proxy.memory()
            wave_b = establish(proxy, "memory-b", calls, rate, establish_s + 4)
            result["established_b"] = wave_b.established()
            time.sleep(1.0)
            result["b_kib"] = proxy.memory()
            # Calls of wave A already ended at that point (should be none).
            result["a_ended_early"] = stat(read_stats(os.path.join(wave_a.workdir, "uac.csv")),
                                           "SuccessfulCall(C)")
            outcome_b = wave_b.finish(extra=30)
            result["failed_b"] = stat(outcome_b["uac_stats"], "FailedCall(C)")
        outcome = wave_a.finish(extra=30)
        result["failed"] = stat(outcome["uac_stats"], "FailedCall(C)")
        result["successful"] = stat(outcome["uac_stats"], "SuccessfulCall(C)")
        time.sleep(1.0)
        result["after_bye_kib"] = proxy.memory()
        result["processes"] = proxy.processes()
    finally:
        proxy.stop()
    return result


def rate_step(proxy, rate, seconds, hold_ms):
    calls = int(rate * seconds)
    pair = SippPair(proxy.workdir, "%s-rate-%d" % (proxy.name, rate), proxy, calls, rate, hold_ms,
                    int(seconds + hold_ms / 1000 + 15))
    cpu_before = proxy.cpu()
    wall_before = time.monotonic()
    sipp_cpu = 0.0
    sipp_drops = 0
    proxy_drops_before = udp_drops([proxy.port])[proxy.port]
    # A clean step ends when its last call does; one that is not clean would
    # wait for SIPp's own timeouts (32 s), so it is cut short: calls not
    # finished by then count as failed.
    bound = seconds + hold_ms / 1000 + 6
    try:
        # SIPp's own CPU is sampled while it runs (dead processes cannot be
        # read).
        while pair.uac.alive() and time.monotonic() - wall_before < bound:
            sipp_cpu = max(sipp_cpu, pair.cpu())
            sipp_drops = max(sipp_drops, sum(udp_drops(pair.ports).values()))
            time.sleep(0.25)
        cut = pair.uac.alive()
        if cut:
            time.sleep(1.2)  # one more -fd 1 statistics line
            pair.stop()
        outcome = pair.finish()
    finally:
        pair.stop()
    wall = time.monotonic() - wall_before
    cpu = proxy.cpu() - cpu_before
    proxy_drops = udp_drops([proxy.port])[proxy.port] - proxy_drops_before
    uac = outcome["uac_stats"]
    successful = stat(uac, "SuccessfulCall(C)")
    failed = stat(uac, "FailedCall(C)") + stat(outcome["uas_stats"], "FailedCall(C)")
    clean = not cut and outcome["uac"] == 0 and failed == 0 and successful == calls
    failed = max(failed, calls - successful)
    return {"rate": rate, "calls": calls, "successful": successful, "failed": failed,
            "retransmissions": stat(uac, "Retransmissions(C)") + stat(outcome["uas_stats"], "Retransmissions(C)"),
            "clean": clean, "proxy_cpu_s": cpu, "cpu_us_per_call": 1e6 * cpu / max(successful, 1),
            "sipp_cpu_s": sipp_cpu, "wall_s": wall, "uac_status": outcome["uac"],
            "proxy_drops": proxy_drops, "sipp_drops": sipp_drops}


def rate_phase(proxy, seconds, hold_ms, deadline, ladder):
    """Steps the rate up until a rate fails twice in a row (a single failure
    may be a hiccup of the shared machine; the step is then run again after
    a pause), or time runs out; then tries once between the last clean rate
    and the failing one."""
    steps = []
    step_cost = seconds + hold_ms / 1000 + 20

    def run(rate, note=""):
        step = rate_step(proxy, rate, seconds, hold_ms)
        step["note"] = note
        steps.append(step)
        print_step(proxy.name, step)
        return step

    proxy.start()
    try:
        failed_at = None
        for rate in ladder:
            if time.monotonic() + step_cost > deadline:
                log("  (time budget reached)")
                break
            step = run(rate)
            if step["clean"] or not proxy.proc.alive():
                time.sleep(2.0)
            elif time.monotonic() + step_cost + 5 < deadline:
                time.sleep(5.0)  # let the failed step's backlog drain
                step = run(rate, "second try")
            if not proxy.proc.alive():
                log("  %s exited:\n%s" % (proxy.name, proxy.proc.tail()))
                break
            if not step["clean"]:
                failed_at = rate
                break
        clean = [s["rate"] for s in steps if s["clean"]]
        if failed_at is not None and clean and proxy.proc.alive():
            middle = (clean[-1] + failed_at) // 2
            if middle > clean[-1] and time.monotonic() + step_cost + 5 < deadline:
                time.sleep(5.0)
                run(middle, "between the last clean rate and the failing one")
    finally:
        proxy.stop()
    return steps


def print_step(name, s):
    log("  %-8s %5d cps %6d calls %6d ok %5d failed %5d retrans | proxy CPU %5.2f s = %6.1f us/call | "
        "SIPp CPU %5.2f s | UDP drops proxy %d, SIPp %d | %4.1f s%s%s" % (
            name, s["rate"], s["calls"], s["successful"], s["failed"], s["retransmissions"], s["proxy_cpu_s"],
            s["cpu_us_per_call"], s["sipp_cpu_s"], s["proxy_drops"], s["sipp_drops"], s["wall_s"],
            "" if s["clean"] else "  <- not clean", " (%s)" % s["note"] if s.get("note") else ""))


# ---------------------------------------------------------------------------
# The comparison: rounds with the order alternating


def socket_buffers(port):
    """(receive, send) buffer sizes in bytes of every UDP socket bound to
    port, as the kernel reports them (`ss -m`: twice what was asked)."""
    try:
        out = subprocess.run(["ss", "-uamnH", "sport = :%d" % port], capture_output=True, text=True,
                             timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [(int(rb), int(tb)) for rb, tb in re.findall(r"rb(\d+),t\d+,tb(\d+)", out)]


def complete_lines(path):
    """The complete lines of a file SIPp is still writing."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return []
    lines = text.split("\n")[:-1]  # the last piece is unfinished (or empty)
    return [line for line in lines if line.strip()]


def cpu_step(proxy, rate, seconds, hold_ms):
    """One step of `seconds` of new calls at `rate`. The proxy's CPU per call
    is taken over the steady window: from the first second in which calls
    end as fast as they start (hold + 1 s after the start) to the last second
    in which new calls still start. SIPp writes its statistics once a second;
    the proxy's CPU (utime+stime of all its processes) is read the moment
    each line appears, and the window's CPU is divided by the calls that
    completed in it."""
    calls = int(rate * seconds)
    pair = SippPair(proxy.workdir, "%s-cpu-%d" % (proxy.name, rate), proxy, calls, rate, hold_ms,
                    int(seconds + hold_ms / 1000 + 15))
    stats_path = os.path.join(pair.workdir, "uac.csv")
    started = time.monotonic()
    cpu_start = proxy.cpu()
    samples = []  # (seconds since start, proxy CPU s, successful calls, context switches)
    seen = 0
    bound = seconds + hold_ms / 1000 + 6
    sipp_cpu = 0.0
    try:
        while pair.uac.alive() and time.monotonic() - started < bound:
            lines = complete_lines(stats_path)
            if len(lines) > max(seen, 1):
                now, cpu = time.monotonic() - started, proxy.cpu()
                seen = len(lines)
                row = dict(zip(lines[0].split(";"), lines[-1].split(";")))
                samples.append((now, cpu, stat(row, "SuccessfulCall(C)"), context_switches(proxy.proc.pid)))
                sipp_cpu = max(sipp_cpu, pair.cpu())
            time.sleep(0.005)
        cut = pair.uac.alive()
        if cut:
            pair.stop()
        outcome = pair.finish()
    finally:
        pair.stop()
    cpu_all = proxy.cpu() - cpu_start
    uac = outcome["uac_stats"]
    successful = stat(uac, "SuccessfulCall(C)")
    failed = max(stat(uac, "FailedCall(C)") + stat(outcome["uas_stats"], "FailedCall(C)"), calls - successful)
    steady = [s for s in samples if hold_ms / 1000 + 1 <= s[0] <= seconds + 0.5]
    window = None
    if len(steady) >= 2 and steady[-1][2] > steady[0][2]:
        first, last = steady[0], steady[-1]
        window = {"seconds": last[0] - first[0], "calls": last[2] - first[2], "cpu_s": last[1] - first[1],
                  "cpu_us_per_call": 1e6 * (last[1] - first[1]) / (last[2] - first[2]),
                  "sleeps_per_call": (last[3] - first[3]) / (last[2] - first[2])}
    return {"rate": rate, "calls": calls, "successful": successful, "failed": failed,
            "clean": not cut and failed == 0, "window": window,
            "cpu_us_per_call_whole": 1e6 * cpu_all / max(successful, 1), "sipp_cpu_s": sipp_cpu,
            "retransmissions": stat(uac, "Retransmissions(C)") + stat(outcome["uas_stats"], "Retransmissions(C)")}


def cpu_phase(proxy, rates, seconds, hold_ms):
    """A fresh proxy, a warm-up, then one step per rate; also records the
    proxy's UDP socket buffers and processes."""
    proxy.start()
    try:
        SippPair(proxy.workdir, "%s-warmup" % proxy.name, proxy, 50, 50, 0, 30).finish()
        result = {"sockets": socket_buffers(proxy.port), "processes": proxy.processes(), "steps": []}
        for rate in rates:
            time.sleep(2.0)
            step = cpu_step(proxy, rate, seconds, hold_ms)
            result["steps"].append(step)
            w = step["window"]
            log("  %-8s %5d cps: %s us/call over %s (whole step %.1f us/call), %s sleeps/call, %d/%d calls ok, "
                "%d retransmissions, SIPp CPU %.2f s%s" % (
                    proxy.name, rate, "%.1f" % w["cpu_us_per_call"] if w else "-",
                    "%.1f s, %d calls" % (w["seconds"], w["calls"]) if w else "no steady window",
                    step["cpu_us_per_call_whole"], "%.1f" % w["sleeps_per_call"] if w else "-", step["successful"], step["calls"], step["retransmissions"],
                    step["sipp_cpu_s"], "" if step["clean"] else "  <- not clean"))
    finally:
        proxy.stop()
    return result


def held_memory_phase(proxy, calls, rate):
    """A fresh proxy, a warm-up, its idle memory (PSS of all its processes),
    then `calls` calls set up at `rate` and held: the growth 2 s after the
    last is answered, per call (their INVITE transactions are still kept by
    both proxies then)."""
    proxy.start()
    try:
        SippPair(proxy.workdir, "%s-warmup" % proxy.name, proxy, 50, 50, 0, 30).finish()
        time.sleep(2.0)
        base = proxy.memory()
        pair = establish(proxy, "held", calls, rate, calls / rate + 6)
        established = pair.established()
        time.sleep(2.0)
        held = proxy.memory()
        outcome = pair.finish(extra=30)
    finally:
        proxy.stop()
    result = {"base_kib": base, "held_kib": held, "established": established,
              "failed": stat(outcome["uac_stats"], "FailedCall(C)")}
    result["bytes_per_call"] = (held - base) * 1024.0 / established if established else None
    log("  %-8s memory: idle %d KiB, %d calls held %d KiB: %s B per call (%d failed)" % (
        proxy.name, base, established, held,
        "%.0f" % result["bytes_per_call"] if result["bytes_per_call"] is not None else "-", result["failed"]))
    return result


def compare(proxies, args, deadline):
    """Rounds; in each, every proxy gets its memory phase and its CPU steps on
    fresh processes; the order of the proxies alternates from one round to
    the next, so neither is always first on a machine whose load drifts."""
    rounds = []
    rates = [int(r) for r in args.cpu_rates.split(",")]
    for index in range(args.rounds):
        order = proxies if index % 2 == 0 else list(reversed(proxies))
        log("== round %d of %d: %s" % (index + 1, args.rounds, ", then ".join(p.name for p in order)))
        result = {"order": [p.name for p in order], "load": os.getloadavg()[0]}
        for proxy in order:
            if time.monotonic() > deadline:
                log("  (time budget reached)")
                return rounds
            entry = {}
            if not args.skip_memory:
                entry["memory"] = held_memory_phase(proxy, args.dialogs, args.memory_rate)
            entry["cpu"] = cpu_phase(proxy, rates, args.cpu_step_seconds, args.hold_ms)
            result[proxy.name] = entry
        rounds.append(result)
    return rounds


def step_cpu(entry, rate, figure="cpu_us_per_call"):
    for step in entry.get("cpu", {}).get("steps", []):
        if step["rate"] == rate and step["clean"] and step["window"]:
            return step["window"][figure]
    return None


def span(values, spec):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    low, high = min(values), max(values)
    return spec % low if low == high else (spec + "-" + spec) % (low, high)


def compare_report(rounds, proxies, args):
    rates = [int(r) for r in args.cpu_rates.split(",")]
    log("")
    log("=" * 90)
    log("Results (%s, %d cores, %s), %d round(s), order alternating" % (
        time.strftime("%Y-%m-%d %H:%M"), os.cpu_count(), os.uname().release, len(rounds)))
    for proxy in proxies:
        log("  %s: %s" % (proxy.name, proxy.describe()))
        log("    memory: %s" % proxy.memory_settings())
        for r in rounds[:1]:
            cpu = r.get(proxy.name, {}).get("cpu", {})
            log("    UDP sockets (receive/send buffer bytes as the kernel reports them): %s; %s processes" % (
                ", ".join("%d/%d" % b for b in cpu.get("sockets", [])) or "-", cpu.get("processes", "-")))
    rows = []
    for rate in rates:
        rows.append(("proxy CPU us/call @ %d cps" % rate, lambda e, rate=rate: step_cpu(e, rate), "%.1f"))
    for rate in rates:
        rows.append(("proxy sleeps/call @ %d cps" % rate,
                     lambda e, rate=rate: step_cpu(e, rate, "sleeps_per_call"), "%.1f"))
    rows.append(("memory per held call (B), %d calls" % args.dialogs,
                 lambda e: e.get("memory", {}).get("bytes_per_call"), "%.0f"))
    names = [p.name for p in proxies]
    log("")
    for i, r in enumerate(rounds):
        log("  round %d (%s first, load average %.2f at its start):" % (i + 1, r["order"][0], r["load"]))
        for label, get, spec in rows:
            values = [get(r.get(n, {})) for n in names]
            line = "    %-36s" % label + "".join("%14s" % ("-" if v is None else spec % v) for v in values)
            if len(values) == 2:
                line += "%10s" % ratio(values[0], values[1])
            log(line)
    log("")
    log("%-38s" % "ranges over the rounds (min-max)" + "".join("%18s" % n for n in names)
        + ("%28s" % ("%s/%s per round" % tuple(names)) if len(names) == 2 else ""))
    for label, get, spec in rows:
        line = "%-38s" % label
        for n in names:
            line += "%18s" % span([get(r.get(n, {})) for r in rounds], spec)
        if len(names) == 2:
            ratios = []
            for r in rounds:
                a, b = get(r.get(names[0], {})), get(r.get(names[1], {}))
                ratios.append(a / b if a is not None and b else None)
            line += "%28s" % span(ratios, "%.2f")
        log(line)
    log("  Floor: 12 datagrams per call through the proxy (6 in, 6 out), see README.md.")
    log("=" * 90)


# ---------------------------------------------------------------------------
# Report


def best_rate(steps):
    clean = [s["rate"] for s in steps if s["clean"]]
    return max(clean) if clean else 0


def step_at(steps, rate):
    for s in steps:
        if s["rate"] == rate and s["clean"]:
            return s
    return None


def per_call_bytes(mem):
    """Growth per call of wave A, transactions included."""
    if "with_txn_kib" not in mem or not mem.get("established"):
        return None
    return (mem["with_txn_kib"] - mem["base_kib"]) * 1024.0 / mem["established"]


def per_dialog_bytes(mem):
    """Growth per call of wave B, set up in the memory wave A's expired
    transactions left behind."""
    if "b_kib" not in mem or not mem.get("established_b"):
        return None
    return (mem["b_kib"] - mem["a_dialogs_kib"]) * 1024.0 / mem["established_b"]


def ratio(a, b):
    if a is None or b is None or not b:
        return "-"
    return "%.2f" % (a / b)


def fmt(value, spec):
    return "-" if value is None else spec % value


def report(results, args):
    t, k = results.get("Tandem", {}), results.get("Kamailio", {})
    t_steps, k_steps = t.get("rate", []), k.get("rate", [])
    t_best, k_best = best_rate(t_steps), best_rate(k_steps)
    # CPU per call compared at the same offered rate: the highest step both
    # passed cleanly.
    common = sorted({s["rate"] for s in t_steps if s["clean"]} & {s["rate"] for s in k_steps if s["clean"]})
    ref = common[-1] if common else None
    t_ref = step_at(t_steps, ref) if ref else None
    k_ref = step_at(k_steps, ref) if ref else None
    t_cpu = t_ref["cpu_us_per_call"] if t_ref else None
    k_cpu = k_ref["cpu_us_per_call"] if k_ref else None
    t_mem, k_mem = t.get("memory", {}), k.get("memory", {})
    rows = [
        ("highest calls/s with 0 failed", t_best or None, k_best or None, "%d"),
        ("proxy CPU us/call @ %s cps" % (ref or "-"), t_cpu, k_cpu, "%.1f"),
        ("memory per established dialog (B)", per_dialog_bytes(t_mem), per_dialog_bytes(k_mem), "%.0f"),
        ("memory per new call, + its txns (B)", per_call_bytes(t_mem), per_call_bytes(k_mem), "%.0f"),
    ]
    log("")
    log("=" * 78)
    log("Results (%s, %d cores, %s)" % (time.strftime("%Y-%m-%d %H:%M"), os.cpu_count(), os.uname().release))
    log("  Tandem:   %s" % results.get("Tandem", {}).get("describe", "not run"))
    log("  Kamailio: %s" % results.get("Kamailio", {}).get("describe", "not run"))
    log("")
    log("%-38s %12s %12s %16s" % ("", "Tandem", "Kamailio", "Tandem/Kamailio"))
    for label, tv, kv, spec in rows:
        log("%-38s %12s %12s %16s" % (label, fmt(tv, spec), fmt(kv, spec), ratio(tv, kv)))
    log("")
    for name, mem in (("Tandem", t_mem), ("Kamailio", k_mem)):
        if mem:
            log("  %s memory (PSS, KiB): baseline %s; %s calls up %s, their transactions expired %s; "
                "%s more calls %s; after the BYEs %s; failed calls %s" % (
                    name, mem.get("base_kib"), mem.get("established"), mem.get("with_txn_kib"),
                    mem.get("a_dialogs_kib", "-"), mem.get("established_b", "-"), mem.get("b_kib", "-"),
                    mem.get("after_bye_kib"), mem.get("failed", 0) + mem.get("failed_b", 0)))
    if t_ref and k_ref:
        log("  SIPp (caller + callee) CPU at %d cps: %.2f s with Tandem, %.2f s with Kamailio, for %d calls"
            % (ref, t_ref["sipp_cpu_s"], k_ref["sipp_cpu_s"], t_ref["calls"]))
    log("  Floor: 13 datagrams per call through the proxy at ~5.6 us each = ~73 us of CPU per call.")
    log("=" * 78)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tandem", default=os.environ.get("TANDEM_BIN",
                                                           os.path.join(REPO, "build/release/src/app/tandem")))
    parser.add_argument("--kamailio", default=shutil.which("kamailio") or "/usr/sbin/kamailio")
    parser.add_argument("--only", choices=("tandem", "kamailio"))
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="Tandem workers (default: cores)")
    parser.add_argument("--children", type=int, default=os.cpu_count(),
                        help="Kamailio UDP worker processes (default: 1 per core, its best here: README.md)")
    parser.add_argument("--ladder", action="store_true",
                        help="the older run instead of the comparison: the highest clean rate (a ladder of "
                             "rates), CPU per call at every step, memory per dialog from two waves of calls")
    parser.add_argument("--rounds", type=int, default=3, help="comparison rounds, order alternating")
    parser.add_argument("--cpu-rates", default="1000,3000", help="comparison: the rates CPU per call is taken at")
    parser.add_argument("--cpu-step-seconds", type=float, default=10.0,
                        help="comparison: seconds of new calls per CPU step")
    parser.add_argument("--memory-rate", type=int, default=1000, help="comparison: rate the held calls are set up at")
    parser.add_argument("--step-seconds", type=float, default=8.0, help="length of a rate step")
    parser.add_argument("--hold-ms", type=int, default=1000, help="call length in the rate steps")
    parser.add_argument("--dialogs", type=int, default=5000, help="calls held open in the memory phase")
    parser.add_argument("--quick", action="store_true",
                        help="a short run to try the script: one round, 6 s CPU steps, 1000 held calls "
                             "(with --ladder: 3 s steps, no dialogs-only figure)")
    parser.add_argument("--budget", type=float, default=570.0, help="seconds the whole run may take")
    parser.add_argument("--rates", help="comma-separated rates to step through instead of the default ladder")
    parser.add_argument("--skip-memory", action="store_true", help="rate steps only")
    parser.add_argument("--skip-rate", action="store_true", help="memory phase only")
    parser.add_argument("--json", help="also write the raw results to this file")
    args = parser.parse_args()

    if args.quick:
        args.step_seconds, args.dialogs, args.rounds, args.cpu_step_seconds = 3.0, 1000, 1, 6.0
    wait_txn = 0 if args.quick else 36.0
    memory_rate = 500

    for tool in ("sipp",):
        if shutil.which(tool) is None:
            sys.exit("bench: %s is not installed" % tool)
    names = ["tandem", "kamailio"] if args.only is None else [args.only]
    if "tandem" in names and not os.access(args.tandem, os.X_OK):
        sys.exit("bench: no tandem binary at %s (build it: ./scripts/build.sh release)" % args.tandem)
    if "kamailio" in names and not os.access(args.kamailio, os.X_OK):
        sys.exit("bench: no kamailio at %s (Debian package kamailio)" % args.kamailio)

    load = os.getloadavg()[0]
    if load > 0.5:
        log("bench: warning: load average is %.2f; other work on the machine skews the figures" % load)
    ladder = [int(r) for r in args.rates.split(",")] if args.rates else RATE_LADDER
    start = time.monotonic()
    deadline = start + args.budget
    workdir = tempfile.mkdtemp(prefix="tandem-bench-")
    log("bench: files in %s" % workdir)
    results = {}
    proxies = []
    try:
        for name in names:
            proxy = (Tandem(os.path.abspath(args.tandem), args.workers, workdir) if name == "tandem"
                     else Kamailio(args.kamailio, args.children, workdir))
            proxies.append(proxy)
            results[proxy.name] = {"describe": proxy.describe()}
        if not args.ladder:
            try:
                results["rounds"] = compare(proxies, args, deadline)
            finally:
                compare_report(results.get("rounds", []), proxies, args)
            return
        # Memory first (fresh processes, short), then the rate ladders; each
        # proxy gets half of what is left for its ladder.
        for proxy in ([] if args.skip_memory else proxies):
            log("== %s: memory with %d calls held open (set up at %d cps)" % (proxy.name, args.dialogs, memory_rate))
            mem = memory_phase(proxy, args.dialogs, memory_rate, wait_txn)
            results[proxy.name]["memory"] = mem
            log("  %s" % json.dumps(mem))
        for index, proxy in enumerate([] if args.skip_rate else proxies):
            remaining = deadline - time.monotonic()
            share = remaining / (len(proxies) - index)
            log("== %s: rate steps of %.0f s, calls of %d ms (%.0f s left for this proxy)"
                % (proxy.name, args.step_seconds, args.hold_ms, share))
            results[proxy.name]["rate"] = rate_phase(proxy, args.step_seconds, args.hold_ms,
                                                     time.monotonic() + share, ladder)
    except KeyboardInterrupt:
        log("bench: interrupted")
    finally:
        for proxy in proxies:
            proxy.stop()
        if args.ladder:
            report(results, args)
        log("bench: %.0f s in all" % (time.monotonic() - start))
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=2)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
