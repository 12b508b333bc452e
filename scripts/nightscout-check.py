"""The Nightscout client's view of one person on the hub must equal the hub's own API (see nightscout-check.sh)."""
import asyncio
import json
import os
import sys
import urllib.request

import aiohttp
from py_nightscout import Api

URL = os.environ["VITALS_URL"]
TOKEN = os.environ["VITALS_TOKEN"]


def fail(msg):
    print(f"nightscout-check: {msg}", file=sys.stderr)
    sys.exit(1)


def own_api(path):
    req = urllib.request.Request(URL + path, headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)


async def main():
    # The hub's own view: ida's glucose readings, oldest first.
    page = own_api("/api/v1/readings?subject=ida&kind=glucose&limit=1000")
    readings = sorted(page["readings"], key=lambda r: r["effectiveAt"])
    cgm = [r for r in readings if r["observations"][0]["metric"] == "glucose.interstitial"]
    meter = [r for r in readings if r["observations"][0]["metric"] != "glucose.interstitial"]
    if len(cgm) != 11 or len(meter) != 2:
        fail(f"expected 11 CGM and 2 meter readings in the hub, got {len(cgm)} and {len(meter)}")

    ns = Api(URL + "/nightscout/ida", api_secret=TOKEN)
    status = await ns.get_server_status()
    if status.status != "ok" or status.apiEnabled is not True or status.settings.get("units") != "mg/dl":
        fail(f"status: {status._json}")

    sgvs = await ns.get_sgvs()  # Nightscout's default: the newest ten
    want = [round(r["observations"][0]["value"]) for r in reversed(cgm)][:10]
    got = [s.sgv for s in sgvs]
    if got != want:
        fail(f"sgv values {got} != the hub's newest CGM values {want}")
    times = [int(s.date.timestamp()) for s in sgvs]
    if times != sorted(times, reverse=True):
        fail("sgv entries are not newest first")
    if any(s.direction is None for s in sgvs):
        fail("an sgv entry has no direction")

    treatments = await ns.get_treatments()
    bg = [(t.eventType, t.glucose, t.glucoseType) for t in treatments]
    low = meter[-1]["observations"][0]
    if low.get("state") != "negative-infinity" and low.get("value") is not None:
        fail(f"the meter's last result should be LOW: {low}")
    if bg != [("BG Check", 39, "Finger"), ("BG Check", round(meter[0]["observations"][0]["value"]), "Finger")]:
        fail(f"treatments {bg}")

    # A wrong secret is refused.
    wrong = Api(URL + "/nightscout/ida", api_secret="not-the-token-at-all")
    try:
        await wrong.get_sgvs()
        fail("a wrong api-secret was accepted")
    except aiohttp.ClientResponseError as e:
        if e.status != 401:
            fail(f"a wrong api-secret got HTTP {e.status}, not 401")
    print(f"nightscout-check: ok (py-nightscout read {len(sgvs)} sgv entries {got[:3]}…, {len(treatments)} BG checks incl. LOW as 39, status ok; a wrong secret got 401)")


asyncio.run(main())
