#!/usr/bin/env python3
"""Integration tests of call control on proxied calls (callops): blind and
attended transfers and hold/unhold started over MI, with SIPp user agents
(and, in two cases, real phones: baresip, linphonec) on loopback.

  test_callops.py --tandem build/callops/src/app/tandem [--workers 2] [--case NAME ...] [-v]

Every case starts its own tandem (the routing of harness.tandem_script, with
an MI listener and the callops settings the case needs) and subscribes a UDP
socket to E_CALL_TRANSFER and E_CALL_HOLD. What is asserted: the requests
Tandem generates as the user agents received them (SIPp -trace_msg logs),
the replies it gives, and the events it raises.

Exit status: 0 passed, 1 failed, 77 skipped (no binary, or no SIPp).
"""

import json
import os
import re
import shutil
import socket
import sys
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
import test_proxy  # noqa: E402
from harness import LOOPBACK, Sipp, free_port  # noqa: E402

SKIP = harness.SKIP
BINARY = {"path": None}


# ---------------------------------------------------------------------------
# Tandem with MI and callops settings


def callops_script(port, mi_port, mode=None, notify_timeout=None, manual=False, outbound=False,
                   transfer_ends_call=None):
    """The routing of harness.tandem_script() (relay by Request-URI to
    127.0.0.1 only, record-route, a dialog for every INVITE, loose_route for
    in-dialog requests), an MI listener, and:
      mode, notify_timeout, transfer_ends_call
                            modparam("callops", ...) when given
      manual                the manual-mode hooks of the callops manual: a new
                            INVITE whose user part has a cache entry
                            "xfer_<user>" is tied to that Call-ID with
                            call_blind_replace(); NOTIFY (Event: refer) in a
                            dialog goes to call_transfer_notify()
      outbound              initial requests may carry a pre-loaded Route
                            naming Tandem (phones with an outbound proxy):
                            loose_route() consumes it
    """
    settings = []
    if mode is not None:
        settings.append('modparam("callops", "mode", "%s")' % mode)
    if notify_timeout is not None:
        settings.append('modparam("callops", "notify_timeout", %d)' % notify_timeout)
    if transfer_ends_call is not None:
        settings.append('modparam("callops", "transfer_ends_call", %d)' % transfer_ends_call)
    in_dialog_hook = ""
    initial_hook = ""
    new_call_hook = ""
    if manual:
        in_dialog_hook = """
      -- Manual mode: NOTIFYs of Tandem's REFERs are answered here (the
      -- route ends when the NOTIFY was one of them).
      if is_method("NOTIFY") and msg:header("Event") == "refer" then
        call_transfer_notify()
      end"""
        new_call_hook = """
    -- Manual mode: the test stored the transferred Call-ID under the
    -- transfer target's user part.
    local key = "xfer_" .. (msg.ruri_user or "")
    local transferred = cache_fetch("local", key)
    if transferred then
      cache_remove("local", key)
      call_blind_replace(transferred)
    end"""
    if outbound:
        initial_hook = """
  -- A phone with an outbound proxy pre-loads a Route naming Tandem.
  loose_route()"""
    settings.insert(0, 'mi_listen("%s:%d")' % (LOOPBACK, mi_port))
    routing = harness.Routing(in_dialog=in_dialog_hook, initial=initial_hook,
                              new_invite=new_call_hook, top_level="\n".join(settings))
    return harness.tandem_script(port, routing)


class CallopsTandem(harness.TandemProxy):
    def __init__(self, binary, workers, **script):
        super().__init__(binary, workers)
        self.mi_port = free_port()
        self.script = script

    def _launch(self, workspace, port, routing):
        script_path = workspace.path("routing.lua")
        with open(script_path, "w") as f:
            f.write(callops_script(port, self.mi_port, **self.script))
        argv = [self.binary, "--config", script_path, "--workers", str(self.workers),
                "--log-level", self.log_level]
        return workspace.start("tandem", argv)


# ---------------------------------------------------------------------------
# Event subscriber, 3PCC twin, message logs with times


class EventCollector:
    """A UDP socket subscribed to events: every JSON-RPC notification
    received, with the time it arrived, collected by a thread."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LOOPBACK, 0))
        self.sock.settimeout(0.1)
        self.received = []       # (monotonic time, notification)
        self.bad = []
        self.cond = threading.Condition()
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @property
    def address(self):
        return "udp:%s:%d" % self.sock.getsockname()

    def _run(self):
        while self.running:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            try:
                notification = json.loads(data)
            except ValueError:
                self.bad.append(data)
                continue
            with self.cond:
                self.received.append((time.monotonic(), notification))
                self.cond.notify_all()

    def close(self):
        self.running = False
        self.thread.join(timeout=5)
        self.sock.close()

    def events(self, name, **match):
        """The params of every `name` notification whose params match."""
        with self.cond:
            found = []
            for _, n in self.received:
                params = n.get("params", {})
                if n.get("method") == name and all(params.get(k) == v for k, v in match.items()):
                    found.append(params)
            return found

    def timed(self, name, **match):
        with self.cond:
            return [(t, n["params"]) for t, n in self.received
                    if n.get("method") == name
                    and all(n["params"].get(k) == v for k, v in match.items())]

    def wait(self, predicate, timeout):
        """Waits until predicate(self) is true; returns its value, or None
        after timeout seconds."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                value = predicate(self)
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self.cond.wait(min(remaining, 0.2))


class Twin:
    """The test's end of a SIPp 3PCC twin socket: SIPp (a scenario whose
    first twin command is recvCmd) listens, the test connects and sends
    commands that name the call by Call-ID. SIPp ends itself when the socket
    closes, so it stays open until the SIPp is done."""

    def __init__(self, port, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.create_connection((LOOPBACK, port), timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise harness.HarnessError("no 3PCC twin listens on %d" % port)
                time.sleep(0.05)

    def send(self, call_id, **headers):
        lines = ["Call-ID: %s" % call_id]
        lines += ["%s: %s" % (name.replace("_", "-"), value) for name, value in headers.items()]
        # SIPp ends each twin message with an ESC byte.
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n\x1b").encode())

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


_STAMPED = re.compile(r"-{40,} (\d{4}-\d\d-\d\d) ([0-9:.]+)\n")


def message_times(sipp_name, workspace):
    """(seconds of the day, first line) of every message in a SIPp message
    log, for the few assertions about delays."""
    try:
        with open(workspace.path(sipp_name + ".messages"), "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return []
    out = []
    pieces = _STAMPED.split(text)
    # pieces: [before, date, time, chunk, date, time, chunk, ...]
    for i in range(1, len(pieces) - 2, 3):
        clock = pieces[i + 1]
        h, m, s = clock.split(":")
        seconds = int(h) * 3600 + int(m) * 60 + float(s)
        chunk = pieces[i + 2]
        head = re.match(r"^(UDP|TCP) message (sent|received)[^\n]*\n\n([^\n]*)", chunk)
        if head:
            out.append((seconds, head.group(2), head.group(3).strip()))
    return out


# ---------------------------------------------------------------------------
# SDP


def sdp_lines(body):
    return [line.strip() for line in body.replace("\r\n", "\n").split("\n") if line.strip()]


def sdp_version(body):
    for line in sdp_lines(body):
        if line.startswith("o="):
            return int(line.split()[2])
    return None


DIRECTIONS = ("a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive")


def media_directions(body):
    """The direction of each m= section, in order: a list of its direction
    attributes, ["sendrecv"] when it has none (the default; there is no
    session-level direction in these tests)."""
    sections = []
    for line in sdp_lines(body):
        if line.startswith("m="):
            sections.append([])
        elif line in DIRECTIONS and sections:
            sections[-1].append(line[2:])
    return [found or ["sendrecv"] for found in sections]


def without_version_and_direction(body):
    out = []
    for line in sdp_lines(body):
        if line in DIRECTIONS:
            continue
        if line.startswith("o="):
            fields = line.split()
            fields[2] = "V"
            line = " ".join(fields)
        out.append(line)
    return out


# ---------------------------------------------------------------------------
# Test base


class CallopsTestCase(test_proxy.ProxyTestCase):
    """ProxyTestCase with a callops Tandem, MI over HTTP, an event
    subscriber and 3PCC twins; everything is stopped at the end."""

    def start_callops(self, **script):
        self.proxy = CallopsTandem(BINARY["path"], test_proxy.CONFIG["workers"], **script)
        self.proxy.start(self.ws, harness.Routing())
        harness.wait_listening(self.proxy.proc, self.proxy.mi_port, ("tcp",), timeout=20)
        self.events = EventCollector()
        self.addCleanup(self.events.close)
        for name in ("E_CALL_TRANSFER", "E_CALL_HOLD"):
            self.assertEqual(self.mi("event_subscribe", {"event": name, "socket": self.events.address,
                                                         "expire": 300}), "OK")
        return self.proxy

    # -- MI ----------------------------------------------------------------

    def rpc(self, method, params=None):
        request = {"jsonrpc": "2.0", "method": method, "id": 1}
        if params is not None:
            request["params"] = params
        http = urllib.request.Request(
            "http://%s:%d/mi" % (LOOPBACK, self.proxy.mi_port), data=json.dumps(request).encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(http, timeout=10) as response:
                return json.loads(response.read().decode())
        except urllib.error.HTTPError as error:
            self.fail("MI %s: HTTP %d %s" % (method, error.code, error.read().decode()))

    def mi(self, method, params=None):
        answer = self.rpc(method, params)
        self.assertIn("result", answer, "MI %s %s failed: %s" % (method, params, answer))
        return answer["result"]

    def mi_error(self, method, params=None):
        answer = self.rpc(method, params)
        self.assertIn("error", answer, "MI %s %s did not fail: %s" % (method, params, answer))
        return answer["error"]

    def dialogs(self):
        return self.mi("dlg_list")["Dialogs"]

    def confirmed_call(self, call_id=None, not_in=(), seconds=15):
        """The dlg_list entry of a confirmed dialog (with that Call-ID, or
        any not in not_in)."""
        def find():
            for d in self.dialogs():
                if d["state"] != 4 or d["callid"] in not_in:
                    continue
                if call_id is None or d["callid"] == call_id:
                    return d
            return None
        return self.wait_for(find, "a confirmed dialog%s" % (" " + call_id if call_id else ""), seconds)

    def wait_events(self, name, predicate, what, seconds=10, **match):
        """Waits until predicate(list of params) is true for the events
        `name` matching `match`; returns the list."""
        found = self.events.wait(lambda ev: (lambda lst: lst if predicate(lst) else None)(
            ev.events(name, **match)), self.timeout(seconds))
        if found is None:
            self.ws.keep = True
            self.fail("timed out waiting for %s; %s events so far: %s\n--- tandem log tail:\n%s" % (
                what, name, self.events.events(name), self.proxy.proc.tail(30)))
        return found

    # -- SIPp with twins -----------------------------------------------------

    def twin(self, sipp, port):
        """Connects to a SIPp's twin socket (a scenario whose first twin
        command is recvCmd)."""
        harness.wait_listening(sipp.proc, port, ("tcp",))
        twin = Twin(port)
        self.addCleanup(twin.close)
        return twin

    def sipp(self, name, scenario, remote=None, twin=None, keys=None, **kw):
        kw.setdefault("timeout", self.timeout(40))
        extra = list(kw.pop("extra", ()))
        if twin is not None:
            extra += ["-3pcc", "%s:%d" % (LOOPBACK, twin)]
        return Sipp(self.ws, name, scenario, free_port(), remote=remote, keys=keys, extra=extra, **kw)

    def uas(self, name, scenario, twin=None, **kw):
        sipp = self.sipp(name, scenario, twin=twin, **kw)
        sipp.wait_ready()
        return sipp

    def uac(self, name, scenario, target, twin=None, keys=None, **kw):
        all_keys = {"target": target}
        all_keys.update(keys or {})
        return self.sipp(name, scenario, remote=self.proxy.port, twin=twin, keys=all_keys, **kw)

    # -- assertions ------------------------------------------------------------

    def assert_generated(self, request, method, leg_contact, from_tag, to_tag, call_id):
        """A request Tandem sent into a dialog as the other party: one Via
        (Tandem's), Request-URI = the leg's Contact, the dialog's tags seen
        from the receiving leg, no Route of Tandem's own."""
        self.assertEqual(request.method, method, request.summary())
        self.assertEqual(request.call_id, call_id)
        self.assertTrue(request.ruri.startswith(leg_contact),
                        "%s not sent to the leg's Contact %s: %s" % (method, leg_contact, request.ruri))
        self.assertEqual(request.tag("from"), from_tag, "%s From tag" % method)
        self.assertEqual(request.tag("to"), to_tag, "%s To tag" % method)
        self.assertEqual(len(request.all("via")), 1, "Tandem's own %s has one Via" % method)
        self.assert_top_via_is_proxy(request)
        self.assertEqual(request.cseq[1], method)
        self.assertFalse([r for r in request.all("route") if self.proxy_hostport() in r],
                         "%s carries a Route naming Tandem" % method)
        self.assertEqual(request.get("max-forwards"), "70")

    def assert_hold_offer(self, offer, original, direction, version):
        """A hold/unhold re-INVITE body: the original SDP with every
        stream's direction `direction` and o= version `version`."""
        self.assertEqual(offer.get("content-type"), "application/sdp", offer.summary())
        self.assertEqual(sdp_version(offer.body), version,
                         "o= version of the offer should be %s:\n%s" % (version, offer.body))
        directions = media_directions(offer.body)
        self.assertTrue(directions, "no m= line in the offer:\n%s" % offer.body)
        for stream in directions:
            self.assertEqual(stream, [direction], "stream directions in the offer:\n%s" % offer.body)
        self.assertEqual(without_version_and_direction(offer.body),
                         without_version_and_direction(original),
                         "the offer differs from the SDP the leg had (beyond o= version and direction)")

    def transfer_states(self, call_id):
        return [(e["state"], e["status"]) for e in self.events.events("E_CALL_TRANSFER", callid=call_id)]

    def hold_states(self, call_id, leg):
        return [(e["action"], e["state"]) for e in self.events.events("E_CALL_HOLD", callid=call_id, leg=leg)]


def uri_of(header_value):
    match = re.search(r"<([^>]*)>", header_value or "")
    return match.group(1) if match else (header_value or "").split(";")[0].strip()


# ---------------------------------------------------------------------------
# Blind and attended transfers


class TransferTests(CallopsTestCase):

    def blind_transfer(self, mode, leg, target_scenario="uas_call.xml", transfer=None, events=5,
                       mi_leg=None):
        """A call through Tandem; MI call_transfer of `leg` (spelt `mi_leg`
        when given) to a third user agent; the transferee accepts, reports
        progress, calls the target through Tandem, reports the outcome in
        its final NOTIFY; then Tandem ends the old call when the transfer
        succeeded, and the transferee leaves it otherwise. `transfer`:
        extra call_transfer parameters; `events`: how many E_CALL_TRANSFER
        the transfer raises. Returns what the assertions need."""
        manual = mode.lower() == "manual"
        self.start_callops(mode=mode, manual=manual)
        target = self.uas("target", target_scenario)
        twin = free_port()
        new_call = self.sipp("newcall", "uac_refer_new.xml", remote=self.proxy.port, twin=twin)
        harness.wait_listening(new_call.proc, twin, ("tcp",))
        if leg == "callee":
            transferee = self.uas("transferee", "uas_refer_blind.xml", twin=twin)
            other = self.uac("other", "uac_ended.xml", "sip:uas@" + self.target(transferee))
        else:
            other = self.uas("other", "uas_ended.xml")
            transferee = self.uac("transferee", "uac_refer_blind.xml", "sip:uas@" + self.target(other),
                                  twin=twin)
        call = self.confirmed_call()
        destination = "sip:target@%s" % self.target(target)
        if manual:
            self.assertEqual(self.mi("cache_store", {"system": "local", "attr": "xfer_target",
                                                     "value": call["callid"], "expire": 60}), "OK")
        params = {"callid": call["callid"], "leg": mi_leg or leg, "destination": destination}
        params.update(transfer or {})
        self.assertEqual(self.mi("call_transfer", params), "Accepted")
        results = self.finish(transferee, new_call, target, other)
        self.wait_events("E_CALL_TRANSFER", lambda l: len(l) >= events, "the transfer's %d events" % events,
                         callid=call["callid"])
        time.sleep(0.2 * test_proxy.CONFIG["slow"])   # nothing more should come
        return call, destination, dict(zip(("transferee", "new", "target", "other"), results))

    def assert_ended_by_tandem(self, old_id, transferee, leg_contact, from_tag, to_tag, other):
        """The transfer succeeded: Tandem, the transferor, ended the old
        call with a BYE to each party (RFC 5589), and the dialog's end
        says so; the transferee sent no BYE of its own."""
        self.assertFalse(transferee.sent("BYE"), "the transferee hung up by itself")
        bye = self.one(transferee.received("BYE"), "Tandem's BYE at the transferee")
        self.assert_generated(bye, "BYE", leg_contact, from_tag, to_tag, old_id)
        self.one(transferee.sent(status=200, cseq_method="BYE"), "the transferee's 200 to the BYE")
        other_bye = self.one(other.received("BYE"), "Tandem's BYE at the other party")
        self.assertEqual(other_bye.call_id, old_id)
        self.assertEqual(len(other_bye.all("via")), 1, "Tandem's own BYE has one Via")
        self.assert_top_via_is_proxy(other_bye)
        ended = [d for d in self.dialogs() if d["callid"] == old_id]
        self.assertEqual([(d["state"], d.get("end_reason")) for d in ended], [(5, "transferred")], ended)

    def check_blind(self, mode, leg, mi_leg=None):
        call, destination, r = self.blind_transfer(mode, leg, mi_leg=mi_leg)
        mode = mode.lower()
        transferee, new, target, other = r["transferee"], r["new"], r["target"], r["other"]
        old_id = call["callid"]
        if leg == "callee":
            invite = self.one(transferee.received("INVITE"), "INVITE at the transferee")
            answer = self.one(transferee.sent(status=200, cseq_method="INVITE"), "200 of the transferee")
            leg_contact = "sip:uas@%s:%d" % (LOOPBACK, transferee.port)
            from_tag, to_tag = invite.tag("from"), answer.tag("to")
            party_uri = uri_of(invite.get("from"))          # the caller
            party_contact = uri_of(invite.get("contact"))
        else:
            invite = self.one(transferee.sent("INVITE"), "INVITE of the transferee")
            answer = self.one(transferee.received(status=200, cseq_method="INVITE"), "200 at the transferee")
            leg_contact = "sip:uac@%s:%d" % (LOOPBACK, transferee.port)
            from_tag, to_tag = answer.tag("to"), invite.tag("from")
            party_uri = uri_of(answer.get("to"))            # the callee
            party_contact = uri_of(answer.get("contact"))

        # The REFER, as the transferee got it.
        refer = self.one(transferee.received("REFER"), "REFER at the transferee")
        self.assertEqual(len(transferee.received("REFER")), 1)
        self.assert_generated(refer, "REFER", leg_contact, from_tag, to_tag, old_id)
        if leg == "callee":
            self.assertEqual(refer.cseq[0], invite.cseq[0] + 1, "REFER CSeq: the caller's next")
        else:
            self.assertGreaterEqual(refer.cseq[0], 1)
        if mode == "param":
            expected = "<%s;osid=%s>" % (destination, call["ID"])
        elif mode == "callid":
            expected = "<%s;osid=%s>" % (destination, urllib.parse.quote(old_id, safe="-_.!~*'()[]/:&+$"))
        else:
            expected = "<%s>" % destination
        self.assertEqual(refer.all("refer-to"), [expected], "Refer-To")
        self.assertEqual(uri_of(refer.get("referred-by")), party_uri,
                         "Referred-By names the party Tandem speaks for")
        self.assertEqual(uri_of(refer.get("contact")), party_contact,
                         "Contact of the party Tandem speaks for")
        self.assertFalse(refer.body.strip(), "REFER with a body")

        # Tandem answered both NOTIFYs itself; the other party saw none of it.
        notifies = transferee.sent("NOTIFY")
        self.assertEqual(len(notifies), 2)
        for notify in notifies:
            ok = [m for m in transferee.received(status=200, cseq_method="NOTIFY") if m.cseq == notify.cseq]
            self.assertTrue(ok, "no 200 for NOTIFY %s" % notify.get("cseq"))
            self.assertEqual(len(ok[0].all("via")), 1)
            self.assertEqual(ok[0].tag("to"), notify.tag("to"))
        self.assertFalse(other.received("NOTIFY"), "the NOTIFY was relayed to the other party")
        self.assertFalse(other.received("REFER"))
        self.assertFalse(other.received(status=202))

        # The new call reached the target without the matching parameter.
        new_invite = self.one(new.sent("INVITE"), "the transferee's new INVITE")
        self.assertEqual(new_invite.ruri, uri_of(expected), "the new call must go to the Refer-To URI")
        at_target = self.one(target.received("INVITE"), "INVITE at the transfer target")
        self.assertEqual(at_target.ruri, destination, "Request-URI at the target (osid must be gone)")
        self.assertEqual(at_target.call_id, "new-" + old_id)
        self.assert_record_routed(at_target)

        # Tandem, the transferor, ended the old call: BYE to both parties.
        self.assert_ended_by_tandem(old_id, transferee, leg_contact, from_tag, to_tag, other)

        # Events: one start (the REFER), and the new call's Call-ID on
        # every event once it was seen.
        events = self.events.events("E_CALL_TRANSFER", callid=old_id)
        states = [(e["state"], e["status"]) for e in events]
        self.assertEqual(states[:2], [("start", ""), ("notify", "100 Trying")], events)
        self.assertEqual(sorted(states[2:4]), [("notify", "200 OK"), ("ok", "200 OK")], events)
        self.assertEqual(states[4:], [("ended", "")], events)
        for e in events:
            self.assertEqual(e["leg"], leg)
            self.assertEqual(e["destination"], destination)
        self.assertEqual([e["transfer_callid"] for e in events[2:]], ["new-" + old_id] * 3, events)
        self.assertEqual(len(self.events.events("E_CALL_TRANSFER")), 5,
                         "events for another call: %s" % self.events.events("E_CALL_TRANSFER"))
        # Both calls ended by their BYEs: no dialog is left confirmed.
        self.wait_for(lambda: not [d for d in self.dialogs() if d["state"] <= 4], "both calls ended")
        return refer

    def test_blind_param(self):
        """Blind transfer of the callee in param mode: Refer-To carries
        ;osid=<dialog id>, Tandem strips it from the new INVITE. The mode
        and the leg are written in capitals (case does not matter, as in
        OpenSIPS)."""
        self.check_blind("PARAM", "callee", mi_leg="Callee")

    def test_blind_callid(self):
        """Blind transfer of the caller in callid mode: Refer-To carries
        ;osid=<Call-ID> (its @ escaped), the REFER goes to the caller as from
        the callee."""
        self.check_blind("callid", "caller")

    def test_blind_manual(self):
        """Blind transfer in manual mode: Refer-To is the bare destination;
        the script ties the new call with call_blind_replace() and answers
        the NOTIFYs with call_transfer_notify()."""
        self.check_blind("manual", "callee")

    def test_target_busy(self):
        """The transfer target answers the transferee's new call 486: a fail
        event "486 Busy Here" naming the new call (the new INVITE's
        outcome), then the transferee's final NOTIFY with that sipfrag
        (notify event, answered 200, not relayed); the old call goes on
        (Tandem sends no BYE; the transferee hangs up later)."""
        call, destination, r = self.blind_transfer("param", "callee", target_scenario="uas_busy.xml",
                                                   events=4)
        transferee, new, target, other = r["transferee"], r["new"], r["target"], r["other"]
        old_id = call["callid"]
        at_target = self.one(target.received("INVITE"), "INVITE at the target")
        self.assertEqual(at_target.ruri, destination)
        self.one(target.received("ACK"), "Tandem's ACK of the 486")
        self.one(new.received(status=486), "the 486 relayed to the transferee")
        final = transferee.sent("NOTIFY")[-1]
        self.assertEqual(final.body.strip(), "SIP/2.0 486 Busy Here")
        self.assertEqual(len(transferee.received(status=200, cseq_method="NOTIFY")), 2)
        self.assertFalse(other.received("NOTIFY"))
        self.assertFalse(transferee.received("BYE"), "Tandem ended a call whose transfer failed")
        bye_sent = self.one(transferee.sent("BYE"), "the transferee's BYE of the old call")
        bye = self.one(other.received("BYE"), "the transferee's BYE at the other party")
        self.assertEqual(bye.cseq, bye_sent.cseq)
        ended = [d for d in self.dialogs() if d["callid"] == old_id]
        self.assertEqual([d.get("end_reason") for d in ended], ["bye_by_callee"], ended)
        events = self.events.events("E_CALL_TRANSFER", callid=old_id)
        states = [(e["state"], e["status"]) for e in events]
        self.assertEqual(states[:2], [("start", ""), ("notify", "100 Trying")], events)
        self.assertEqual(sorted(states[2:]), [("fail", "486 Busy Here"), ("notify", "486 Busy Here")], events)
        self.assertEqual([e["transfer_callid"] for e in events[2:]], ["new-" + old_id] * 2, events)

    def test_attended_untracked(self):
        """Attended transfer to a call Tandem does not track
        (transfer_callid with transfer_fromtag/transfer_totag and a
        destination): the Refer-To carries that dialog's Replaces, the new
        INVITE reaches the destination with the Replaces header, and the
        transferred call gets its events (none for the unknown call)."""
        other_call = "elsewhere-1@%s" % LOOPBACK
        extra = {"transfer_callid": other_call, "transfer_fromtag": "ftag-1", "transfer_totag": "ttag-2"}
        call, destination, r = self.blind_transfer("param", "callee", transfer=extra)
        transferee, target = r["transferee"], r["target"]
        refer = self.one(transferee.received("REFER"), "REFER at the transferee")
        self.assertEqual(refer.all("refer-to"), [
            "<%s?Replaces=elsewhere-1%%40%s%%3Bto-tag%%3Dttag-2%%3Bfrom-tag%%3Dftag-1>"
            % (destination, LOOPBACK)])
        at_target = self.one(target.received("INVITE"), "INVITE at the target")
        self.assertEqual(at_target.ruri, destination)
        self.assertEqual(at_target.get("replaces"), "%s;to-tag=ttag-2;from-tag=ftag-1" % other_call)
        events = self.events.events("E_CALL_TRANSFER", callid=call["callid"])
        states = [(e["state"], e["status"]) for e in events]
        self.assertEqual(states[:2], [("start", ""), ("notify", "100 Trying")], events)
        self.assertEqual(sorted(states[2:4]), [("notify", "200 OK"), ("ok", "200 OK")], events)
        self.assertEqual(states[4:], [("ended", "")], events)
        self.assertEqual(events[0]["transfer_callid"], other_call)
        self.assertEqual([e["transfer_callid"] for e in events[2:]], ["new-" + call["callid"]] * 3, events)
        self.assertEqual(self.events.events("E_CALL_TRANSFER", callid=other_call), [])
        self.assertFalse(transferee.sent("BYE"), "the transferee hung up by itself")
        self.one(transferee.received("BYE"), "Tandem's BYE at the transferee")
        self.one(r["other"].received("BYE"), "Tandem's BYE at the other party")

    def test_attended(self):
        """Attended transfer: call 1 (A1-B1) and call 2 (A2-B2); A1 is
        referred to B2 with Replaces naming call 2; A1's new INVITE carries
        the Replaces header to B2; events for both calls."""
        self.start_callops()
        b2 = self.uas("b2", "uas_replaced.xml", calls=2)
        b1 = self.uas("b1", "uas_ended.xml")
        a2 = self.uac("a2", "uac_ended.xml", "sip:b2@" + self.target(b2))
        call2 = self.confirmed_call()
        twin = free_port()
        new_call = self.sipp("newcall", "uac_refer_new.xml", remote=self.proxy.port, twin=twin)
        harness.wait_listening(new_call.proc, twin, ("tcp",))
        a1 = self.uac("a1", "uac_refer_blind.xml", "sip:b1@" + self.target(b1), twin=twin)
        call1 = self.confirmed_call(not_in=(call2["callid"],))

        self.assertEqual(self.mi("call_transfer", {"callid": call1["callid"], "leg": "caller",
                                                   "transfer_callid": call2["callid"],
                                                   "transfer_leg": "callee"}), "Accepted")
        new_id = "new-" + call1["callid"]
        self.wait_events("E_CALL_TRANSFER", lambda l: any(e["state"] == "ok" for e in l),
                         "the replacing call's ok for call 2", callid=call2["callid"])
        # B2 would now hang up A2; here the test ends call 2.
        self.assertEqual(self.mi("dlg_end_dlg", {"callid": call2["callid"]}), "OK")
        r_a1, r_new, r_b2, r_b1, r_a2 = self.finish(a1, new_call, b2, b1, a2)
        self.wait_events("E_CALL_TRANSFER", lambda l: len(l) >= 5, "call 1's five events",
                         callid=call1["callid"])

        b2_invite = [m for m in r_b2.received("INVITE") if m.call_id == call2["callid"]][0]
        b2_ok = [m for m in r_b2.sent(status=200, cseq_method="INVITE") if m.call_id == call2["callid"]][0]
        refer = self.one(r_a1.received("REFER"), "REFER at A1")
        b2_uri = uri_of(b2_invite.get("to"))
        escaped = urllib.parse.quote(call2["callid"], safe="-_.!~*'()[]/?:+$")
        self.assertEqual(refer.all("refer-to"), ["<%s?Replaces=%s%%3Bto-tag%%3D%s%%3Bfrom-tag%%3D%s>" % (
            b2_uri, escaped, b2_ok.tag("to"), b2_invite.tag("from"))])
        a1_invite = self.one(r_a1.sent("INVITE"), "A1's INVITE")
        b1_ok = self.one(r_a1.received(status=200, cseq_method="INVITE"), "B1's 200 at A1")
        self.assert_generated(refer, "REFER", "sip:uac@%s:%d" % (LOOPBACK, a1.port),
                              b1_ok.tag("to"), a1_invite.tag("from"), call1["callid"])

        replacing = [m for m in r_b2.received("INVITE") if m.call_id == new_id]
        self.assertEqual(len(replacing), 1, "the new call did not reach B2")
        self.assertEqual(replacing[0].ruri, b2_uri)
        self.assertEqual(replacing[0].get("replaces"), "%s;to-tag=%s;from-tag=%s" % (
            call2["callid"], b2_ok.tag("to"), b2_invite.tag("from")))
        self.assertFalse(r_b1.received("NOTIFY"))

        # Call 1 (A1-B1), the call that was not replaced, was ended by
        # Tandem once A1 reported the outcome.
        self.assert_ended_by_tandem(call1["callid"], r_a1, "sip:uac@%s:%d" % (LOOPBACK, a1.port),
                                    b1_ok.tag("to"), a1_invite.tag("from"), r_b1)

        events1 = self.events.events("E_CALL_TRANSFER", callid=call1["callid"])
        states1 = [(e["state"], e["status"]) for e in events1]
        self.assertEqual(states1[:2], [("start", ""), ("notify", "100 Trying")], events1)
        self.assertEqual(sorted(states1[2:4]), [("notify", "200 OK"), ("ok", "200 OK")], events1)
        self.assertEqual(states1[4:], [("ended", "")], events1)
        self.assertEqual(events1[0]["transfer_callid"], call2["callid"])
        self.assertEqual([e["transfer_callid"] for e in events1[2:]], [new_id] * 3, events1)
        for e in events1:
            self.assertEqual(e["leg"], "caller")
            self.assertEqual(e["destination"], b2_uri)
        events2 = self.events.events("E_CALL_TRANSFER", callid=call2["callid"])
        self.assertEqual([(e["state"], e["status"], e["transfer_callid"], e["leg"]) for e in events2],
                         [("start", "", new_id, "callee"), ("ok", "200 OK", new_id, "callee")], events2)

    def test_transfer_ends_call_off(self):
        """modparam("callops", "transfer_ends_call", 0) keeps OpenSIPS's
        behaviour: the transfer succeeds and Tandem sends no BYE; the old
        call stays up until someone ends it (here dlg_end_dlg)."""
        self.start_callops(transfer_ends_call=0)
        target = self.uas("target", "uas_call.xml")
        twin = free_port()
        new_call = self.sipp("newcall", "uac_refer_new.xml", remote=self.proxy.port, twin=twin)
        harness.wait_listening(new_call.proc, twin, ("tcp",))
        transferee = self.uas("transferee", "uas_refer_blind.xml", twin=twin)
        other = self.uac("other", "uac_ended.xml", "sip:uas@" + self.target(transferee))
        call = self.confirmed_call()
        self.assertEqual(self.mi("call_transfer", {"callid": call["callid"], "leg": "callee",
                                                   "destination": "sip:target@" + self.target(target)}),
                         "Accepted")
        self.wait_events("E_CALL_TRANSFER", lambda l: len(l) >= 4, "the transfer's four events",
                         callid=call["callid"])
        # Longer than Tandem would wait for a NOTIFY before ending the call.
        time.sleep(2.5 * test_proxy.CONFIG["slow"])
        self.confirmed_call(call["callid"], seconds=1)
        self.assertEqual(self.mi("dlg_end_dlg", {"callid": call["callid"]}), "OK")
        self.finish(transferee, new_call, target, other)
        self.assertEqual(sorted(self.transfer_states(call["callid"])[2:]),
                         [("notify", "200 OK"), ("ok", "200 OK")])
        ended = [d for d in self.dialogs() if d["callid"] == call["callid"]]
        self.assertEqual([d.get("end_reason") for d in ended], ["terminated"], ended)

    def test_refer_rejected(self):
        """The transferee answers the REFER 603: a fail event with the
        reply's status; the transfer is over, so a second call_transfer is
        accepted (and refused the same way). The two REFERs took numbers of
        the caller's CSeq space: the caller's BYE then reaches the callee
        moved up by two, and its 200 comes back with the caller's number."""
        self.start_callops()
        callee = self.uas("callee", "uas_refer_reject.xml")
        twin = free_port()
        caller = self.uac("caller", "uac_held.xml", "sip:uas@" + self.target(callee), twin=twin)
        controller = self.twin(caller, twin)
        call = self.confirmed_call()
        destination = "sip:nobody@%s:%d" % (LOOPBACK, free_port())
        params = {"callid": call["callid"], "leg": "callee", "destination": destination}
        self.assertEqual(self.mi("call_transfer", params), "Accepted")
        self.wait_events("E_CALL_TRANSFER", lambda l: len(l) >= 2, "the first fail", callid=call["callid"])
        self.assertEqual(self.mi("call_transfer", params), "Accepted")
        self.wait_events("E_CALL_TRANSFER", lambda l: len(l) >= 4, "the second fail", callid=call["callid"])
        controller.send(call["callid"], X_Do="bye")
        caller_result, callee_result = self.finish(caller, callee)
        self.assertEqual(self.transfer_states(call["callid"]),
                         [("start", ""), ("fail", "603 Decline"), ("start", ""), ("fail", "603 Decline")])
        invite = self.one(callee_result.received("INVITE"), "INVITE at the callee")
        refers = callee_result.received("REFER")
        self.assertEqual([r.cseq for r in refers],
                         [(invite.cseq[0] + 1, "REFER"), (invite.cseq[0] + 2, "REFER")])
        self.assertFalse(caller_result.received("REFER"))
        self.assertFalse([m for m in caller_result.received() if m.status == 603],
                         "the 603 was relayed to the caller")
        bye_sent = self.one(caller_result.sent("BYE"), "the caller's BYE")
        bye = self.one(callee_result.received("BYE"), "BYE at the callee")
        self.assertEqual(bye.cseq, (bye_sent.cseq[0] + 2, "BYE"), "two REFERs moved the caller's numbering")
        self.assertEqual(self.one(caller_result.received(status=200, cseq_method="BYE"), "200").cseq,
                         bye_sent.cseq)

    def test_notify_fail(self):
        """The transferee reports "486 Busy Here" in its final NOTIFY: a
        notify and a fail event with that status; Tandem answers both
        NOTIFYs 200 and relays neither."""
        self.start_callops()
        callee = self.uas("callee", "uas_refer_notify_fail.xml")
        caller = self.uac("caller", "uac_ended.xml", "sip:uas@" + self.target(callee))
        call = self.confirmed_call()
        destination = "sip:busy@%s:%d" % (LOOPBACK, free_port())
        self.assertEqual(self.mi("call_transfer", {"callid": call["callid"], "leg": "callee",
                                                   "destination": destination}), "Accepted")
        callee_result, caller_result = self.finish(callee, caller)
        self.wait_events("E_CALL_TRANSFER", lambda l: any(e["state"] == "fail" for e in l), "the fail",
                         callid=call["callid"])
        time.sleep(0.2 * test_proxy.CONFIG["slow"])
        self.assertEqual(self.transfer_states(call["callid"]),
                         [("start", ""), ("notify", "100 Trying"), ("notify", "486 Busy Here"),
                          ("fail", "486 Busy Here")])
        self.assertEqual(len(callee_result.received(status=200, cseq_method="NOTIFY")), 2)
        self.assertFalse(caller_result.received("NOTIFY"))
        # After the failure the call goes on: the callee's BYE passes.
        self.one(caller_result.received("BYE"), "BYE at the caller")

    def test_notify_timeout(self):
        """The transferee accepts the REFER and then says nothing: with
        notify_timeout 3 the transfer fails with "408 Request Timeout" (not
        before 3 s); while it is pending a second call_transfer gets 491."""
        timeout = 3
        self.start_callops(notify_timeout=timeout)
        twin = free_port()
        callee = self.uas("callee", "uas_refer_silent.xml", twin=twin)
        controller = self.twin(callee, twin)
        caller = self.uac("caller", "uac_ended.xml", "sip:uas@" + self.target(callee))
        call = self.confirmed_call()
        params = {"callid": call["callid"], "leg": "callee",
                  "destination": "sip:silent@%s:%d" % (LOOPBACK, free_port())}
        self.assertEqual(self.mi("call_transfer", params), "Accepted")
        self.assertEqual(self.mi_error("call_transfer", params)["code"], 491)
        self.wait_events("E_CALL_TRANSFER", lambda l: any(e["state"] == "fail" for e in l),
                         "the timeout's fail", seconds=timeout + 10, callid=call["callid"])
        self.assertEqual(self.transfer_states(call["callid"]),
                         [("start", ""), ("fail", "408 Request Timeout")])
        (started, _), (failed, _) = self.events.timed("E_CALL_TRANSFER", callid=call["callid"])
        self.assertGreaterEqual(failed - started, timeout - 0.5, "the transfer failed before notify_timeout")
        controller.send(call["callid"], X_Do="bye")
        callee_result, caller_result = self.finish(callee, caller)
        self.assertEqual(len(callee_result.received("REFER")), 1, "the refused call_transfer sent a REFER")
        self.one(caller_result.received("BYE"), "BYE at the caller")

    def test_mi_errors(self):
        """Errors of call_transfer / call_hold / call_unhold: bad or missing
        parameters (-32602), unknown call (404), a call not yet answered
        (410 or 481), nothing to resume (480)."""
        self.start_callops()
        for params in ({}, {"callid": "x"}, {"callid": "x", "leg": "caller"},
                       {"callid": "x", "leg": "both", "destination": "sip:a@127.0.0.1"},
                       {"callid": "x", "leg": "sideways", "destination": "sip:a@127.0.0.1"},
                       {"callid": "x", "leg": "caller", "transfer_leg": "callee"},
                       {"callid": "x", "leg": "caller", "transfer_callid": "y"},
                       {"callid": "x", "leg": "caller", "transfer_callid": "y", "transfer_fromtag": "f"},
                       {"callid": "x", "leg": "caller", "destination": "sip:a@127.0.0.1", "bogus": "1"}):
            self.assertEqual(self.mi_error("call_transfer", params)["code"], -32602, params)
        for method in ("call_hold", "call_unhold"):
            self.assertEqual(self.mi_error(method, {})["code"], -32602)
            self.assertEqual(self.mi_error(method, {"callid": "x", "leg": "sideways"})["code"], -32602)
            self.assertEqual(self.mi_error(method, {"callid": "nope"})["code"], 404)
        self.assertEqual(self.mi_error("call_transfer", {"callid": "nope", "leg": "caller",
                                                         "destination": "sip:a@127.0.0.1"})["code"], 404)

        twin = free_port()
        callee = self.uas("callee", "uas_ringing.xml", twin=twin)
        controller = self.twin(callee, twin)
        caller_twin = free_port()
        caller = self.uac("caller", "uac_held.xml", "sip:uas@" + self.target(callee), twin=caller_twin)
        caller_controller = self.twin(caller, caller_twin)
        early = self.wait_for(lambda: [d for d in self.dialogs() if d["state"] == 2], "an early dialog")[0]
        for method, params in (("call_transfer", {"leg": "callee", "destination": "sip:a@127.0.0.1"}),
                               ("call_hold", {}), ("call_unhold", {})):
            params = dict(params, callid=early["callid"])
            self.assertIn(self.mi_error(method, params)["code"], (410, 481), (method, params))
        controller.send(early["callid"], X_Do="answer")
        call = self.confirmed_call(early["callid"])
        self.assertEqual(self.mi_error("call_unhold", {"callid": call["callid"]})["code"], 480)
        self.assertEqual(self.mi_error("call_transfer", {"callid": call["callid"], "leg": "caller",
                                                         "transfer_callid": "nope",
                                                         "transfer_leg": "callee"})["code"], 404)
        # A destination that is no SIP URI (docs/callops.md: 400).
        self.assertEqual(self.mi_error("call_transfer", {"callid": call["callid"], "leg": "caller",
                                                         "destination": "not a uri"})["code"], 400)
        caller_controller.send(call["callid"], X_Do="bye")
        self.finish(caller, callee)
        self.assertEqual(self.events.events("E_CALL_TRANSFER"), [], "a refused call_transfer raised events")
        self.assertEqual(self.events.events("E_CALL_HOLD"), [], "a refused call_hold raised events")


# ---------------------------------------------------------------------------
# Hold and unhold


class HoldTests(CallopsTestCase):

    def held_call(self, reject_code="000"):
        """A caller (uac_held) and callee (uas_held) in a confirmed call
        through Tandem, each with a twin to drive it."""
        self.start_callops()
        callee_twin = free_port()
        self.callee = self.uas("callee", "uas_held.xml", twin=callee_twin,
                               keys={"reject_code": reject_code})
        self.callee_ctl = self.twin(self.callee, callee_twin)
        caller_twin = free_port()
        self.caller = self.uac("caller", "uac_held.xml", "sip:uas@" + self.target(self.callee),
                               twin=caller_twin)
        self.caller_ctl = self.twin(self.caller, caller_twin)
        self.call = self.confirmed_call()
        return self.call

    def hold_events(self, count, what, seconds=15):
        return self.wait_events("E_CALL_HOLD", lambda l: len(l) >= count, what, seconds=seconds,
                                callid=self.call["callid"])

    def finish_call(self, who="caller"):
        (self.caller_ctl if who == "caller" else self.callee_ctl).send(self.call["callid"], X_Do="bye")
        return self.finish(self.caller, self.callee)

    def proxy_invites(self, result):
        """The re-INVITEs Tandem itself sent to a leg: one Via (those
        relayed from the other phone carry two)."""
        return [m for m in result.received("INVITE") if len(m.all("via")) == 1]

    def originals(self, caller, callee):
        """(SDP the caller was sent, SDP the callee was sent) by the call's
        set-up."""
        to_caller = self.one(caller.received(status=200, cseq_method="INVITE"), "200 at the caller").body
        to_callee = self.one(callee.received("INVITE"), "INVITE at the callee").body
        return to_caller, to_callee

    def check_reinvites(self, caller, callee, expected_caller, expected_callee):
        """Every re-INVITE Tandem sent to each leg: generated in the dialog
        (tags, Contact, one Via, rising CSeq) and carrying the original SDP
        with the expected directions and o= versions 2, 3 ..."""
        to_caller, to_callee = self.originals(caller, callee)
        first = self.one(callee.received("INVITE"), "INVITE at the callee")
        answer = self.one(callee.sent(status=200, cseq_method="INVITE"), "200 of the callee")
        for result, expected, original, contact, from_tag, to_tag in (
                (caller, expected_caller, to_caller, "sip:uac@%s:%d" % (LOOPBACK, caller.port),
                 answer.tag("to"), first.tag("from")),
                (callee, expected_callee, to_callee, "sip:uas@%s:%d" % (LOOPBACK, callee.port),
                 first.tag("from"), answer.tag("to"))):
            invites = self.proxy_invites(result)
            self.assertEqual(len(invites), len(expected),
                             "%s got %s" % (result.name, [m.summary() for m in invites]))
            last_cseq = first.cseq[0] if result is callee else 0
            for number, (invite, direction) in enumerate(zip(invites, expected)):
                self.assert_generated(invite, "INVITE", contact, from_tag, to_tag, self.call["callid"])
                self.assertGreater(invite.cseq[0], last_cseq, "CSeq of Tandem's re-INVITEs must rise")
                last_cseq = invite.cseq[0]
                self.assert_hold_offer(invite, original, direction, sdp_version(original) + number + 1)
                acks = [a for a in result.received("ACK") if a.cseq[0] == invite.cseq[0]]
                self.assertTrue(acks, "no ACK for Tandem's re-INVITE %s at the %s"
                                % (invite.cseq, result.name))
                self.assertEqual(len(acks[0].all("via")), 1)
        return to_caller, to_callee

    def test_hold_both(self):
        """call_hold: a re-INVITE to each leg with the SDP it last received,
        every stream a=inactive, o= version +1; start/ok events per leg; a
        second call_hold gets 480; the caller's BYE then reaches the callee
        with its CSeq moved past Tandem's re-INVITE."""
        call = self.held_call()
        self.assertEqual(self.mi("call_hold", {"callid": call["callid"],
                                               "headers": "X-Hold-Reason: maintenance\r\n"}), "OK")
        self.hold_events(4, "hold start/ok for both legs")
        self.assertEqual(self.mi_error("call_hold", {"callid": call["callid"]})["code"], 480)
        caller, callee = self.finish_call("caller")
        self.check_reinvites(caller, callee, ["inactive"], ["inactive"])
        for leg in ("caller", "callee"):
            self.assertEqual(self.hold_states(call["callid"], leg), [("hold", "start"), ("hold", "ok")])
        for result in (caller, callee):
            self.assertEqual(self.proxy_invites(result)[0].all("x-hold-reason"), ["maintenance"],
                             "call_hold's headers in the re-INVITE to the %s" % result.name)
        # CSeq: the caller's BYE (its own numbering) goes out above Tandem's
        # re-INVITE to the callee, and the caller gets its own number back.
        bye_sent = self.one(caller.sent("BYE"), "the caller's BYE")
        bye = self.one(callee.received("BYE"), "BYE at the callee")
        hold = self.proxy_invites(callee)[-1]
        self.assertEqual(bye.cseq[0], bye_sent.cseq[0] + 1,
                         "one request of Tandem's moved the numbering by one")
        self.assertGreater(bye.cseq[0], hold.cseq[0])
        self.assertEqual(self.one(caller.received(status=200, cseq_method="BYE"), "200 for the BYE").cseq,
                         bye_sent.cseq)
        self.assertEqual(self.one(callee.sent(status=200, cseq_method="BYE"), "200").cseq, bye.cseq)

    def test_hold_caller_then_callee(self):
        """call_hold leg=caller: caller sendonly, callee recvonly; then
        leg=callee: both inactive; call_unhold leg=caller: caller recvonly,
        callee sendonly; call_unhold: both sendrecv. Holds accumulate, 480
        when nothing changes; the callee's BYE still passes."""
        call = self.held_call()
        callid = call["callid"]
        steps = (("call_hold", "caller", 4), ("call_hold", "callee", 8),
                 ("call_unhold", "caller", 12), ("call_unhold", "both", 16))
        for method, leg, count in steps:
            self.assertEqual(self.mi(method, {"callid": callid, "leg": leg}), "OK", (method, leg))
            self.hold_events(count, "%s %s done" % (method, leg))
            if method == "call_hold" and leg == "callee":
                self.assertEqual(self.mi_error("call_hold", {"callid": callid, "leg": "caller"})["code"], 480)
                self.assertEqual(self.mi_error("call_hold", {"callid": callid})["code"], 480)
            if method == "call_unhold" and leg == "caller":
                self.assertEqual(
                    self.mi_error("call_unhold", {"callid": callid, "leg": "caller"})["code"], 480)
        self.assertEqual(self.mi_error("call_unhold", {"callid": callid})["code"], 480)
        caller, callee = self.finish_call("callee")
        self.check_reinvites(caller, callee, ["sendonly", "inactive", "recvonly", "sendrecv"],
                             ["recvonly", "inactive", "sendonly", "sendrecv"])
        for leg in ("caller", "callee"):
            self.assertEqual(self.hold_states(callid, leg),
                             [("hold", "start"), ("hold", "ok")] * 2
                             + [("unhold", "start"), ("unhold", "ok")] * 2)
        # The callee's BYE reaches the caller numbered above Tandem's four
        # re-INVITEs (sent in the callee's name).
        bye_sent = self.one(callee.sent("BYE"), "the callee's BYE")
        bye = self.one(caller.received("BYE"), "BYE at the caller")
        self.assertGreater(bye.cseq[0], self.proxy_invites(caller)[-1].cseq[0])
        self.assertEqual(self.one(callee.received(status=200, cseq_method="BYE"), "200 for the BYE").cseq,
                         bye_sent.cseq)

    def test_unhold(self):
        """call_unhold before any hold: 480. Hold, then unhold: each leg gets
        its original SDP back (sendrecv) with o= version +2; unhold events;
        480 again; then the caller's own re-INVITE and the callee's BYE pass
        end to end with consistent CSeqs."""
        call = self.held_call()
        callid = call["callid"]
        self.assertEqual(self.mi_error("call_unhold", {"callid": callid})["code"], 480)
        self.assertEqual(self.mi("call_hold", {"callid": callid}), "OK")
        self.hold_events(4, "hold done")
        self.assertEqual(self.mi("call_unhold", {"callid": callid}), "OK")
        self.hold_events(8, "unhold done")
        self.assertEqual(self.mi_error("call_unhold", {"callid": callid})["code"], 480)
        # The caller's own re-INVITE.
        self.caller_ctl.send(callid, X_Do="reinvite")
        self.wait_for(self._caller_reinvite_answered, "the caller's re-INVITE answered", 15)
        caller, callee = self.finish_call("callee")
        self.check_reinvites(caller, callee, ["inactive", "sendrecv"], ["inactive", "sendrecv"])
        for leg in ("caller", "callee"):
            self.assertEqual(self.hold_states(callid, leg),
                             [("hold", "start"), ("hold", "ok"), ("unhold", "start"), ("unhold", "ok")])
        # The caller's re-INVITE: its own CSeq 2 reaches the callee moved
        # past Tandem's two re-INVITEs, and the 200 comes back as 2.
        own = [m for m in caller.sent("INVITE")][1]
        at_callee = callee.received("INVITE")[-1]
        self.assertEqual(at_callee.call_id, callid)
        self.assertEqual(at_callee.cseq[0], own.cseq[0] + 2)
        self.assertEqual(at_callee.body.strip(), own.body.strip(), "the caller's offer changed on the way")
        ok = [m for m in caller.received(status=200, cseq_method="INVITE")][-1]
        self.assertEqual(ok.cseq, own.cseq)
        ack = callee.received("ACK")[-1]
        self.assertEqual(ack.cseq[0], at_callee.cseq[0], "the ACK must carry its INVITE's number")
        # The callee's BYE.
        bye_sent = self.one(callee.sent("BYE"), "the callee's BYE")
        bye = self.one(caller.received("BYE"), "BYE at the caller")
        self.assertGreater(bye.cseq[0], self.proxy_invites(caller)[-1].cseq[0])
        self.assertEqual(self.one(callee.received(status=200, cseq_method="BYE"), "200").cseq, bye_sent.cseq)

    def _caller_reinvite_answered(self):
        try:
            with open(self.ws.path("caller.messages"), "rb") as f:
                log = harness.parse_message_log(f.read().decode("utf-8", "replace"))
        except OSError:
            return False
        own = [m for m in log if m.direction == "sent" and m.method == "INVITE"]
        return len(own) >= 2 and any(m.direction == "sent" and m.method == "ACK"
                                     and m.cseq == (own[1].cseq[0], "ACK") for m in log)

    def test_hold_488_rollback(self):
        """The callee refuses its hold re-INVITE with 488: the caller, held
        first, is resumed (a second re-INVITE, sendrecv, o= version +2);
        events: caller hold start/ok then unhold start/ok, callee hold
        start/fail; afterwards nothing is on hold (call_unhold: 480)."""
        call = self.held_call("488")
        callid = call["callid"]
        self.assertEqual(self.mi("call_hold", {"callid": callid}), "OK")
        self.hold_events(6, "hold, refusal and resume")
        self.assertEqual(self.mi_error("call_unhold", {"callid": callid})["code"], 480)
        caller, callee = self.finish_call("caller")
        self.assertEqual(self.hold_states(callid, "caller"),
                         [("hold", "start"), ("hold", "ok"), ("unhold", "start"), ("unhold", "ok")])
        self.assertEqual(self.hold_states(callid, "callee"), [("hold", "start"), ("hold", "fail")])
        to_caller, to_callee = self.originals(caller, callee)
        caller_invites = self.proxy_invites(caller)
        self.assertEqual(len(caller_invites), 2, [m.summary() for m in caller_invites])
        self.assert_hold_offer(caller_invites[0], to_caller, "inactive", sdp_version(to_caller) + 1)
        self.assert_hold_offer(caller_invites[1], to_caller, "sendrecv", sdp_version(to_caller) + 2)
        callee_invites = self.proxy_invites(callee)
        self.assertEqual(len(callee_invites), 1, [m.summary() for m in callee_invites])
        self.assert_hold_offer(callee_invites[0], to_callee, "inactive", sdp_version(to_callee) + 1)
        refusal = self.one(callee.sent(status=488), "the callee's 488")
        ack = [a for a in callee.received("ACK") if a.cseq[0] == refusal.cseq[0]]
        self.assertTrue(ack, "Tandem did not ACK the 488")
        self.assertEqual(ack[0].all("via")[0], callee_invites[0].all("via")[0],
                         "the ACK of a 488 belongs to the INVITE's transaction")
        self.assertFalse([m for m in caller.received() if m.status == 488], "the 488 reached the caller")
        # The caller's BYE after all this still reaches the callee.
        self.one(callee.received("BYE"), "BYE at the callee")

    def test_hold_491_retry(self):
        """The callee answers its hold re-INVITE 491: Tandem offers again
        after 2.1 to 4 s (RFC 3261 section 14.1), the callee accepts; the
        callee's events are start then ok (no fail). While the hold runs,
        call_hold again is 480 and call_unhold 491."""
        call = self.held_call("491")
        callid = call["callid"]
        self.assertEqual(self.mi("call_hold", {"callid": callid}), "OK")
        # The hold cannot be over before the retry (2.1 s at least): asking
        # again for it is 480, asking for the opposite 491.
        self.assertEqual(self.mi_error("call_hold", {"callid": callid})["code"], 480)
        self.assertEqual(self.mi_error("call_unhold", {"callid": callid})["code"], 491)
        self.hold_events(4, "hold done after the retry", seconds=20)
        caller, callee = self.finish_call("caller")
        for leg in ("caller", "callee"):
            self.assertEqual(self.hold_states(callid, leg), [("hold", "start"), ("hold", "ok")])
        to_caller, to_callee = self.originals(caller, callee)
        invites = self.proxy_invites(callee)
        self.assertEqual(len(invites), 2, [m.summary() for m in invites])
        self.assertGreater(invites[1].cseq[0], invites[0].cseq[0], "the retry needs a new CSeq")
        self.assertNotEqual(invites[0].all("via")[0], invites[1].all("via")[0],
                            "the retry is a new transaction")
        for invite in invites:
            self.assert_hold_offer(invite, to_callee, "inactive", sdp_version(to_callee) + 1)
        times = [(t, line) for t, direction, line in message_times("callee", self.ws)
                 if direction == "sent" and line.startswith("SIP/2.0 491")]
        retries = [(t, line) for t, direction, line in message_times("callee", self.ws)
                   if direction == "received" and line.startswith("INVITE")]
        self.assertTrue(times and len(retries) == 3, (times, retries))
        self.assertGreaterEqual(retries[2][0] - times[0][0], 2.0,
                                "Tandem offered again sooner than RFC 3261 section 14.1 allows")


# ---------------------------------------------------------------------------
# Real phones: baresip


def free_port_pair():
    """A port p free for UDP and TCP with p+1 free for TCP too: baresip
    listens for SIP on UDP and TCP p, and for SIP over TLS on TCP p+1."""
    for _ in range(200):
        port = free_port()
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            probe.bind((LOOPBACK, port + 1))
            harness._handed_out.add(port + 1)
            return port
        except OSError:
            continue
        finally:
            probe.close()
    raise harness.HarnessError("no free pair of loopback ports")


class Baresip:
    """One headless baresip (Debian baresip-core 1.0) on loopback: SIP on
    127.0.0.1 only (RTP too: net_interface 127.0.0.1), Tandem as outbound
    proxy, auto-answer, no sound device (the aubridge module stands in for
    player and source), commands and events over ctrl_tcp (netstring JSON),
    every SIP message it sends or receives printed to its log (-s)."""

    def __init__(self, workspace, name, proxy_port, lifetime):
        self.name = name
        self.port = free_port_pair()
        self.ctrl_port = free_port()
        self.dir = workspace.path("phone-" + name)
        os.makedirs(self.dir)
        self.aor = "sip:%s@%s:%d" % (name, LOOPBACK, self.port)
        with open(os.path.join(self.dir, "config"), "w") as f:
            f.write("\n".join([
                "sip_listen %s:%d" % (LOOPBACK, self.port),
                "net_interface %s" % LOOPBACK,
                "call_max_calls 4",
                "audio_player aubridge,play-%s" % name,
                "audio_source aubridge,rec-%s" % name,
                "audio_alert aubridge,play-%s" % name,
                "module_path /usr/lib/baresip/modules",
                "module g711.so",
                "module aubridge.so",
                "module_app account.so",
                "module_app menu.so",
                "module_app ctrl_tcp.so",
                "ctrl_tcp_listen %s:%d" % (LOOPBACK, self.ctrl_port),
                "statmode_default off",
                ""]))
        with open(os.path.join(self.dir, "accounts"), "w") as f:
            f.write('<%s;transport=udp>;regint=0;answermode=auto;outbound="sip:%s:%d;transport=udp"\n'
                    % (self.aor, LOOPBACK, proxy_port))
        self.proc = workspace.start("baresip-" + name, ["baresip", "-f", self.dir, "-s", "-t", str(lifetime)],
                                    env=dict(os.environ, HOME=self.dir))
        harness.wait_listening(self.proc, self.ctrl_port, ("tcp",), timeout=20)
        self.sock = socket.create_connection((LOOPBACK, self.ctrl_port), timeout=5)
        self.sock.settimeout(0.1)
        self.buffer = b""
        self.events = []
        self.responses = []
        self.lock = threading.Condition()
        self.running = True
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while self.running:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            if not data:
                return
            self.buffer += data
            while True:
                length, colon, rest = self.buffer.partition(b":")
                if not colon or not length.isdigit() or len(rest) < int(length) + 1:
                    break
                n = int(length)
                message = json.loads(rest[:n])
                self.buffer = rest[n + 1:]
                with self.lock:
                    (self.events if message.get("event") else self.responses).append(message)
                    self.lock.notify_all()

    def command(self, command, params="", timeout=10):
        """Runs a ctrl_tcp command; returns its response data."""
        text = json.dumps({"command": command, "params": params, "token": command}).encode()
        with self.lock:
            before = len(self.responses)
        self.sock.sendall(b"%d:%s," % (len(text), text))
        deadline = time.monotonic() + timeout
        with self.lock:
            while len(self.responses) == before:
                if time.monotonic() > deadline:
                    raise harness.HarnessError("baresip %s: no answer to %s" % (self.name, command))
                self.lock.wait(0.2)
            response = self.responses[before]
        if not response.get("ok"):
            raise harness.HarnessError("baresip %s: %s failed: %s" % (self.name, command, response))
        return response.get("data", "")

    def wait_event(self, kind, timeout, **match):
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                for event in self.events:
                    if event.get("type") == kind and all(event.get(k) == v for k, v in match.items()):
                        return event
                if time.monotonic() > deadline:
                    return None
                self.lock.wait(0.2)

    def events_of(self, kind):
        with self.lock:
            return [e for e in self.events if e.get("type") == kind]

    def close(self):
        self.running = False
        try:
            self.sock.close()
        except OSError:
            pass
        self.reader.join(timeout=5)

    def sip_messages(self):
        """Every SIP message in the -s trace (direction "sent" or
        "received"), in order."""
        text = self.proc.output()
        out = []
        for block in re.findall(r"\x1b\[36;1m#\n(.*?)\x1b\[;m", text, re.S):
            head, _, message = block.partition("\n")
            match = re.match(r"(UDP|TCP) (\S+) -> (\S+)", head)
            if not match or not message.strip():
                continue
            direction = "sent" if match.group(2).endswith(":%d" % self.port) else "received"
            out.append(harness.SipMessage(message, direction, match.group(1)))
        return out


class Linphone:
    """One headless linphonec (Debian linphone-cli) on loopback: SIP over
    UDP on 127.0.0.1 with Tandem as outbound proxy (no registration),
    auto-answer (-a), wav files instead of a sound card ("soundcard use
    files"), its own HOME (linphone wants $HOME/.local/share/linphone).
    Commands go to its standard input through a named pipe (linphonecsh
    allows one instance per user only); what it prints goes to its log."""

    def __init__(self, workspace, name, proxy_port):
        self.name = name
        self.port = free_port()
        self.dir = workspace.path("linphone-" + name)
        home = os.path.join(self.dir, "home")
        os.makedirs(os.path.join(home, ".local", "share", "linphone"))
        self.aor = "sip:%s@%s:%d" % (name, LOOPBACK, self.port)
        rtp = free_port()
        config = os.path.join(self.dir, "linphonerc")
        with open(config, "w") as f:
            f.write("\n".join([
                "[sip]",
                "sip_port=%d" % self.port,
                "sip_tcp_port=-1",
                "sip_tls_port=-1",
                "ipv6=0",
                "default_proxy=0",
                "register_only_when_network_is_up=0",
                "[net]",
                "bind_address=%s" % LOOPBACK,
                "[rtp]",
                "bind_address=%s" % LOOPBACK,
                "audio_rtp_port=%d" % rtp,
                "[video]",
                "enabled=0",
                "[proxy_0]",
                "reg_proxy=<sip:%s:%d;transport=udp>" % (LOOPBACK, proxy_port),
                "reg_route=<sip:%s:%d;transport=udp;lr>" % (LOOPBACK, proxy_port),
                "reg_identity=%s" % self.aor,
                "reg_sendregister=0",
                "publish=0",
                ""]))
        fifo = os.path.join(self.dir, "commands")
        os.mkfifo(fifo)
        self.proc = workspace.start(
            "linphone-" + name,
            ["sh", "-c", 'exec linphonec -c "$1" -a -S -d 6 < "$2"', "linphonec", config, fifo],
            env=dict(os.environ, HOME=home))
        deadline = time.monotonic() + 10
        while True:
            try:
                self.commands = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError:
                if time.monotonic() > deadline or not self.proc.alive():
                    raise harness.HarnessError("linphonec %s did not start:\n%s" % (name, self.proc.tail()))
                time.sleep(0.05)
        self.command("soundcard use files")

    def command(self, line):
        os.write(self.commands, (line + "\n").encode())

    def calls(self, timeout=5):
        """linphonec's `calls` table: [(id, destination, state)]."""
        before = len(self.output())
        self.command("calls")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.output()[before:]
            if "No active call." in text:
                return []
            head = text.find("Call states")
            if head >= 0:
                # The table is printed at once; the first line that is not
                # a row after its rule ends it.
                rows = []
                lines = text[head:].splitlines()[3:]
                for line in lines:
                    match = re.match(r"^(\d+)\s*\|\s*(\S+)\s*\|\s*(\S+)\s*\|", line)
                    if not match:
                        break
                    rows.append((int(match.group(1)), match.group(2), match.group(3)))
                if rows and len(rows) < len(lines):
                    return rows
            time.sleep(0.1)
        raise harness.HarnessError("linphonec %s: no answer to `calls`" % self.name)

    def close(self):
        try:
            self.command("quit")
        except OSError:
            pass
        try:
            os.close(self.commands)
        except OSError:
            pass

    def output(self):
        return self.proc.output()


def sdp_direction(body):
    found = [line[2:] for line in sdp_lines(body) if line in DIRECTIONS]
    return found[0] if found else "sendrecv"


class PhoneTests(CallopsTestCase):

    def phone(self, name):
        phone = Baresip(self.ws, name, self.proxy.port, lifetime=int(self.timeout(90)))
        self.addCleanup(phone.close)
        return phone

    def expect(self, phone, kind, what, seconds=15, **match):
        event = phone.wait_event(kind, self.timeout(seconds), **match)
        if event is None:
            self.ws.keep = True
            self.fail("baresip %s: no %s event (%s); events: %s\n--- tandem log tail:\n%s" % (
                phone.name, kind, what, [e.get("type") for e in phone.events], self.proxy.proc.tail(30)))
        return event

    def test_baresip_transfer_and_hold(self):
        """A calls B through Tandem (real baresip phones, auto-answer); MI
        call_transfer sends B to C: B takes the REFER, reports by NOTIFY and
        calls C through Tandem, which strips ;osid; Tandem, the transferor,
        then ends the A-B call (a BYE to A and to B): A has no call left and
        B exactly one, with C. Then MI
        call_hold / call_unhold on the B-C call: both phones get and answer
        the re-INVITEs (inactive, then sendrecv). Checked from the phones'
        side: their ctrl_tcp events and call lists, and the SIP messages
        they printed."""
        if shutil.which("baresip") is None:
            self.skipTest("baresip (Debian package baresip-core) is not installed")
        self.start_callops(outbound=True)
        a, b, c = self.phone("a"), self.phone("b"), self.phone("c")

        a.command("dial", b.aor)
        self.expect(a, "CALL_ESTABLISHED", "A's call to B answered")
        self.expect(b, "CALL_ESTABLISHED", "B answered A")
        call = self.confirmed_call()
        destination = "sip:c@%s:%d" % (LOOPBACK, c.port)
        self.assertEqual(self.mi("call_transfer", {"callid": call["callid"], "leg": "callee",
                                                   "destination": destination}), "Accepted")

        transfer = self.expect(b, "TRANSFER", "B told to transfer")
        self.assertEqual(transfer["param"], "<%s;osid=%s>" % (destination, call["ID"]))
        at_c = self.expect(c, "CALL_ESTABLISHED", "C answered the transferred call")
        self.assertTrue(at_c["peeruri"].startswith(b.aor), at_c)
        self.wait_events("E_CALL_TRANSFER", lambda l: any(e["state"] == "ok" for e in l) and
                         any(e["status"] == "200 OK" and e["state"] == "notify" for e in l),
                         "the transfer's ok and B's final NOTIFY", callid=call["callid"])
        events = self.events.events("E_CALL_TRANSFER", callid=call["callid"])
        new_call_id = at_c["id"]
        self.assertEqual(events[0]["state"], "start")
        self.assertEqual([e["state"] for e in events].count("start"), 1, events)
        self.assertEqual([e["state"] for e in events if e["state"] in ("ok", "fail")], ["ok"])
        self.assertEqual([e["transfer_callid"] for e in events if e["state"] == "ok"], [new_call_id])
        self.assertIn(("notify", "100 Trying"), [(e["state"], e["status"]) for e in events])

        # Tandem ends the old call: A's call closes without A doing
        # anything, and B's old call with it.
        self.expect(a, "CALL_CLOSED", "A's call ended by Tandem")
        self.expect(b, "CALL_CLOSED", "B's old call ended by Tandem", id=call["callid"])
        self.wait_events("E_CALL_TRANSFER", lambda l: any(e["state"] == "ended" for e in l),
                         "the transfer's ended", callid=call["callid"])
        self.assertIn("Active calls (0)", a.command("listcalls"))
        b_calls = b.command("listcalls")
        self.assertIn("Active calls (1)", b_calls)
        self.assertIn("sip:c@", b_calls, "B's one call is not with C")
        self.assertIn("Active calls (1)", c.command("listcalls"))
        for phone in (a, b):
            byes = [m for m in phone.sip_messages() if m.method == "BYE" and m.call_id == call["callid"]]
            self.assertEqual([m.direction for m in byes], ["received"],
                             "%s: the old call's BYE came from Tandem" % phone.name)
        ended = [d for d in self.dialogs() if d["callid"] == call["callid"]]
        self.assertEqual([(d["state"], d.get("end_reason")) for d in ended], [(5, "transferred")], ended)

        # C got the INVITE without the matching parameter, from B.
        c_invite = [m for m in c.sip_messages() if m.direction == "received" and m.method == "INVITE"]
        self.assertEqual(len(c_invite), 1)
        self.assertEqual(c_invite[0].ruri, destination)
        self.assertEqual(c_invite[0].call_id, new_call_id)
        # Tandem answered B's NOTIFYs; A never saw them.
        b_notifies = [m for m in b.sip_messages() if m.direction == "sent" and m.method == "NOTIFY"]
        self.assertGreaterEqual(len(b_notifies), 2)
        answered = {m.cseq[0] for m in b.sip_messages()
                    if m.direction == "received" and m.status == 200 and m.cseq[1] == "NOTIFY"}
        self.assertEqual({m.cseq[0] for m in b_notifies}, answered)
        self.assertFalse([m for m in a.sip_messages() if m.method in ("NOTIFY", "REFER")])

        self.wait_for(lambda: [d["callid"] for d in self.dialogs() if d["state"] == 4] == [new_call_id],
                      "only the B-C call left in dlg_list")

        # Hold and resume the B-C call.
        for method, action, count, direction in (("call_hold", "hold", 4, "inactive"),
                                                  ("call_unhold", "unhold", 8, "sendrecv")):
            self.assertEqual(self.mi(method, {"callid": new_call_id}), "OK")
            self.wait_events("E_CALL_HOLD", lambda l, n=count: len(l) >= n, "%s of both legs" % action,
                             callid=new_call_id)
            for leg in ("caller", "callee"):
                self.assertEqual(self.hold_states(new_call_id, leg)[-2:], [(action, "start"), (action, "ok")])
            for phone in (b, c):
                # The phone printed the offer, its answer and Tandem's ACK.
                def exchange(phone=phone):
                    messages = phone.sip_messages()
                    offers = [m for m in messages if m.direction == "received" and m.method == "INVITE"
                              and m.call_id == new_call_id and len(m.all("via")) == 1]
                    if len(offers) < count // 4:
                        return None
                    offer = offers[-1]
                    answers = [m for m in messages if m.direction == "sent" and m.status == 200
                               and m.cseq == offer.cseq and m.call_id == new_call_id]
                    acks = [m for m in messages if m.direction == "received" and m.method == "ACK"
                            and m.cseq[0] == offer.cseq[0] and m.call_id == new_call_id]
                    return (offer, answers[-1], acks[-1]) if answers and acks else None
                offer, answer, ack = self.wait_for(exchange, "%s's re-INVITE, 200 and ACK" % phone.name)
                self.assertEqual(sdp_direction(offer.body), direction,
                                 "%s's offer:\n%s" % (phone.name, offer.body))
                self.assertEqual(sdp_direction(answer.body), direction,
                                 "%s's answer:\n%s" % (phone.name, answer.body))
        # The phones' own account of the offers: C's ctrl_tcp reports the
        # set-up's and the two re-INVITEs' remote offers; B's (whose
        # ctrl_tcp stops reporting once its first call is gone, a baresip
        # 1.0 quirk) says so in its log.
        # (ctrl_tcp may deliver an event after the SIP exchange is over.)
        def c_offers():
            offers = [e for e in c.events_of("CALL_REMOTE_SDP")
                      if e.get("id") == new_call_id and e.get("param") == "offer"]
            return offers if len(offers) >= 3 else None
        self.wait_for(c_offers, "C: three remote offers on the B-C call (set-up, hold, resume)", 5)
        self.assertEqual(len(c_offers()), 3, "C: remote offers on the B-C call")
        self.assertEqual(b.proc.output().count("call: got re-INVITE (SDP Offer)"), 2,
                         "B: re-INVITEs with an offer")

        # C hangs up; everything is gone.
        c.command("hangup")
        self.expect(c, "CALL_CLOSED", "C's call closed")
        self.expect(b, "CALL_CLOSED", "B's call with C closed", id=new_call_id)
        self.assertIn("Active calls (0)", b.command("listcalls"))
        self.wait_for(lambda: not [d for d in self.dialogs() if d["state"] <= 4], "no dialog left")


    def linphone(self, name):
        phone = Linphone(self.ws, name, self.proxy.port)
        self.addCleanup(phone.close)
        return phone

    def wait_calls(self, phone, predicate, what, seconds=15):
        """Polls the phone's own call list until predicate(rows) holds."""
        def check():
            rows = phone.calls()
            return (rows,) if predicate(rows) else None   # (rows,): true even when rows is []
        return self.wait_for(check, "%s (linphonec %s)" % (what, phone.name), seconds)[0]

    def test_linphone_attended_transfer(self):
        """Attended transfer with real phones (linphonec, which honours
        Replaces): alice calls bob (call 1), puts him on hold and calls
        carol (call 2); MI call_transfer sends bob to carol replacing alice
        in call 2. Bob calls carol with Replaces, carol drops alice (call 2
        ends), and Tandem, the transferor, ends call 1 (a BYE to alice and
        to bob). At the end, as the phones themselves list their calls:
        alice has none, bob exactly one, with carol, and carol one, with
        bob."""
        if shutil.which("linphonec") is None:
            self.skipTest("linphonec (Debian package linphone-cli) is not installed")
        self.start_callops(outbound=True)
        alice, bob, carol = self.linphone("alice"), self.linphone("bob"), self.linphone("carol")
        running = lambda rows, n=1: len(rows) == n and all(r[2] == "StreamsRunning" for r in rows)

        alice.command("call " + bob.aor)
        self.wait_calls(bob, running, "bob answered alice")
        self.wait_calls(alice, running, "alice's call to bob up")
        call1 = self.confirmed_call()["callid"]
        alice.command("pause")
        self.wait_calls(alice, lambda rows: [r[2] for r in rows] == ["Paused"], "alice put bob on hold")
        alice.command("call " + carol.aor)
        self.wait_calls(carol, running, "carol answered alice")
        call2 = self.confirmed_call(not_in=(call1,))["callid"]

        # linphone's To header has no port (sip:carol@127.0.0.1), so the
        # destination is given rather than taken from call 2.
        self.assertEqual(self.mi("call_transfer", {"callid": call1, "leg": "callee",
                                                   "transfer_callid": call2, "transfer_leg": "callee",
                                                   "destination": carol.aor}), "Accepted")

        self.wait_calls(alice, lambda rows: rows == [], "alice has no call left")
        bob_calls = self.wait_calls(bob, running, "bob has one call")
        self.assertIn("sip:carol@", bob_calls[0][1], "bob's call is not with carol")
        carol_calls = self.wait_calls(carol, running, "carol has one call")
        self.assertIn("sip:bob@", carol_calls[0][1], "carol's call is not with bob")

        # Tandem's account: call 1 ended by Tandem as transferred, call 2
        # by carol (Replaces), the bob-carol call up.
        self.wait_events("E_CALL_TRANSFER", lambda l: any(e["state"] == "ended" for e in l),
                         "call 1 ended by Tandem", callid=call1)
        by_id = {d["callid"]: d for d in self.dialogs()}
        self.assertEqual((by_id[call1]["state"], by_id[call1].get("end_reason")), (5, "transferred"))
        self.assertEqual((by_id[call2]["state"], by_id[call2].get("end_reason")), (5, "bye_by_callee"))
        new_calls = [d["callid"] for d in by_id.values() if d["state"] == 4]
        self.assertEqual(len(new_calls), 1, by_id)
        events1 = self.events.events("E_CALL_TRANSFER", callid=call1)
        states1 = [e["state"] for e in events1]
        self.assertEqual(states1.count("start"), 1, events1)
        self.assertEqual([s for s in states1 if s in ("ok", "fail", "ended")], ["ok", "ended"], events1)
        self.assertEqual({e["transfer_callid"] for e in events1[1:] if e["state"] != "notify" or
                          e["status"] != "100 Trying"}, {new_calls[0]}, events1)
        self.assertEqual([(e["state"], e["transfer_callid"]) for e in
                          self.events.events("E_CALL_TRANSFER", callid=call2)],
                         [("start", new_calls[0]), ("ok", new_calls[0])])
        # The phones saw the old calls end (alice both, bob his call 1).
        self.assertIn("Call 1 with %s ended" % bob.aor, alice.output())
        self.assertIn("Call 2 with %s ended" % carol.aor, alice.output())
        self.assertRegex(bob.output(), r"Call 1 with sip:alice@\S+ ended")

        carol.command("terminate")
        self.wait_calls(bob, lambda rows: rows == [], "bob's call with carol ended")
        self.wait_for(lambda: not [d for d in self.dialogs() if d["state"] <= 4], "no dialog left")


CASES = {
    "callops_blind_param": "TransferTests.test_blind_param",
    "callops_blind_callid": "TransferTests.test_blind_callid",
    "callops_blind_manual": "TransferTests.test_blind_manual",
    "callops_attended": "TransferTests.test_attended",
    "callops_attended_untracked": "TransferTests.test_attended_untracked",
    "callops_target_busy": "TransferTests.test_target_busy",
    "callops_transfer_ends_call_off": "TransferTests.test_transfer_ends_call_off",
    "callops_refer_rejected": "TransferTests.test_refer_rejected",
    "callops_notify_fail": "TransferTests.test_notify_fail",
    "callops_notify_timeout": "TransferTests.test_notify_timeout",
    "callops_mi_errors": "TransferTests.test_mi_errors",
    "callops_hold_both": "HoldTests.test_hold_both",
    "callops_hold_caller_then_callee": "HoldTests.test_hold_caller_then_callee",
    "callops_unhold": "HoldTests.test_unhold",
    "callops_hold_488_rollback": "HoldTests.test_hold_488_rollback",
    "callops_hold_491_retry": "HoldTests.test_hold_491_retry",
    "callops_baresip": "PhoneTests.test_baresip_transfer_and_hold",
    "callops_linphone_attended": "PhoneTests.test_linphone_attended_transfer",
}


def main():
    args = harness.case_runner_arguments(__doc__, CASES).parse_args()
    if shutil.which("sipp") is None:
        print("SKIP: sipp (Debian package sip-tester) is not installed")
        return SKIP
    if not args.tandem or not os.access(args.tandem, os.X_OK):
        print("SKIP: no tandem binary (%s)" % (args.tandem or "give --tandem or TANDEM_BIN"))
        return SKIP
    BINARY["path"] = os.path.abspath(args.tandem)
    test_proxy.CONFIG["workers"] = args.workers
    test_proxy.CONFIG["slow"] = args.slow
    if args.case == ["callops_baresip"] and shutil.which("baresip") is None:
        print("SKIP: baresip (Debian package baresip-core) is not installed")
        return SKIP
    module = sys.modules[__name__]
    names = [CASES[c] for c in (args.case or sorted(CASES))]
    suite = unittest.TestSuite(unittest.TestLoader().loadTestsFromName(n, module) for n in names)
    print("callops: %s, %d worker(s), %d case(s)" % (BINARY["path"], args.workers, suite.countTestCases()))
    return harness.run_suite(suite, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
