import fs from 'node:fs';

/**
 * Process bookkeeping for the embedded children, from Linux /proc (every function is a no-op elsewhere).
 * A process is identified by its pid *and* its start time (field 22 of /proc/<pid>/stat, clock ticks since boot):
 * a pid can be reused by an unrelated process once the first one is gone, the pair cannot. Folio only ever signals
 * processes it started or that descend from them, matched by that pair — never by a command-line substring, which
 * would also match another Folio's Jupyter Server and kernels on the same DATA_DIR.
 */
export interface ProcessStat {
  pid: number;
  ppid: number;
  /** Process group id (a kernel leads its own session and group). */
  pgrp: number;
  /** Clock ticks after boot; with the pid, the process's identity. */
  startTime: number;
  /** R, S, D, Z (zombie), T… */
  state: string;
}

/** /proc/<pid>/stat, parsed; null when there is no such process (or no /proc). */
export function readStat(pid: number): ProcessStat | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) state ppid pgrp session …": comm may hold spaces and parentheses, so split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const num = (i: number) => Number(fields[i]);
  return { pid, state: fields[0] ?? '?', ppid: num(1), pgrp: num(2), startTime: num(19) };
}

/** Running, i.e. present and not a zombie. */
export function isRunning(pid: number): boolean {
  const s = readStat(pid);
  return s !== null && s.state !== 'Z' && s.state !== 'X';
}

/** Direct children of `pid`: /proc/<pid>/task/<tid>/children of every thread, or a scan of /proc without it. */
export function childrenOf(pid: number): number[] {
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  try {
    for (const tid of tids) {
      for (const c of fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' '))
        if (c.trim()) out.push(Number(c));
    }
    return out;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || fs.existsSync(`/proc/${pid}`)) return scanChildren(pid);
    return out; // the process went away meanwhile
  }
}

/** Kernels without CONFIG_PROC_CHILDREN: every process whose ppid is `pid`. */
function scanChildren(pid: number): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  return entries.filter((e) => /^\d+$/.test(e) && readStat(Number(e))?.ppid === pid).map(Number);
}

/**
 * The descendants of one root process (the embedded Jupyter Server: its kernels and whatever they start), remembered
 * by identity. `snapshot()` adds the current tree (call it periodically and right before stopping the root): once the
 * root is gone its orphans are reparented and cannot be found from it any more, so the snapshot is the only record.
 * `kill()` signals those still alive with the same start time, after the root has exited.
 */
export class DescendantTracker {
  private readonly known = new Map<number, number>(); // pid → start time
  private timer?: NodeJS.Timeout;

  constructor(private readonly rootPid: number) {}

  /** Snapshot now and every `intervalMs` until stopWatching(). */
  watch(intervalMs: number): void {
    this.snapshot();
    this.timer = setInterval(() => this.snapshot(), intervalMs);
    this.timer.unref();
  }

  stopWatching(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Add every current descendant of the root; forget those that are gone. */
  snapshot(): void {
    for (const [pid, start] of this.known) if (readStat(pid)?.startTime !== start) this.known.delete(pid);
    const queue = childrenOf(this.rootPid);
    const seen = new Set<number>();
    while (queue.length) {
      const pid = queue.shift()!;
      if (seen.has(pid)) continue;
      seen.add(pid);
      const stat = readStat(pid);
      if (!stat) continue;
      this.known.set(pid, stat.startTime);
      queue.push(...childrenOf(pid));
    }
  }

  /** Tracked descendants that are still running (same pid, same start time). */
  alive(): number[] {
    return [...this.known]
      .filter(([pid, start]) => {
        const s = readStat(pid);
        return s !== null && s.startTime === start && s.state !== 'Z';
      })
      .map(([pid]) => pid);
  }

  /** Signal every tracked descendant still running (and the group it leads, if it leads one); returns their pids. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): number[] {
    const hit: number[] = [];
    for (const [pid, start] of this.known) {
      const s = readStat(pid);
      if (!s || s.startTime !== start || s.state === 'Z') continue;
      try {
        // A kernel leads its own group (jupyter_client starts it in a new session): take its children with it.
        if (s.pgrp === pid) process.kill(-pid, signal);
        else process.kill(pid, signal);
        hit.push(pid);
      } catch {
        // exited meanwhile
      }
    }
    return hit;
  }
}

/**
 * Pids whose command line mentions `needle`. For tests and diagnostics only ("is anything of this data dir still
 * running?"): Folio never decides what to kill with it.
 */
export function processesMentioning(needle: string): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}
