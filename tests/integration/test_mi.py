"""Integration tests of the management interface, the event interface and
tandem-cli: the real tandem binary, driven over HTTP (urllib) and through
tandem-cli, with SIPp calls through it.

  test_mi.py --tandem build/mi/src/app/tandem --cli build/mi/tools/tandem-cli [--workers 2]

Exit status: 0 passed, 1 failed, 77 skipped (no binary or no SIPp).
"""

import argparse
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
import test_proxy  # noqa: E402
from harness import LOOPBACK, Routing, free_port  # noqa: E402

SKIP = harness.SKIP
CLI = {"path": None}
TOKEN = "t0ken-for-tests"


class MiTandem(harness.TandemProxy):
    """Tandem with the routing of harness.tandem_script() plus an MI
    listener on a free port, optionally with a bearer token."""

    def __init__(self, binary, workers, token=None, extra_script=""):
        super().__init__(binary, workers)
        self.mi_port = free_port()
        self.token = token
        self.extra_script = extra_script

    def _launch(self, workspace, port, routing):
        script_path = workspace.path("routing.lua")
        text = harness.tandem_script(port, routing)
        text += '\nmi_listen("%s:%d")\n' % (LOOPBACK, self.mi_port)
        if self.token:
            text += 'modparam("mi", "auth_token", "%s")\n' % self.token
        text += self.extra_script
        with open(script_path, "w") as f:
            f.write(text)
        argv = [self.binary, "--config", script_path, "--workers", str(self.workers),
                "--log-level", self.log_level]
        return workspace.start("tandem", argv)


class MiTestCase(test_proxy.ProxyTestCase):
    token = None
    extra_script = ""  # Lua appended to the routing script

    def start_proxy(self, routing=None):
        self.proxy = MiTandem(BINARY["path"], test_proxy.CONFIG["workers"], self.token,
                              self.extra_script)
        self.proxy.start(self.ws, routing or Routing())
        harness.wait_listening(self.proxy.proc, self.proxy.mi_port, ("tcp",), timeout=20)
        return self.proxy

    def setUp(self):
        super().setUp()
        self.start_proxy()

    # -- HTTP ---------------------------------------------------------------

    def post(self, body, headers=None):
        """POSTs raw bytes to /mi: (HTTP status, parsed JSON or text)."""
        request = urllib.request.Request(
            "http://%s:%d/mi" % (LOOPBACK, self.proxy.mi_port), data=body,
            headers=dict({"Content-Type": "application/json"}, **(headers or {})), method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def rpc(self, method, params=None, headers=None):
        request = {"jsonrpc": "2.0", "method": method, "id": 1}
        if params is not None:
            request["params"] = params
        status, answer = self.post(json.dumps(request).encode(), headers)
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["jsonrpc"], "2.0")
        self.assertEqual(answer["id"], 1)
        return answer

    def result(self, method, params=None):
        answer = self.rpc(method, params)
        self.assertIn("result", answer, "%s failed: %s" % (method, answer))
        return answer["result"]

    def error(self, method, params=None):
        answer = self.rpc(method, params)
        self.assertIn("error", answer, "%s did not fail: %s" % (method, answer))
        return answer["error"]

    def cli(self, *args, check=True):
        """Runs tandem-cli against this proxy: (exit status, stdout, stderr)."""
        argv = [CLI["path"], "--port", str(self.proxy.mi_port)]
        if self.token:
            argv += ["--token", self.token]
        done = subprocess.run(argv + list(args), capture_output=True, text=True, timeout=30)
        if check:
            self.assertEqual(done.returncode, 0, done.stderr)
        return done.returncode, done.stdout, done.stderr


class CommandTests(MiTestCase):
    def test_core_commands_over_http(self):
        self.assertEqual(self.result("version"), {"Server": "tandem 0.1.0"})
        self.assertIn("Up time seconds", self.result("uptime"))
        names = self.result("which")
        for name in ("version", "uptime", "which", "get_statistics", "reset_statistics",
                     "log_level", "reload_routes", "dlg_list", "dlg_end_dlg", "cache_store",
                     "cache_fetch", "cache_remove", "event_subscribe", "events_list",
                     "subscribers_list"):
            self.assertIn(name, names)
        self.assertEqual(self.result("which", {"command": "dlg_end_dlg"})["params"][0]["name"], "callid")
        self.assertEqual(self.result("log_level")["Log level"], 3)
        self.assertEqual(self.result("log_level", [4])["Log level"], 4)
        self.assertEqual(self.result("log_level", {"level": "L_INFO"})["Previous log level"], 4)
        self.assertEqual(self.result("reload_routes"), "OK")
        self.assertEqual(self.result("cache_store", {"system": "local", "attr": "k", "value": "v",
                                                     "expire": 60}), "OK")
        self.assertEqual(self.result("cache_fetch", ["local", "k"]), {"attr": "k", "value": "v"})
        self.assertEqual(self.result("cache_remove", {"system": "local", "attr": "k"}), "OK")
        self.assertEqual(self.error("cache_fetch", ["local", "k"])["code"], 404)
        stats = self.result("get_statistics", {"statistics": ["all"]})
        for key in ("tm:requests_received", "proxy:requests_relayed", "dialog:active_dialogs",
                    "events:dropped"):
            self.assertIn(key, stats)
        self.assertEqual(list(self.result("get_statistics", ["dialog:"])),
                         ["dialog:active_dialogs", "dialog:confirmed_dialogs",
                          "dialog:early_dialogs", "dialog:ended_dialogs_lingering"])
        self.assertEqual(self.result("reset_statistics"), "OK")
        self.assertEqual(self.result("dlg_list"), {"Dialogs": []})
        events = {e["name"]: e for e in self.result("events_list")["Events"]}
        self.assertIn("E_DLG_STATE_CHANGED", events)
        self.assertIn("E_CALL_TRANSFER", events)
        self.assertEqual(events["E_CALL_HOLD"]["params"], ["callid", "leg", "action", "state"])
        self.assertEqual(self.result("subscribers_list"), {"Subscribers": []})

    def test_metrics(self):
        with urllib.request.urlopen("http://%s:%d/metrics" % (LOOPBACK, self.proxy.mi_port),
                                    timeout=10) as response:
            text = response.read().decode()
        self.assertIn("# TYPE tandem_tm_requests_received counter\n", text)
        self.assertIn("# TYPE tandem_dialog_active_dialogs gauge\n", text)

    def test_bad_requests(self):
        status, answer = self.post(b"{this is not json")
        self.assertEqual(status, 200)
        self.assertEqual(answer["error"]["code"], -32700)
        self.assertEqual(self.error("no_such_command")["code"], -32601)
        self.assertIn("no_such_command", self.error("no_such_command")["message"])
        missing = self.error("cache_fetch", {"system": "local"})
        self.assertEqual(missing["code"], -32602)
        self.assertEqual(missing["message"], "missing parameter `attr`")
        wrong = self.error("cache_store", {"system": "local", "attr": "a", "value": "b",
                                           "expire": "soon"})
        self.assertEqual(wrong["code"], -32602)
        self.assertIn("`expire` must be an integer", wrong["message"])
        self.assertEqual(self.error("dlg_end_dlg")["code"], -32602)
        self.assertEqual(self.error("dlg_end_dlg", {"callid": "nope"})["code"], 404)
        status, answer = self.post(json.dumps({"method": "version", "id": 1}).encode())
        self.assertEqual(answer["error"]["code"], -32600)

    def test_huge_body_rejected(self):
        body = b'{"jsonrpc":"2.0","method":"version","params":["' + b"x" * (6 * 1024 * 1024) + b'"],"id":1}'
        status, answer = self.post(body)
        self.assertEqual(status, 413)
        self.assertEqual(answer["error"]["code"], -32600)
        self.assertIn("larger than", answer["error"]["message"])
        self.assertEqual(self.result("version"), {"Server": "tandem 0.1.0"})

    def test_cli(self):
        _, out, _ = self.cli("mi", "version")
        self.assertEqual(json.loads(out), {"Server": "tandem 0.1.0"})
        _, out, _ = self.cli("-x", "mi", "cache_store", "system=local", "attr=a", "value=b")
        self.assertEqual(json.loads(out), "OK")
        _, out, _ = self.cli("mi", "cache_fetch", "local", "a")
        self.assertEqual(json.loads(out)["value"], "b")
        _, out, _ = self.cli("mi", "get_statistics", "statistics=tm:")
        self.assertIn("tm:requests_received", json.loads(out))
        for command in ("uptime", "which", "log_level", "reload_routes", "reset_statistics",
                        "dlg_list", "events_list", "subscribers_list"):
            self.cli("mi", command)
        self.cli("mi", "cache_remove", "system=local", "attr=a")
        status, _, err = self.cli("mi", "no_such_command", check=False)
        self.assertEqual(status, 1)
        self.assertIn("-32601", err)
        status, _, err = self.cli("mi", "cache_fetch", "system=local", check=False)
        self.assertEqual(status, 1)
        self.assertIn("missing parameter", err)
        status, _, err = self.cli("mi", "dlg_end_dlg", "callid=none", check=False)
        self.assertEqual(status, 1)
        done = subprocess.run([CLI["path"], "--port", str(free_port()), "mi", "version"],
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(done.returncode, 2)


class AuthTests(MiTestCase):
    token = TOKEN

    def test_token_required(self):
        status, _ = self.post(json.dumps({"jsonrpc": "2.0", "method": "version", "id": 1}).encode())
        self.assertEqual(status, 401)
        status, _ = self.post(json.dumps({"jsonrpc": "2.0", "method": "version", "id": 1}).encode(),
                              {"Authorization": "Bearer wrong"})
        self.assertEqual(status, 401)
        answer = self.rpc("version", headers={"Authorization": "Bearer " + TOKEN})
        self.assertEqual(answer["result"], {"Server": "tandem 0.1.0"})
        try:
            urllib.request.urlopen("http://%s:%d/metrics" % (LOOPBACK, self.proxy.mi_port), timeout=10)
            self.fail("/metrics answered without a token")
        except urllib.error.HTTPError as error:
            self.assertEqual(error.code, 401)
        _, out, _ = self.cli("mi", "version")  # cli() passes the token
        self.assertEqual(json.loads(out), {"Server": "tandem 0.1.0"})


class _Collector(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.server.bodies.append((self.path, json.loads(self.rfile.read(length))))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class CallTests(MiTestCase):
    def http_collector(self):
        server = http.server.HTTPServer((LOOPBACK, 0), _Collector)
        server.bodies = []
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()

        def close():
            server.shutdown()
            server.server_close()
            thread.join()
        self.addCleanup(close)
        return server

    def udp_collector(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((LOOPBACK, 0))
        sock.settimeout(0.2)
        self.addCleanup(sock.close)
        return sock

    def test_dialog_list_end_and_events(self):
        http_sub = self.http_collector()
        udp_sub = self.udp_collector()
        # A subscriber that accepts nothing and never answers: must not slow calls.
        stuck = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        stuck.bind((LOOPBACK, 0))
        stuck.listen(0)
        self.addCleanup(stuck.close)
        for where in ("udp:%s:%d" % udp_sub.getsockname(),
                      "http://%s:%d/events" % http_sub.server_address,
                      "http://%s:%d/stuck" % stuck.getsockname()):
            self.assertEqual(self.result("event_subscribe", {"event": "E_DLG_STATE_CHANGED",
                                                             "socket": where, "expire": 120}), "OK")
        self.assertEqual(len(self.result("subscribers_list")["Subscribers"]), 3)

        uas = self.uas("uas", "uas_ended.xml")
        started = time.monotonic()
        uac = self.uac("uac", "uac_ended.xml", "sip:uas@" + self.target(uas))

        def confirmed():
            dialogs = self.result("dlg_list")["Dialogs"]
            return dialogs if dialogs and dialogs[0]["state"] == 4 else None
        dialogs = self.wait_for(confirmed, "a confirmed dialog in dlg_list")
        self.assertLess(time.monotonic() - started, self.timeout(5), "the call was slow to set up")
        self.assertEqual(len(dialogs), 1)
        call = dialogs[0]
        self.assertEqual(call["state_name"], "confirmed")
        self.assertTrue(call["caller"]["tag"])
        self.assertTrue(call["callee"]["tag"])
        self.assertIn("uac@", call["caller"]["contact"])
        self.assertIn("uas@", call["callee"]["contact"])
        self.assertGreater(call["timestart"], 0)
        one = self.result("dlg_list", {"callid": call["callid"]})["Dialogs"]
        self.assertEqual([d["ID"] for d in one], [call["ID"]])
        _, out, _ = self.cli("mi", "dlg_list", "callid=" + call["callid"])
        self.assertEqual(json.loads(out)["Dialogs"][0]["ID"], call["ID"])

        # Half the time by Call-ID, half by dialog id, both through the CLI
        # and HTTP over the runs.
        if test_proxy.CONFIG["workers"] == 1:
            self.assertEqual(self.result("dlg_end_dlg", {"callid": call["callid"]}), "OK")
        else:
            self.cli("mi", "dlg_end_dlg", "dialog_id=" + call["ID"])
        uac_result, uas_result = self.finish(uac, uas)
        self.one(uac_result.received("BYE"), "BYE at the caller")
        self.one(uas_result.received("BYE"), "BYE at the callee")

        def states_of(bodies):
            return [(b["params"]["old_state"], b["params"]["new_state"]) for b in bodies
                    if b["params"]["callid"] == call["callid"]]

        received = []

        def udp_done():
            try:
                received.append(json.loads(udp_sub.recv(65536)))
            except socket.timeout:
                pass
            return any(s[1] == "5" for s in states_of(received))
        self.wait_for(udp_done, "E_DLG_STATE_CHANGED (deleted) over UDP")
        for notification in received:
            self.assertEqual(notification["jsonrpc"], "2.0")
            self.assertEqual(notification["method"], "E_DLG_STATE_CHANGED")
            self.assertNotIn("id", notification)
        self.assertIn("4", [s[1] for s in states_of(received)])
        self.wait_for(lambda: any(s[1] == "5" for s in states_of([b for _, b in http_sub.bodies])),
                      "E_DLG_STATE_CHANGED (deleted) over HTTP")
        self.assertTrue(all(path == "/events" for path, _ in http_sub.bodies))
        self.assertGreater(self.result("get_statistics", ["events:raised"])["events:raised"], 0)
        # A selective reset leaves the other counters alone.
        before = self.result("get_statistics", ["all"])
        self.assertGreater(before["proxy:requests_relayed"], 0)
        self.assertGreater(before["tm:requests_received"], 0)
        self.assertEqual(self.result("reset_statistics", {"statistics": ["proxy:"]}), "OK")
        after = self.result("get_statistics", ["all"])
        self.assertEqual(after["proxy:requests_relayed"], 0)
        self.assertGreaterEqual(after["tm:requests_received"], before["tm:requests_received"])
        self.assertEqual(self.error("reset_statistics", ["nothing:"])["code"], 404)

    def test_cli_events(self):
        proc = subprocess.Popen([CLI["path"], "--port", str(self.proxy.mi_port), "events",
                                 "E_DLG_STATE_CHANGED"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            self.wait_for(lambda: self.result("subscribers_list")["Subscribers"], "the CLI subscribing")
            uas = self.uas("uas", "uas_call.xml")
            uac = self.uac("uac", "uac_call.xml", "sip:uas@" + self.target(uas))
            self.finish(uac, uas)
            time.sleep(1)
        finally:
            proc.send_signal(2)
            out, _ = proc.communicate(timeout=15)
        self.assertEqual(proc.returncode, 0)
        self.assertIn('"method": "E_DLG_STATE_CHANGED"', out)
        self.assertIn('"new_state": "5"', out)
        # The CLI unsubscribed on its way out.
        self.assertEqual(self.result("subscribers_list"), {"Subscribers": []})


class ScriptEventTests(MiTestCase):
    """The script's own event route for E_DLG_STATE_CHANGED runs on every
    state change of a call, with the event's parameters; it records them in
    the local cache, which MI reads back."""

    extra_script = """
event_route("E_DLG_STATE_CHANGED", function(event)
  local key = "states:" .. event.callid
  local seen = cache_fetch("local", key) or ""
  cache_store("local", key, seen .. event.old_state .. ">" .. event.new_state .. ";")
end)
"""

    def test_event_route_sees_every_state_change(self):
        uas = self.uas("uas", "uas_call.xml")
        uac = self.uac("uac", "uac_call.xml", "sip:uas@" + self.target(uas))
        uac_result, _ = self.finish(uac, uas)
        call_id = uac_result.sent("INVITE")[0].call_id
        deadline = time.monotonic() + self.timeout(10)
        states = None
        while time.monotonic() < deadline:
            reply = self.rpc("cache_fetch", {"system": "local", "attr": "states:" + call_id})
            states = reply.get("result", {}).get("value")
            if states and states.endswith("4>5;"):
                break
            time.sleep(0.1)
        # unconfirmed -> early -> confirmed without ACK -> confirmed -> deleted
        self.assertEqual(states, "1>2;2>3;3>4;4>5;")


BINARY = {"path": None}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tandem", default=os.environ.get("TANDEM_BIN", ""))
    parser.add_argument("--cli", default="")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--slow", type=float, default=1.0)
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("tests", nargs="*", help="TestClass or TestClass.test_name")
    args = parser.parse_args()
    if shutil.which("sipp") is None:
        print("SKIP: sipp is not installed")
        return SKIP
    for what, path in (("tandem", args.tandem), ("tandem-cli", args.cli)):
        if not path or not os.access(path, os.X_OK):
            print("SKIP: no %s binary (%s)" % (what, path))
            return SKIP
    BINARY["path"] = os.path.abspath(args.tandem)
    CLI["path"] = os.path.abspath(args.cli)
    test_proxy.CONFIG["workers"] = args.workers
    test_proxy.CONFIG["slow"] = args.slow
    loader = unittest.TestLoader()
    module = sys.modules[__name__]
    if args.tests:
        suite = loader.loadTestsFromNames(args.tests, module)
    else:
        suite = unittest.TestSuite(loader.loadTestsFromTestCase(c)
                                   for c in (CommandTests, AuthTests, CallTests, ScriptEventTests))
    return harness.run_suite(suite, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
