// The shapes the Kage Bunshin service answers with (see service/src/api/schemas). Restated here,
// not imported: the n8n package ships without the service and without runtime dependencies.

export const taskStatuses = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof taskStatuses)[number];

export const finishedTaskStatuses: readonly TaskStatus[] = ['completed', 'failed', 'cancelled'];

export const finishedAgentStatuses: readonly string[] = ['succeeded', 'failed', 'timed_out', 'cancelled'];

export interface Attempt {
	label: string;
	agent: string;
	status: string;
	[key: string]: unknown;
}

/** The fields of a task (GET /tasks/{id}) and of its attempts that the nodes read. */
export const taskFieldsRead = ['id', 'description', 'status', 'agents', 'winner', 'winnerPassedVerify'] as const;
export const attemptFieldsRead = ['label', 'agent', 'status'] as const;

export interface Task {
	id: string;
	description: string;
	status: TaskStatus;
	agents: Attempt[];
	winner: string | null;
	winnerPassedVerify: boolean | null;
	[key: string]: unknown;
}

export interface TaskEvent {
	taskId: string;
	seq: number;
	type: string;
	agentLabel: string | null;
	timestamp: string;
	data: Record<string, unknown>;
}

export interface Page<T> {
	items: T[];
	total: number;
	page: number;
	pageSize: number;
}
