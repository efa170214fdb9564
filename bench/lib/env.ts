// The environment a benchmark ran in, recorded with every result so numbers can be compared honestly.
import { cpus, loadavg, totalmem, availableParallelism, platform, arch } from 'node:os';
import { execFileSync } from 'node:child_process';

export interface EnvReport {
  node: string;
  v8: string;
  platform: string;
  arch: string;
  cpuModel: string;
  cores: number;
  memGiB: number;
  /** 1-minute load average when the run started (other processes share the machine). */
  loadAvg1: number;
  gitCommit: string | null;
  date: string;
}

export function envReport(): EnvReport {
  const c = cpus();
  let gitCommit: string | null = null;
  try {
    gitCommit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    gitCommit = null;
  }
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: platform(),
    arch: arch(),
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAvg1: Math.round(loadavg()[0]! * 100) / 100,
    gitCommit,
    date: new Date().toISOString(),
  };
}

export function formatEnv(e: EnvReport): string {
  return `node ${e.node} (v8 ${e.v8}) on ${e.platform}/${e.arch}, ${e.cpuModel}, ${e.cores} cores, ${e.memGiB} GiB, ` +
    `load ${e.loadAvg1}${e.gitCommit ? `, commit ${e.gitCommit}` : ''}`;
}
