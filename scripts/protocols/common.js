'use strict';

const { WebSocketServer } = require('ws');

function log(...args) {
  process.stderr.write(args.join(' ') + '\n');
}

function announce(port) {
  process.stdout.write(`PORT ${port}\n`);
}

function exitWith(cleanup) {
  let done = false;
  const stop = (why) => {
    if (done) return;
    done = true;
    log(`stopping: ${why}`);
    try {
      cleanup();
    } finally {
      setTimeout(() => process.exit(0), 100).unref();
    }
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.stdin.on('end', () => stop('stdin closed'));
  process.stdin.on('close', () => stop('stdin closed'));
  process.stdin.on('error', () => stop('stdin error'));
  process.stdin.resume();
}

function wsServer(options, onListening) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
  wss.on('listening', () => {
    announce(wss.address().port);
    if (onListening) onListening(wss);
  });
  wss.on('error', (err) => {
    log(`server error: ${err.message}`);
    process.exit(1);
  });
  exitWith(() => {
    for (const client of wss.clients) client.terminate();
    wss.close();
  });
  return wss;
}

function envNumber(name, fallback) {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) {
    log(`${name} must be a number, got ${value}`);
    process.exit(2);
  }
  return n;
}

module.exports = { log, announce, exitWith, wsServer, envNumber };
