#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/cli/main.js (built by `npm ci` through `prepare`).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
    // A usage error (exit 2) is raised before anything of ours starts; leave now rather than wait
    // on a handle that a user's scenario module opened while it was loading.
    if (code === 2) process.exit(2);
  },
  (err) => {
    console.error(`faultline: internal error: ${err instanceof Error ? err.stack : String(err)}`);
    process.exitCode = 70;
  },
);
