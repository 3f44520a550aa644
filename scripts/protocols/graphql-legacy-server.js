'use strict';

const { execute, subscribe } = require('graphql');
const { SubscriptionServer } = require('subscriptions-transport-ws');
const { schema } = require('./graphql-schema');
const { log, wsServer, envNumber } = require('./common');

const token = process.env.GRAPHQL_TOKEN || '';
const keepAlive = envNumber('GRAPHQL_KEEPALIVE_MS', 500);

function handleProtocols(offered) {
  if (offered.has('graphql-ws')) return 'graphql-ws';
  return false;
}

const wss = wsServer({ handleProtocols });

wss.on('connection', (socket) => {
  log(`connection protocol=${JSON.stringify(socket.protocol)}`);
  socket.on('close', (code, reason) => log(`closed ${code} ${reason}`));
});

SubscriptionServer.create(
  {
    schema,
    execute,
    subscribe,
    keepAlive,
    onConnect(params) {
      log(`connection_init ${JSON.stringify(params || {})}`);
      if (token && (!params || params.token !== token)) {
        log('rejected: wrong token');
        return false;
      }
      return true;
    },
    onOperation(message, params) {
      log(`start ${message.id} ${JSON.stringify(message.payload && message.payload.query)}`);
      return params;
    },
    onOperationComplete(_socket, id) {
      log(`stop ${id}`);
    },
  },
  wss,
);
