#!/usr/bin/env python3
"""Captures the exact bytes independent MQTT clients send, for MQTTPacketFixtureTests.swift.

A tiny socket listener plays the server: it answers CONNECT with CONNACK, PUBLISH QoS 1 with PUBACK, QoS 2 with
PUBREC (so the client sends PUBREL), SUBSCRIBE with SUBACK, UNSUBSCRIBE with UNSUBACK and PINGREQ with PINGRESP,
and prints every client packet as hex. Clients: paho-mqtt 2.x (pip install 'paho-mqtt>=2,<3') and, when
installed, mosquitto_pub (Debian mosquitto-clients). Run: python3 capture_fixtures.py
"""
import socket
import subprocess
import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties


def read_packet(conn):
    try:
        first = conn.recv(1)
    except ConnectionResetError:
        return None
    if not first:
        return None
    header = bytearray(first)
    length, shift = 0, 0
    while True:
        byte = conn.recv(1)[0]
        header.append(byte)
        length |= (byte & 0x7F) << shift
        shift += 7
        if byte & 0x80 == 0:
            break
    body = b""
    while len(body) < length:
        body += conn.recv(length - len(body))
    return bytes(header) + body


def serve(listener, v5, packets):
    conn, _ = listener.accept()
    while True:
        packet = read_packet(conn)
        if packet is None:
            break
        packets.append(packet)
        kind = packet[0] >> 4
        if kind == 1:
            conn.sendall(b"\x20\x03\x00\x00\x00" if v5 else b"\x20\x02\x00\x00")
        elif kind == 3:
            qos = (packet[0] >> 1) & 3
            topic_length = int.from_bytes(packet[2:4], "big") if packet[1] < 128 else int.from_bytes(packet[3:5], "big")
            offset = (4 if packet[1] < 128 else 5) + topic_length
            packet_id = packet[offset:offset + 2]
            if qos == 1:
                conn.sendall(b"\x40\x02" + packet_id)
            elif qos == 2:
                conn.sendall(b"\x50\x02" + packet_id)
        elif kind == 6:
            conn.sendall(b"\x70\x02" + packet[2:4])
        elif kind == 8:
            conn.sendall(b"\x90\x04" + packet[2:4] + (b"\x00\x01" if v5 else b"\x01\x00"))
        elif kind == 10:
            conn.sendall(b"\xb0\x04" + packet[2:4] + b"\x00\x00" if v5 else b"\xb0\x02" + packet[2:4])
        elif kind == 12:
            conn.sendall(b"\xd0\x00")
        elif kind == 14:
            break
    conn.close()


def capture(run_client, v5):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    packets = []
    thread = threading.Thread(target=serve, args=(listener, v5, packets))
    thread.start()
    run_client(listener.getsockname()[1])
    thread.join(10)
    listener.close()
    return packets


def paho_v311(port):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="paho-311", protocol=mqtt.MQTTv311)
    client.username_pw_set("user", "secret")
    client.will_set("will/topic", b"gone", qos=1, retain=False)
    client.connect("127.0.0.1", port, keepalive=30)
    client.loop_start()
    time.sleep(0.3)
    client.publish("v1/devices/me/telemetry", b'{"temperature":21.5}', qos=0).wait_for_publish(5)
    client.publish("v1/devices/me/telemetry", b'{"temperature":21.6}', qos=1).wait_for_publish(5)
    client.publish("v1/devices/me/telemetry", b'{"temperature":21.7}', qos=2).wait_for_publish(5)
    client.subscribe([("v1/devices/me/config", 1), ("a/+/b", 0)])
    time.sleep(0.3)
    client.unsubscribe("v1/devices/me/config")
    time.sleep(0.3)
    client._send_pingreq()
    time.sleep(0.3)
    client.disconnect()
    client.loop_stop()


def paho_v5(port):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="paho-5", protocol=mqtt.MQTTv5)
    client.username_pw_set("user", "secret")
    connect_properties = Properties(PacketTypes.CONNECT)
    connect_properties.SessionExpiryInterval = 60
    connect_properties.ReceiveMaximum = 20
    connect_properties.MaximumPacketSize = 65536
    connect_properties.TopicAliasMaximum = 5
    connect_properties.UserProperty = ("k", "v")
    client.connect("127.0.0.1", port, keepalive=45, clean_start=True, properties=connect_properties)
    client.loop_start()
    time.sleep(0.3)
    publish_properties = Properties(PacketTypes.PUBLISH)
    publish_properties.PayloadFormatIndicator = 1
    publish_properties.ContentType = "application/json"
    publish_properties.MessageExpiryInterval = 120
    publish_properties.UserProperty = ("unit", "C")
    client.publish("v1/devices/me/telemetry", b'{"temperature":21.5}', qos=0, properties=publish_properties).wait_for_publish(5)
    client.publish("v1/devices/me/telemetry", b'{"temperature":21.6}', qos=1).wait_for_publish(5)
    client.publish("v1/devices/me/telemetry", b'{"temperature":21.7}', qos=2).wait_for_publish(5)
    client.subscribe([("v1/devices/me/config", mqtt.SubscribeOptions(qos=1, noLocal=True))])
    time.sleep(0.3)
    client.unsubscribe("v1/devices/me/config")
    time.sleep(0.3)
    client._send_pingreq()
    time.sleep(0.3)
    disconnect_properties = Properties(PacketTypes.DISCONNECT)
    disconnect_properties.ReasonString = "bye"
    client.disconnect(reasoncode=mqtt.ReasonCode(PacketTypes.DISCONNECT, "Disconnect with will message"), properties=disconnect_properties)
    client.loop_stop()


def mosquitto(version, qos):
    def run(port):
        subprocess.run(
            ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-V", version, "-i", "mosq-" + version, "-q", str(qos),
             "-t", "v1/devices/me/telemetry", "-m", '{"temperature":21.5}', "-u", "user", "-P", "secret"],
            timeout=10, check=True)
    return run


for name, run, v5 in [("paho v3.1.1", paho_v311, False), ("paho v5", paho_v5, True),
                      ("mosquitto_pub mqttv311 -q 2", mosquitto("mqttv311", 2), False),
                      ("mosquitto_pub mqttv5 -q 1", mosquitto("mqttv5", 1), True)]:
    print("#", name)
    for packet in capture(run, v5):
        print(packet.hex())
