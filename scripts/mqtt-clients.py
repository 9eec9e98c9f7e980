#!/usr/bin/env python3
"""Checks IoTFlow's MQTT listener (API.md "MQTT (devices)") with clients this project did not write: mosquitto_pub
and mosquitto_sub (Debian's mosquitto-clients), paho-mqtt 2.x, and raw sockets for what no client sends.

  - telemetry published at QoS 0, 1 and 2 over MQTT 3.1.1 and 5 on both topics is read back over HTTP;
  - a subscriber to v1/devices/me/config gets the current config at once and a change made over HTTP;
  - CONNACK codes: unknown key 0x05 (3.1.1) / 0x86 (5), inactive device 0x05 / 0x87;
  - an invalid payload stores nothing: PUBACK 0x99 (5), acknowledged and counted (3.1.1), a telemetry.rejected event;
  - another topic closes the connection (5: DISCONNECT 0x90); another filter gets SUBACK 0x80;
  - a second connection with the same client id takes over (5: DISCONNECT 0x8E); keep-alive closes silent clients;
  - key rotation, deletion and deactivation disconnect a connected device at once;
  - malformed and oversize packets, no CONNECT, PUBLISH before CONNECT: closed, and the server keeps serving;
  - kill -9 under QoS 1 publishers: every acknowledged point is there after the restart;
  - a flood past RATE_LIMIT_PER_MINUTE stores up to the limit (5: PUBACK 0x97); a point over MQTT fires an alert and
    reaches the device's live stream;
  - MQTTS with a PEM certificate; an MQTT_PORT that is taken stops serve, the standard port taken does not;
  - with --database-url and --redis-port: the same on PostgreSQL + Redis, plus a config change and a key rotation made
    through one instance reach a device connected to the other.

usage: scripts/mqtt-clients.py --binary .build/debug/iotflow [--database-url postgres://… --redis-port 56379]

Prints one line per check and 'N passed, N failed'; exits 1 on any failure.
"""
import argparse
import calendar
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid

from harness import ADMIN_TOKEN, Checks, Server, bearer, free_port, psql

try:
    import paho.mqtt.client as mqtt
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit("mqtt-clients: paho-mqtt is missing (scripts/install-test-tools.sh installs it)")

DEADLINE_S = 30.0
MOSQUITTO_PUB = shutil.which("mosquitto_pub")
MOSQUITTO_SUB = shutil.which("mosquitto_sub")


def wait_for(condition, timeout=DEADLINE_S, interval=0.05):
    """Polls until `condition()` is truthy; returns its last value."""
    deadline = time.monotonic() + timeout
    value = condition()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = condition()
    return value


# --- Raw MQTT packets, for what clients never send (and for 3.1.1's exact CONNACK byte) ---

def varint(n):
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def utf8(text):
    data = text.encode()
    return struct.pack("!H", len(data)) + data


def connect_packet(version, username, client_id="", keepalive=60):
    level = 5 if version == 5 else 4
    flags = 0x02 | (0x80 if username is not None else 0)
    variable = utf8("MQTT") + bytes([level, flags]) + struct.pack("!H", keepalive)
    if version == 5:
        variable += b"\x00"  # no properties
    payload = utf8(client_id) + (utf8(username) if username is not None else b"")
    body = variable + payload
    return b"\x10" + varint(len(body)) + body


def publish_packet(topic, payload, version=4):
    body = utf8(topic) + (b"\x00" if version == 5 else b"") + payload
    return b"\x30" + varint(len(body)) + body


def raw_connection(port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE_S)
    sock.settimeout(DEADLINE_S)
    return sock


def read_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_packet(sock):
    """(type, flags, body) of the next packet, or None when the server closed the connection."""
    try:
        header = read_exactly(sock, 1)
        if header is None:
            return None
        length, shift = 0, 0
        while True:
            byte = read_exactly(sock, 1)
            if byte is None:
                return None
            length += (byte[0] & 0x7F) << shift
            shift += 7
            if not byte[0] & 0x80:
                break
        body = read_exactly(sock, length) if length else b""
        if body is None:
            return None
        return header[0] >> 4, header[0] & 0x0F, body
    except (ConnectionResetError, socket.timeout):
        return None


def closed_by_server(sock, timeout=DEADLINE_S):
    """True when the server closes the connection within `timeout` (packets before the close are skipped)."""
    sock.settimeout(timeout)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            data = sock.recv(4096)
            if not data:
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False
    return False


def connack_code(port, version, username):
    with raw_connection(port) as sock:
        sock.sendall(connect_packet(version, username))
        packet = read_packet(sock)
        if packet is None or packet[0] != 2:
            return None
        return packet[2][1]


# --- paho-mqtt ---

class Paho:
    """A paho-mqtt client with its network loop running and its callbacks recorded."""

    def __init__(self, port, api_key, version, client_id="", keepalive=60):
        protocol = mqtt.MQTTv5 if version == 5 else mqtt.MQTTv311
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=protocol)
        self.client.username_pw_set(api_key)
        self.connack = None
        self.disconnect_reason = None
        self.disconnected = threading.Event()
        self.acks = {}
        self.subacks = {}
        self.messages = []
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_publish = self._on_publish
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = lambda client, userdata, message: self.messages.append(message.payload)
        self.client.reconnect_delay_set(60, 120)  # never reconnect during a check
        self.client.connect("127.0.0.1", port, keepalive=keepalive)
        self.client.loop_start()

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        self.connack = reason_code

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        # paho reports a server's DISCONNECT, then again the closed socket ("Normal disconnection"): keep the first.
        if self.disconnect_reason is None:
            self.disconnect_reason = reason_code
        self.disconnected.set()

    def _on_publish(self, client, userdata, mid, reason_code, properties):
        self.acks[mid] = reason_code

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        self.subacks[mid] = reason_codes

    def connected(self):
        return wait_for(lambda: self.connack is not None) and not self.connack.is_failure

    def publish(self, topic, payload, qos):
        return self.client.publish(topic, payload, qos=qos).mid

    def ack(self, mid):
        """The PUBACK's reason code, or None when none came within the deadline."""
        wait_for(lambda: mid in self.acks)
        return self.acks.get(mid)

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


# --- The scenario ---

class Fleet:
    """A user and devices registered over HTTP."""

    def __init__(self, server, label):
        self.server = server
        name = f"mqtt{label}{uuid.uuid4().hex[:6]}"
        status, registered = server.request("POST", "/api/v1/auth/register",
                                            {"username": name, "email": f"{name}@example.com", "password": "password123"})
        assert status == 201, registered
        self.token = registered["token"]
        self.user_id = registered["user"]["user_id"]

    def device(self, name):
        self.devices = getattr(self, "devices", 0) + 1
        status, created = self.server.request("POST", "/api/v1/devices/register", {"name": f"{name}-{self.devices}", "device_type": "sensor"},
                                              bearer(self.token))
        assert status == 201, created
        return created["device"]["id"], created["device"]["api_key"]

    def history(self, device_id, server=None):
        """{timestamp ms: measurements} of every entry of the last two days."""
        entries, cursor = {}, None
        while True:
            path = f"/api/v1/telemetry/{device_id}?start_time=-2d&limit=10000&order=asc"
            if cursor:
                path += "&cursor=" + urllib.parse.quote(cursor)
            status, page = (server or self.server).request("GET", path, headers=bearer(self.token))
            assert status == 200, page
            for entry in page["data"]:
                entries[iso_millis(entry["timestamp"])] = entry["measurements"]
            cursor = page.get("next")
            if not cursor:
                return entries


def iso_millis(text):
    return calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")) * 1000 + int(text[20:23])


def mosquitto_pub(port, api_key, version, qos, topic, payload):
    command = [MOSQUITTO_PUB, "-h", "127.0.0.1", "-p", str(port), "-V", "mqttv5" if version == 5 else "mqttv311",
               "-u", api_key, "-q", str(qos), "-t", topic, "-m", payload]
    return subprocess.run(command, capture_output=True, text=True, timeout=DEADLINE_S)


def check_publishing(server, fleet, checks, label):
    device_id, api_key = fleet.device("publisher")
    base = int(time.time() * 1000) - 60_000
    expected = {}
    for version in (4, 5):
        for qos in (0, 1, 2):
            stamp = base + version * 10 + qos
            result = mosquitto_pub(server.mqtt_port, api_key, version, qos, "v1/devices/me/telemetry",
                                   f'{{"ts": {stamp}, "values": {{"v{version}q{qos}": {qos}}}}}')
            checks.check(f"{label}: mosquitto_pub MQTT {'5' if version == 5 else '3.1.1'} QoS {qos} exits 0",
                         result.returncode == 0, result.stderr.strip())
            expected[stamp] = {f"v{version}q{qos}": qos}
    stamp = base + 100
    result = mosquitto_pub(server.mqtt_port, api_key, 5, 1, "iotflow/telemetry",
                           f'{{"data": {{"humidity": 40.5, "label": "ok"}}, "timestamp": {stamp}}}')
    checks.check(f"{label}: mosquitto_pub to iotflow/telemetry (POST /telemetry's body) exits 0", result.returncode == 0,
                 result.stderr.strip())
    expected[stamp] = {"humidity": 40.5, "label": "ok"}
    stored = wait_for(lambda: (lambda found: found if all(found.get(k) == v for k, v in expected.items()) else None)(
        fleet.history(device_id)))
    checks.check(f"{label}: every point published at QoS 0, 1 and 2 reads back over HTTP", stored is not None,
                 f"expected {expected}, found {fleet.history(device_id)}")
    # A batch in ThingsBoard's array form, and undated values stamped by the server.
    client = Paho(server.mqtt_port, api_key, 5)
    mid = client.publish("v1/devices/me/telemetry", '[{"ts": %d, "values": {"a": 1}}, {"b": true}]' % (base + 200), 1)
    ack = client.ack(mid)
    client.close()
    checks.check(f"{label}: a ThingsBoard array is acknowledged with 0x00", ack is not None and ack.value == 0, str(ack))
    history = fleet.history(device_id)
    checks.check(f"{label}: both points of the array are stored", history.get(base + 200) == {"a": 1}
                 and any(values == {"b": True} for values in history.values()), str(history))
    # Seen: a connected device is online.
    status, body = server.request("GET", f"/api/v1/devices/{device_id}/status", headers=bearer(fleet.token))
    checks.check(f"{label}: the device is online after publishing", status == 200 and body.get("is_online") is True, str(body))


def check_config(server, fleet, checks, label, writer=None):
    """A subscriber to the config topic gets `{}` at once, then a change made over HTTP (through `writer` when given)."""
    device_id, api_key = fleet.device("configured")
    command = [MOSQUITTO_SUB, "-h", "127.0.0.1", "-p", str(server.mqtt_port), "-V", "mqttv5", "-u", api_key,
               "-t", "v1/devices/me/config", "-C", "2", "-W", str(int(DEADLINE_S))]
    subscriber = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = subscriber.stdout.readline().strip()
    checks.check(f"{label}: subscribing to v1/devices/me/config gets the current config at once", first == "{}", repr(first))
    status, answer = (writer or server).request("PUT", f"/api/v1/devices/{device_id}/config", {"config": {"interval_s": 5, "unit": "C"}},
                                                bearer(fleet.token))
    checks.check(f"{label}: PUT /devices/{{id}}/config answers 200 with the config", status == 200
                 and answer.get("config") == {"interval_s": 5, "unit": "C"}, str(answer))
    second = subscriber.stdout.readline().strip()
    subscriber.wait(timeout=DEADLINE_S)
    checks.check(f"{label}: the change reaches the subscribed device" + (" on the other instance" if writer else ""),
                 second in ('{"interval_s":5,"unit":"C"}', '{"unit":"C","interval_s":5}'), repr(second))
    status, read = server.request("GET", f"/api/v1/devices/{device_id}/config", headers=bearer(fleet.token))
    checks.check(f"{label}: GET /devices/{{id}}/config reads it back", status == 200 and read.get("config") == {"interval_s": 5, "unit": "C"},
                 str(read))


def check_refusals(server, fleet, checks, label):
    port = server.mqtt_port
    checks.check(f"{label}: unknown key, MQTT 3.1.1: CONNACK 0x05", connack_code(port, 4, "not-a-key") == 0x05)
    checks.check(f"{label}: unknown key, MQTT 5: CONNACK 0x86", connack_code(port, 5, "not-a-key") == 0x86)
    device_id, api_key = fleet.device("resting")
    status, _ = server.request("PUT", f"/api/v1/admin/devices/{device_id}/status", {"status": "maintenance"},
                               {"Authorization": f"admin {ADMIN_TOKEN}"})
    assert status == 200
    checks.check(f"{label}: device in maintenance, MQTT 3.1.1: CONNACK 0x05", connack_code(port, 4, api_key) == 0x05)
    checks.check(f"{label}: device in maintenance, MQTT 5: CONNACK 0x87", connack_code(port, 5, api_key) == 0x87)


def check_bad_input(server, fleet, checks, label):
    port = server.mqtt_port
    device_id, api_key = fleet.device("sloppy")
    before = metric(server, 'iotflow_mqtt_rejected_total{reason="invalid"}')
    v5 = Paho(port, api_key, 5)
    mid = v5.publish("v1/devices/me/telemetry", "not json", 1)
    ack = v5.ack(mid)
    checks.check(f"{label}: an invalid payload over MQTT 5 gets PUBACK 0x99", ack is not None and ack.value == 0x99, str(ack))
    v3 = Paho(port, api_key, 4)
    mid = v3.publish("v1/devices/me/telemetry", '{"nested": {"a": 1}}', 1)
    checks.check(f"{label}: an invalid payload over MQTT 3.1.1 is acknowledged (no error channel)", v3.ack(mid) is not None)
    v3.close()
    checks.check(f"{label}: invalid payloads store nothing", fleet.history(device_id) == {})
    after = wait_for(lambda: (lambda value: value if value >= before + 2 else None)(metric(server, 'iotflow_mqtt_rejected_total{reason="invalid"}')))
    checks.check(f"{label}: both are counted in iotflow_mqtt_rejected_total", after is not None, f"before {before}")
    events = wait_for(lambda: (lambda body: body["events"] if body.get("events") else None)(
        server.request("GET", f"/api/v1/admin/events?event_type=telemetry.rejected&device_id={device_id}",
                       headers={"Authorization": f"admin {ADMIN_TOKEN}"})[1]))
    checks.check(f"{label}: a telemetry.rejected event is written", bool(events), str(events))
    # Subscribing to anything but the config topic is refused with 0x80.
    result, mid = v5.client.subscribe("v1/devices/me/attributes", qos=0)
    codes = wait_for(lambda: v5.subacks.get(mid))
    checks.check(f"{label}: SUBSCRIBE to another filter gets 0x80", codes is not None and codes[0].value == 0x80, str(codes))
    # Publishing to another topic closes the connection, with DISCONNECT 0x90 first.
    v5.publish("devices/elsewhere", '{"a": 1}', 1)
    checks.check(f"{label}: PUBLISH to another topic closes the connection with DISCONNECT 0x90",
                 v5.disconnected.wait(DEADLINE_S) and v5.disconnect_reason is not None and v5.disconnect_reason.value == 0x90,
                 str(v5.disconnect_reason))
    v5.close()
    # Session takeover.
    first = Paho(port, api_key, 5, client_id="same-id")
    first.connected()
    second = Paho(port, api_key, 5, client_id="same-id")
    checks.check(f"{label}: a second connection with the same client id is accepted", second.connected())
    checks.check(f"{label}: ... and the first is closed with DISCONNECT 0x8E",
                 first.disconnected.wait(DEADLINE_S) and first.disconnect_reason is not None and first.disconnect_reason.value == 0x8E,
                 str(first.disconnect_reason))
    first.close()
    second.close()
    # Raw probes.
    with raw_connection(port) as sock:
        sock.sendall(connect_packet(4, api_key, keepalive=1))
        read_packet(sock)
        started = time.monotonic()
        closed = closed_by_server(sock)
        checks.check(f"{label}: keep-alive 1 s and silence: closed after about 1.5 s", closed and time.monotonic() - started >= 1.0,
                     f"{time.monotonic() - started:.2f} s")
    with raw_connection(port) as sock:
        sock.sendall(b"\xff\xff\xff\xff\xff")
        checks.check(f"{label}: garbage instead of CONNECT closes the connection", closed_by_server(sock))
    with raw_connection(port) as sock:
        sock.sendall(publish_packet("v1/devices/me/telemetry", b'{"a": 1}'))
        checks.check(f"{label}: PUBLISH before CONNECT closes the connection", closed_by_server(sock))
    with raw_connection(port) as sock:
        checks.check(f"{label}: a connection that never sends CONNECT is closed", closed_by_server(sock))
    with raw_connection(port) as sock:
        sock.sendall(connect_packet(4, api_key))
        read_packet(sock)
        # A PUBLISH header announcing 300 KiB, and no body: refused from the header.
        sock.sendall(b"\x30" + varint(300 * 1024))
        checks.check(f"{label}: a packet above 256 KiB is refused from its header", closed_by_server(sock))
    with raw_connection(port) as sock:
        sock.sendall(connect_packet(4, api_key))
        read_packet(sock)
        sock.sendall(b"\x30\xff\xff\xff\xff\x01")
        checks.check(f"{label}: a remaining length of five bytes closes the connection", closed_by_server(sock))
    status, _ = server.request("GET", "/health")
    result = mosquitto_pub(port, api_key, 4, 1, "v1/devices/me/telemetry", '{"after": 1}')
    checks.check(f"{label}: after all of that the server still serves HTTP and MQTT", status == 200 and result.returncode == 0,
                 result.stderr.strip())


def check_revocation(server, fleet, checks, label, writer=None):
    """Rotating the key, deactivating and deleting the device disconnect it at once (through `writer` when given)."""
    writer = writer or server
    for action in ("rotate", "deactivate", "delete"):
        device_id, api_key = fleet.device(f"revoked-{action}")
        client = Paho(server.mqtt_port, api_key, 5)
        connected = client.connected()
        if action == "rotate":
            status, _ = writer.request("POST", f"/api/v1/devices/{device_id}/rotate-key", headers=bearer(fleet.token))
        elif action == "deactivate":
            status, _ = writer.request("PUT", f"/api/v1/admin/devices/{device_id}/status", {"status": "inactive"},
                                       {"Authorization": f"admin {ADMIN_TOKEN}"})
        else:
            status, _ = writer.request("DELETE", f"/api/v1/devices/{device_id}", headers=bearer(fleet.token))
        assert status == 200, status
        gone = client.disconnected.wait(DEADLINE_S)
        reason = client.disconnect_reason
        client.close()
        checks.check(f"{label}: {action} disconnects a connected device" + (" on the other instance" if writer is not server else ""),
                     connected and gone and reason is not None and reason.value == 0x87, str(reason))
        if action == "rotate":
            checks.check(f"{label}: the old key is refused afterwards", connack_code(server.mqtt_port, 5, api_key) == 0x86)


def check_owner_deactivation(server, checks, label):
    """Deactivating the owner disconnects its devices, and they cannot connect again until it is activated."""
    owner = Fleet(server, "owner")
    device_id, api_key = owner.device("owned")
    client = Paho(server.mqtt_port, api_key, 5)
    connected = client.connected()
    admin = {"Authorization": f"admin {ADMIN_TOKEN}"}
    status, _ = server.request("PATCH", f"/api/v1/users/{owner.user_id}/deactivate", headers=admin)
    gone = client.disconnected.wait(DEADLINE_S)
    client.close()
    checks.check(f"{label}: deactivating the owner disconnects its device", status == 200 and connected and gone
                 and client.disconnect_reason is not None and client.disconnect_reason.value == 0x87, str(client.disconnect_reason))
    checks.check(f"{label}: ... and it is refused with 0x87 while the owner is deactivated", connack_code(server.mqtt_port, 5, api_key) == 0x87)
    server.request("PATCH", f"/api/v1/users/{owner.user_id}/activate", headers=admin)
    checks.check(f"{label}: once the owner is active again the device connects", wait_for(
        lambda: connack_code(server.mqtt_port, 5, api_key) == 0x00))


def check_live_stream(server, fleet, checks, label):
    """A point published over MQTT reaches a WebSocket stream of its device, as one posted over HTTP does."""
    from websockets.sync.client import connect

    device_id, api_key = fleet.device("streamed")
    url = f"ws://127.0.0.1:{server.port}/api/v1/telemetry/{device_id}/stream?token={fleet.token}"
    with connect(url, open_timeout=DEADLINE_S, proxy=None) as stream:
        stamp = int(time.time() * 1000) - 1000
        result = mosquitto_pub(server.mqtt_port, api_key, 4, 1, "v1/devices/me/telemetry", f'{{"ts": {stamp}, "values": {{"live": 7}}}}')
        frame = None
        deadline = time.monotonic() + DEADLINE_S
        while frame is None and time.monotonic() < deadline:
            message = json.loads(stream.recv(timeout=DEADLINE_S))
            if message.get("type") == "telemetry":
                frame = message
    checks.check(f"{label}: a point published over MQTT reaches the device's live stream", result.returncode == 0 and frame is not None
                 and frame.get("device_id") == device_id and frame.get("measurements") == {"live": 7}, str(frame))


def check_alerts(server, fleet, checks, label):
    """A point published over MQTT goes through alert evaluation like one posted over HTTP."""
    device_id, api_key = fleet.device("alerting")
    status, rule = server.request("POST", "/api/v1/alerts/rules", {"name": f"hot-{device_id}", "device_id": device_id, "key": "temperature",
                                                                   "operator": "gt", "threshold": 30}, bearer(fleet.token))
    assert status == 201, rule
    result = mosquitto_pub(server.mqtt_port, api_key, 5, 1, "v1/devices/me/telemetry", '{"temperature": 35}')
    alerts = wait_for(lambda: server.request("GET", f"/api/v1/alerts?device_id={device_id}", headers=bearer(fleet.token))[1].get("alerts"))
    checks.check(f"{label}: a point published over MQTT fires a threshold alert", result.returncode == 0 and bool(alerts), str(alerts))


def check_rate_limit(binary, work, checks):
    """A flood of publishes past RATE_LIMIT_PER_MINUTE: stored up to the limit, the rest refused (5: PUBACK 0x97) and
    counted, and the server keeps serving."""
    mqtt_port = free_port()
    server = Server(binary, "limited", work, {"MQTT_PORT": str(mqtt_port), "RATE_LIMIT_PER_MINUTE": "100"})
    server.mqtt_port = mqtt_port
    try:
        server.wait_until_ready()
        fleet = Fleet(server, "limited")
        device_id, api_key = fleet.device("flooder")
        with raw_connection(mqtt_port) as sock:
            sock.sendall(connect_packet(4, api_key))
            read_packet(sock)
            base = int(time.time() * 1000) - 600_000
            flood = b"".join(publish_packet("v1/devices/me/telemetry", b'{"ts": %d, "values": {"n": 1}}' % (base + i)) for i in range(2000))
            sock.sendall(flood)
            limited = wait_for(lambda: (lambda value: value if value >= 1900 else None)(
                metric(server, 'iotflow_mqtt_rejected_total{reason="rate_limited"}')), timeout=60)
        stored = len(fleet.history(device_id))
        checks.check("a flood of 2000 QoS 0 publishes at a limit of 100 a minute stores at most 100", 0 < stored <= 100, f"{stored} stored")
        checks.check("... the rest are counted as rate_limited", limited is not None, str(limited))
        client = Paho(mqtt_port, api_key, 5)
        mid = client.publish("v1/devices/me/telemetry", '{"n": 2}', 1)
        ack = client.ack(mid)
        client.close()
        checks.check("over the limit, MQTT 5 gets PUBACK 0x97", ack is not None and ack.value == 0x97, str(ack))
        checks.check("... and the server still answers /health", server.request("GET", "/health")[0] == 200)
    finally:
        server.stop()


def check_tls(binary, work, checks):
    """MQTTS_PORT with a PEM certificate and key: mosquitto_pub publishes over TLS."""
    certificate, key = os.path.join(work, "mqtt-cert.pem"), os.path.join(work, "mqtt-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost",
                    "-days", "1", "-keyout", key, "-out", certificate], check=True, capture_output=True)
    tls_port = free_port()
    server = Server(binary, "tls", work, {"MQTTS_PORT": str(tls_port), "MQTT_TLS_CERT": certificate, "MQTT_TLS_KEY": key})
    try:
        server.wait_until_ready()
        fleet = Fleet(server, "tls")
        device_id, api_key = fleet.device("secure")
        stamp = int(time.time() * 1000) - 5000
        result = subprocess.run([MOSQUITTO_PUB, "-h", "localhost", "-p", str(tls_port), "--cafile", certificate, "-u", api_key, "-q", "1",
                                 "-t", "v1/devices/me/telemetry", "-m", f'{{"ts": {stamp}, "values": {{"secure": 1}}}}'],
                                capture_output=True, text=True, timeout=DEADLINE_S)
        checks.check("MQTTS: mosquitto_pub over TLS (verifying the certificate) is acknowledged", result.returncode == 0, result.stderr.strip())
        checks.check("MQTTS: ... and its point is stored", fleet.history(device_id).get(stamp) == {"secure": 1})
        with raw_connection(tls_port) as sock:
            sock.sendall(connect_packet(4, api_key))
            answer = read_packet(sock)
            checks.check("MQTTS: plain MQTT on the TLS port gets no CONNACK", answer is None or answer[0] != 2, str(answer))
    finally:
        server.stop()


def check_ports(binary, work, checks):
    """An MQTT_PORT that is taken stops serve with one line; the standard port taken is one warning, HTTP served."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = Server(binary, "taken", work, {"MQTT_PORT": str(port), "LOG_LEVEL": "info"})
        try:
            status = server.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            status = None
        server.stop()
        output = open(server.log_path, encoding="utf-8", errors="replace").read().strip().splitlines()
        # At the default log level the lines before are start-up notices (migrations); the failure is one line.
        failures = [line for line in output if "in use" in line or "error" in line.lower()]
        checks.check("MQTT_PORT taken: serve exits non-zero with one line naming the port", status not in (None, 0) and len(failures) == 1
                     and str(port) in failures[0], f"status {status}: {output}")
    standard = socket.socket()
    try:
        standard.bind(("127.0.0.1", 1883))
        standard.listen()
    except OSError:
        pass  # already taken by someone else: the case under test either way
    try:
        server = Server(binary, "standard", work, {"MQTT_PORT": "", "LOG_LEVEL": "info"})
        try:
            server.wait_until_ready()
            log = open(server.log_path, encoding="utf-8", errors="replace").read()
            checks.check("MQTT_PORT unset and 1883 taken: HTTP is served, with one warning", log.count("MQTT port 1883 is taken") == 1, log[-500:])
        finally:
            server.stop()
    finally:
        standard.close()


def metric(server, name):
    with urllib.request.urlopen(server.base + "/metrics", timeout=DEADLINE_S) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[-1])
    return 0.0


def check_durability(binary, work, checks):
    """kill -9 while paho publishers send QoS 1: every point whose PUBACK arrived is there after the restart."""
    mqtt_port = free_port()
    environment = {"MQTT_PORT": str(mqtt_port), "IOTFLOW_DATA_DIR": os.path.join(work, "durable-data")}
    server = Server(binary, "durable", work, environment)
    server.mqtt_port = mqtt_port
    server.wait_until_ready()
    fleet = Fleet(server, "durable")
    devices = [fleet.device(f"durable-{index}") for index in range(4)]
    base = int(time.time() * 1000) - 3_600_000
    acknowledged = [set() for _ in devices]
    stop = threading.Event()

    def publish(index, api_key):
        client = Paho(mqtt_port, api_key, 4, client_id=f"durable-{index}")
        if not client.connected():
            return
        sent = {}
        sequence = 0
        while not stop.is_set() and not client.disconnected.is_set() and sequence < 20_000:
            stamp = base + sequence
            sent[client.publish("v1/devices/me/telemetry", f'{{"ts": {stamp}, "values": {{"n": {sequence}}}}}', 1)] = stamp
            sequence += 1
            if sequence % 50 == 0:
                time.sleep(0.005)
            for mid in [mid for mid in list(client.acks) if mid in sent]:
                acknowledged[index].add(sent.pop(mid))
        client.disconnected.wait(DEADLINE_S)
        for mid in [mid for mid in list(client.acks) if mid in sent]:
            acknowledged[index].add(sent.pop(mid))
        client.client.loop_stop()

    threads = [threading.Thread(target=publish, args=(index, key)) for index, (_, key) in enumerate(devices)]
    for thread in threads:
        thread.start()
    wait_for(lambda: sum(len(acks) for acks in acknowledged) >= 2000, timeout=120)
    server.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=DEADLINE_S * 2)
    total = sum(len(acks) for acks in acknowledged)
    restarted = Server(binary, "durable", work, environment)
    restarted.mqtt_port = mqtt_port
    try:
        restarted.wait_until_ready()
        fleet.server = restarted
        missing = 0
        for (device_id, _), acks in zip(devices, acknowledged):
            stored = fleet.history(device_id)
            missing += len(acks - set(stored))
        checks.check("kill -9 under QoS 1 publishers: every acknowledged point is there after the restart",
                     total >= 100 and missing == 0, f"{total} acknowledged, {missing} missing")
    finally:
        restarted.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.environ.get("IOTFLOW_BINARY"))
    parser.add_argument("--database-url", default=os.environ.get("IOTFLOW_TEST_DATABASE_URL"))
    parser.add_argument("--redis-host", default=os.environ.get("IOTFLOW_TEST_REDIS_HOST", "127.0.0.1"))
    parser.add_argument("--redis-port", default=os.environ.get("IOTFLOW_TEST_REDIS_PORT"))
    args = parser.parse_args()
    if not args.binary:
        parser.error("--binary (or IOTFLOW_BINARY) is required")
    if not MOSQUITTO_PUB or not MOSQUITTO_SUB:
        sys.exit("mqtt-clients: mosquitto_pub/mosquitto_sub are missing (apt-get install mosquitto-clients)")

    work = tempfile.mkdtemp(prefix="iotflow-mqtt.")
    servers = []
    checks = Checks()
    database = None

    def start(name, environment):
        mqtt_port = free_port()
        server = Server(args.binary, name, work, dict(environment, MQTT_PORT=str(mqtt_port)))
        server.mqtt_port = mqtt_port
        servers.append(server)
        server.wait_until_ready()
        return server

    try:
        embedded = start("embedded", {})
        fleet = Fleet(embedded, "e")
        check_publishing(embedded, fleet, checks, "embedded")
        check_config(embedded, fleet, checks, "embedded")
        check_refusals(embedded, fleet, checks, "embedded")
        check_bad_input(embedded, fleet, checks, "embedded")
        check_revocation(embedded, fleet, checks, "embedded")
        check_owner_deactivation(embedded, checks, "embedded")
        check_alerts(embedded, fleet, checks, "embedded")
        check_live_stream(embedded, fleet, checks, "embedded")
        embedded.stop()
        check_durability(args.binary, work, checks)
        check_rate_limit(args.binary, work, checks)
        check_tls(args.binary, work, checks)
        check_ports(args.binary, work, checks)
        if args.database_url and args.redis_port:
            database = "iotflow_mqtt_" + uuid.uuid4().hex[:12]
            admin_url = urllib.parse.urlparse(args.database_url)
            psql(args.database_url, f"CREATE DATABASE {database}")
            environment = {"DATABASE_URL": urllib.parse.urlunparse(admin_url._replace(path="/" + database)),
                           "REDIS_HOST": args.redis_host, "REDIS_PORT": str(args.redis_port),
                           "IOTFLOW_REDIS_PREFIX": f"mqtt-{uuid.uuid4().hex[:8]}:"}
            one = start("one", environment)
            two = start("two", environment)
            fleet = Fleet(one, "p")
            check_publishing(one, fleet, checks, "PostgreSQL + Redis")
            check_config(one, fleet, checks, "PostgreSQL + Redis")
            check_refusals(one, fleet, checks, "PostgreSQL + Redis")
            check_bad_input(one, fleet, checks, "PostgreSQL + Redis")
            check_config(two, fleet, checks, "two instances", writer=one)
            check_revocation(two, fleet, checks, "two instances", writer=one)
            check_owner_deactivation(two, checks, "two instances")
            check_alerts(one, fleet, checks, "PostgreSQL + Redis")
            check_live_stream(one, fleet, checks, "PostgreSQL + Redis")
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
        if database:
            try:
                psql(args.database_url, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            except subprocess.CalledProcessError:
                print(f"mqtt-clients: could not drop database {database}", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
