// Run one command and measure its wall time and peak resident memory.
//
//   measure(cmd, args, { stdin, stdoutFile, cwd, env, timeoutMs, rssMethod })
//     -> { ms, exitCode, signal, peakRssMb, rssMethod, stdout, stderr, timedOut }
//
// Peak RSS, two methods:
//   'time' (preferred, exact): when /usr/bin/time (GNU time) exists the command is
//     run as `/usr/bin/time -f %M -o <tmpfile> cmd args...`. GNU time gets the
//     child's rusage from wait4(); %M is ru_maxrss, the kernel's own high-water
//     mark of the child's RSS in KB (it includes any children the command itself
//     waited for). It is written to a temp file with -o so it never mixes with the
//     command's stderr. The wrapper costs ~1 ms of wall time.
//   'proc' (fallback): poll /proc/<pid>/status VmHWM (the kernel's RSS high-water
//     mark) every 20 ms. VmHWM is monotonic, so the last poll before exit is exact
//     up to that moment; growth in the final <20 ms before exit can be missed
//     (after exit the /proc entry is gone, Node has already reaped the child).
// Force one with rssMethod: 'time' | 'proc', or env BENCH_RSS=proc.
//
// The command is spawned directly (no shell). With `stdoutFile`, the child's
// stdout is an fd on that file (what `cmd > file` does), so the RSS is the
// command's own, not a shell's. With `stdin` (string/Buffer) it is written to
// the child's stdin; otherwise stdin is /dev/null.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TIME_BIN = '/usr/bin/time';
const MAX_CAPTURE = 4 << 20; // keep at most 4 MB of stdout/stderr

let timeWorks;
/** Whether /usr/bin/time is GNU time and supports -f %M -o. Checked once. */
export function gnuTimeAvailable() {
  if (timeWorks !== undefined) return timeWorks;
  timeWorks = false;
  try {
    fs.accessSync(TIME_BIN, fs.constants.X_OK);
    const out = path.join(os.tmpdir(), `barge-bench-timecheck-${process.pid}`);
    const r = spawnSync(TIME_BIN, ['-f', '%M', '-o', out, process.execPath, '-e', '0'], { stdio: 'ignore' });
    if (r.status === 0) {
      const kb = Number(fs.readFileSync(out, 'utf8').trim().split('\n').pop());
      timeWorks = Number.isFinite(kb) && kb > 0;
    }
    fs.rmSync(out, { force: true });
  } catch {
    timeWorks = false;
  }
  return timeWorks;
}

function readVmHWMkb(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(s);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function capture(stream) {
  const chunks = [];
  let size = 0;
  stream.on('data', (c) => {
    if (size < MAX_CAPTURE) {
      chunks.push(c);
      size += c.length;
    }
  });
  return () => Buffer.concat(chunks).toString('utf8');
}

export async function measure(cmd, args = [], opts = {}) {
  const { stdin, stdoutFile, cwd = process.cwd(), env = process.env, timeoutMs = 0 } = opts;
  let method = opts.rssMethod ?? (process.env.BENCH_RSS === 'proc' ? 'proc' : undefined);
  if (!method) method = gnuTimeAvailable() ? 'time' : 'proc';
  if (method === 'time' && !gnuTimeAvailable()) method = 'proc';

  let timeOut = null;
  let file = cmd;
  let argv = args;
  if (method === 'time') {
    timeOut = path.join(os.tmpdir(), `barge-bench-rss-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
    file = TIME_BIN;
    argv = ['-f', '%M', '-o', timeOut, cmd, ...args];
  }

  let outFd = null;
  if (stdoutFile) outFd = fs.openSync(stdoutFile, 'w');

  const stdio = [stdin !== undefined ? 'pipe' : 'ignore', outFd !== null ? outFd : 'pipe', 'pipe'];
  const t0 = performance.now();
  const child = spawn(file, argv, { cwd, env, stdio, detached: true });
  if (outFd !== null) fs.closeSync(outFd); // the child holds its own copy

  const getStdout = child.stdout ? capture(child.stdout) : () => '';
  const getStderr = capture(child.stderr);

  if (stdin !== undefined) {
    child.stdin.on('error', () => {}); // child may exit without reading everything
    child.stdin.end(stdin);
  }

  let peakKb = 0;
  let poll = null;
  if (method === 'proc' && child.pid) {
    const tick = () => {
      const kb = readVmHWMkb(child.pid);
      if (kb > peakKb) peakKb = kb;
    };
    tick();
    poll = setInterval(tick, 20);
  }

  let timedOut = false;
  let killer = null;
  if (timeoutMs > 0) {
    killer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL'); // whole process group (time + command)
      } catch {}
    }, timeoutMs);
  }

  const result = await new Promise((resolve) => {
    let spawnError = null;
    child.on('error', (err) => {
      spawnError = err;
    });
    child.on('close', (code, signal) => {
      const ms = performance.now() - t0;
      resolve({ code, signal, ms, spawnError });
    });
  });
  if (poll) clearInterval(poll);
  if (killer) clearTimeout(killer);

  let stderr = getStderr();
  if (result.spawnError) stderr = `${stderr}spawn failed: ${result.spawnError.message}\n`;

  let exitCode = result.code;
  let signal = result.signal;
  if (method === 'time') {
    try {
      const text = fs.readFileSync(timeOut, 'utf8');
      const lines = text.trim().split('\n');
      // GNU time prefixes "Command exited with non-zero status N" / "Command terminated by signal N".
      const sig = /terminated by signal (\d+)/.exec(text);
      if (sig) {
        const n = Number(sig[1]);
        signal = Object.keys(os.constants.signals).find((k) => os.constants.signals[k] === n) ?? `signal ${n}`;
        exitCode = null;
      }
      const kb = Number(lines[lines.length - 1]);
      if (Number.isFinite(kb)) peakKb = kb;
    } catch {
      // time itself was killed (timeout) or failed: no figure
    }
    fs.rmSync(timeOut, { force: true });
  }
  if (result.spawnError && exitCode === null) exitCode = 127;

  return {
    ms: result.ms,
    exitCode,
    signal: signal ?? null,
    timedOut,
    peakRssMb: peakKb > 0 ? peakKb / 1024 : null,
    rssMethod: method,
    stdout: getStdout(),
    stderr,
  };
}
