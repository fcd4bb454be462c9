#!/usr/bin/env python3
"""Integration test: real phones that use Tandem as their outbound proxy,
routed by the bundled default script (examples/default.lua).

  test_outbound.py --tandem build/release/src/app/tandem [--workers 2] [-v]

A phone configured with `outbound=sip:tandem` sends its initial requests
with `Route: <sip:tandem;lr>`. The proxy core takes that entry off before
the script runs (RFC 3261 16.4), so the default script, which relays
initial requests without loose_route(), sends the call to the callee
instead of back to itself. A call Tandem cannot relay is refused with the
reason of the failure (sl_reply_error), not a bare 500.

The default script is used as it is bundled, with only its listen and
mi_listen addresses changed to free loopback ports.

Exit status: 0 passed, 1 failed, 77 skipped (no binary, or no baresip).
"""

import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
import test_callops  # noqa: E402
import test_proxy  # noqa: E402
from harness import LOOPBACK, free_port  # noqa: E402

SKIP = harness.SKIP
BINARY = {"path": None}
DEFAULT_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                              "examples", "default.lua")


def default_script(port, mi_port):
    """examples/default.lua with its listeners on loopback ports of the test."""
    with open(DEFAULT_SCRIPT) as f:
        text = f.read()
    for old, new in (('listen("udp:0.0.0.0:5060")', 'listen("udp:%s:%d")' % (LOOPBACK, port)),
                     ('listen("tcp:0.0.0.0:5060")', 'listen("tcp:%s:%d")' % (LOOPBACK, port)),
                     ('mi_listen("127.0.0.1:8888")', 'mi_listen("%s:%d")' % (LOOPBACK, mi_port))):
        if text.count(old) != 1:
            raise harness.HarnessError("examples/default.lua no longer has %s once" % old)
        text = text.replace(old, new)
    return text


class DefaultScriptTandem(harness.TandemProxy):
    def __init__(self, binary, workers):
        super().__init__(binary, workers)
        self.mi_port = free_port()

    def _launch(self, workspace, port, routing):
        script_path = workspace.path("default.lua")
        with open(script_path, "w") as f:
            f.write(default_script(port, self.mi_port))
        argv = [self.binary, "--config", script_path, "--workers", str(self.workers),
                "--log-level", self.log_level]
        return workspace.start("tandem", argv)


class OutboundProxyTests(test_proxy.ProxyTestCase):

    def phone(self, name):
        phone = test_callops.Baresip(self.ws, name, self.proxy.port,
                                     lifetime=int(self.timeout(60)))
        self.addCleanup(phone.close)
        return phone

    def expect(self, phone, kind, what, seconds=15, **match):
        event = phone.wait_event(kind, self.timeout(seconds), **match)
        if event is None:
            self.ws.keep = True
            self.fail("baresip %s: no %s event (%s); events: %s\n--- tandem log tail:\n%s" % (
                phone.name, kind, what, [e.get("type") for e in phone.events],
                self.proxy.proc.tail(30)))
        return event

    def test_default_script(self):
        """Alice calls bob, both baresip phones with Tandem as outbound
        proxy, through the default script: bob's phone answers, the call is
        established on both, alice hangs up and bob's call closes. Then alice
        calls a user at Tandem's own address, which loops: she is refused
        with 482 Loop Detected."""
        if shutil.which("baresip") is None:
            self.skipTest("baresip (Debian package baresip-core) is not installed")
        self.proxy = DefaultScriptTandem(BINARY["path"], test_proxy.CONFIG["workers"])
        self.proxy.start(self.ws, None)
        alice, bob = self.phone("alice"), self.phone("bob")

        alice.command("dial", bob.aor)
        self.expect(alice, "CALL_ESTABLISHED", "alice's call to bob answered")
        established = self.expect(bob, "CALL_ESTABLISHED", "bob answered alice")

        # Alice's phone did pre-load the Route naming Tandem ...
        own_route = "sip:%s:%d" % (LOOPBACK, self.proxy.port)
        sent = [m for m in alice.sip_messages() if m.direction == "sent" and m.method == "INVITE"]
        self.assertTrue(sent, "alice sent no INVITE")
        routes = sent[0].all("route")
        self.assertTrue(routes and own_route in routes[0] and ";lr" in routes[0],
                        "alice's INVITE does not route through Tandem: %s" % routes)
        # ... and bob got the call from Tandem without it, record-routed.
        received = [m for m in bob.sip_messages()
                    if m.direction == "received" and m.method == "INVITE"]
        self.assertEqual(len(received), 1)
        self.assertEqual(received[0].call_id, established["id"])
        self.assertFalse([r for r in received[0].all("route") if own_route in r],
                         "Tandem's own Route reached bob")
        self.assertTrue(any(own_route in r for r in received[0].all("record-route")),
                        received[0].all("record-route"))

        alice.command("hangup")
        self.expect(alice, "CALL_CLOSED", "alice's call closed")
        self.expect(bob, "CALL_CLOSED", "bob's call closed by alice's BYE")

        # A call Tandem cannot relay gets the failure's own reason.
        alice.command("dial", "sip:nobody@%s:%d" % (LOOPBACK, self.proxy.port))
        closed = self.wait_for(
            lambda: [e for e in alice.events_of("CALL_CLOSED") if "482" in e.get("param", "")],
            "alice's second call refused with 482")
        self.assertIn("Loop Detected", closed[0]["param"])
        refused = [m for m in alice.sip_messages()
                   if m.direction == "received" and m.status is not None and m.status >= 300]
        self.assertEqual({m.status for m in refused}, {482})


CASES = {
    "outbound_default_script": "OutboundProxyTests.test_default_script",
}


def main():
    args = harness.case_runner_arguments(__doc__, CASES).parse_args()
    if not args.tandem or not os.access(args.tandem, os.X_OK):
        print("SKIP: no tandem binary (%s)" % (args.tandem or "give --tandem or TANDEM_BIN"))
        return SKIP
    if shutil.which("baresip") is None:
        print("SKIP: baresip (Debian package baresip-core) is not installed")
        return SKIP
    BINARY["path"] = os.path.abspath(args.tandem)
    test_proxy.CONFIG["workers"] = args.workers
    test_proxy.CONFIG["slow"] = args.slow
    module = sys.modules[__name__]
    names = [CASES[c] for c in (args.case or sorted(CASES))]
    suite = unittest.TestSuite(unittest.TestLoader().loadTestsFromName(n, module) for n in names)
    print("outbound: %s, %d worker(s), %d case(s)" % (BINARY["path"], args.workers,
                                                      suite.countTestCases()))
    return harness.run_suite(suite, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
