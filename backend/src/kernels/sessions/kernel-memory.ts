import fs from 'node:fs';
import { childrenOf } from '../../embedded/processes';

/**
 * Memory of live kernels, when Folio runs the Jupyter Server itself (embedded default, Linux): the resident set
 * (RSS) of the kernel process and its descendants, from /proc. A kernel is found among the server's children by its
 * connection file (`kernel-<id>.json` on its command line), which Jupyter names after the kernel id. With an external
 * server (`JUPYTER_URL`), or off Linux, memory is unknown (null).
 */
export function kernelMemoryReader(serverPid: () => number | null): (kernelId: string) => number | null {
  return (kernelId) => {
    const pid = serverPid();
    if (pid === null) return null;
    const needle = `kernel-${kernelId}.json`;
    const kernelPid = childrenOf(pid).find((c) => commandLine(c).includes(needle));
    return kernelPid === undefined ? null : treeRss(kernelPid);
  };
}

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** RSS in bytes of `pid` and its descendants (a kernel's multiprocessing workers count as its memory). */
function treeRss(pid: number, depth = 0): number | null {
  const own = rss(pid);
  if (own === null) return null;
  if (depth > 8) return own;
  return childrenOf(pid).reduce((sum, c) => sum + (treeRss(c, depth + 1) ?? 0), own);
}

function rss(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}
