/**
 * Finding every process an attempt started, also the ones that left its process group
 * (`setsid`, double forks, daemons): each agent and verify process gets an environment marker,
 * which its children inherit, and a sweep of /proc kills whatever still carries it. Used when an
 * attempt ends, before a task is run again, and at start-up (leftovers of a killed service).
 */
import { readdir, readFile } from 'node:fs/promises';

export const PROCESS_TAG_VARIABLE = 'KAGE_BUNSHIN_PROCESS';

/** The marker of one attempt's processes: `kage/<task>/<label>/<instance>`. */
export function attemptTag(taskId: string, label: string, instanceTag: string): string {
  return `kage/${taskId}/${label}/${instanceTag}`;
}

export const taskTagPrefix = (taskId: string) => `kage/${taskId}/`;

/** The environment variable that marks a process with `tag` (none without a tag). */
export function tagEnvironment(tag: string | undefined): Record<string, string> {
  return tag ? { [PROCESS_TAG_VARIABLE]: tag } : {};
}

/** SIGKILLs every process (but this one) whose marker `matches`; returns how many. */
export async function killTagged(matches: (tag: string) => boolean): Promise<number> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  let killed = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
    const tag = environ
      .split('\0')
      .find((variable) => variable.startsWith(`${PROCESS_TAG_VARIABLE}=`))
      ?.slice(PROCESS_TAG_VARIABLE.length + 1);
    if (tag === undefined || !matches(tag)) continue;
    try {
      process.kill(Number(entry), 'SIGKILL');
      killed += 1;
    } catch {
      // Gone meanwhile.
    }
  }
  return killed;
}
