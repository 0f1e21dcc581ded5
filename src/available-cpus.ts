import fs from 'node:fs';
import os from 'node:os';

/**
 * The CPUs this process can use: its affinity (taskset, a container's cpuset), which
 * os.availableParallelism() reads, and a cgroup's CPU quota (`docker --cpus=1`, systemd's
 * CPUQuota), which it does not (Node 20's libuv 1.46). A second thread on one CPU only takes
 * turns with the first: `taskset -c 0`, 1M benchmark rows, CSV import 3.76 s with the worker
 * against 2.65 s without (RSS 139 vs 103 MB), NDJSON 3.8–4.1 s against 3.1–3.3 s, validate
 * 1.39 s against 1.04–1.10 s, export 2.1 s against 1.9–2.0 s.
 */
export function availableCpus(parallelism = os.availableParallelism(), readText = readSmallFile): number {
  const quota = cgroupCpuQuota(readText);
  return quota === undefined ? parallelism : Math.min(parallelism, quota);
}

/**
 * A cgroup's CPU quota in CPUs (1.5 for "150000 100000"), the smallest of this process's group
 * and its parents (a quota set on a parent, systemd's CPUQuota on a slice, bounds those below),
 * or undefined for none or unknown.
 */
export function cgroupCpuQuota(readText: (file: string) => string | undefined = readSmallFile): number | undefined {
  const groups = readText('/proc/self/cgroup') ?? '';
  const quotas: number[] = [];
  // cgroup v2: cpu.max ("max 100000" is no quota) of "0::/path" and its parents, in
  // /sys/fs/cgroup (a container sees its own group as the root).
  const v2 = /^0::(\/.*)$/m.exec(groups)?.[1];
  for (const dir of withParents('/sys/fs/cgroup', v2 ?? '/')) {
    const [quota, period] = (readText(`${dir}/cpu.max`) ?? '').trim().split(/\s+/);
    const cpus = cpusOf(quota, period);
    if (cpus !== undefined) quotas.push(cpus);
  }
  // cgroup v1: the cpu controller's line ("4:cpu,cpuacct:/path"), mounted as cpu or cpu,cpuacct;
  // a quota of -1 is none.
  const v1 = /^\d+:([^:]*\bcpu\b[^:]*):(\/.*)$/m.exec(groups);
  for (const mount of ['/sys/fs/cgroup/cpu', '/sys/fs/cgroup/cpu,cpuacct', ...(v1 ? [`/sys/fs/cgroup/${v1[1]}`] : [])]) {
    for (const dir of withParents(mount, v1?.[2] ?? '/')) {
      const cpus = cpusOf(readText(`${dir}/cpu.cfs_quota_us`)?.trim(), readText(`${dir}/cpu.cfs_period_us`)?.trim());
      if (cpus !== undefined) quotas.push(cpus);
    }
  }
  return quotas.length === 0 ? undefined : Math.min(...quotas);
}

/** `root` joined with `group` ("/a/b") and with each of its parents: root/a/b, root/a, root. */
function withParents(root: string, group: string): string[] {
  const parts = group.split('/').filter((part) => part !== '' && part !== '..');
  const dirs: string[] = [];
  for (let n = parts.length; n >= 0; n--) dirs.push([root, ...parts.slice(0, n)].join('/'));
  return dirs;
}

function cpusOf(quota: string | undefined, period: string | undefined): number | undefined {
  if (quota === undefined || period === undefined || !/^\d+$/.test(quota) || !/^\d+$/.test(period)) return undefined;
  const cpus = Number(quota) / Number(period);
  return cpus > 0 && Number.isFinite(cpus) ? cpus : undefined;
}

/** This process's address-space limit in bytes (`ulimit -v`, the soft one), Infinity for none or unknown. */
export function addressSpaceLimit(limits: string | undefined = readSmallFile('/proc/self/limits')): number {
  const soft = /^Max address space\s+(\S+)/m.exec(limits ?? '')?.[1];
  return soft !== undefined && /^\d+$/.test(soft) ? Number(soft) : Infinity;
}

function readSmallFile(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
