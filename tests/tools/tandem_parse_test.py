#!/usr/bin/env python3
"""Checks the tandem-parse tool from the outside: exit codes, JSON output and
its reasons for valid and invalid SIP messages and SDP bodies, and that no
input (binary noise, truncations) makes it crash.

usage: tandem_parse_test.py PATH_TO_TANDEM_PARSE TEST_DATA_DIR
"""
import json
import os
import random
import subprocess
import sys
import unittest

TOOL = None
DATA = None

INVITE = (
    "INVITE sip:bob@biloxi.example.com;transport=tcp SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "From: \"Alice A\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
    "Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: {length}\r\n"
    "\r\n"
    "{body}"
)
SDP = (
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\n"
    "s=-\r\n"
    "c=IN IP4 192.0.2.101\r\n"
    "t=0 0\r\n"
    "m=audio 49172 RTP/AVP 0 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=sendonly\r\n"
)


def run(data, *args):
    if isinstance(data, str):
        data = data.encode()
    return subprocess.run([TOOL, *args], input=data, capture_output=True, timeout=30)


def invite(body=SDP):
    return INVITE.format(length=len(body.encode()), body=body)


class ValidMessages(unittest.TestCase):
    def test_invite_structure(self):
        result = run(invite())
        self.assertEqual(result.returncode, 0, result.stderr)
        out = json.loads(result.stdout)
        self.assertEqual(out["type"], "request")
        self.assertEqual(out["method"], "INVITE")
        self.assertEqual(out["request_uri"]["host"], "biloxi.example.com")
        self.assertEqual(out["request_uri"]["params"]["transport"], "tcp")
        self.assertEqual(out["via"][0]["branch"], "z9hG4bK776asdhds")
        self.assertIs(out["via"][0]["rport"], True)
        self.assertEqual(out["from"]["display_name"], "Alice A")
        self.assertEqual(out["from"]["tag"], "1928301774")
        self.assertNotIn("tag", out["to"])
        self.assertEqual(out["cseq"], {"number": 314159, "method": "INVITE"})
        self.assertEqual([r["uri"]["host"] for r in out["route"]], ["p1.example.com", "p2.example.com"])
        self.assertEqual(out["sdp"]["media"][0]["direction"], "sendonly")
        self.assertEqual(out["sdp"]["media"][0]["rtpmap"]["101"], "telephone-event/8000")
        self.assertTrue(out["valid"])

    def test_file_argument_and_compact(self):
        path = os.path.join(DATA, "rfc4475", "wsinv.sip")
        self.assertTrue(os.path.exists(path), "RFC 4475 data missing: %s" % path)
        result = subprocess.run([TOOL, "--compact", path], capture_output=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.count(b"\n"), 1)
        self.assertEqual(json.loads(result.stdout)["method"], "INVITE")

    def test_response(self):
        response = (
            "SIP/2.0 180 Ringing\r\n"
            "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds8;received=192.0.2.3\r\n"
            "To: <sip:bob@example.com>;tag=a6c85cf\r\n"
            "From: <sip:alice@example.com>;tag=1928301774\r\n"
            "Call-ID: a84b4c76e66710\r\n"
            "CSeq: 1 INVITE\r\n"
            "Content-Length: 0\r\n\r\n"
        )
        result = run(response)
        self.assertEqual(result.returncode, 0, result.stderr)
        out = json.loads(result.stdout)
        self.assertEqual((out["type"], out["status"], out["reason"]), ("response", 180, "Ringing"))
        self.assertEqual(out["via"][0]["received"], "192.0.2.3")
        self.assertEqual(out["to"]["tag"], "a6c85cf")

    def test_sdp_mode(self):
        result = run(SDP, "--sdp")
        self.assertEqual(result.returncode, 0, result.stderr)
        out = json.loads(result.stdout)
        self.assertEqual(out["origin"]["session_version"], 2890844526)
        self.assertEqual(out["media"][0]["formats"], ["0", "101"])


class InvalidMessages(unittest.TestCase):
    def assert_invalid(self, data, reason_fragment, *args):
        result = run(data, *args)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn(reason_fragment.lower(), result.stderr.decode(errors="replace").lower())

    def test_missing_call_id(self):
        self.assert_invalid(invite().replace("Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n", ""),
                            "Call-ID")

    def test_cseq_method_mismatch(self):
        self.assert_invalid(invite().replace("CSeq: 314159 INVITE", "CSeq: 314159 BYE"), "CSeq method")

    def test_not_sip(self):
        result = run("hello world\r\n\r\n")
        self.assertEqual(result.returncode, 1)
        self.assertTrue(result.stderr.startswith(b"invalid: "))

    def test_bad_sdp(self):
        self.assert_invalid("m=audio 1 RTP/AVP 0\r\n", "", "--sdp")

    def test_usage_errors(self):
        self.assertEqual(subprocess.run([TOOL, "--bogus"], capture_output=True).returncode, 2)
        self.assertEqual(subprocess.run([TOOL, "/nonexistent/file"], capture_output=True).returncode, 2)


class NeverCrashes(unittest.TestCase):
    def test_noise_and_truncations(self):
        rng = random.Random(4475)
        samples = [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2000))) for _ in range(40)]
        whole = invite().encode()
        samples += [whole[:cut] for cut in range(0, len(whole), 37)]
        samples += [whole.replace(b"\r\n", b"\n"), whole.replace(b":", b"\x00", 3), b"\xff" * 70000]
        for data in samples:
            for args in ((), ("--sdp",)):
                result = run(data, *args)
                self.assertIn(result.returncode, (0, 1), (data[:80], result.stderr[-300:]))


if __name__ == "__main__":
    TOOL, DATA = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0]], verbosity=1)
