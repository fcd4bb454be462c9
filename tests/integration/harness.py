"""Helpers for the integration tests: free loopback ports, processes that are
always stopped, SIPp runs and their message logs, and the proxy under test
(Tandem, or Kamailio as the reference the scenarios were first checked
against).

Everything listens on 127.0.0.1 only. Every process is started in its own
process group and stopped by the Workspace that started it, whatever happens
to the test.
"""

import argparse
import json
import os
import re
import selectors
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

LOOPBACK = "127.0.0.1"
HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIOS = os.path.join(HERE, "scenarios")
REPO = os.path.dirname(os.path.dirname(HERE))
RFC4475_DIR = os.path.join(REPO, "tests", "data", "rfc4475")

# Sanitizer and crash reports that fail a test when the proxy prints them.
SANITIZER_MARKERS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "WARNING: ThreadSanitizer",
    "runtime error:",
    "Segmentation fault",
)


# The exit status of a runner that could not test (a tool or binary
# missing, or a case that skipped itself): CTest's SKIP_RETURN_CODE, which
# scripts/test.sh counts as a failure.
SKIP = 77


def case_runner_arguments(doc, cases):
    """The command line every case runner takes: the tandem binary, the
    worker count, the timeout factor, the cases to run (names from
    `cases`) and -v."""
    parser = argparse.ArgumentParser(description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tandem", default=os.environ.get("TANDEM_BIN", ""),
                        help="path of the tandem binary (default: $TANDEM_BIN)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--slow", type=float, default=float(os.environ.get("TANDEM_IT_SLOW", "1")),
                        help="multiply timeouts (sanitizer builds); default $TANDEM_IT_SLOW or 1")
    parser.add_argument("--case", action="append", choices=sorted(cases),
                        help="run only this case (repeatable); default: all")
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser


def run_suite(suite, verbose):
    """Runs a unittest suite and returns the runner's exit status: 0 when
    every case passed, 1 when one failed, SKIP when one skipped itself (a
    skip is not a pass)."""
    result = unittest.TextTestRunner(verbosity=2 if verbose else 1).run(suite)
    if not result.wasSuccessful():
        return 1
    if result.skipped:
        print("SKIP: %s" % "; ".join(reason for _, reason in result.skipped))
        return SKIP
    return 0


class HarnessError(Exception):
    """A problem of the test setup or of a peer, reported with context."""


# ---------------------------------------------------------------------------
# Ports

_handed_out = set()


def free_port():
    """A port number free on 127.0.0.1 for both UDP and TCP right now, never
    handed out twice by this process."""
    for _ in range(500):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            udp.bind((LOOPBACK, 0))
            port = udp.getsockname()[1]
            if port in _handed_out:
                continue
            try:
                tcp.bind((LOOPBACK, port))
            except OSError:
                continue
            _handed_out.add(port)
            return port
        finally:
            udp.close()
            tcp.close()
    raise HarnessError("no free loopback port found")


def _proc_net_ports(kind):
    """Local ports open on 127.0.0.1 or any address in /proc/net/<kind>; for
    TCP only sockets in LISTEN state."""
    ports = set()
    for name in (kind, kind + "6"):
        try:
            with open("/proc/net/" + name) as table:
                next(table)
                for line in table:
                    fields = line.split()
                    address, port_hex = fields[1].rsplit(":", 1)
                    if kind == "tcp" and fields[3] != "0A":
                        continue
                    if name.endswith("6") or address in ("0100007F", "00000000"):
                        ports.add(int(port_hex, 16))
        except OSError:
            pass
    return ports


def wait_listening(proc, port, transports=("udp",), timeout=10.0):
    """Waits until something listens on port for every transport, failing
    early if proc exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(port in _proc_net_ports(t) for t in transports):
            return
        if proc is not None and not proc.alive():
            raise HarnessError(
                "%s exited (status %s) before listening on %d:\n%s"
                % (proc.name, proc.returncode(), port, proc.tail())
            )
        time.sleep(0.02)
    raise HarnessError(
        "%s does not listen on %s %d after %.0f s:\n%s"
        % (proc.name if proc else "?", "/".join(transports), port, timeout,
           proc.tail() if proc else "")
    )


# ---------------------------------------------------------------------------
# Processes


class Proc:
    """One child process in its own process group, output to a file."""

    def __init__(self, name, argv, workdir, env=None):
        self.name = name
        self.argv = argv
        self.log_path = os.path.join(workdir, name + ".log")
        self._log = open(self.log_path, "wb")
        self.popen = subprocess.Popen(
            argv,
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        self.pid = self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def returncode(self):
        return self.popen.poll()

    def wait(self, timeout):
        """The exit status; raises HarnessError (after killing the process)
        if it does not exit within timeout seconds."""
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise HarnessError("%s did not finish within %.0f s:\n%s" % (self.name, timeout, self.tail()))

    def _signal_group(self, sig):
        try:
            os.killpg(self.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def stop(self, grace=5.0):
        """SIGTERM to the group, SIGKILL after grace seconds. Returns the
        status of the process (negative: killed by that signal)."""
        if self.alive():
            self._signal_group(signal.SIGTERM)
            try:
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.popen.wait(timeout=5)
        # Children of the group that outlived the leader.
        self._signal_group(signal.SIGKILL)
        self._log.close()
        return self.popen.returncode

    def kill(self):
        self._signal_group(signal.SIGKILL)
        try:
            self.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self._log.close()

    def output(self):
        if not self._log.closed:
            self._log.flush()
        with open(self.log_path, "rb") as log:
            return log.read().decode("utf-8", "replace")

    def tail(self, lines=40):
        return "\n".join(self.output().splitlines()[-lines:])


class Workspace:
    """A directory and the processes of one test; close() stops them all and
    removes the directory unless the test asked to keep it."""

    def __init__(self, name):
        self.dir = tempfile.mkdtemp(prefix="tandem-it-%s-" % name)
        self.procs = []
        self.closers = []
        self.keep = bool(os.environ.get("TANDEM_IT_KEEP"))

    def path(self, name):
        return os.path.join(self.dir, name)

    def start(self, name, argv, env=None):
        proc = Proc(name, argv, self.dir, env)
        self.procs.append(proc)
        return proc

    def on_close(self, closer):
        """Calls closer() when the workspace closes (sockets, threads)."""
        self.closers.append(closer)

    def close(self):
        for closer in reversed(self.closers):
            closer()
        for proc in reversed(self.procs):
            if proc.alive():
                proc.stop(grace=2.0)
            else:
                proc.kill()
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------
# SIP messages as seen in SIPp's message log


COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact",
           "l": "content-length", "c": "content-type", "k": "supported",
           "s": "subject", "e": "content-encoding"}

# Headers whose values are comma-separated lists of elements.
LIST_HEADERS = {"via", "route", "record-route", "contact"}


def split_list(value):
    """Splits a header value on commas outside quotes and angle brackets."""
    parts, depth, quoted, current = [], 0, False, []
    for ch in value:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "<":
            depth += 1
        elif not quoted and ch == ">":
            depth = max(0, depth - 1)
        if ch == "," and not quoted and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


class SipMessage:
    """A parsed SIP message (just enough for assertions)."""

    def __init__(self, text, direction="", transport=""):
        self.text = text
        self.direction = direction      # "sent" or "received"
        self.transport = transport      # "UDP" or "TCP"
        head, _, body = text.replace("\r\n", "\n").partition("\n\n")
        lines = head.split("\n")
        self.start_line = lines[0].strip()
        self.headers = []               # (lower-case full name, value)
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and self.headers:
                name, value = self.headers[-1]
                self.headers[-1] = (name, value + " " + line.strip())
                continue
            name, sep, value = line.partition(":")
            if not sep:
                continue
            name = name.strip().lower()
            self.headers.append((COMPACT.get(name, name), value.strip()))
        self.body = body
        parts = self.start_line.split(" ", 2)
        if parts[0].startswith("SIP/"):
            self.is_request = False
            self.status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            self.reason = parts[2] if len(parts) > 2 else ""
            self.method = None
            self.ruri = None
        else:
            self.is_request = True
            self.status = None
            self.reason = None
            self.method = parts[0]
            self.ruri = parts[1] if len(parts) > 1 else ""

    def all(self, name):
        """Every value of a header (list headers split into elements)."""
        name = name.lower()
        values = [v for n, v in self.headers if n == name]
        if name in LIST_HEADERS:
            return [e for v in values for e in split_list(v)]
        return values

    def get(self, name):
        values = self.all(name)
        return values[0] if values else None

    @property
    def cseq(self):
        value = self.get("cseq") or ""
        number, _, method = value.partition(" ")
        return (int(number) if number.isdigit() else None, method.strip())

    @property
    def call_id(self):
        return self.get("call-id")

    def tag(self, header):
        match = re.search(r";\s*tag=([^;>\s]+)", self.get(header) or "")
        return match.group(1) if match else None

    def summary(self):
        if self.is_request:
            return "%s %s (CSeq %s)" % (self.method, self.ruri, self.get("cseq"))
        return "%s %s (CSeq %s)" % (self.status, self.reason, self.get("cseq"))

    def __repr__(self):
        return "<%s %s>" % (self.direction, self.summary())


# Each entry of a SIPp -trace_msg log starts with a line of dashes and a time
# stamp (not always at the start of a line: SIPp appends its notes about lost
# messages to the previous entry without a line break).
_LOG_SEPARATOR = re.compile(r"-{40,} \d{4}-\d\d-\d\d [0-9:.]+\n")
_LOG_HEAD = re.compile(r"^(UDP|TCP|TLS|SCTP) message (sent|received)[^\n]*\n\n")
_LOST_RECV = re.compile(r"\s*\w+ message (?:\(retrans\) )?lost \(recv\)\.\s*$")
_LOST_SEND = re.compile(r"\w+ message voluntary lost \(while sending\)\.")


def parse_message_log(text):
    """The messages of a SIPp -trace_msg log, in order. A message SIPp
    dropped on arrival because of -lost is left out (it did not count);
    one it chose not to send was never logged."""
    messages = []
    for chunk in _LOG_SEPARATOR.split(text):
        head = _LOG_HEAD.match(chunk)
        if not head:
            continue
        body = _LOST_SEND.sub("", chunk[head.end():])
        lost = _LOST_RECV.search(body)
        if lost:
            body = body[:lost.start()]
        body = body.rstrip("\n") + "\n"
        if body.strip() and not lost:
            messages.append(SipMessage(body, head.group(2), head.group(1)))
    return messages


# ---------------------------------------------------------------------------
# SIPp


class SippResult:
    def __init__(self, name, port, status, log, errors, screen):
        self.name = name
        self.port = port
        self.status = status
        self.messages = parse_message_log(log)
        # Messages SIPp dropped (-lost) on arrival or instead of sending.
        self.lost = len(re.findall(r"lost \(recv\)", log)) + len(_LOST_SEND.findall(log))
        self.errors = errors
        self.screen = screen

    def received(self, method=None, status=None, cseq_method=None):
        return self._select("received", method, status, cseq_method)

    def sent(self, method=None, status=None, cseq_method=None):
        return self._select("sent", method, status, cseq_method)

    def _select(self, direction, method, status, cseq_method):
        found = []
        for m in self.messages:
            if m.direction != direction:
                continue
            if method is not None and m.method != method:
                continue
            if status is not None and m.status != status:
                continue
            if cseq_method is not None and m.cseq[1] != cseq_method:
                continue
            found.append(m)
        return found

    def report(self):
        """What to show when a test fails because of this run."""
        lines = ["--- SIPp %s exited with %s" % (self.name, self.status)]
        if self.errors.strip():
            lines.append("errors:\n" + "\n".join(self.errors.strip().splitlines()[-30:]))
        lines.append("messages: " + ", ".join(
            ("<- " if m.direction == "received" else "-> ") + m.summary() for m in self.messages))
        return "\n".join(lines)


class Sipp:
    """One SIPp process running a scenario of tests/integration/scenarios/."""

    def __init__(self, workspace, name, scenario, port, transport="udp", remote=None,
                 calls=1, rate=None, keys=None, lost=None, duration_ms=None,
                 timeout=30, extra=()):
        self.workspace = workspace
        self.name = name
        self.port = port
        self.transport = transport
        self.timeout = timeout
        self.messages_path = workspace.path(name + ".messages")
        self.errors_path = workspace.path(name + ".errors")
        argv = [
            "sipp", "-sf", os.path.join(SCENARIOS, scenario),
            "-i", LOOPBACK, "-p", str(port),
            "-t", "t1" if transport == "tcp" else "u1",
            "-m", str(calls), "-nostdin",
            "-trace_msg", "-message_file", self.messages_path,
            "-trace_err", "-error_file", self.errors_path,
            "-timeout", "%ds" % timeout, "-timeout_error",
            "-mp", str(free_port()),
        ]
        if rate is not None:
            argv += ["-r", str(rate)]
        if lost is not None:
            argv += ["-lost", str(lost)]
        if duration_ms is not None:
            argv += ["-d", str(duration_ms)]
        for key, value in (keys or {}).items():
            argv += ["-key", key, str(value)]
        argv += list(extra)
        if remote is not None:
            argv.append("%s:%d" % (LOOPBACK, remote))
        env = dict(os.environ, TERM="dumb")
        self.proc = workspace.start(name, argv, env)

    def wait_ready(self):
        wait_listening(self.proc, self.port, (self.transport,))

    def finish(self, timeout=None):
        """Waits for SIPp to end (it ends by itself after -m calls or
        -timeout seconds) and collects what it saw."""
        status = self.proc.wait(timeout if timeout is not None else self.timeout + 15)
        return self.result(status)

    def abort(self):
        """Stops SIPp now (its peer failed) and collects what it saw."""
        return self.result(self.proc.stop(grace=3.0))

    def result(self, status):
        def read(path):
            try:
                with open(path, "rb") as f:
                    return f.read().decode("utf-8", "replace")
            except OSError:
                return ""

        return SippResult(self.name, self.port, status, read(self.messages_path),
                          read(self.errors_path), self.proc.output())


# ---------------------------------------------------------------------------
# The proxy under test


class Routing:
    """What a test asks the proxy's routing script to do.

    Every script: relays requests by Request-URI (only to 127.0.0.1: other
    destinations get 404), record-routes, creates a dialog for each initial
    INVITE, routes in-dialog requests by their Route set. Options:
      fork_to      "host:port[;transport=x]" tried from the failure route
                   when the first destination answers 486
      max_duration dialog lifetime in seconds (BYE to both sides on expiry)
    Lua inserted at fixed places, for tests of modules built on the proxy:
      in_dialog    after loose_route() succeeded, before t_relay()
      initial      first thing for a request without To tag
      new_invite   for an initial INVITE, before create_dialog()
      top_level    statements after the routes (mi_listen, modparam ...)
    """

    def __init__(self, fork_to=None, max_duration=None, in_dialog="", initial="",
                 new_invite="", top_level=""):
        self.fork_to = fork_to
        self.max_duration = max_duration
        self.in_dialog = in_dialog
        self.initial = initial
        self.new_invite = new_invite
        self.top_level = top_level


class Proxy:
    """Base of the proxies: start() with ports and Routing, stop()."""

    name = "proxy"

    def __init__(self, workers=1, log_level="info"):
        self.workers = workers
        self.log_level = log_level
        self.proc = None
        self.port = None

    def start(self, workspace, routing):
        self.port = free_port()
        self.proc = self._launch(workspace, self.port, routing)
        wait_listening(self.proc, self.port, ("udp", "tcp"), timeout=20)
        return self

    def alive(self):
        return self.proc is not None and self.proc.alive()

    def problems(self):
        """Sanitizer or crash reports in the proxy's output."""
        out = self.proc.output() if self.proc else ""
        return [line for line in out.splitlines() if any(m in line for m in SANITIZER_MARKERS)]

    def stop(self):
        """Stops the proxy with SIGTERM and returns its exit status."""
        return self.proc.stop(grace=10.0) if self.proc else None


class TandemProxy(Proxy):
    name = "tandem"

    def __init__(self, binary, workers=1, log_level="info"):
        super().__init__(workers, log_level)
        self.binary = binary

    def _launch(self, workspace, port, routing):
        script_path = workspace.path("routing.lua")
        text = tandem_script(port, routing)
        # Without mi_listen Tandem would take 127.0.0.1:8888, a port no test
        # owns: the management interface gets a free port of its own.
        if "mi_listen(" not in text:
            self.mi_port = free_port()
            text += '\nmi_listen("%s:%d")\n' % (LOOPBACK, self.mi_port)
        with open(script_path, "w") as f:
            f.write(text)
        argv = [self.binary, "--config", script_path, "--workers", str(self.workers),
                "--log-level", self.log_level]
        return workspace.start("tandem", argv)

    def statistics(self, selector="all"):
        """MI get_statistics: {"group:name": value}."""
        return mi_call(self.mi_port, "get_statistics", {"statistics": selector})


class KamailioProxy(Proxy):
    """Kamailio doing the same work, to validate the scenarios and the harness
    (the tests are written for Tandem; see README.md for what Kamailio does
    differently)."""

    name = "kamailio"

    def __init__(self, binary="kamailio", workers=1, log_level="info"):
        super().__init__(workers, log_level)
        self.binary = binary

    def _launch(self, workspace, port, routing):
        cfg_path = workspace.path("kamailio.cfg")
        with open(cfg_path, "w") as f:
            f.write(kamailio_config(port, routing, self.workers))
        argv = [self.binary, "-f", cfg_path, "-DD", "-E", "-Y", workspace.dir,
                "-P", workspace.path("kamailio.pid"), "-m", "64", "-M", "8"]
        return workspace.start("kamailio", argv)

    def problems(self):
        out = self.proc.output() if self.proc else ""
        return [line for line in out.splitlines() if "Segmentation fault" in line]


def tandem_script(port, routing):
    """The Lua routing script for one test (docs/script.md, docs/proxy.md)."""
    create = "create_dialog(%d)" % routing.max_duration if routing.max_duration else "create_dialog()"
    script = """-- Generated by tests/integration/harness.py for one test.
listen("udp:{ip}:{port}")
listen("tcp:{ip}:{port}")

-- Only loopback destinations: anything else is answered here, so that no
-- test message ever leaves the machine.
local function local_only(msg)
  if msg.ruri_host ~= "{ip}" then return false end
  for _, route in ipairs(msg:headers("Route")) do
    if not string.find(route, "{ip}", 1, true) then return false end
  end
  return true
end

function request_route(msg)
  if not local_only(msg) then
    send_reply(404, "Not Here")
    return
  end
  if has_totag() then
    if loose_route() then{in_dialog}
      t_relay()
    elseif is_method("ACK") then
      drop()
    else
      send_reply(404, "Not Here")
    end
    return
  end{initial}
  if is_method("CANCEL") then
    t_relay()
    return
  end
  if is_method("INVITE") then{new_invite}
    {create}
  end
  record_route()
  if not t_relay() then
    send_reply(500, "Server Internal Error")
  end
end
""".format(ip=LOOPBACK, port=port, create=create, in_dialog=routing.in_dialog,
           initial=routing.initial, new_invite=routing.new_invite)
    if routing.fork_to is not None:
        script += """
-- Serial forking: a busy first destination hands the call to the next one.
function failure_route(msg)
  if t_check_status("486") then
    msg.ruri = "sip:uas@{target}"
    t_relay()
  end
end
""".format(target=routing.fork_to)
    if routing.top_level:
        script += "\n" + routing.top_level + "\n"
    return script


def kamailio_config(port, routing, workers):
    """The same routing as tandem_script(), in Kamailio's language."""
    parts = [
        "#!KAMAILIO",
        "# Generated by tests/integration/harness.py for one test.",
        "debug=2",
        "log_stderror=yes",
        "children=%d" % workers,
        "tcp_children=%d" % workers,
        "auto_aliases=no",
        "listen=udp:%s:%d" % (LOOPBACK, port),
        "listen=tcp:%s:%d" % (LOOPBACK, port),
        'loadmodule "tm.so"',
        'loadmodule "sl.so"',
        'loadmodule "rr.so"',
        'loadmodule "pv.so"',
        'loadmodule "maxfwd.so"',
        'loadmodule "textops.so"',
        'loadmodule "siputils.so"',
        'loadmodule "dialog.so"',
        'loadmodule "xlog.so"',
        'modparam("dialog", "default_timeout", %d)' % (routing.max_duration or 43200),
        'modparam("dialog", "send_bye", %d)' % (1 if routing.max_duration else 0),
        "",
        "request_route {",
        '    if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }',
        '    if ($rd != "%s" || ($hdrc(Route) > 0 && !($hdr(Route) =~ "%s"))) {'
        % (LOOPBACK, LOOPBACK.replace(".", "\\.")),
        '        sl_send_reply("404", "Not Here"); exit;',
        "    }",
        "    if (has_totag()) {",
        "        if (loose_route()) { t_relay(); exit; }",
        '        if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }',
        '        sl_send_reply("404", "Not Here"); exit;',
        "    }",
        '    if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }',
        "    t_check_trans();",
        "    record_route();",
        '    if (is_method("INVITE")) { dlg_manage(); t_on_failure("FORK"); }',
        "    t_relay();",
        "}",
        "",
        'failure_route[FORK] {',
        "    if (t_is_canceled()) { exit; }",
    ]
    if routing.fork_to is not None:
        parts += [
            '    if (t_check_status("486")) {',
            '        $ru = "sip:uas@%s";' % routing.fork_to,
            "        t_relay();",
            "    }",
        ]
    parts.append("}")
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------------------
# Management interface


def mi_call(port, method, params=None, timeout=10.0):
    """One JSON-RPC request to Tandem's MI on 127.0.0.1:port; the result, or
    HarnessError with the error it answered."""
    request = {"jsonrpc": "2.0", "method": method, "id": 1}
    if params is not None:
        request["params"] = params
    http = urllib.request.Request("http://%s:%d/mi" % (LOOPBACK, port),
                                  data=json.dumps(request).encode(),
                                  headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(http, timeout=timeout) as reply:
        answer = json.loads(reply.read())
    if "result" not in answer:
        raise HarnessError("MI %s failed: %s" % (method, answer))
    return answer["result"]


# ---------------------------------------------------------------------------
# A destination that must stay silent


class Sink:
    """UDP and TCP listeners on one free loopback port that record whatever
    reaches them: the destination of requests a test expects the proxy to
    reject or drop, so that a request relayed by mistake is seen (and never
    reaches whatever else may listen on the machine). Closed by the
    workspace."""

    def __init__(self, workspace):
        self.port = free_port()
        self.received = []  # (transport, bytes)
        self._lock = threading.Lock()
        self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._udp.bind((LOOPBACK, self.port))
        self._tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._tcp.bind((LOOPBACK, self.port))
        self._tcp.listen(8)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sink", daemon=True)
        self._thread.start()
        workspace.on_close(self.close)

    def _record(self, transport, data):
        with self._lock:
            self.received.append((transport, data))

    def _run(self):
        selector = selectors.DefaultSelector()
        selector.register(self._udp, selectors.EVENT_READ, "udp")
        selector.register(self._tcp, selectors.EVENT_READ, "listen")
        while not self._stop.is_set():
            for key, _ in selector.select(timeout=0.1):
                if key.data == "udp":
                    self._record("udp", key.fileobj.recvfrom(65535)[0])
                elif key.data == "listen":
                    connection, _ = key.fileobj.accept()
                    connection.setblocking(False)
                    selector.register(connection, selectors.EVENT_READ, "tcp")
                else:
                    try:
                        data = key.fileobj.recv(65535)
                    except OSError:
                        data = b""
                    if data:
                        self._record("tcp", data)
                    else:
                        selector.unregister(key.fileobj)
                        key.fileobj.close()
        for key in list(selector.get_map().values()):
            key.fileobj.close()
        selector.close()

    def messages(self):
        with self._lock:
            return list(self.received)

    def close(self):
        if not self._stop.is_set():
            self._stop.set()
            self._thread.join(timeout=5)


# ---------------------------------------------------------------------------
# Raw UDP


def udp_exchange(sock, destination, data, window=0.5):
    """Sends one datagram and returns the datagrams that came back within
    window seconds (stops shortly after a final response)."""
    sock.sendto(data, destination)
    replies = []
    deadline = time.monotonic() + window
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        sock.settimeout(remaining)
        try:
            reply, _ = sock.recvfrom(65535)
        except socket.timeout:
            break
        replies.append(reply)
        first = reply.split(b"\r\n", 1)[0].split(b" ")
        if len(first) > 1 and first[0].startswith(b"SIP/") and first[1][:1] in (b"2", b"3", b"4", b"5", b"6"):
            deadline = min(deadline, time.monotonic() + 0.1)
    return replies
