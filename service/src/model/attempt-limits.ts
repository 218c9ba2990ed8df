/** Bounds on one attempt's processes; a task may lower or raise each. */
export interface AttemptLimits {
  /** Processes and threads at once (a fork bomb stops here). */
  processes: number;
  /** The largest file a process may write, in MB. */
  fileSizeMb: number;
  /** Memory of all the attempt's processes together (a cgroup's limit), in MB. */
  memoryMb: number;
  /** The worktree plus the attempt's private HOME and /tmp, in MB, checked while it runs. */
  worktreeMb: number;
}

export const defaultAttemptLimits: AttemptLimits = { processes: 512, fileSizeMb: 1024, memoryMb: 8192, worktreeMb: 4096 };
