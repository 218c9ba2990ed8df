/** `claude`, `claude`, `codex` → `claude-1`, `claude-2`, `codex-1`: stable names for attempts. */
export function assignLabels(agents: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return agents.map((agent) => {
    const n = (seen.get(agent) ?? 0) + 1;
    seen.set(agent, n);
    return `${agent}-${n}`;
  });
}
