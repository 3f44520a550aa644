'use strict';

const http = require('http');
const { Server } = require('socket.io');
const { log, announce, exitWith, envNumber } = require('./common');

const pingInterval = envNumber('SOCKETIO_PING_INTERVAL', 1000);
const pingTimeout = envNumber('SOCKETIO_PING_TIMEOUT', 800);

const httpServer = http.createServer();
const io = new Server(httpServer, { pingInterval, pingTimeout });
const records = [];

io.engine.on('connection', (conn) => {
  let pings = 0;
  let pongs = 0;
  log(`engine ${conn.id} open transport=${conn.transport.name}`);
  conn.on('packetCreate', (packet) => {
    if (packet.type === 'ping') log(`engine ${conn.id} ping ${++pings}`);
  });
  conn.on('packet', (packet) => {
    if (packet.type === 'pong') log(`engine ${conn.id} pong ${++pongs}`);
  });
  conn.on('close', (reason) => {
    log(`engine ${conn.id} closed: ${reason} (pings ${pings}, pongs ${pongs})`);
  });
});

function splitAck(args) {
  const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
  return { args, ack };
}

function onConnection(socket) {
  const nsp = socket.nsp.name;
  const auth = socket.handshake.auth || {};
  log(`connect ${nsp} ${socket.id} auth=${JSON.stringify(auth)}`);
  if (Object.keys(auth).length > 0) socket.emit('welcome', { auth });

  socket.on('chat', (data) => {
    const text = data && data.text;
    socket.emit('said', { from: 'server', text });
  });

  socket.on('twice', (data) => {
    const text = data && data.text !== undefined ? data.text : 'twice';
    socket.emit('said', { from: 'server', text });
    socket.emit('said', { from: 'server', text });
  });

  socket.on('sum', (...raw) => {
    const { args, ack } = splitAck(raw);
    const [a, b] = Array.isArray(args[0]) ? args[0] : args;
    if (ack) ack(a + b);
  });

  socket.on('record', (...raw) => {
    const { args, ack } = splitAck(raw);
    records.push(args.length === 1 ? args[0] : args);
    if (ack) ack(records.length);
  });

  socket.on('records', (...raw) => {
    const { ack } = splitAck(raw);
    if (ack) ack(records);
  });

  socket.on('disconnect', (reason) => log(`disconnect ${nsp} ${socket.id}: ${reason}`));
}

io.of('/').on('connection', onConnection);
io.of('/admin').on('connection', onConnection);

httpServer.listen(0, '127.0.0.1', () => {
  log(`socket.io pingInterval=${pingInterval} pingTimeout=${pingTimeout}`);
  announce(httpServer.address().port);
});
httpServer.on('error', (err) => {
  log(`server error: ${err.message}`);
  process.exit(1);
});
exitWith(() => {
  io.close();
  httpServer.close();
});
