import { readFileSync } from 'node:fs';

/**
 * Tiny real child programs for tests, passed to `node -e`. Each prints a line when ready,
 * so tests can also wait on the log.
 */

/** HTTP server on argv[1]: 200 "ok" on every path; prints `listening <port>`. */
export const httpServerScript = `
const http = require('node:http');
const port = Number(process.argv[1]);
http.createServer((req, res) => { res.end('ok'); }).listen(port, '127.0.0.1', () => {
  console.log('listening ' + port);
});
`;

/** Ignores SIGTERM (only SIGKILL ends it); prints `stubborn`. */
export const stubbornScript = `
process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
setInterval(() => {}, 1000);
console.log('stubborn');
`;

/** Spawns a grandchild `sleep 300` in the same process group, prints its pid, then idles. */
export const parentOfSleepScript = `
const { spawn } = require('node:child_process');
const c = spawn('sleep', ['300'], { stdio: 'ignore' });
console.log('grandchild ' + c.pid);
setInterval(() => {}, 1000);
`;

/** Spins the CPU forever. */
export const busyScript = `console.log('busy'); for (;;) {}`;

export function nodeArgs(script: string, ...args: (string | number)[]): string[] {
  return ['-e', script, ...args.map(String)];
}

/** Alive and not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Process state letter from /proc (R, S, T = stopped, Z, …). */
export function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** Prints `ready <pid>` only argv[1] ms after each start, then idles: a slow-to-start service. */
export const slowReadyScript = `
const delay = Number(process.argv[1]);
setTimeout(() => console.log('ready ' + process.pid), delay);
setInterval(() => {}, 1000);
`;

/** HTTP server on argv[1] that starts listening only argv[2] ms after each start. */
export const slowHttpServerScript = `
const http = require('node:http');
const port = Number(process.argv[1]);
setTimeout(() => {
  http.createServer((req, res) => { res.end('ok'); }).listen(port, '127.0.0.1', () => {
    console.log('listening ' + port);
  });
}, Number(process.argv[2]));
`;
