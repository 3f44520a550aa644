'use strict';

const { useServer } = require('graphql-ws/use/ws');
const { schema } = require('./graphql-schema');
const { log, wsServer, envNumber } = require('./common');

const token = process.env.GRAPHQL_TOKEN || '';
const pingEvery = envNumber('GRAPHQL_PING_MS', 0);

const wss = wsServer();

useServer(
  {
    schema,
    onConnect(ctx) {
      const params = ctx.connectionParams || {};
      log(`connection_init ${JSON.stringify(params)}`);
      if (token && params.token !== token) {
        log('rejected: wrong token');
        return false;
      }
      if (pingEvery > 0) {
        const socket = ctx.extra.socket;
        const timer = setInterval(() => socket.send(JSON.stringify({ type: 'ping' })), pingEvery);
        socket.on('close', () => clearInterval(timer));
      }
      return true;
    },
    onSubscribe(_ctx, id, payload) {
      log(`subscribe ${id} ${JSON.stringify(payload.query)}`);
    },
    onComplete(_ctx, id) {
      log(`complete ${id}`);
    },
    onPing(_ctx, payload) {
      log(payload === undefined ? 'ping' : `ping ${JSON.stringify(payload)}`);
    },
    onPong(_ctx, payload) {
      log(payload === undefined ? 'pong' : `pong ${JSON.stringify(payload)}`);
    },
  },
  wss,
);

wss.on('connection', (socket, request) => {
  log(`connection protocol=${JSON.stringify(socket.protocol)} from ${request.socket.remotePort}`);
  socket.on('close', (code, reason) => log(`closed ${code} ${reason}`));
});
