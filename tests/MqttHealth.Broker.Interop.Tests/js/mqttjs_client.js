#!/usr/bin/env node
'use strict';
// MQTT.js (npm mqtt, pinned in package.json) as a command-line MQTT client for the broker interop tests.
//
// The command line is the same as python/paho_client.py, so the C# tests drive both with one adapter:
//
//   mqttjs_client.js sub  --port P [--topic F]... [--qos Q] [--count N] [--no-subscribe] [--exit-after-subscribe]
//   mqttjs_client.js pub  --port P --topic T [--payload X]... [--empty] [--qos Q] [--retain] [--topic-alias A]
//                         [--will-topic T --will-payload X --will-qos Q]
//   mqttjs_client.js will --port P --will-topic T --will-payload X [--will-qos Q] [--will-retain] [--disconnect]
//   common: --host H --transport tcp|tls|ws --cafile PEM --version 311|5 --client-id ID --clean 1|0
//           --session-expiry S --timeout S [--topic-alias-maximum N]
//
// Every result is one JSON object per line on stdout ({"event": "connected" | "subscribed" | "message" |
// "published" | "done", ...}). Errors go to stderr. Every wait is bounded by --timeout: exit code 3 on a
// timeout, 4 when the broker refuses or drops the connection, 2 for a usage error. 'will' connects with a
// Will Message and stays connected until the test kills the process (an abrupt disconnect, no DISCONNECT
// packet) or the timeout passes; with --disconnect it sends DISCONNECT (normal disconnection, which discards
// the Will) right after CONNACK and exits 0.

const fs = require('fs');
const mqtt = require('mqtt');

const EXIT_USAGE = 2;
const EXIT_TIMEOUT = 3;
const EXIT_CONNECTION = 4;

const REPEATABLE = new Set(['topic', 'payload']);
const FLAGS = new Set(['no-subscribe', 'exit-after-subscribe', 'empty', 'retain', 'will-retain', 'disconnect']);

function emit(event, fields) {
  process.stdout.write(JSON.stringify(Object.assign({ event }, fields || {})) + '\n');
}

let finished = false;

function fail(code, message) {
  finished = true;
  process.stderr.write('mqttjs_client: ' + message + '\n');
  // Exit once stdout has drained, so the test sees every line printed before the failure.
  process.stdout.write('', () => process.exit(code));
}

function parseArgs(argv) {
  const command = argv[0];
  if (!['sub', 'pub', 'will'].includes(command)) {
    fail(EXIT_USAGE, 'usage: mqttjs_client.js sub|pub|will --port P ...');
    return null;
  }
  const args = {
    command, host: '127.0.0.1', transport: 'tcp', version: '5', 'client-id': '', clean: '1',
    timeout: '20', keepalive: '30', qos: '0', count: '1', 'will-payload': '', 'will-qos': '0',
    topic: [], payload: [],
  };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      fail(EXIT_USAGE, 'unexpected argument ' + arg);
      return null;
    }
    const name = arg.slice(2);
    if (FLAGS.has(name)) {
      args[name] = true;
    } else if (i + 1 >= argv.length) {
      fail(EXIT_USAGE, arg + ' needs a value');
      return null;
    } else if (REPEATABLE.has(name)) {
      args[name].push(argv[++i]);
    } else {
      args[name] = argv[++i];
    }
  }
  if (!args.port) {
    fail(EXIT_USAGE, '--port is required');
    return null;
  }
  return args;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!args) {
    return;
  }
  const v5 = args.version === '5';
  const timeoutMs = Math.round(parseFloat(args.timeout) * 1000);
  const deadline = setTimeout(() => {
    if (args.command === 'sub' && parseInt(args.count, 10) <= 0) {
      // "Until killed": reaching the time limit is the expected end.
      done();
      return;
    }
    fail(EXIT_TIMEOUT, 'timed out after ' + args.timeout + ' s ' + waitingFor);
  }, timeoutMs);
  let waitingFor = 'waiting for CONNACK';
  let received = 0;

  const scheme = { tcp: 'mqtt', tls: 'mqtts', ws: 'ws' }[args.transport];
  if (!scheme) {
    fail(EXIT_USAGE, 'unknown --transport ' + args.transport);
    return;
  }
  const url = scheme + '://' + args.host + ':' + args.port + (args.transport === 'ws' ? '/mqtt' : '');
  const options = {
    clientId: args['client-id'] || undefined,
    protocolVersion: v5 ? 5 : 4,
    clean: args.clean === '1',
    keepalive: parseInt(args.keepalive, 10),
    // No automatic reconnects: a dropped connection is a test failure, reported at once.
    reconnectPeriod: 0,
    connectTimeout: timeoutMs,
  };
  if (v5) {
    options.properties = {};
    if (args['session-expiry'] !== undefined) {
      options.properties.sessionExpiryInterval = parseInt(args['session-expiry'], 10);
    }
    if (args['topic-alias-maximum'] !== undefined) {
      // Lets the broker replace topics with aliases towards this client (MQTT 5 section 3.1.2.11.8).
      options.properties.topicAliasMaximum = parseInt(args['topic-alias-maximum'], 10);
    }
  }
  if (args.transport === 'tls') {
    if (!args.cafile) {
      fail(EXIT_USAGE, '--transport tls needs --cafile');
      return;
    }
    options.ca = fs.readFileSync(args.cafile);
    options.rejectUnauthorized = true;
  }
  if (args.command === 'will' && !args['will-topic']) {
    fail(EXIT_USAGE, 'will needs --will-topic');
    return;
  }
  if (args['will-topic']) {
    options.will = {
      topic: args['will-topic'],
      payload: Buffer.from(args['will-payload'], 'utf8'),
      qos: parseInt(args['will-qos'], 10),
      retain: Boolean(args['will-retain']),
    };
  }

  const client = mqtt.connect(url, options);

  function done() {
    finished = true;
    clearTimeout(deadline);
    client.end(false, {}, () => {
      emit('done', { received });
      process.exit(0);
    });
  }

  client.on('error', (err) => {
    // After a clean end the peer may reset the socket first; only errors before that are failures.
    if (!finished) {
      fail(EXIT_CONNECTION, 'client error: ' + (err && err.message ? err.message : err));
    }
  });
  client.on('close', () => {
    if (!finished) {
      fail(EXIT_CONNECTION, 'connection closed before the command finished (' + waitingFor + ')');
    }
  });

  client.on('message', (topic, payload, packet) => {
    emit('message', { topic, payload: payload.toString('utf8'), qos: packet.qos, retain: Boolean(packet.retain) });
    received++;
    const count = parseInt(args.count, 10);
    if (args.command === 'sub' && count > 0 && received >= count) {
      done();
    } else if (count > 0) {
      waitingFor = 'waiting for ' + count + ' message(s), got ' + received;
    }
  });

  client.once('connect', (connack) => {
    const fields = { session_present: Boolean(connack.sessionPresent), rc: connack.reasonCode || connack.returnCode || 0 };
    if (v5 && connack.properties && connack.properties.topicAliasMaximum !== undefined) {
      fields.topic_alias_maximum = connack.properties.topicAliasMaximum;
    }
    emit('connected', fields);
    if (args.command === 'sub') {
      runSub();
    } else if (args.command === 'pub') {
      runPub();
    } else if (args.disconnect) {
      done();
    } else {
      // Connected and holding the Will; the test kills this process to drop the connection abruptly.
      waitingFor = 'to be killed';
    }
  });

  function runSub() {
    const count = parseInt(args.count, 10);
    const afterSubscribe = () => {
      if (args['exit-after-subscribe']) {
        done();
      } else {
        waitingFor = count > 0 ? 'waiting for ' + count + ' message(s), got ' + received : 'waiting to be killed';
      }
    };
    if (args['no-subscribe']) {
      afterSubscribe();
      return;
    }
    if (args.topic.length === 0) {
      fail(EXIT_USAGE, 'sub needs --topic unless --no-subscribe');
      return;
    }
    waitingFor = 'waiting for SUBACK';
    client.subscribe(args.topic, { qos: parseInt(args.qos, 10) }, (err, granted) => {
      if (err) {
        fail(EXIT_CONNECTION, 'subscribe failed: ' + err.message);
        return;
      }
      const codes = granted.map((g) => g.qos);
      emit('subscribed', { granted: codes });
      if (codes.some((c) => c >= 0x80)) {
        fail(EXIT_CONNECTION, 'SUBACK refused a subscription: ' + JSON.stringify(codes));
        return;
      }
      afterSubscribe();
    });
  }

  function runPub() {
    if (args.topic.length !== 1 || (args.payload.length === 0 && !args.empty)) {
      fail(EXIT_USAGE, 'pub needs exactly one --topic and --payload or --empty');
      return;
    }
    const payloads = args.empty ? [''] : args.payload;
    const qos = parseInt(args.qos, 10);
    const alias = args['topic-alias'] !== undefined ? parseInt(args['topic-alias'], 10) : undefined;
    if (alias !== undefined && !v5) {
      fail(EXIT_USAGE, '--topic-alias needs --version 5');
      return;
    }
    let index = 0;
    const next = () => {
      if (index === payloads.length) {
        emit('published', { count: payloads.length });
        done();
        return;
      }
      const opts = { qos, retain: Boolean(args.retain) };
      let topic = args.topic[0];
      if (alias !== undefined) {
        opts.properties = { topicAlias: alias };
        // The first PUBLISH sets the alias, the rest use it with an empty topic (MQTT 5 section 3.3.2.3.4).
        if (index > 0) {
          topic = '';
        }
      }
      waitingFor = 'waiting for the broker to acknowledge message ' + (index + 1);
      client.publish(topic, payloads[index], opts, (err) => {
        if (err) {
          fail(EXIT_CONNECTION, 'publish ' + (index + 1) + ' failed: ' + err.message);
          return;
        }
        index++;
        next();
      });
    };
    next();
  }
}

main();
