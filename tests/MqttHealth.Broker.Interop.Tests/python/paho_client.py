#!/usr/bin/env python3
"""Eclipse Paho (Debian python3-paho-mqtt 1.6.1) as a command-line MQTT client for the broker interop tests.

The command line is the same as js/mqttjs_client.js, so the C# tests drive both with one adapter:

  paho_client.py sub  --port P [--topic F]... [--qos Q] [--count N] [--no-subscribe] [--exit-after-subscribe]
  paho_client.py pub  --port P --topic T [--payload X]... [--empty] [--qos Q] [--retain] [--topic-alias A]
                      [--will-topic T --will-payload X --will-qos Q]
  paho_client.py will --port P --will-topic T --will-payload X [--will-qos Q] [--will-retain] [--disconnect]
common: --host H --transport tcp|tls|ws --cafile PEM --version 311|5 --client-id ID --clean 1|0
        --session-expiry S --timeout S

Every result is one JSON object per line on stdout ({"event": "connected" | "subscribed" | "message" |
"published" | "done", ...}), flushed at once so the test can react to it. Errors go to stderr. Every wait is
bounded by --timeout: exit code 3 on a timeout, 4 when the broker refuses or drops the connection, 2 for a
usage error. 'will' connects with a Will Message and then stays connected until the test kills the process
(an abrupt disconnect: no DISCONNECT packet) or the timeout passes; with --disconnect it sends DISCONNECT
(normal disconnection, which discards the Will) right after CONNACK and exits 0.
"""

import argparse
import json
import os
import sys
import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

EXIT_TIMEOUT = 3
EXIT_CONNECTION = 4


def emit(event, **fields):
    record = {"event": event}
    record.update(fields)
    sys.stdout.write(json.dumps(record, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def fail(code, message):
    sys.stderr.write("paho_client: " + message + "\n")
    sys.stderr.flush()
    sys.stdout.flush()
    # os._exit, not sys.exit: paho's network thread must not keep the process alive or send DISCONNECT.
    os._exit(code)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["sub", "pub", "will"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--transport", choices=["tcp", "tls", "ws"], default="tcp")
    parser.add_argument("--cafile")
    parser.add_argument("--version", choices=["311", "5"], default="5")
    parser.add_argument("--client-id", default="")
    parser.add_argument("--clean", type=int, choices=[0, 1], default=1)
    parser.add_argument("--session-expiry", type=int)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--keepalive", type=int, default=30)
    parser.add_argument("--topic", action="append", default=[])
    parser.add_argument("--qos", type=int, choices=[0, 1, 2], default=0)
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--no-subscribe", action="store_true")
    parser.add_argument("--exit-after-subscribe", action="store_true")
    parser.add_argument("--payload", action="append", default=[])
    parser.add_argument("--empty", action="store_true")
    parser.add_argument("--retain", action="store_true")
    parser.add_argument("--topic-alias", type=int)
    parser.add_argument("--will-topic")
    parser.add_argument("--will-payload", default="")
    parser.add_argument("--will-qos", type=int, choices=[0, 1, 2], default=0)
    parser.add_argument("--will-retain", action="store_true")
    parser.add_argument("--disconnect", action="store_true")
    args = parser.parse_args()
    if args.command == "pub" and len(args.topic) != 1:
        parser.error("pub needs exactly one --topic")
    if args.command == "pub" and not args.payload and not args.empty:
        parser.error("pub needs --payload or --empty")
    if args.command == "will" and not args.will_topic:
        parser.error("will needs --will-topic")
    return args


class Runner:
    def __init__(self, args):
        self.args = args
        self.v5 = args.version == "5"
        self.deadline = time.monotonic() + args.timeout
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.finished = threading.Event()
        self.lock = threading.Lock()
        self.received = 0
        protocol = mqtt.MQTTv5 if self.v5 else mqtt.MQTTv311
        transport = "websockets" if args.transport == "ws" else "tcp"
        if self.v5:
            # MQTT 5 has no clean_session argument: Clean Start goes to connect().
            self.client = mqtt.Client(args.client_id, protocol=protocol, transport=transport)
        else:
            self.client = mqtt.Client(args.client_id, clean_session=bool(args.clean), protocol=protocol, transport=transport)
        if args.transport == "ws":
            self.client.ws_set_options(path="/mqtt")
        if args.transport == "tls":
            if not args.cafile:
                fail(2, "--transport tls needs --cafile")
            self.client.tls_set(ca_certs=args.cafile)
        self.client.on_connect = self.on_connect
        self.client.on_disconnect = self.on_disconnect
        self.client.on_subscribe = self.on_subscribe
        self.client.on_message = self.on_message
        # No automatic reconnects: a dropped connection is a test failure, reported at once.
        self.client.reconnect_delay_set(min_delay=1, max_delay=1)

    def remaining(self):
        return max(0.0, self.deadline - time.monotonic())

    def wait(self, event, what):
        if not event.wait(self.remaining()):
            # what may be a function, so that counts are read when the time is up.
            fail(EXIT_TIMEOUT, "timed out after %.1f s waiting for %s" % (self.args.timeout, what() if callable(what) else what))

    # --- callbacks (paho's network thread) ---

    def on_connect(self, client, userdata, flags, rc, properties=None):
        code = rc.value if hasattr(rc, "value") else rc
        if code != 0:
            fail(EXIT_CONNECTION, "CONNACK refused the connection: %s" % (rc,))
        fields = {"session_present": bool(flags.get("session present", 0)), "rc": code}
        if self.v5 and properties is not None:
            alias_max = getattr(properties, "TopicAliasMaximum", None)
            if alias_max is not None:
                fields["topic_alias_maximum"] = alias_max
        emit("connected", **fields)
        self.connected.set()

    def on_disconnect(self, client, userdata, rc, properties=None):
        if not self.finished.is_set():
            fail(EXIT_CONNECTION, "connection lost before the command finished (rc %s)" % (rc,))

    def on_subscribe(self, client, userdata, mid, granted, properties=None):
        codes = [g.value if hasattr(g, "value") else g for g in granted]
        emit("subscribed", granted=codes)
        if any(c >= 0x80 for c in codes):
            fail(EXIT_CONNECTION, "SUBACK refused a subscription: %s" % (codes,))
        self.subscribed.set()

    def on_message(self, client, userdata, message):
        try:
            payload = message.payload.decode("utf-8")
        except UnicodeDecodeError:
            payload = message.payload.hex()
        emit("message", topic=message.topic, payload=payload, qos=message.qos, retain=bool(message.retain))
        with self.lock:
            self.received += 1
            if self.args.count > 0 and self.received >= self.args.count:
                self.finished.set()

    # --- commands ---

    def connect(self, will=None):
        if will is not None:
            topic, payload, qos, retain = will
            self.client.will_set(topic, payload, qos, retain)
        properties = None
        if self.v5 and self.args.session_expiry is not None:
            properties = Properties(PacketTypes.CONNECT)
            properties.SessionExpiryInterval = self.args.session_expiry
        try:
            if self.v5:
                self.client.connect(self.args.host, self.args.port, keepalive=self.args.keepalive,
                                    clean_start=bool(self.args.clean), properties=properties)
            else:
                self.client.connect(self.args.host, self.args.port, keepalive=self.args.keepalive)
        except Exception as error:  # refused, TLS handshake, WebSocket upgrade
            fail(EXIT_CONNECTION, "connect failed: %s: %s" % (type(error).__name__, error))
        self.client.loop_start()
        self.wait(self.connected, "CONNACK")

    def disconnect(self):
        self.finished.set()
        self.client.disconnect()
        self.client.loop_stop()

    def sub(self):
        self.connect()
        if not self.args.no_subscribe:
            if not self.args.topic:
                fail(2, "sub needs --topic unless --no-subscribe")
            self.client.subscribe([(topic, self.args.qos) for topic in self.args.topic])
            self.wait(self.subscribed, "SUBACK")
        if self.args.exit_after_subscribe:
            self.disconnect()
            emit("done")
            return
        if self.args.count <= 0:
            # Until killed, bounded by the timeout: the exit then is the expected end, not a failure.
            self.finished.wait(self.remaining())
            self.disconnect()
            emit("done", received=self.received)
            return
        self.wait(self.finished, lambda: "%d message(s), got %d" % (self.args.count, self.received))
        self.disconnect()
        emit("done", received=self.received)

    def pub(self):
        will = None
        if self.args.will_topic:
            will = (self.args.will_topic, self.args.will_payload.encode("utf-8") or None, self.args.will_qos, self.args.will_retain)
        self.connect(will=will)
        topic = self.args.topic[0]
        payloads = [""] if self.args.empty else self.args.payload
        for index, payload in enumerate(payloads):
            properties = None
            publish_topic = topic
            if self.args.topic_alias is not None:
                if not self.v5:
                    fail(2, "--topic-alias needs --version 5")
                properties = Properties(PacketTypes.PUBLISH)
                properties.TopicAlias = self.args.topic_alias
                # The first PUBLISH sets the alias, the rest use it with an empty topic (MQTT 5 section 3.3.2.3.4).
                if index > 0:
                    publish_topic = ""
            info = self.client.publish(publish_topic, payload.encode("utf-8") if payload else None,
                                       qos=self.args.qos, retain=self.args.retain, properties=properties)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                fail(EXIT_CONNECTION, "publish failed: %s" % mqtt.error_string(info.rc))
            info.wait_for_publish(self.remaining())
            if not info.is_published():
                fail(EXIT_TIMEOUT, "timed out after %.1f s waiting for the broker to acknowledge message %d"
                     % (self.args.timeout, index + 1))
        emit("published", count=len(payloads))
        self.disconnect()

    def will(self):
        self.connect(will=(self.args.will_topic, self.args.will_payload.encode("utf-8") or None,
                           self.args.will_qos, self.args.will_retain))
        if self.args.disconnect:
            self.disconnect()
            emit("done")
            return
        # Connected and holding the Will; the test kills this process to drop the connection abruptly.
        time.sleep(self.remaining())
        fail(EXIT_TIMEOUT, "was not killed within %.1f s" % self.args.timeout)


def main():
    args = parse_args()
    runner = Runner(args)
    getattr(runner, args.command)()
    return 0


if __name__ == "__main__":
    sys.exit(main())
