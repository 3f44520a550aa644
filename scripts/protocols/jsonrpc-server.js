'use strict';

const { JSONRPCServer, JSONRPCErrorException } = require('json-rpc-2.0');
const { log, wsServer } = require('./common');

const notes = [];

const rpc = new JSONRPCServer({
  errorListener: (message, error) => log(`${message} ${error && error.message}`),
});

function notify(socket, method, params) {
  socket.send(JSON.stringify({ jsonrpc: '2.0', method, params }));
}

rpc.addMethod('sum', ([a, b]) => a + b);
rpc.addMethod('echo', (params) => params);
rpc.addMethod('fail', () => {
  throw new JSONRPCErrorException('failed on purpose', -32001, { why: 'test' });
});
rpc.addMethod('slow_sum', async ([a, b], socket) => {
  notify(socket, 'tick', { n: 1 });
  notify(socket, 'tick', { n: 2 });
  return a + b;
});
rpc.addMethod('note', (params) => {
  notes.push(params);
  return null;
});
rpc.addMethod('notes', () => notes);

const wss = wsServer();

wss.on('connection', (socket) => {
  log(`connection protocol=${JSON.stringify(socket.protocol)}`);
  socket.on('message', async (data, isBinary) => {
    const text = data.toString('utf8');
    log(`received ${isBinary ? 'binary' : 'text'} ${text}`);
    const response = await rpc.receiveJSON(text, socket);
    if (response !== null && socket.readyState === socket.OPEN) {
      socket.send(JSON.stringify(response));
    }
  });
  socket.on('close', (code, reason) => log(`closed ${code} ${reason}`));
});
