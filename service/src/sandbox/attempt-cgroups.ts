/**
 * Limits per attempt that hold for root too (RLIMIT_NPROC does not, and an address-space limit
 * breaks CLIs that embed V8): a cgroup per attempt with the pids and memory controllers, under
 * `kage-bunshin/` (cgroup v1's per-controller mounts, or v2's unified tree). Every process the
 * attempt starts stays in it, so the group also tells which limit was hit and finds every
 * process to stop.
 */
import { constants, existsSync, readFileSync } from 'node:fs';
import { access, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const cgroupRoot = '/sys/fs/cgroup';
type Controller = 'pids' | 'memory';

/** Where each controller's `kage-bunshin/` folder is (v1: one per controller; v2: the same). */
type Bases = Partial<Record<Controller, string>>;

export type CgroupBreach = 'process_limit' | 'memory_limit';

export class CgroupTree {
  private readonly bases: Bases;
  private readonly unified: boolean;

  constructor(bases: Bases, unified: boolean) {
    this.bases = bases;
    this.unified = unified;
  }

  /** The controllers this machine lets the service use, or undefined when none. */
  static async open(): Promise<CgroupTree | undefined> {
    if (existsSync(join(cgroupRoot, 'cgroup.controllers'))) return openUnified();
    const bases: Bases = {};
    for (const controller of ['pids', 'memory'] as const) {
      const base = join(cgroupRoot, controller, 'kage-bunshin');
      try {
        await mkdir(base, { recursive: true });
        // It may exist already, made by another user (root): then it is not ours to use.
        await access(base, constants.W_OK);
        bases[controller] = base;
      } catch {
        // This controller is not mounted or not ours to use.
      }
    }
    return Object.keys(bases).length > 0 ? new CgroupTree(bases, false) : undefined;
  }

  has(controller: Controller): boolean {
    return this.bases[controller] !== undefined;
  }

  /** A fresh group for one attempt; `name` must be unique among running attempts. */
  async create(name: string, limits: { processes: number; memoryBytes: number }): Promise<AttemptCgroup> {
    const dirs = new Map<Controller, string>();
    for (const [controller, base] of Object.entries(this.bases) as Array<[Controller, string]>) {
      const dir = join(base, name);
      await mkdir(dir, { recursive: true });
      dirs.set(controller, dir);
    }
    const pids = dirs.get('pids');
    const memory = dirs.get('memory');
    if (pids) await writeFile(join(pids, 'pids.max'), String(limits.processes));
    if (memory) await writeFile(join(memory, this.unified ? 'memory.max' : 'memory.limit_in_bytes'), String(limits.memoryBytes));
    return new AttemptCgroup(dirs, this.unified);
  }
}

async function openUnified(): Promise<CgroupTree | undefined> {
  try {
    const available = readFileSync(join(cgroupRoot, 'cgroup.controllers'), 'utf8').split(/\s+/);
    const controllers = (['pids', 'memory'] as const).filter((controller) => available.includes(controller));
    if (controllers.length === 0) return undefined;
    // A v2 group holds processes or sub-groups, not both: ours holds only the attempts' groups.
    const enable = controllers.map((controller) => `+${controller}`).join(' ');
    await writeFile(join(cgroupRoot, 'cgroup.subtree_control'), enable);
    const base = join(cgroupRoot, 'kage-bunshin');
    await mkdir(base, { recursive: true });
    await access(base, constants.W_OK);
    await writeFile(join(base, 'cgroup.subtree_control'), enable);
    return new CgroupTree(Object.fromEntries(controllers.map((controller) => [controller, base])), true);
  } catch {
    return undefined;
  }
}

export class AttemptCgroup {
  private readonly dirs: Map<Controller, string>;
  private readonly unified: boolean;

  constructor(dirs: Map<Controller, string>, unified: boolean) {
    this.dirs = dirs;
    this.unified = unified;
  }

  /** Moves processes in; their later children start inside. */
  async add(pids: readonly number[]): Promise<void> {
    for (const dir of new Set(this.dirs.values())) {
      for (const pid of pids) await writeFile(join(dir, 'cgroup.procs'), String(pid));
    }
  }

  /** Which limit has been hit: a fork refused for the process limit, or a process killed for memory. */
  async breach(): Promise<CgroupBreach | undefined> {
    const pids = this.dirs.get('pids');
    if (pids && (await counter(join(pids, 'pids.events'), 'max')) > 0) return 'process_limit';
    const memory = this.dirs.get('memory');
    if (memory && (await counter(join(memory, this.unified ? 'memory.events' : 'memory.oom_control'), 'oom_kill')) > 0) return 'memory_limit';
    return undefined;
  }

  /** SIGKILLs everything in the group until it is empty, then removes the group. */
  async dispose(): Promise<void> {
    const dir = this.dirs.get('pids') ?? this.dirs.values().next().value;
    for (let round = 0; dir && round < 50; round += 1) {
      const pids = (await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => ''))
        .split('\n')
        .filter((line) => line !== '')
        .map(Number);
      if (pids.length === 0) break;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone meanwhile.
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const path of new Set(this.dirs.values())) await rmdir(path).catch(() => {});
  }
}

/** A `key value` line's value in a cgroup's events file (0 when absent). */
async function counter(file: string, key: string): Promise<number> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return Number(new RegExp(`^${key} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
}
