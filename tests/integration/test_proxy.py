"""Integration tests: the real proxy between SIPp user agents on loopback.

Run through run.py (which says which proxy binary and how many workers);
each test starts its own proxy and SIPp processes on free ports and stops
them all when it ends.
"""

import json
import os
import random
import re
import socket
import sys
import time
import unittest
import urllib.request

import harness
from harness import LOOPBACK, Routing, Sipp, free_port

# Set by run.py before the tests run.
CONFIG = {
    "proxy": None,      # callable (workers) -> harness.Proxy
    "workers": 1,
    "slow": 1.0,        # timeout multiplier (sanitizer builds)
}


class ProxyTestCase(unittest.TestCase):
    """Starts a Workspace per test; the proxy is checked and stopped at the
    end: it must still run, stop cleanly on SIGTERM and print no sanitizer
    report."""

    def setUp(self):
        self.ws = harness.Workspace(self._testMethodName)
        self.addCleanup(self.ws.close)
        self.proxy = None

    def tearDown(self):
        if self._failed_so_far():
            self.ws.keep = True
            print("\n(files of %s kept in %s)" % (self.id(), self.ws.dir))
        if self.proxy is None:
            return
        crashed = not self.proxy.alive()
        status = self.proxy.stop()
        problems = self.proxy.problems()
        if crashed or problems or (self.proxy.name == "tandem" and status != 0):
            self.ws.keep = True
            self.fail("%s %s (exit status %s)%s\nlog tail:\n%s\n(files kept in %s)" % (
                self.proxy.name,
                "had exited before the end of the test" if crashed else "stopped",
                status,
                "".join("\n  " + p for p in problems[:10]),
                self.proxy.proc.tail(60), self.ws.dir))

    def _failed_so_far(self):
        result = getattr(getattr(self, "_outcome", None), "result", None)
        if result is None:
            return False
        return any(test is self for test, _ in list(result.failures) + list(result.errors))

    # -- helpers -----------------------------------------------------------

    def timeout(self, seconds):
        return int(seconds * CONFIG["slow"])

    def wait_for(self, predicate, what, seconds=10):
        """Polls predicate() until it returns something true, and returns
        that; fails the test after `seconds` (stretched for slow builds),
        keeping the workspace and showing the proxy's last log lines."""
        deadline = time.monotonic() + self.timeout(seconds)
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.05)
        self.ws.keep = True
        tail = self.proxy.proc.tail(30) if getattr(self, "proxy", None) else ""
        self.fail("timed out waiting for %s\n--- proxy log tail:\n%s" % (what, tail))

    def start_proxy(self, routing=None):
        self.proxy = CONFIG["proxy"](CONFIG["workers"])
        self.proxy.start(self.ws, routing or Routing())
        return self.proxy

    def uas(self, name, scenario, transport="udp", **kw):
        kw.setdefault("timeout", self.timeout(30))
        sipp = Sipp(self.ws, name, scenario, free_port(), transport=transport, **kw)
        sipp.wait_ready()
        return sipp

    def uac(self, name, scenario, target, transport="udp", keys=None, **kw):
        kw.setdefault("timeout", self.timeout(30))
        all_keys = {"target": target}
        all_keys.update(keys or {})
        return Sipp(self.ws, name, scenario, free_port(), transport=transport,
                    remote=self.proxy.port, keys=all_keys, **kw)

    def finish(self, *sipps):
        """Waits for every SIPp in turn (the caller first; if it fails the
        others are stopped at once) and fails with their reports unless all
        exited 0."""
        results = []
        for sipp in sipps:
            if results and results[0].status != 0:
                results.append(sipp.abort())
            else:
                results.append(sipp.finish())
        if any(r.status != 0 for r in results):
            self.ws.keep = True
            self.fail("SIPp failed:\n%s\n--- %s log tail:\n%s\n(files kept in %s)" % (
                "\n".join(r.report() for r in results), self.proxy.name,
                self.proxy.proc.tail(40), self.ws.dir))
        return results

    def one(self, messages, what):
        self.assertTrue(messages, "no %s seen" % what)
        return messages[0]

    def target(self, sipp, transport="udp"):
        uri = "%s:%d" % (LOOPBACK, sipp.port)
        return uri + (";transport=tcp" if transport == "tcp" else "")

    def proxy_hostport(self):
        return "%s:%d" % (LOOPBACK, self.proxy.port)

    def assert_top_via_is_proxy(self, message, transport="UDP"):
        via = message.all("via")[0]
        self.assertRegex(via, r"^SIP/2\.0/%s\s+%s(\s|;|$)" % (transport, re.escape(self.proxy_hostport())),
                         "top Via of %s is not the proxy's" % message.summary())
        self.assertRegex(via, r";\s*branch=z9hG4bK", "proxy branch is not RFC 3261 (%s)" % via)

    def assert_record_routed(self, message):
        rr = message.all("record-route")
        self.assertEqual(len(rr), 1, "expected one Record-Route in %s: %s" % (message.summary(), rr))
        self.assertIn(self.proxy_hostport(), rr[0])
        self.assertRegex(rr[0], r";\s*lr\b", "Record-Route without lr")

    def assert_same_dialog(self, a, b):
        self.assertEqual(a.call_id, b.call_id)
        self.assertEqual(a.tag("from"), b.tag("from"))

    def check_basic_call(self, uac, uas, transport="UDP"):
        """The checks of one proxied call (INVITE/200/ACK/BYE/200) as seen by
        both user agents."""
        invite_sent = self.one(uac.sent("INVITE"), "INVITE sent by the caller")
        invite = self.one(uas.received("INVITE"), "INVITE at the callee")
        self.assertEqual(invite.transport, transport)
        self.assert_same_dialog(invite_sent, invite)
        self.assertEqual(invite.cseq, (1, "INVITE"))
        self.assertEqual(len(invite.all("via")), 2, "callee should see the proxy's and the caller's Via")
        self.assert_top_via_is_proxy(invite, transport)
        self.assertEqual(invite.all("via")[1].split(";")[0], invite_sent.all("via")[0].split(";")[0])
        self.assertEqual(invite.get("max-forwards"), "69", "Max-Forwards not decremented")
        self.assert_record_routed(invite)
        self.assertEqual(invite.body.strip(), invite_sent.body.strip(), "SDP changed on the way")

        ok = self.one(uac.received(status=200, cseq_method="INVITE"), "200 for the INVITE at the caller")
        self.assertEqual(ok.cseq, (1, "INVITE"))
        self.assertEqual(len(ok.all("via")), 1, "caller should see only its own Via in the 200")
        self.assertEqual(ok.all("record-route"), invite.all("record-route"))
        self.assertIsNotNone(ok.tag("to"))

        ack = self.one(uas.received("ACK"), "ACK at the callee")
        self.assertEqual(ack.cseq, (1, "ACK"))
        self.assertEqual(ack.tag("to"), ok.tag("to"))
        self.assertFalse([r for r in ack.all("route") if self.proxy_hostport() in r],
                         "the proxy left its own Route in the ACK")

        bye = self.one(uas.received("BYE"), "BYE at the callee")
        self.assertEqual(bye.transport, transport)
        self.assertEqual(bye.cseq, (2, "BYE"))
        self.assert_same_dialog(invite, bye)
        self.assertTrue(bye.ruri.startswith("sip:uas@%s:%d" % (LOOPBACK, uas.port)),
                        "BYE not sent to the callee's Contact: %s" % bye.ruri)
        self.assertFalse([r for r in bye.all("route") if self.proxy_hostport() in r],
                         "the proxy left its own Route in the BYE")
        self.assertEqual(len(bye.all("via")), 2)
        self.assert_top_via_is_proxy(bye, transport)
        bye_ok = self.one(uac.received(status=200, cseq_method="BYE"), "200 for the BYE at the caller")
        self.assertEqual(bye_ok.cseq, (2, "BYE"))
        self.assertEqual(len(bye_ok.all("via")), 1)


class CallTests(ProxyTestCase):

    def test_basic_call(self):
        """UAC -> proxy -> UAS over UDP: INVITE, 180, 200, ACK, BYE, 200."""
        self.start_proxy()
        uas = self.uas("uas", "uas_call.xml")
        uac = self.uac("uac", "uac_call.xml", "sip:uas@" + self.target(uas), duration_ms=200)
        uac_result, uas_result = self.finish(uac, uas)
        self.check_basic_call(uac_result, uas_result)
        ringing = self.one(uac_result.received(status=180), "180 at the caller")
        self.assertEqual(len(ringing.all("via")), 1)

    def test_tcp_call(self):
        """The basic call with both user agents on TCP."""
        self.start_proxy()
        uas = self.uas("uas", "uas_call.xml", transport="tcp")
        uac = self.uac("uac", "uac_call.xml", "sip:uas@" + self.target(uas, "tcp"),
                       transport="tcp", duration_ms=200)
        uac_result, uas_result = self.finish(uac, uas)
        self.check_basic_call(uac_result, uas_result, transport="TCP")
        for message in uac_result.messages + uas_result.messages:
            self.assertEqual(message.transport, "TCP", message.summary())

    def test_cancel_during_ringing(self):
        """The caller cancels while the callee rings: the callee sees the
        CANCEL, answers 487, the caller gets 200 for the CANCEL and 487."""
        self.start_proxy()
        uas = self.uas("uas", "uas_cancel.xml")
        uac = self.uac("uac", "uac_cancel.xml", "sip:uas@" + self.target(uas))
        uac_result, uas_result = self.finish(uac, uas)
        invite = self.one(uas_result.received("INVITE"), "INVITE at the callee")
        cancel = self.one(uas_result.received("CANCEL"), "CANCEL at the callee")
        self.assertEqual(cancel.cseq, (1, "CANCEL"))
        self.assertEqual(cancel.ruri, invite.ruri, "CANCEL must carry the INVITE's Request-URI")
        self.assertEqual(len(cancel.all("via")), 1, "a proxy sends its own CANCEL: one Via")
        self.assertEqual(cancel.all("via")[0], invite.all("via")[0],
                         "CANCEL must match the INVITE's branch at the callee")
        self.assertIsNone(cancel.tag("to"))
        ack = self.one(uas_result.received("ACK"), "ACK for the 487 at the callee")
        self.assertEqual(ack.cseq, (1, "ACK"))
        self.assertEqual(ack.all("via")[0].split(";branch=")[1].split(";")[0],
                         invite.all("via")[0].split(";branch=")[1].split(";")[0],
                         "hop-by-hop ACK must reuse the INVITE's branch")
        final = self.one(uac_result.received(status=487), "487 at the caller")
        self.assertEqual(final.cseq, (1, "INVITE"))
        self.assertEqual(len(final.all("via")), 1, final.text)
        self.assertFalse(uac_result.received(status=200, cseq_method="INVITE"))

    def test_serial_fork_after_486(self):
        """The first callee answers 486; the failure route sends the call to
        a second callee, which answers; the caller never sees the 486."""
        second = self.uas("second", "uas_call.xml")
        self.start_proxy(Routing(fork_to=self.target(second)))
        first = self.uas("first", "uas_busy.xml")
        uac = self.uac("uac", "uac_call.xml", "sip:uas@" + self.target(first), duration_ms=200)
        uac_result, first_result, second_result = self.finish(uac, first, second)
        busy_invite = self.one(first_result.received("INVITE"), "INVITE at the first callee")
        invite = self.one(second_result.received("INVITE"), "INVITE at the second callee")
        self.assert_same_dialog(busy_invite, invite)
        self.assertEqual(invite.cseq, (1, "INVITE"))
        self.assertTrue(invite.ruri.startswith("sip:uas@%s" % self.target(second)), invite.ruri)
        self.assertNotEqual(busy_invite.all("via")[0], invite.all("via")[0],
                            "a new branch needs a new Via branch")
        self.assertEqual(len(invite.all("via")), 2)
        self.assert_record_routed(invite)
        busy_ack = self.one(first_result.received("ACK"), "ACK for the 486")
        self.assertEqual(busy_ack.all("via")[0], busy_invite.all("via")[0])
        self.assertFalse(uac_result.received(status=486), "the caller must not see the 486")
        ok = self.one(uac_result.received(status=200, cseq_method="INVITE"), "200 at the caller")
        self.assertEqual(ok.tag("to"), self.one(second_result.sent(status=200), "200").tag("to"))
        self.check_basic_call(uac_result, second_result)

    def test_reinvite_and_callee_bye(self):
        """The caller re-INVITEs through the Record-Route; the callee ends the
        call with a BYE routed back through the proxy."""
        self.start_proxy()
        uas = self.uas("uas", "uas_reinvite.xml")
        uac = self.uac("uac", "uac_reinvite.xml", "sip:uas@" + self.target(uas))
        uac_result, uas_result = self.finish(uac, uas)
        invites = uas_result.received("INVITE")
        self.assertEqual(len(invites), 2, invites)
        first, second = invites
        self.assertEqual(second.cseq, (2, "INVITE"))
        self.assert_same_dialog(first, second)
        self.assertIsNotNone(second.tag("to"))
        self.assertTrue(second.ruri.startswith("sip:uas@%s:%d" % (LOOPBACK, uas.port)), second.ruri)
        self.assertEqual(len(second.all("via")), 2)
        self.assert_top_via_is_proxy(second)
        self.assertIn("a=sendonly", second.body)
        reinvite_ok = [m for m in uac_result.received(status=200) if m.cseq == (2, "INVITE")]
        self.assertTrue(reinvite_ok, "no 200 for the re-INVITE at the caller")
        self.assertIn("a=recvonly", reinvite_ok[0].body)
        acks = uas_result.received("ACK")
        self.assertEqual([a.cseq for a in acks], [(1, "ACK"), (2, "ACK")])

        bye_sent = self.one(uas_result.sent("BYE"), "BYE sent by the callee")
        self.assertTrue(bye_sent.all("route"), "the callee's BYE should carry the route set")
        bye = self.one(uac_result.received("BYE"), "BYE at the caller")
        self.assertEqual(bye.cseq, (1, "BYE"))
        self.assertTrue(bye.ruri.startswith("sip:uac@%s:%d" % (LOOPBACK, uac.port)),
                        "BYE not sent to the caller's Contact: %s" % bye.ruri)
        self.assertEqual(bye.call_id, first.call_id)
        self.assertEqual(bye.tag("to"), first.tag("from"), "BYE To-tag must be the caller's tag")
        self.assertEqual(bye.tag("from"), uas_result.sent(status=200)[0].tag("to"))
        self.assertEqual(len(bye.all("via")), 2)
        self.assert_top_via_is_proxy(bye)
        self.assertFalse([r for r in bye.all("route") if self.proxy_hostport() in r])
        bye_ok = self.one(uas_result.received(status=200, cseq_method="BYE"), "200 for the BYE")
        self.assertEqual(len(bye_ok.all("via")), 1)

    def test_lost_packets(self):
        """10 % of the messages lost at both user agents: retransmissions by
        the user agents and by the proxy's transactions save every call."""
        self.start_proxy()
        calls = 6
        uas = self.uas("uas", "uas_call.xml", calls=calls, lost=10, timeout=self.timeout(60))
        uac = self.uac("uac", "uac_call.xml", "sip:uas@" + self.target(uas), calls=calls,
                       rate=3, lost=10, duration_ms=1000, timeout=self.timeout(60))
        uac_result, uas_result = self.finish(uac, uas)
        self.assertGreater(uac_result.lost + uas_result.lost, 0, "SIPp lost nothing: the test proved nothing")
        invites = uas_result.received("INVITE")
        self.assertEqual(len({m.call_id for m in invites}), calls)
        byes = uac_result.received(status=200, cseq_method="BYE")
        self.assertEqual(len({m.call_id for m in byes}), calls)

    def test_max_duration(self):
        """A dialog lifetime of 2 s: the proxy ends the answered call with a
        BYE to each side."""
        lifetime = 2
        self.start_proxy(Routing(max_duration=lifetime))
        uas = self.uas("uas", "uas_ended.xml")
        started = time.monotonic()
        uac = self.uac("uac", "uac_ended.xml", "sip:uas@" + self.target(uas))
        uac_result, uas_result = self.finish(uac, uas)
        elapsed = time.monotonic() - started
        self.assertGreaterEqual(elapsed, lifetime - 0.5, "the call ended before its lifetime")
        self.assertLess(elapsed, lifetime + self.timeout(10))

        invite = self.one(uas_result.received("INVITE"), "INVITE at the callee")
        ok = self.one(uac_result.received(status=200, cseq_method="INVITE"), "200 at the caller")
        to_caller = self.one(uac_result.received("BYE"), "BYE at the caller")
        to_callee = self.one(uas_result.received("BYE"), "BYE at the callee")
        # Towards the caller the proxy poses as the callee, and the other way.
        self.assertEqual(to_caller.call_id, invite.call_id)
        self.assertEqual(to_caller.tag("from"), ok.tag("to"))
        self.assertEqual(to_caller.tag("to"), invite.tag("from"))
        self.assertTrue(to_caller.ruri.startswith("sip:uac@%s:%d" % (LOOPBACK, uac.port)), to_caller.ruri)
        self.assertEqual(to_callee.call_id, invite.call_id)
        self.assertEqual(to_callee.tag("from"), invite.tag("from"))
        self.assertEqual(to_callee.tag("to"), ok.tag("to"))
        self.assertTrue(to_callee.ruri.startswith("sip:uas@%s:%d" % (LOOPBACK, uas.port)), to_callee.ruri)
        self.assertGreater(to_callee.cseq[0], invite.cseq[0], "BYE CSeq must follow the caller's")
        for bye in (to_caller, to_callee):
            self.assertEqual(bye.cseq[1], "BYE")
            self.assertEqual(len(bye.all("via")), 1, "the proxy's own BYE has one Via")
            self.assert_top_via_is_proxy(bye)


# ---------------------------------------------------------------------------
# Malformed and hostile input


def rfc4475_invalid():
    """(name, bytes, expected code, liberal) of every invalid message of the
    RFC 4475 manifest."""
    cases = []
    with open(os.path.join(harness.RFC4475_DIR, "manifest.txt")) as manifest:
        for line in manifest:
            fields = line.split()
            if len(fields) < 2 or fields[0].startswith("#") or fields[1] != "invalid":
                continue
            facts = dict(f.split("=", 1) for f in fields[2:] if "=" in f)
            with open(os.path.join(harness.RFC4475_DIR, fields[0] + ".sip"), "rb") as f:
                data = f.read()
            cases.append((fields[0], data, int(facts.get("code", "400")), facts.get("liberal") == "ok"))
    return cases


HOSTILE_ELSEWHERE = "sip:uas@elsewhere.invalid"


def hostile_extras(port, target_port):
    """Messages made up for this test: (name, bytes). Sent from `port`; their
    Request-URIs name 127.0.0.1:target_port, a sink the test owns, so that a
    request relayed by mistake is caught there and reaches nothing else."""
    rng = random.Random(4475)
    via = "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-hostile-%%s\r\n" % (LOOPBACK, port)
    ruri = "sip:uas@%s:%d" % (LOOPBACK, target_port)

    def request(name, method, headers, body=b"", uri=ruri):
        head = "%s %s SIP/2.0\r\n" % (method, uri) + (via % name) + headers
        return (name, head.encode() + b"\r\n" + body)

    def common(name, method="INVITE"):
        return ("From: <sip:h@%s>;tag=h1\r\nTo: <%s>\r\nCall-ID: hostile-%s\r\n"
                "CSeq: 1 %s\r\nMax-Forwards: 70\r\n" % (LOOPBACK, ruri, name, method))

    extras = [
        ("garbage", bytes(rng.randrange(256) for _ in range(1500))),
        ("nul-bytes", ("INVITE %s SIP/2.0\r\n\x00\x00\x00\r\n\r\n" % ruri).encode()),
        request("no-colon", "INVITE", common("no-colon") + "This line has no colon\r\nContent-Length: 0\r\n"),
        request("no-callid", "INVITE",
                "From: <sip:h@x>;tag=1\r\nTo: <sip:uas@x>\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n"),
        request("bad-cseq", "INVITE",
                common("bad-cseq").replace("CSeq: 1 INVITE", "CSeq: one INVITE") + "Content-Length: 0\r\n"),
        request("bad-max-forwards", "INVITE",
                common("bad-max-forwards").replace("Max-Forwards: 70", "Max-Forwards: many")
                + "Content-Length: 0\r\n"),
        # Well formed, only large: addressed to a host that is not ours, so
        # that the routing script answers 404 if the proxy takes them.
        request("huge-header", "OPTIONS",
                common("huge-header", "OPTIONS") + "X-Big: " + "a" * 60000 + "\r\nContent-Length: 0\r\n",
                uri=HOSTILE_ELSEWHERE),
        request("many-headers", "OPTIONS",
                common("many-headers", "OPTIONS")
                + "".join("X-H%d: %d\r\n" % (i, i) for i in range(3000)) + "Content-Length: 0\r\n",
                uri=HOSTILE_ELSEWHERE),
        request("long-cl", "INVITE",
                common("long-cl") + "Content-Length: 99999999999999999999\r\n", b"v=0\r\n"),
    ]
    return extras


# Messages that must be dropped without an answer, and why; every other
# hostile message names a Via the answer can go to, and RFC 3261 (8.2, 16.3,
# 21.4.1) wants a malformed request answered 400 with a reason phrase (or
# the more precise code its manifest line gives).
HOSTILE_DROPPED = {
    "garbage": "no request line and no Via: there is no one to answer",
    "nul-bytes": "no Via: there is no one to answer",
    "bigcode": "a response: a proxy never answers a response",
    "scalarlg": "a response: a proxy never answers a response",
    "badinv01": "its Via does not parse (empty parameters): no address to answer to",
    "no-callid": "no Call-ID: a response must copy it (RFC 3261 8.2.6.2), so none can be made",
}


_VIA_SENT_BY = re.compile(
    rb"^((?:Via|v)[ \t]*:[ \t]*SIP[ \t]*/[ \t]*[^/ \t\r\n]+[ \t]*/[ \t]*)[A-Za-z]+([ \t]+)[^;,\s]+",
    re.I | re.M)


def point_vias_at(data, port):
    """Rewrites the sent-by of every Via line to 127.0.0.1:port over UDP so
    that answers come back to the sender and nothing leaves loopback; the
    rest of the message (and what is wrong with it) stays as it is."""
    return _VIA_SENT_BY.sub(lambda m: m.group(1) + b"UDP" + m.group(2) + b"%s:%d" % (LOOPBACK.encode(), port), data)


class HostileTests(ProxyTestCase):

    def test_hostile_messages(self):
        """Every invalid RFC 4475 message, and a few made-up hostile ones, sent
        over UDP: each is answered with one final response (400, or the
        manifest's code, with a reason phrase), or dropped when nothing can be
        answered (HOSTILE_DROPPED); nothing is relayed (a sink the test owns
        is the made-up messages' destination), and Tandem counts what it
        dropped and answered. Afterwards a normal call still goes through."""
        self.start_proxy()
        sink = harness.Sink(self.ws)
        counted = self.proxy.name == "tandem"
        before = self.proxy.statistics("tm:") if counted else {}
        destination = (LOOPBACK, self.proxy.port)
        # (name, message for a sender on a port, expected code, liberal)
        cases = [(n, lambda port, d=d: point_vias_at(d, port), c, lib)
                 for n, d, c, lib in rfc4475_invalid()]
        cases += [(n, lambda port, n=n: dict(hostile_extras(port, sink.port))[n], 400, False)
                  for n, _ in hostile_extras(0, sink.port)]
        self.assertGreaterEqual(len(cases), 20)

        problems = []
        outcomes = []
        answered = dropped = 0
        for name, build, code, liberal in cases:
            # A socket per message: the retransmissions of an earlier answer
            # (a final answer to an INVITE is repeated until ACKed) go to
            # the earlier socket.
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                sock.bind((LOOPBACK, 0))
                data = build(sock.getsockname()[1])
                replies = harness.udp_exchange(sock, destination, data, window=0.4 * CONFIG["slow"])
            finally:
                sock.close()
            finals = []
            for raw in replies:
                message = harness.SipMessage(raw.decode("utf-8", "replace"))
                if message.is_request:
                    problems.append("%s: the proxy sent a request back: %s" % (name, message.start_line))
                    continue
                if message.status is None or message.status < 100:
                    problems.append("%s: unparseable answer %r" % (name, message.start_line))
                    continue
                if not message.reason.strip():
                    problems.append("%s: %d without a reason phrase" % (name, message.status))
                if message.status >= 200:
                    finals.append(message)
            if not self.proxy.alive():
                problems.append("%s: the proxy died" % name)
                break
            if not finals:
                outcomes.append("%s: dropped" % name)
                dropped += 1
                if name not in HOSTILE_DROPPED:
                    problems.append("%s: dropped, expected %d with a reason phrase" % (name, code))
                continue
            final = finals[0]
            outcomes.append("%s: %d %s" % (name, final.status, final.reason))
            if len(finals) > 1:
                problems.append("%s: %d final responses" % (name, len(finals)))
            if name in HOSTILE_DROPPED:
                problems.append("%s: answered %d, expected silence (%s)"
                                % (name, final.status, HOSTILE_DROPPED[name]))
                continue
            if liberal:
                # Accepted as a request and routed (its host is not ours:
                # the script answers 404), or refused as malformed.
                continue
            answered += 1
            if name.startswith(("huge", "many")):
                # Taken and answered by the script, or refused as too large.
                answered -= final.status == 404
                if final.status not in (400, 404, 513):
                    problems.append("%s: answered %d %s, expected 404, 513 or 400"
                                    % (name, final.status, final.reason))
                continue
            if final.status not in (code, 400):
                problems.append("%s: answered %d %s, expected %d"
                                % (name, final.status, final.reason, code))
        print("\n  " + "\n  ".join(outcomes), file=sys.stderr)
        # Give a request relayed by mistake time to arrive.
        time.sleep(0.3 * CONFIG["slow"])
        for transport, data in sink.messages():
            problems.append("relayed to the sink over %s: %r" % (transport, data[:120]))
        if counted:
            after = self.proxy.statistics("tm:")

            def grew(name):
                return after["tm:" + name] - before["tm:" + name]

            if grew("messages_dropped") < dropped:
                problems.append("tm:messages_dropped grew by %d, %d messages were dropped"
                                % (grew("messages_dropped"), dropped))
            if grew("bad_requests_answered") < answered:
                problems.append("tm:bad_requests_answered grew by %d, %d malformed requests answered"
                                % (grew("bad_requests_answered"), answered))
        self.assertFalse(problems, "\n".join(problems + ["", "all outcomes:"] + outcomes))

        # The server still serves calls.
        uas = self.uas("uas", "uas_call.xml")
        uac = self.uac("uac", "uac_call.xml", "sip:uas@" + self.target(uas), duration_ms=100)
        uac_result, uas_result = self.finish(uac, uas)
        self.check_basic_call(uac_result, uas_result)


def shard_of(call_id, workers):
    """The worker that owns a Call-ID (FNV-1a, as src/proxy/call_id.cc)."""
    value = 0xcbf29ce484222325
    for byte in call_id.encode():
        value = ((value ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return value % workers if workers > 1 else 0


class OverloadTests(ProxyTestCase):

    def test_dialog_cap_refuses_the_next_call(self):
        """With room for one dialog (modparam dialog max_dialogs 1), a call
        rings; a second INVITE to the same worker is answered 503 with
        Retry-After without reaching the callee; the first call then ends
        normally, and MI counts the refusal."""
        if CONFIG["proxy"](1).name != "tandem":
            self.skipTest("Tandem's own parameters")
        mi_port = free_port()
        self.start_proxy(Routing(top_level='mi_listen("%s:%d")\n'
                                           'modparam("dialog", "max_dialogs", 1)\n'
                                           'modparam("tm", "overload_retry_after", 7)'
                                           % (LOOPBACK, mi_port)))
        caller = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        callee = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(caller.close)
        self.addCleanup(callee.close)
        caller.bind((LOOPBACK, 0))
        callee.bind((LOOPBACK, 0))
        proxy = (LOOPBACK, self.proxy.port)
        workers = CONFIG["workers"]
        first_id = "overload-1@test"
        # A second Call-ID of the same worker: each worker has its share of
        # the cap (here one dialog each).
        second_id = next("overload-%d@test" % n for n in range(2, 1000)
                         if shard_of("overload-%d@test" % n, workers) == shard_of(first_id, workers))

        def invite(call_id, branch):
            return ("INVITE sip:uas@%s:%d SIP/2.0\r\n"
                    "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-%s;rport\r\n"
                    "Max-Forwards: 70\r\n"
                    "From: <sip:uac@%s>;tag=uac-%s\r\n"
                    "To: <sip:uas@%s>\r\n"
                    "Call-ID: %s\r\n"
                    "CSeq: 1 INVITE\r\n"
                    "Contact: <sip:uac@%s:%d>\r\n"
                    "Content-Length: 0\r\n\r\n" % (
                        LOOPBACK, callee.getsockname()[1], LOOPBACK, caller.getsockname()[1], branch,
                        LOOPBACK, branch, LOOPBACK, call_id, LOOPBACK, caller.getsockname()[1])).encode()

        def receive(sock, what, window=5):
            sock.settimeout(self.timeout(window))
            try:
                data, source = sock.recvfrom(65535)
            except socket.timeout:
                self.fail("nothing received: %s" % what)
            return harness.SipMessage(data.decode("utf-8", "replace")), source

        def answer(request, source, status, reason):
            lines = ["SIP/2.0 %d %s" % (status, reason)]
            lines += ["Via: " + via for via in request.all("via")]
            lines += ["From: " + request.get("from"), "To: %s;tag=uas-1" % request.get("to"),
                      "Call-ID: " + request.call_id, "CSeq: %d %s" % request.cseq,
                      "Contact: <sip:uas@%s:%d>" % (LOOPBACK, callee.getsockname()[1]),
                      "Content-Length: 0", "", ""]
            callee.sendto("\r\n".join(lines).encode(), source)

        caller.sendto(invite(first_id, "first"), proxy)
        relayed, hop = receive(callee, "the first INVITE at the callee")
        self.assertEqual(relayed.call_id, first_id)
        answer(relayed, hop, 180, "Ringing")
        ringing, _ = receive(caller, "180 at the caller")
        if ringing.status == 100:
            ringing, _ = receive(caller, "180 at the caller")
        self.assertEqual(ringing.status, 180)

        caller.sendto(invite(second_id, "second"), proxy)
        refused, _ = receive(caller, "the answer to the second INVITE")
        self.assertEqual(refused.status, 503, refused.text)
        self.assertEqual(refused.call_id, second_id)
        self.assertEqual(refused.get("retry-after"), "7")
        self.assertIsNotNone(refused.tag("to"))
        callee.settimeout(0.5)
        with self.assertRaises(socket.timeout, msg="the refused INVITE reached the callee"):
            callee.recvfrom(65535)

        # The call that got in still ends as it should.
        answer(relayed, hop, 486, "Busy Here")
        ack_hop, _ = receive(callee, "the ACK for the 486 at the callee")
        self.assertEqual(ack_hop.method, "ACK")
        busy, _ = receive(caller, "486 at the caller")
        self.assertEqual(busy.status, 486)

        request = {"jsonrpc": "2.0", "method": "get_statistics",
                   "params": {"statistics": ["proxy:overload_rejected"]}, "id": 1}
        http = urllib.request.Request("http://%s:%d/mi" % (LOOPBACK, mi_port),
                                      data=json.dumps(request).encode(),
                                      headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(http, timeout=10) as response:
            result = json.loads(response.read().decode())["result"]
        self.assertEqual(result["proxy:overload_rejected"], 1)


# Names used by run.py --case and by CTest.
CASES = {
    "basic_call": "CallTests.test_basic_call",
    "tcp_call": "CallTests.test_tcp_call",
    "cancel": "CallTests.test_cancel_during_ringing",
    "serial_fork": "CallTests.test_serial_fork_after_486",
    "reinvite_bye": "CallTests.test_reinvite_and_callee_bye",
    "lost_packets": "CallTests.test_lost_packets",
    "max_duration": "CallTests.test_max_duration",
    "hostile": "HostileTests.test_hostile_messages",
    "overload_cap": "OverloadTests.test_dialog_cap_refuses_the_next_call",
}
