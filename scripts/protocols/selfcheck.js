'use strict';

// Starts each protocol server and talks to it with a raw WebSocket client
// (and, for socket.io and STOMP, with the reference client library too).
//   node scripts/protocols/selfcheck.js          # checks, one line each
//   node scripts/protocols/selfcheck.js --show   # also prints every raw frame

const assert = require('assert/strict');
const path = require('path');
const { spawn } = require('child_process');
const WebSocket = require('ws');

const SHOW = process.argv.includes('--show');
const results = { passed: 0, failed: 0 };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function start(name, { env = {}, args = [] } = {}) {
  const child = spawn(process.execPath, [path.join(__dirname, `${name}-server.js`), ...args], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: no PORT line`)), 5000);
    child.on('exit', (code) => reject(new Error(`${name} exited ${code}: ${stderr}`)));
    child.stdout.on('data', (d) => {
      stdout += d;
      const match = /^PORT (\d+)\n/.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      resolve({
        port: Number(match[1]),
        stdout: () => stdout,
        stderr: () => stderr,
        stop: (how = 'stdin') =>
          new Promise((done) => {
            child.removeAllListeners('exit');
            child.on('exit', (code, signal) => done({ code, signal }));
            if (how === 'SIGTERM') child.kill('SIGTERM');
            else child.stdin.end();
          }),
      });
    });
  });
}

class Raw {
  constructor(url, protocols, label) {
    this.label = label;
    this.inbox = [];
    this.waiters = [];
    this.closed = null;
    this.ws = new WebSocket(url, protocols);
    this.ws.on('message', (data, isBinary) => {
      const text = isBinary ? data : data.toString('utf8');
      if (SHOW) console.log(`  ${label} < ${JSON.stringify(text.toString())}`);
      this.inbox.push(text);
      this.wake();
    });
    this.ws.on('close', (code, reason) => {
      if (SHOW) console.log(`  ${label} closed ${code} ${reason}`);
      this.closed = { code, reason: reason.toString(), at: Date.now() };
      this.wake();
    });
    this.ws.on('error', () => {});
  }

  opened() {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState === WebSocket.OPEN) return resolve(this);
      this.ws.once('open', () => resolve(this));
      this.ws.once('close', (code) => reject(new Error(`closed ${code} before open`)));
      this.ws.once('error', reject);
    });
  }

  wake() {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  send(text) {
    if (SHOW) console.log(`  ${this.label} > ${JSON.stringify(text.toString())}`);
    this.ws.send(text);
  }

  async next(timeout = 2000, skip = () => false) {
    const deadline = Date.now() + timeout;
    for (;;) {
      while (this.inbox.length) {
        const message = this.inbox.shift();
        if (!skip(message)) return message;
      }
      if (this.closed) throw new Error(`${this.label}: closed ${this.closed.code} while waiting`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.label}: nothing within ${timeout} ms`);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async json(timeout, skip) {
    return JSON.parse(await this.next(timeout, skip));
  }

  async closedWithin(timeout) {
    const deadline = Date.now() + timeout;
    while (!this.closed && Date.now() < deadline) await sleep(20);
    if (!this.closed) throw new Error(`${this.label}: still open after ${timeout} ms`);
    return this.closed;
  }

  close() {
    this.ws.close();
  }
}

async function stopped(name, server) {
  await check(`${name}: stdout holds only the PORT line, exit 0 when stdin closes`, async () => {
    const { code, signal } = await server.stop();
    assert.equal(code, 0, `exit code ${code} signal ${signal}`);
    assert.equal(server.stdout(), `PORT ${server.port}\n`);
  });
}

async function check(name, fn) {
  try {
    await fn();
    results.passed++;
    console.log(`ok   ${name}`);
  } catch (err) {
    results.failed++;
    console.log(`FAIL ${name}: ${err.stack || err}`);
  }
}

async function socketio() {
  const server = await start('socketio');
  const url = `ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket`;
  const isPing = (m) => m === '2';

  await check('socket.io: open packet, CONNECT with auth, welcome', async () => {
    const c = await new Raw(url, [], 'sio').opened();
    const open = await c.next();
    assert.match(open, /^0\{/);
    const handshake = JSON.parse(open.slice(1));
    assert.equal(handshake.pingInterval, 1000);
    assert.equal(handshake.pingTimeout, 800);
    assert.deepEqual(handshake.upgrades, []);
    c.send('40{"token":"abc"}');
    assert.match(await c.next(), /^40\{"sid":"[^"]+"\}$/);
    assert.equal(await c.next(), '42["welcome",{"auth":{"token":"abc"}}]');
    c.close();
  });

  await check('socket.io: events, acks, pings answered', async () => {
    const c = await new Raw(url, [], 'sio').opened();
    await c.next();
    c.send('40');
    assert.match(await c.next(), /^40\{"sid":/);
    c.send('42["chat",{"text":"hi"}]');
    assert.equal(await c.next(2000, isPing), '42["said",{"from":"server","text":"hi"}]');
    c.send('421["sum",[1,2]]');
    assert.equal(await c.next(2000, isPing), '431[3]');
    c.send('422["sum",4,5]');
    assert.equal(await c.next(2000, isPing), '432[9]');
    c.send('42["twice",{"text":"yo"}]');
    assert.equal(await c.next(2000, isPing), '42["said",{"from":"server","text":"yo"}]');
    assert.equal(await c.next(2000, isPing), '42["said",{"from":"server","text":"yo"}]');
    c.send('42["record",{"a":1}]');
    c.send('42["record","two"]');
    c.send('423["records"]');
    assert.equal(await c.next(2000, isPing), '433[[{"a":1},"two"]]');
    for (let i = 0; i < 3; i++) {
      assert.equal(await c.next(1500), '2');
      c.send('3');
    }
    assert.equal(c.closed, null);
    await sleep(50);
    assert.match(server.stderr(), /pong 3/);
    c.close();
  });

  await check('socket.io: /admin namespace', async () => {
    const c = await new Raw(url, [], 'sio').opened();
    await c.next();
    c.send('40/admin,{"role":"root"}');
    assert.match(await c.next(), /^40\/admin,\{"sid":"[^"]+"\}$/);
    assert.equal(await c.next(), '42/admin,["welcome",{"auth":{"role":"root"}}]');
    c.send('42/admin,["chat",{"text":"a"}]');
    assert.equal(await c.next(2000, isPing), '42/admin,["said",{"from":"server","text":"a"}]');
    c.send('42/admin,7["sum",[2,3]]');
    assert.equal(await c.next(2000, isPing), '43/admin,7[5]');
    c.close();
  });

  await check('socket.io: a client that ignores pings is dropped', async () => {
    const c = await new Raw(url, [], 'sio').opened();
    const openedAt = Date.now();
    await c.next();
    c.send('40');
    await c.next();
    const { at } = await c.closedWithin(4000);
    const after = at - openedAt;
    assert.ok(after >= 1700 && after < 2600, `dropped after ${after} ms, expected about 1800`);
    await sleep(50);
    assert.match(server.stderr(), /closed: ping timeout/);
  });

  await check('socket.io: socket.io-client with auth and acks', async () => {
    const { io } = require('socket.io-client');
    const socket = io(`http://127.0.0.1:${server.port}`, { transports: ['websocket'], auth: { token: 't' } });
    const welcome = await new Promise((resolve) => socket.once('welcome', resolve));
    assert.deepEqual(welcome, { auth: { token: 't' } });
    assert.equal(await socket.timeout(2000).emitWithAck('sum', [20, 22]), 42);
    assert.equal(await socket.timeout(2000).emitWithAck('sum', 1, 1), 2);
    await sleep(2500);
    assert.equal(socket.connected, true);
    socket.close();
  });

  await stopped('socket.io', server);
}

async function graphql() {
  const server = await start('graphql', { env: { GRAPHQL_PING_MS: '300' } });
  const url = `ws://127.0.0.1:${server.port}/graphql`;
  const isPing = (m) => m === '{"type":"ping"}';

  await check('graphql-ws: ack, query, error, subscriptions, ping/pong', async () => {
    const c = await new Raw(url, ['graphql-transport-ws'], 'gql').opened();
    assert.equal(c.ws.protocol, 'graphql-transport-ws');
    c.send('{"type":"connection_init","payload":{"token":"x"}}');
    assert.equal(await c.next(), '{"type":"connection_ack"}');
    c.send('{"id":"1","type":"subscribe","payload":{"query":"query($n: String) { hello(name: $n) }","variables":{"n":"ws"}}}');
    assert.equal(await c.next(2000, isPing), '{"id":"1","type":"next","payload":{"data":{"hello":"Hello, ws!"}}}');
    assert.equal(await c.next(2000, isPing), '{"id":"1","type":"complete"}');
    c.send('{"id":"2","type":"subscribe","payload":{"query":"{ fail }"}}');
    const failed = await c.json(2000, isPing);
    assert.equal(failed.type, 'next');
    assert.equal(failed.payload.errors[0].message, 'failed on purpose');
    assert.deepEqual(failed.payload.data, { fail: null });
    assert.equal(await c.next(2000, isPing), '{"id":"2","type":"complete"}');
    c.send('{"id":"3","type":"subscribe","payload":{"query":"subscription { count(to: 3) }"}}');
    for (const n of [1, 2, 3]) {
      assert.equal(await c.next(2000, isPing), `{"id":"3","type":"next","payload":{"data":{"count":${n}}}}`);
    }
    assert.equal(await c.next(2000, isPing), '{"id":"3","type":"complete"}');
    c.send('{"id":"4","type":"subscribe","payload":{"query":"subscription { greetings }"}}');
    for (const word of ['hi', 'hola', 'salut']) {
      assert.equal((await c.json(2000, isPing)).payload.data.greetings, word);
    }
    assert.equal(await c.next(2000, isPing), '{"id":"4","type":"complete"}');
    c.send('{"id":"5","type":"subscribe","payload":{"query":"subscription { count(to: 100) }"}}');
    assert.equal((await c.json(2000, isPing)).payload.data.count, 1);
    c.send('{"id":"5","type":"complete"}');
    c.send('{"type":"ping","payload":{"n":1}}');
    assert.equal(await c.next(2000, (m) => isPing(m) || m.includes('"id":"5"')), '{"type":"pong","payload":{"n":1}}');
    assert.equal(await c.next(1000, (m) => m.includes('"id":"5"')), '{"type":"ping"}');
    c.send('{"type":"pong"}');
    await sleep(100);
    assert.match(server.stderr(), /^ping \{"n":1\}$/m);
    assert.match(server.stderr(), /^pong$/m);
    c.close();
  });

  await check('graphql-ws: invalid message closes 4400', async () => {
    const c = await new Raw(url, ['graphql-transport-ws'], 'gql').opened();
    c.send('{"type":"nonsense"}');
    const { code } = await c.closedWithin(2000);
    assert.equal(code, 4400);
  });
  await stopped('graphql-ws', server);

  const guarded = await start('graphql', { env: { GRAPHQL_TOKEN: 'secret' } });
  await check('graphql-ws: GRAPHQL_TOKEN rejects a wrong token with 4403', async () => {
    const bad = await new Raw(`ws://127.0.0.1:${guarded.port}/`, ['graphql-transport-ws'], 'gql').opened();
    bad.send('{"type":"connection_init","payload":{"token":"nope"}}');
    const closed = await bad.closedWithin(2000);
    assert.equal(closed.code, 4403);
    assert.equal(closed.reason, 'Forbidden');
    const good = await new Raw(`ws://127.0.0.1:${guarded.port}/`, ['graphql-transport-ws'], 'gql').opened();
    good.send('{"type":"connection_init","payload":{"token":"secret"}}');
    assert.equal(await good.next(), '{"type":"connection_ack"}');
    good.close();
  });
  await guarded.stop();
}

async function graphqlLegacy() {
  const server = await start('graphql-legacy');
  const url = `ws://127.0.0.1:${server.port}/graphql`;
  const isKa = (m) => m === '{"type":"ka"}';

  await check('legacy graphql-ws: ack, ka, start/data/complete, stop', async () => {
    const c = await new Raw(url, ['graphql-ws'], 'legacy').opened();
    assert.equal(c.ws.protocol, 'graphql-ws');
    c.send('{"type":"connection_init","payload":{}}');
    assert.equal(await c.next(), '{"type":"connection_ack"}');
    assert.equal(await c.next(), '{"type":"ka"}');
    const before = Date.now();
    assert.equal(await c.next(1000), '{"type":"ka"}');
    assert.ok(Date.now() - before < 700);
    c.send('{"id":"1","type":"start","payload":{"query":"subscription { count(to: 3) }"}}');
    for (const n of [1, 2, 3]) {
      assert.equal(await c.next(2000, isKa), `{"type":"data","id":"1","payload":{"data":{"count":${n}}}}`);
    }
    assert.equal(await c.next(2000, isKa), '{"type":"complete","id":"1","payload":null}');
    c.send('{"id":"2","type":"start","payload":{"query":"{ hello }"}}');
    assert.equal(await c.next(2000, isKa), '{"type":"data","id":"2","payload":{"data":{"hello":"Hello, world!"}}}');
    assert.equal(await c.next(2000, isKa), '{"type":"complete","id":"2","payload":null}');
    c.send('{"id":"3","type":"start","payload":{"query":"{ fail }"}}');
    const failed = await c.json(2000, isKa);
    assert.equal(failed.type, 'data');
    assert.equal(failed.payload.errors[0].message, 'failed on purpose');
    assert.equal(await c.next(2000, isKa), '{"type":"complete","id":"3","payload":null}');
    c.send('{"id":"4","type":"start","payload":{"query":"subscription { count(to: 100) }"}}');
    assert.equal((await c.json(2000, isKa)).payload.data.count, 1);
    c.send('{"id":"4","type":"stop"}');
    await sleep(100);
    c.inbox.length = 0;
    await sleep(300);
    assert.ok(c.inbox.every(isKa), `after stop: ${c.inbox}`);
    c.close();
  });

  await check('legacy graphql-ws: refuses a client without the graphql-ws subprotocol', async () => {
    const plain = await new Raw(url, [], 'legacy').opened();
    assert.equal((await plain.closedWithin(2000)).code, 1002);
    const other = new Raw(url, ['graphql-transport-ws'], 'legacy');
    await assert.rejects(other.opened(), /no subprotocol/);
  });
  await stopped('legacy graphql-ws', server);

  const guarded = await start('graphql-legacy', { env: { GRAPHQL_TOKEN: 'secret' } });
  await check('legacy graphql-ws: GRAPHQL_TOKEN rejects a wrong token', async () => {
    const c = await new Raw(`ws://127.0.0.1:${guarded.port}/`, ['graphql-ws'], 'legacy').opened();
    c.send('{"type":"connection_init","payload":{"token":"nope"}}');
    const error = await c.json();
    assert.equal(error.type, 'connection_error');
    assert.equal((await c.closedWithin(2000)).code, 1011);
  });
  await guarded.stop();
}

async function jsonrpc() {
  const server = await start('jsonrpc');
  await check('json-rpc: results, errors, notifications, batch', async () => {
    const c = await new Raw(`ws://127.0.0.1:${server.port}/`, [], 'rpc').opened();
    c.send('{"jsonrpc":"2.0","method":"sum","params":[1,2],"id":1}');
    assert.equal(await c.next(), '{"jsonrpc":"2.0","id":1,"result":3}');
    c.send('{"jsonrpc":"2.0","method":"echo","params":{"a":[1,"x"]},"id":"e"}');
    assert.equal(await c.next(), '{"jsonrpc":"2.0","id":"e","result":{"a":[1,"x"]}}');
    c.send('{"jsonrpc":"2.0","method":"fail","id":2}');
    assert.equal(await c.next(), '{"jsonrpc":"2.0","id":2,"error":{"code":-32001,"message":"failed on purpose","data":{"why":"test"}}}');
    c.send('{"jsonrpc":"2.0","method":"slow_sum","params":[5,6],"id":3}');
    assert.equal(await c.next(), '{"jsonrpc":"2.0","method":"tick","params":{"n":1}}');
    assert.equal(await c.next(), '{"jsonrpc":"2.0","method":"tick","params":{"n":2}}');
    assert.equal(await c.next(), '{"jsonrpc":"2.0","id":3,"result":11}');
    c.send('{"jsonrpc":"2.0","method":"note","params":["first"]}');
    c.send('{"jsonrpc":"2.0","method":"note","params":{"text":"second"}}');
    c.send('{"jsonrpc":"2.0","method":"notes","id":4}');
    assert.equal(await c.next(), '{"jsonrpc":"2.0","id":4,"result":[["first"],{"text":"second"}]}');
    c.send('{"jsonrpc":"2.0","method":"nope","id":5}');
    assert.equal((await c.json()).error.code, -32601);
    c.send('{not json');
    assert.equal((await c.json()).error.code, -32700);
    c.send('[{"jsonrpc":"2.0","method":"sum","params":[1,1],"id":6},{"jsonrpc":"2.0","method":"echo","params":[7],"id":7}]');
    assert.equal(await c.next(), '[{"jsonrpc":"2.0","id":6,"result":2},{"jsonrpc":"2.0","id":7,"result":[7]}]');
    await sleep(100);
    assert.equal(c.inbox.length, 0);
    c.close();
  });
  await stopped('json-rpc', server);
}

function stompFrame(command, headers = {}, body = '') {
  const lines = Object.entries(headers).map(([k, v]) => `${k}:${v}\n`).join('');
  return `${command}\n${lines}\n${body}\0`;
}

function parseStomp(text) {
  const [head, ...rest] = text.split('\n\n');
  const [command, ...lines] = head.split('\n');
  const headers = {};
  for (const line of lines) {
    const at = line.indexOf(':');
    headers[line.slice(0, at)] = line.slice(at + 1);
  }
  const body = rest.join('\n\n');
  assert.ok(body.endsWith('\0'), `frame not NUL-terminated: ${JSON.stringify(text)}`);
  return { command, headers, body: body.slice(0, -1) };
}

async function stomp() {
  const server = await start('stomp', { env: { STOMP_HEARTBEAT: '200,200' } });
  const url = `ws://127.0.0.1:${server.port}/stomp`;
  const isBeat = (m) => m === '\n';
  const connect = async (label, headers = {}) => {
    const c = await new Raw(url, ['v12.stomp', 'v11.stomp'], label).opened();
    c.send(stompFrame('CONNECT', { 'accept-version': '1.1,1.2', host: 'localhost', 'heart-beat': '0,0', ...headers }));
    return [c, parseStomp(await c.next(2000, isBeat))];
  };

  await check('stomp: CONNECTED, heart-beats both ways', async () => {
    const [c, connected] = await connect('stomp', { 'heart-beat': '100,300' });
    assert.equal(c.ws.protocol, 'v12.stomp');
    assert.equal(connected.command, 'CONNECTED');
    assert.equal(connected.headers.version, '1.2');
    assert.equal(connected.headers['heart-beat'], '200,200');
    const beating = setInterval(() => c.send('\n'), 100);
    const first = Date.now();
    assert.equal(await c.next(1000), '\n');
    assert.equal(await c.next(1000), '\n');
    const gap = Date.now() - first;
    assert.ok(gap >= 250, `two heart-beats within ${gap} ms, expected every 300`);
    await sleep(600);
    clearInterval(beating);
    assert.equal(c.closed, null);
    assert.match(server.stderr(), /heart-beat out=300 in=200/);
    assert.match(server.stderr(), /heart-beat in \d+/);
    c.send(stompFrame('DISCONNECT', { receipt: 'bye' }));
    const receipt = parseStomp(await c.next(1000, isBeat));
    assert.deepEqual(receipt, { command: 'RECEIPT', headers: { 'receipt-id': 'bye' }, body: '' });
    assert.equal((await c.closedWithin(1000)).code, 1000);
  });

  await check('stomp: a client that stops heart-beating gets ERROR and is closed', async () => {
    const [c] = await connect('stomp', { 'heart-beat': '100,0' });
    const error = parseStomp(await c.next(2000, isBeat));
    assert.equal(error.command, 'ERROR');
    assert.equal(error.headers.message, 'heart-beat timeout');
    await c.closedWithin(1000);
  });

  await check('stomp: SUBSCRIBE, SEND, MESSAGE to every subscriber, receipts', async () => {
    const [a] = await connect('stomp-a');
    const [b] = await connect('stomp-b');
    a.send(stompFrame('SUBSCRIBE', { id: 'sub-0', destination: '/queue/a', receipt: 'r1' }));
    assert.equal(parseStomp(await a.next()).headers['receipt-id'], 'r1');
    b.send(stompFrame('SUBSCRIBE', { id: 'sub-b', destination: '/queue/a', ack: 'client-individual', receipt: 'r2' }));
    assert.equal(parseStomp(await b.next()).headers['receipt-id'], 'r2');
    b.send(stompFrame('SEND', { destination: '/queue/a', 'content-type': 'text/plain', receipt: 'r3', colour: 'a:b' }, 'hello'));
    const toA = parseStomp(await a.next());
    assert.equal(toA.command, 'MESSAGE');
    assert.equal(toA.body, 'hello');
    assert.equal(toA.headers.destination, '/queue/a');
    assert.equal(toA.headers.subscription, 'sub-0');
    assert.equal(toA.headers['content-type'], 'text/plain');
    assert.equal(toA.headers['content-length'], '5');
    assert.equal(toA.headers.colour, 'a\\cb');
    assert.equal(toA.headers.ack, undefined);
    const fromB = [parseStomp(await b.next()), parseStomp(await b.next())];
    const toB = fromB.find((f) => f.command === 'MESSAGE');
    assert.ok(fromB.find((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === 'r3'));
    assert.equal(toB.headers.subscription, 'sub-b');
    assert.equal(toB.headers.ack, toB.headers['message-id']);
    b.send(stompFrame('ACK', { id: toB.headers.ack, receipt: 'r4' }));
    assert.equal(parseStomp(await b.next()).headers['receipt-id'], 'r4');
    a.send(stompFrame('UNSUBSCRIBE', { id: 'sub-0' }));
    a.send(stompFrame('SEND', { destination: '/queue/a' }, 'second'));
    assert.equal(parseStomp(await b.next()).body, 'second');
    await sleep(100);
    assert.equal(a.inbox.length, 0);
    b.send(stompFrame('ACK', { id: 'no-such-id' }));
    const error = parseStomp(await b.next());
    assert.equal(error.command, 'ERROR');
    assert.equal(error.headers.message, 'unknown ack id');
    await b.closedWithin(1000);
    a.close();
  });

  await check('stomp: v11.stomp, cumulative client acks, NACK, transactions', async () => {
    const c = await new Raw(url, ['v11.stomp'], 'stomp11').opened();
    assert.equal(c.ws.protocol, 'v11.stomp');
    c.send(stompFrame('CONNECT', { 'accept-version': '1.0,1.1', host: 'h' }));
    assert.equal(parseStomp(await c.next()).headers.version, '1.1');
    c.send(stompFrame('SUBSCRIBE', { id: 's', destination: '/queue/tx', ack: 'client' }));
    c.send(stompFrame('BEGIN', { transaction: 't1' }));
    c.send(stompFrame('SEND', { destination: '/queue/tx', transaction: 't1' }, 'one'));
    c.send(stompFrame('SEND', { destination: '/queue/tx', transaction: 't1' }, 'two'));
    await sleep(100);
    assert.equal(c.inbox.length, 0, 'nothing is delivered before COMMIT');
    c.send(stompFrame('COMMIT', { transaction: 't1' }));
    const one = parseStomp(await c.next());
    const two = parseStomp(await c.next());
    assert.deepEqual([one.body, two.body], ['one', 'two']);
    c.send(stompFrame('ACK', { subscription: 's', 'message-id': two.headers['message-id'], receipt: 'r' }));
    assert.equal(parseStomp(await c.next()).headers['receipt-id'], 'r');
    c.send(stompFrame('NACK', { subscription: 's', 'message-id': one.headers['message-id'] }));
    const error = parseStomp(await c.next());
    assert.equal(error.headers.message, 'unknown ack id', 'ACK of two also acknowledged one');
    const d = await new Raw(url, ['v10.stomp'], 'stomp10').opened();
    assert.equal(d.ws.protocol, 'v10.stomp');
    d.send(stompFrame('CONNECT', { login: 'x', passcode: 'y' }));
    const connected = parseStomp(await d.next());
    assert.equal(connected.headers.version, '1.0');
    d.send(stompFrame('BEGIN', { transaction: 't' }));
    d.send(stompFrame('SUBSCRIBE', { destination: '/queue/ten' }));
    d.send(stompFrame('SEND', { destination: '/queue/ten', transaction: 't' }, 'dropped'));
    d.send(stompFrame('ABORT', { transaction: 't' }));
    d.send(stompFrame('SEND', { destination: '/queue/ten' }, 'kept'));
    const message = parseStomp(await d.next());
    assert.equal(message.body, 'kept');
    assert.equal(message.headers.subscription, '/queue/ten');
    d.close();
  });

  await check('stomp: malformed input gets ERROR', async () => {
    const [c] = await connect('stomp');
    c.send('SEND\ndestination:/queue/a\n\nno nul at the end');
    const error = parseStomp(await c.next(2000, isBeat));
    assert.equal(error.command, 'ERROR');
    assert.equal(error.headers.message, 'malformed frame');
    await c.closedWithin(1000);
    const d = await new Raw(url, ['v12.stomp'], 'stomp').opened();
    d.send(stompFrame('SEND', { destination: '/queue/a' }, 'x'));
    assert.equal(parseStomp(await d.next()).headers.message, 'not connected');
  });

  await check('stomp: @stomp/stompjs round trip over v12.stomp', async () => {
    const { Client } = require('@stomp/stompjs');
    const client = new Client({
      webSocketFactory: () => new WebSocket(url, ['v12.stomp']),
      heartbeatIncoming: 300,
      heartbeatOutgoing: 100,
      reconnectDelay: 0,
    });
    const got = new Promise((resolve, reject) => {
      client.onConnect = () => {
        client.subscribe('/topic/t', (message) => resolve(message));
        client.publish({ destination: '/topic/t', body: 'via stompjs', headers: { 'content-type': 'text/plain' } });
      };
      client.onStompError = (frame) => reject(new Error(frame.headers.message));
    });
    client.activate();
    const message = await got;
    assert.equal(message.body, 'via stompjs');
    await sleep(800);
    assert.equal(client.connected, true);
    await client.deactivate();
  });
  await stopped('stomp', server);

  const guarded = await start('stomp', { args: ['--login', 'user:pass'] });
  await check('stomp: --login checks login and passcode', async () => {
    const bad = await new Raw(`ws://127.0.0.1:${guarded.port}/`, ['v12.stomp'], 'stomp').opened();
    bad.send(stompFrame('CONNECT', { 'accept-version': '1.2', host: 'h', login: 'user', passcode: 'nope' }));
    assert.equal(parseStomp(await bad.next()).headers.message, 'bad credentials');
    await bad.closedWithin(1000);
    const good = await new Raw(`ws://127.0.0.1:${guarded.port}/`, ['v12.stomp'], 'stomp').opened();
    good.send(stompFrame('STOMP', { 'accept-version': '1.2', host: 'h', login: 'user', passcode: 'pass' }));
    assert.equal(parseStomp(await good.next()).command, 'CONNECTED');
    good.close();
  });
  await check('stomp: exits 0 on SIGTERM', async () => {
    const { code, signal } = await guarded.stop('SIGTERM');
    assert.equal(code, 0, `exit code ${code} signal ${signal}`);
    assert.match(guarded.stderr(), /stopping: SIGTERM/);
  });
}

(async () => {
  for (const suite of [socketio, graphql, graphqlLegacy, jsonrpc, stomp]) {
    try {
      await suite();
    } catch (err) {
      results.failed++;
      console.log(`FAIL ${suite.name}: ${err.stack || err}`);
    }
  }
  console.log(`${results.passed} passed, ${results.failed} failed`);
  process.exit(results.failed ? 1 : 0);
})();
