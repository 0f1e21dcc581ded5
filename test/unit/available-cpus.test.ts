import { describe, expect, it } from 'vitest';
import { addressSpaceLimit, availableCpus, cgroupCpuQuota } from '../../src/available-cpus.js';
import { workerSetting } from '../../src/worker-setting.js';

/** A file system of the given files' texts: any other file cannot be read. */
function files(texts: Record<string, string>): (file: string) => string | undefined {
  return (file) => texts[file];
}

describe('availableCpus: the affinity, and a cgroup\'s CPU quota, which it does not show', () => {
  it('no cgroup files: the affinity\'s count', () => {
    expect(availableCpus(2, files({}))).toBe(2);
    expect(availableCpus(1, files({}))).toBe(1);
  });

  it('cgroup v2: "max" is no quota; "150000 100000" is 1.5 CPUs; the process\'s own group before the root', () => {
    expect(availableCpus(4, files({ '/sys/fs/cgroup/cpu.max': 'max 100000\n' }))).toBe(4);
    expect(availableCpus(4, files({ '/sys/fs/cgroup/cpu.max': '150000 100000\n' }))).toBe(1.5);
    expect(availableCpus(1, files({ '/sys/fs/cgroup/cpu.max': '400000 100000\n' }))).toBe(1);
    const own = { '/proc/self/cgroup': '0::/system.slice/cron.service\n', '/sys/fs/cgroup/system.slice/cron.service/cpu.max': '50000 100000\n', '/sys/fs/cgroup/cpu.max': 'max 100000\n' };
    expect(availableCpus(2, files(own))).toBe(0.5);
    // The own group has no cpu.max (the root's, in a container): the root's.
    expect(cgroupCpuQuota(files({ '/proc/self/cgroup': '0::/x\n', '/sys/fs/cgroup/cpu.max': '100000 100000' }))).toBe(1);
  });

  it('a quota on a parent group bounds the groups below it (v2 and v1, as systemd sets CPUQuota on a slice)', () => {
    const v2 = { '/proc/self/cgroup': '0::/system.slice/cron.service\n', '/sys/fs/cgroup/system.slice/cron.service/cpu.max': 'max 100000\n', '/sys/fs/cgroup/system.slice/cpu.max': '100000 100000\n', '/sys/fs/cgroup/cpu.max': 'max 100000\n' };
    expect(availableCpus(2, files(v2))).toBe(1);
    // cgroup v1, barge in a group of its own below the root (the quota was missed: 12 threads, 3.6 s against 2.8 s).
    const v1 = {
      '/proc/self/cgroup': '9:name=systemd:/\n4:cpu,cpuacct:/cst1\n',
      '/sys/fs/cgroup/cpu,cpuacct/cst1/cpu.cfs_quota_us': '100000\n', '/sys/fs/cgroup/cpu,cpuacct/cst1/cpu.cfs_period_us': '100000\n',
      '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '-1\n', '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n',
    };
    expect(availableCpus(2, files(v1))).toBe(1);
    const v1Cpu = { '/proc/self/cgroup': '4:cpuacct,cpu:/a/b\n', '/sys/fs/cgroup/cpu/a/cpu.cfs_quota_us': '50000', '/sys/fs/cgroup/cpu/a/cpu.cfs_period_us': '100000' };
    expect(availableCpus(2, files(v1Cpu))).toBe(0.5);
  });

  it('cgroup v1: -1 is no quota; quota over period otherwise; nonsense is no quota', () => {
    const v1 = (quota: string) => files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': `${quota}\n`, '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n' });
    expect(availableCpus(2, v1('-1'))).toBe(2);
    expect(availableCpus(2, v1('100000'))).toBe(1);
    expect(availableCpus(2, v1('0'))).toBe(2);
    expect(availableCpus(2, v1('abc'))).toBe(2);
    expect(cgroupCpuQuota(v1('250000'))).toBe(2.5);
  });
});

describe('workerSetting: auto keeps to one thread with less than one and a half CPUs', () => {
  it('unset, empty or auto: never below 1.5 CPUs, auto from 1.5', () => {
    for (const env of [{}, { BARGE_WORKER: '' }, { BARGE_WORKER: 'auto' }]) {
      expect(workerSetting(env, () => 1)).toBe('never');
      expect(workerSetting(env, () => 1.4)).toBe('never');
      expect(workerSetting(env, () => 1.5)).toBe('auto');
      expect(workerSetting(env, () => 2)).toBe('auto');
    }
  });

  it('always and never are as given, whatever the CPUs', () => {
    expect(workerSetting({ BARGE_WORKER: 'always' }, () => 1)).toBe('always');
    expect(workerSetting({ BARGE_WORKER: 'never' }, () => 8)).toBe('never');
  });
});

describe('workerSetting: auto keeps to one thread under an address-space limit below 2.5 GiB', () => {
  it('ulimit -v 1600000 (KiB): never; unlimited or 4 GiB: auto; always stays always', () => {
    const limit = (bytes: number) => () => bytes;
    expect(workerSetting({}, () => 2, limit(1_600_000 * 1024))).toBe('never');
    expect(workerSetting({}, () => 2, limit(4 * 2 ** 30))).toBe('auto');
    expect(workerSetting({}, () => 2, limit(Infinity))).toBe('auto');
    expect(workerSetting({ BARGE_WORKER: 'always' }, () => 2, limit(2 ** 30))).toBe('always');
  });

  it('reads the soft limit from /proc/self/limits ("unlimited" is none)', () => {
    const limits = (soft: string) => `Limit                     Soft Limit           Hard Limit           Units\nMax address space         ${soft}            unlimited            bytes\n`;
    expect(addressSpaceLimit(limits('1638400000'))).toBe(1_638_400_000);
    expect(addressSpaceLimit(limits('unlimited'))).toBe(Infinity);
    expect(addressSpaceLimit(undefined)).toBe(Infinity);
  });
});

