/** The agent CLIs the service can run (one adapter each: agents/adapters). */
export const agentNames = ['claude', 'codex', 'gemini', 'aider', 'opencode', 'cursor', 'qwen', 'acp', 'command'] as const;
export type AgentName = (typeof agentNames)[number];
