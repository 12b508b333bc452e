#!/usr/bin/env python3
"""A FHIR transaction endpoint for the push test (scripts/fhir-check.sh): not a FHIR server, a receiver that does
what one does to a transaction of conditional creates, and checks what it is sent with the real checker.

POST / with a transaction Bundle: the Bundle and every resource are checked with fhir.resources (R4, through
fhir-check.py's check_bundle); a refused Bundle gets 400 with an OperationOutcome. Each entry's ifNoneExist
(`identifier=system|value`) is looked up among what was created before: a match answers 200 OK, otherwise the
resource is kept and answered 201 Created. The answer is a transaction-response Bundle, one entry per request entry.
GET /stats gives {"created": N, "matched": M, "posts": P, "refused": R} as JSON.

    fhir-receiver.py PORT_FILE [PORT]   listens on 127.0.0.1 on PORT (default: a free port) and writes the port to PORT_FILE
"""
import http.server
import json
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
fhir_check = __import__("fhir-check")

stored = {}
stats = {"created": 0, "matched": 0, "posts": 0, "refused": 0}
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with lock:
            self.answer(200, dict(stats))

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            stats["posts"] += 1
            try:
                bundle = json.loads(body)
                if bundle.get("type") != "transaction":
                    raise ValueError("not a transaction Bundle")
                problems = fhir_check.check_bundle(bundle)
                if problems:
                    raise ValueError("; ".join(problems[:3]))
            except Exception as e:  # refused: say why, as a server would
                stats["refused"] += 1
                self.answer(400, {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "invalid", "diagnostics": str(e)[:500]}]})
                return
            out = []
            for i, e in enumerate(bundle["entry"]):
                key = (e["resource"]["resourceType"], e["request"]["ifNoneExist"])
                if key in stored:
                    stats["matched"] += 1
                    out.append({"response": {"status": "200 OK", "location": stored[key]}})
                else:
                    loc = f"{key[0]}/{len(stored) + 1}/_history/1"
                    stored[key] = loc
                    stats["created"] += 1
                    out.append({"response": {"status": "201 Created", "location": loc}})
            self.answer(200, {"resourceType": "Bundle", "type": "transaction-response", "entry": out})


http.server.ThreadingHTTPServer.allow_reuse_address = True
server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2]) if len(sys.argv) > 2 else 0), Handler)
with open(sys.argv[1], "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
