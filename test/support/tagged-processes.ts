import { readdirSync, readFileSync } from 'node:fs';

/**
 * The host's live processes marked as a task's (the service tags every agent and project
 * process, sandboxed or not; see process-tag.ts), found by their environment: pids a sandboxed
 * agent could report are its own namespace's, not the host's.
 */
export function taggedProcesses(taskId: string): number[] {
  const marker = `KAGE_BUNSHIN_PROCESS=kage/${taskId}/`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z') continue;
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').some((variable) => variable.startsWith(marker))) found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}
