#!/usr/bin/env python3
"""Checks IoTFlow's live streams (API.md "Live streams") with the `websockets` package, a WebSocket client this
project did not write, against two instances of the built server on one PostgreSQL database and one Redis:

  - a refused upgrade is the API's JSON error (401) before any upgrade;
  - {"type":"ping"} is answered {"type":"pong"};
  - a point posted over HTTP arrives within 100 ms of the 201, in timestamp order, with its values;
  - a point posted to one instance reaches a stream (opened with ?token=, as browsers do) on the other;
  - revocations close streams with 1008: logout and key rotation through the other instance, device deletion;
  - a ?token= bearer token never shows in the servers' logs (run at LOG_LEVEL=trace).

usage: scripts/live-streams.py --binary .build/debug/iotflow --database-url postgres://postgres@127.0.0.1:55433/postgres
                               --redis-port 56379 [--redis-host 127.0.0.1]

The database named in --database-url is the server's admin database: a fresh database is created next to it (with
psql) and dropped at the end. Prints one line per check and 'N passed, N failed'; exits 1 on any failure.
"""
import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid

from harness import Checks, Server, bearer, iso, psql

try:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed, InvalidStatus
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit("live-streams: the websockets package is missing (scripts/install-test-tools.sh installs it)")

LATENCY_LIMIT_MS = 100.0
DEADLINE_S = 15.0


async def next_frame(ws, kind, timeout=DEADLINE_S):
    """The next frame of `kind` (others are skipped), or None at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        try:
            text = await asyncio.wait_for(ws.recv(), remaining)
        except asyncio.TimeoutError:
            return None
        frame = json.loads(text)
        if frame.get("type") == kind:
            return frame


async def close_code(ws, timeout=DEADLINE_S):
    """The close code the server ended the stream with (None if it did not within the deadline)."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                await ws.recv()
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    except TimeoutError:
        return None


async def run(one, two, checks):
    status, registered = one.request("POST", "/api/v1/auth/register",
                                     {"username": "streamer", "email": "streamer@example.com", "password": "password123"})
    assert status == 201, registered
    token = registered["token"]
    status, second_login = two.request("POST", "/api/v1/auth/login", {"username": "streamer", "password": "password123"})
    assert status == 200, second_login
    other_token = second_login["token"]
    status, created = one.request("POST", "/api/v1/devices/register", {"name": "probe", "device_type": "sensor"}, bearer(token))
    assert status == 201, created
    device_id, api_key = created["device"]["id"], created["device"]["api_key"]
    stream_path = f"/api/v1/telemetry/{device_id}/stream"
    options = {"proxy": None, "open_timeout": DEADLINE_S}

    # Refused before the upgrade, with the API's JSON error.
    try:
        async with connect(one.ws + stream_path, additional_headers=bearer("not-a-token"), **options):
            checks.check("a bad token is refused before the upgrade", False, "the upgrade succeeded")
    except InvalidStatus as refused:
        body = json.loads(refused.response.body or b"null") if refused.response.body else None
        checks.check("a bad token is refused before the upgrade with a JSON 401",
                     refused.response.status_code == 401 and isinstance(body, dict) and "error" in body and "message" in body,
                     f"{refused.response.status_code} {refused.response.body!r}")

    async with connect(one.ws + stream_path, additional_headers={"X-API-Key": api_key}, **options) as ws:
        await ws.send(json.dumps({"type": "ping"}))
        pong = await next_frame(ws, "pong")
        checks.check("ping is answered pong", pong == {"type": "pong"}, repr(pong))

        # Within 100 ms of the 201, one frame per point, in timestamp order.
        base = int(time.time() * 1000) - 60_000
        latencies = []
        in_order = True
        for index in range(20):
            body = {"points": [{"timestamp": iso(base + 2 * index + 1), "data": {"n": index, "second": True}},
                               {"timestamp": iso(base + 2 * index), "data": {"n": index, "first": True}}]}
            status, _ = await asyncio.to_thread(one.request, "POST", "/api/v1/telemetry", body, {"X-API-Key": api_key})
            acknowledged = time.monotonic()
            first = await next_frame(ws, "telemetry")
            arrived = time.monotonic()
            second = await next_frame(ws, "telemetry")
            if status != 201 or first is None or second is None:
                checks.check("points arrive", False, f"status {status}, frames {first!r} {second!r}")
                break
            latencies.append((arrived - acknowledged) * 1000)
            in_order = in_order and first["timestamp"] == iso(base + 2 * index) and second["timestamp"] == iso(base + 2 * index + 1) \
                and first["measurements"] == {"first": True, "n": index} and first["device_id"] == device_id
        if latencies:
            latencies.sort()
            slowest = latencies[-1]
            checks.check(f"each of {len(latencies)} points arrives within {LATENCY_LIMIT_MS:.0f} ms of its 201", slowest <= LATENCY_LIMIT_MS,
                         f"median {latencies[len(latencies) // 2]:.2f} ms, slowest {slowest:.2f} ms")
            checks.check("frames are one per point, in timestamp order, with the point's values", in_order)

    # Across instances: a browser-style stream (?token=) on the second instance sees a point written to the first.
    async with connect(two.ws + stream_path + f"?token={token}", **options) as remote:
        # The relay's subscription may still be coming up: write until one arrives.
        deadline = time.monotonic() + DEADLINE_S
        frame = None
        stamp = int(time.time() * 1000) - 30_000
        while frame is None and time.monotonic() < deadline:
            status, _ = one.request("POST", "/api/v1/telemetry", {"timestamp": iso(stamp), "data": {"crossing": 1}}, {"X-API-Key": api_key})
            sent = time.monotonic()
            frame = await next_frame(remote, "telemetry", timeout=1)
            stamp += 1
        checks.check("a point written to one instance reaches a stream on the other", frame is not None and frame["device_id"] == device_id,
                     f"{(time.monotonic() - sent) * 1000:.1f} ms after the 201" if frame else "nothing within 15 s")

        # Revocation through the other instance: logout closes the ?token= stream with 1008.
        status, _ = one.request("POST", "/api/v1/auth/logout", None, bearer(token))
        code = await close_code(remote)
        checks.check("logout through one instance closes the stream on the other with 1008", status == 200 and code == 1008, f"code {code}")

    async with connect(one.ws + stream_path, additional_headers={"X-API-Key": api_key}, **options) as by_key, \
            connect(one.ws + stream_path, additional_headers=bearer(other_token), **options) as by_owner:
        status, rotated = two.request("POST", f"/api/v1/devices/{device_id}/rotate-key", None, bearer(other_token))
        code = await close_code(by_key)
        checks.check("a key rotated through the other instance closes the old key's stream with 1008", status == 200 and code == 1008,
                     f"code {code}")
        status, _ = one.request("DELETE", f"/api/v1/devices/{device_id}", None, bearer(other_token))
        code = await close_code(by_owner)
        checks.check("deleting the device closes the owner's stream with 1008", status == 200 and code == 1008, f"code {code}")
    return [token, other_token]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.environ.get("IOTFLOW_BINARY"))
    parser.add_argument("--database-url", default=os.environ.get("IOTFLOW_TEST_DATABASE_URL"))
    parser.add_argument("--redis-host", default=os.environ.get("IOTFLOW_TEST_REDIS_HOST", "127.0.0.1"))
    parser.add_argument("--redis-port", default=os.environ.get("IOTFLOW_TEST_REDIS_PORT"))
    args = parser.parse_args()
    if not args.binary or not args.database_url or not args.redis_port:
        parser.error("--binary, --database-url and --redis-port are required (or IOTFLOW_BINARY, IOTFLOW_TEST_DATABASE_URL, IOTFLOW_TEST_REDIS_PORT)")

    work = tempfile.mkdtemp(prefix="iotflow-live-streams.")
    database = "iotflow_live_" + uuid.uuid4().hex[:12]
    admin_url = urllib.parse.urlparse(args.database_url)
    database_url = urllib.parse.urlunparse(admin_url._replace(path="/" + database))
    psql(args.database_url, f"CREATE DATABASE {database}")
    environment = {"DATABASE_URL": database_url, "REDIS_HOST": args.redis_host, "REDIS_PORT": str(args.redis_port),
                   "IOTFLOW_REDIS_PREFIX": f"live-{uuid.uuid4().hex[:8]}:"}
    servers = []
    checks = Checks()
    try:
        one = Server(args.binary, "one", work, environment)
        servers.append(one)
        one.wait_until_ready()
        # The second instance starts once the first has migrated the shared database.
        two = Server(args.binary, "two", work, environment)
        servers.append(two)
        two.wait_until_ready()
        tokens = asyncio.run(run(one, two, checks))
        for server in servers:
            server.stop()
        logs = "".join(open(server.log_path, encoding="utf-8", errors="replace").read() for server in servers)
        checks.check("the servers logged at trace level", len(logs) > 1000, f"{len(logs)} characters")
        leaked = [token for token in tokens if token in logs]
        checks.check("no bearer token (sent as ?token= or header) shows in the logs", not leaked)
    except Exception as error:  # noqa: BLE001 - any failure of the run is a failed check
        checks.check("the run completed", False, repr(error))
    finally:
        for server in servers:
            server.stop()
        if checks.failed:
            for server in servers:
                print(f"--- last lines of {server.log_path}")
                with open(server.log_path, encoding="utf-8", errors="replace") as log:
                    print("".join(log.readlines()[-30:]))
        try:
            psql(args.database_url, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        except subprocess.CalledProcessError:
            print(f"live-streams: could not drop database {database}", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
