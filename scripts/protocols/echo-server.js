'use strict';

// A plain echo server on Node's `ws` package, with permessage-deflate
// turned on (the package's own settings for it: messages from 1 KiB are
// compressed, at most 10 zlib jobs at once), for the compressed echo
// benchmark (scripts/bench-echo-compressed.sh). NO_DEFLATE=1 turns it off.

const { wsServer } = require('./common');

const wss = wsServer({
  perMessageDeflate: !process.env.NO_DEFLATE,
  maxPayload: 64 * 1024 * 1024,
});

wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
