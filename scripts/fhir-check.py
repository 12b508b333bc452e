#!/usr/bin/env python3
"""Checks a FHIR R4 transaction Bundle written by `vitals export fhir`.

Every entry's resource is parsed with the fhir.resources model for its resourceType (FHIR 4.0.1, the
fhir.resources 6.1 line), then the whole Bundle; the transaction shape is checked too: each entry has a
unique urn:uuid fullUrl and a conditional-create request, and every urn:uuid reference resolves inside the
Bundle. Exits 1 naming the first failing entries, 2 on usage errors.

    fhir-check.py BUNDLE.json      check a Bundle
    fhir-check.py --self-test      show that a valid resource passes and broken ones fail
"""
import json
import sys

import fhir.resources
from fhir.resources import get_fhir_model_class

R4 = "4.0.1"


def parse_resource(resource):
    """Parses one resource with its R4 model; raises on anything the model refuses."""
    if not isinstance(resource, dict) or "resourceType" not in resource:
        raise ValueError("not a resource (no resourceType)")
    model = get_fhir_model_class(resource["resourceType"])
    return model.parse_obj(resource)


def references(value):
    """Every Reference.reference string inside a JSON value."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "reference" and isinstance(v, str):
                yield v
            else:
                yield from references(v)
    elif isinstance(value, list):
        for v in value:
            yield from references(v)


def check_bundle(bundle):
    """Returns a list of failure messages, each naming its entry."""
    failures = []
    if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "transaction":
        failures.append("top level: not a Bundle of type transaction")
    entries = bundle.get("entry") or []
    full_urls = {}
    for i, entry in enumerate(entries):
        resource = entry.get("resource") or {}
        name = "entry %d (%s %s)" % (i, resource.get("resourceType", "?"), entry.get("fullUrl", "no fullUrl"))
        try:
            parse_resource(resource)
        except Exception as e:  # the model's ValidationError, or anything else it raises
            failures.append("%s: %s" % (name, " ".join(str(e).split())))
        url = entry.get("fullUrl", "")
        if not url.startswith("urn:uuid:"):
            failures.append("%s: fullUrl is not a urn:uuid" % name)
        if url in full_urls:
            failures.append("%s: fullUrl repeats entry %d" % (name, full_urls[url]))
        full_urls[url] = i
        request = entry.get("request") or {}
        if request.get("method") != "POST" or request.get("url") != resource.get("resourceType") or not request.get("ifNoneExist"):
            failures.append("%s: request is not a conditional create (POST %s with ifNoneExist)" % (name, resource.get("resourceType")))
    for i, entry in enumerate(entries):
        for ref in references(entry.get("resource") or {}):
            if ref.startswith("urn:uuid:") and ref not in full_urls:
                failures.append("entry %d (%s): reference %s is not in the Bundle" % (i, entry.get("fullUrl"), ref))
    if not failures:
        try:
            get_fhir_model_class("Bundle").parse_obj(bundle)
        except Exception as e:
            failures.append("Bundle as a whole: %s" % " ".join(str(e).split()))
    return failures


def self_test():
    """A valid Observation passes; each broken variant must fail, or the checker is not checking."""
    valid = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "urn:iso:std:iso:11073:10101", "code": "150456"}]},
        "subject": {"reference": "urn:uuid:00000000-0000-5000-8000-000000000001"},
        "effectiveDateTime": "2026-11-23T10:21:00Z",
        "valueQuantity": {"value": 97, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"},
    }
    broken = {
        "unknown element": dict(valid, valueQuantitty={"value": 1}),
        "missing status": {k: v for k, v in valid.items() if k != "status"},
        "missing code": {k: v for k, v in valid.items() if k != "code"},
        "two values": dict(valid, valueString="97"),
        "text where a number goes": dict(valid, valueQuantity={"value": "ninety-seven"}),
        "malformed dateTime": dict(valid, effectiveDateTime="23/11/2026 10:21"),
        "SampledData without dimensions": dict({k: v for k, v in valid.items() if k != "valueQuantity"},
                                               valueSampledData={"origin": {"value": 0}, "period": 10, "data": "1 2 3"}),
        "unknown resource type": dict(valid, resourceType="Obsrvation"),
    }
    failed = []
    try:
        parse_resource(valid)
    except Exception as e:
        failed.append("the valid Observation was refused: %s" % " ".join(str(e).split()))
    for name, resource in broken.items():
        try:
            parse_resource(resource)
            failed.append("accepted a broken resource (%s)" % name)
        except Exception:
            pass
    entry = lambda r, u: {"fullUrl": u, "resource": r, "request": {"method": "POST", "url": r["resourceType"], "ifNoneExist": "identifier=x"}}
    bundle = {"resourceType": "Bundle", "type": "transaction",
              "entry": [entry(valid, "urn:uuid:00000000-0000-5000-8000-000000000002"),
                        entry(broken["missing status"], "urn:uuid:00000000-0000-5000-8000-000000000003")]}
    problems = check_bundle(bundle)
    if not any(p.startswith("entry 1 (Observation") for p in problems):
        failed.append("a Bundle with a broken entry 1 was not reported as such: %s" % problems)
    if not any("not in the Bundle" in p for p in problems):
        failed.append("a dangling urn:uuid reference was not reported")
    for f in failed:
        print("fhir-check self-test: FAIL: %s" % f, file=sys.stderr)
    if failed:
        return 1
    print("fhir-check self-test: ok (a valid Observation parses; %d broken variants and a broken Bundle entry are refused)" % len(broken))
    return 0


def main(argv):
    if fhir.resources.__fhir_version__ != R4:
        print("fhir-check: fhir.resources %s models FHIR %s, not R4 %s" % (fhir.resources.__version__, fhir.resources.__fhir_version__, R4),
              file=sys.stderr)
        return 2
    if argv == ["--self-test"]:
        return self_test()
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[0]) as f:
        bundle = json.load(f)
    failures = check_bundle(bundle)
    for msg in failures[:20]:
        print("fhir-check: %s" % msg, file=sys.stderr)
    if failures:
        print("fhir-check: %d problem(s) in %s" % (len(failures), argv[0]), file=sys.stderr)
        return 1
    counts = {}
    for e in bundle.get("entry", []):
        t = e["resource"]["resourceType"]
        counts[t] = counts.get(t, 0) + 1
    print("fhir-check: %s: %d entries parse as FHIR R4 (%s)" % (argv[0], len(bundle.get("entry", [])),
                                                              ", ".join("%d %s" % (n, t) for t, n in sorted(counts.items()))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
