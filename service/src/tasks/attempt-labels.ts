/** `claude`, `claude`, `codex` → `claude-1`, `claude-2`, `codex-1`: stable names for attempts. */
export function assignLabels(agents: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return agents.map((agent) => {
    const n = (seen.get(agent) ?? 0) + 1;
    seen.set(agent, n);
    return `${agent}-${n}`;
  });
}

/** First 8 hex digits of the task id: enough to tell tasks apart in branch and folder names. */
export function taskShortId(taskId: string): string {
  return taskId.replaceAll('-', '').slice(0, 8);
}

export function branchName(taskId: string, label: string): string {
  return `kage/${taskShortId(taskId)}/${label}`;
}
