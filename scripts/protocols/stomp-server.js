'use strict';

const { isUtf8 } = require('buffer');
const { log, wsServer } = require('./common');

const PROTOCOLS = ['v12.stomp', 'v11.stomp', 'v10.stomp'];
const VERSIONS = ['1.2', '1.1', '1.0'];
const ACK_MODES = ['auto', 'client', 'client-individual'];
const [serverCx, serverCy] = (process.env.STOMP_HEARTBEAT || '1000,1000').split(',').map(Number);
const loginAt = process.argv.indexOf('--login');
const credentials = loginAt > 0 ? process.argv[loginAt + 1] : process.env.STOMP_LOGIN || '';

const destinations = new Map();
let sessions = 0;
let messages = 0;

class StompError extends Error {}

const UNESCAPE = { n: '\n', c: ':', r: '\r', '\\': '\\' };
const unescape = (s) =>
  s.replace(/\\(.?)/gs, (_, c) => {
    if (!(c in UNESCAPE)) throw new StompError(`invalid escape \\${c} in header`);
    return UNESCAPE[c];
  });
const escape = (s) => String(s).replace(/[\\\r\n:]/g, (c) => ({ '\\': '\\\\', '\r': '\\r', '\n': '\\n', ':': '\\c' })[c]);

function parseFrames(buf, escapes) {
  const frames = [];
  let heartbeats = 0;
  let pos = 0;
  const readLine = () => {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) throw new StompError('frame is not NUL-terminated');
    const line = buf.toString('utf8', pos, nl).replace(/\r$/, '');
    pos = nl + 1;
    return line;
  };
  while (pos < buf.length) {
    if (buf[pos] === 0x0a || (buf[pos] === 0x0d && buf[pos + 1] === 0x0a)) {
      pos += buf[pos] === 0x0a ? 1 : 2;
      heartbeats++;
      continue;
    }
    const command = readLine();
    const headers = {};
    const decode = escapes && command !== 'CONNECT' && command !== 'STOMP' ? unescape : (s) => s;
    for (let line = readLine(); line !== ''; line = readLine()) {
      const colon = line.indexOf(':');
      if (colon < 1) throw new StompError(`malformed header line: ${JSON.stringify(line)}`);
      const name = decode(line.slice(0, colon));
      if (!(name in headers)) headers[name] = decode(line.slice(colon + 1));
    }
    let end;
    if ('content-length' in headers) {
      const length = Number(headers['content-length']);
      if (!Number.isInteger(length) || length < 0) throw new StompError('invalid content-length');
      end = pos + length;
      if (end >= buf.length || buf[end] !== 0) throw new StompError('frame is not NUL-terminated after content-length bytes');
    } else {
      end = buf.indexOf(0, pos);
      if (end < 0) throw new StompError('frame is not NUL-terminated');
    }
    frames.push({ command, headers, body: buf.subarray(pos, end) });
    pos = end + 1;
  }
  return { frames, heartbeats };
}

const wss = wsServer({ handleProtocols: (offered) => PROTOCOLS.find((p) => offered.has(p)) || false });

wss.on('connection', (socket) => {
  const session = `session-${++sessions}`;
  const subscriptions = new Map();
  const pending = new Map();
  const transactions = new Map();
  const timers = [];
  let version = null;
  let lastSeen = Date.now();
  let heartbeatsIn = 0;
  log(`${session} open protocol=${JSON.stringify(socket.protocol)}`);

  function send(command, headers, body = Buffer.alloc(0)) {
    const esc = version && version !== '1.0' && command !== 'CONNECTED' ? escape : String;
    const lines = Object.entries(headers).map(([k, v]) => `${esc(k)}:${esc(v)}`);
    const bytes = Buffer.concat([Buffer.from(`${command}\n${lines.join('\n')}\n\n`), Buffer.from(body), Buffer.from([0])]);
    if (socket.readyState === socket.OPEN) socket.send(bytes, { binary: !isUtf8(bytes) });
  }

  function fail(message, detail, frame, extra = {}) {
    log(`${session} ERROR ${message}: ${detail}`);
    const headers = { message, ...extra };
    if (frame && frame.headers.receipt) headers['receipt-id'] = frame.headers.receipt;
    const body = Buffer.from(detail);
    send('ERROR', { ...headers, 'content-type': 'text/plain', 'content-length': body.length }, body);
    socket.close(1000);
  }

  function connect(frame) {
    const offered = (frame.headers['accept-version'] || '1.0').split(',').map((v) => v.trim());
    version = VERSIONS.find((v) => offered.includes(v));
    if (!version) return fail('unsupported protocol version', `supported versions: ${VERSIONS.join(',')}`, frame, { version: VERSIONS.join(',') });
    const given = `${frame.headers.login}:${frame.headers.passcode}`;
    if (credentials && given !== credentials) return fail('bad credentials', 'login or passcode is wrong', frame);
    const heartBeat = frame.headers['heart-beat'] || '0,0';
    if (!/^\d+,\d+$/.test(heartBeat)) return fail('malformed heart-beat', heartBeat, frame);
    const [cx, cy] = heartBeat.split(',').map(Number);
    const sendEvery = serverCx && cy ? Math.max(serverCx, cy) : 0;
    const expectEvery = cx && serverCy ? Math.max(cx, serverCy) : 0;
    send('CONNECTED', { version, 'heart-beat': `${serverCx},${serverCy}`, session, server: 'ws-protocols-stomp/1.0' });
    log(`${session} CONNECTED version=${version} heart-beat out=${sendEvery} in=${expectEvery}`);
    if (sendEvery) timers.push(setInterval(() => socket.readyState === socket.OPEN && socket.send('\n'), sendEvery));
    const silent = () => Date.now() - lastSeen;
    const check = () => silent() > 2 * expectEvery && fail('heart-beat timeout', `nothing received for ${silent()} ms`);
    if (expectEvery) timers.push(setInterval(check, expectEvery / 2));
  }

  function publish(frame) {
    const { destination, receipt, transaction, 'content-length': _l, 'content-type': type, ...extra } = frame.headers;
    for (const sub of destinations.get(destination) || []) {
      const id = `message-${++messages}`;
      const headers = { destination, 'message-id': id, subscription: sub.id };
      if (sub.ack !== 'auto') {
        headers.ack = id;
        sub.pending.set(id, sub);
      }
      if (type !== undefined) headers['content-type'] = type;
      headers['content-length'] = frame.body.length;
      for (const [name, value] of Object.entries(extra)) if (!(name in headers)) headers[name] = value;
      sub.send('MESSAGE', headers, frame.body);
    }
  }

  function acknowledge(frame) {
    const id = version === '1.2' ? frame.headers.id : frame.headers['message-id'];
    const sub = pending.get(id);
    if (!sub) return fail('unknown ack id', `no message awaits an ${frame.command} with id ${id}`, frame);
    for (const [key, owner] of pending) {
      if (sub.ack === 'client' && owner === sub) pending.delete(key);
      if (key === id) break;
    }
    pending.delete(id);
    log(`${session} ${frame.command} ${id}`);
  }

  function handle(frame) {
    const h = frame.headers;
    if (!version && frame.command !== 'CONNECT' && frame.command !== 'STOMP') return fail('not connected', `${frame.command} before CONNECT`, frame);
    if (h.transaction && frame.command !== 'BEGIN' && !transactions.has(h.transaction)) return fail('unknown transaction', h.transaction, frame);
    switch (frame.command) {
      case 'CONNECT':
      case 'STOMP':
        if (version) return fail('already connected', 'a second CONNECT', frame);
        return connect(frame);
      case 'SUBSCRIBE': {
        const id = h.id || (version === '1.0' ? h.destination : undefined);
        const ack = h.ack || 'auto';
        if (!h.destination || !id) return fail('missing header', 'SUBSCRIBE needs destination and id', frame);
        if (!ACK_MODES.includes(ack)) return fail('invalid ack mode', ack, frame);
        if (subscriptions.has(id)) return fail('duplicate subscription', id, frame);
        const sub = { id, ack, destination: h.destination, pending, send };
        subscriptions.set(id, sub);
        if (!destinations.has(h.destination)) destinations.set(h.destination, new Set());
        destinations.get(h.destination).add(sub);
        break;
      }
      case 'UNSUBSCRIBE': {
        const sub = subscriptions.get(h.id);
        if (!sub) return fail('unknown subscription', String(h.id), frame);
        subscriptions.delete(h.id);
        destinations.get(sub.destination).delete(sub);
        break;
      }
      case 'SEND':
        if (!h.destination) return fail('missing header', 'SEND needs destination', frame);
        if (h.transaction) transactions.get(h.transaction).push(frame);
        else publish(frame);
        break;
      case 'ACK':
      case 'NACK':
        acknowledge(frame);
        break;
      case 'BEGIN':
        if (!h.transaction || transactions.has(h.transaction)) return fail('invalid transaction', String(h.transaction), frame);
        transactions.set(h.transaction, []);
        break;
      case 'COMMIT':
      case 'ABORT':
        if (!h.transaction) return fail('missing header', `${frame.command} needs transaction`, frame);
        if (frame.command === 'COMMIT') transactions.get(h.transaction).forEach(publish);
        transactions.delete(h.transaction);
        break;
      case 'DISCONNECT':
        if (h.receipt) send('RECEIPT', { 'receipt-id': h.receipt });
        return socket.close(1000);
      default:
        return fail('unknown command', frame.command, frame);
    }
    if (h.receipt && socket.readyState === socket.OPEN) send('RECEIPT', { 'receipt-id': h.receipt });
  }

  socket.on('message', (data) => {
    lastSeen = Date.now();
    let parsed;
    try {
      parsed = parseFrames(Buffer.from(data), version !== null && version !== '1.0');
    } catch (err) {
      if (!(err instanceof StompError)) throw err;
      return fail('malformed frame', err.message);
    }
    if (parsed.heartbeats) log(`${session} heart-beat in ${(heartbeatsIn += parsed.heartbeats)}`);
    for (const frame of parsed.frames) {
      if (socket.readyState !== socket.OPEN) break;
      log(`${session} ${frame.command} ${JSON.stringify(frame.headers)}`);
      handle(frame);
    }
  });

  socket.on('close', (code) => {
    timers.forEach(clearInterval);
    for (const sub of subscriptions.values()) destinations.get(sub.destination).delete(sub);
    log(`${session} closed ${code}`);
  });
});
