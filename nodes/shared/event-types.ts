import type { INodePropertyOptions } from 'n8n-workflow';

// Restated from the service's events/event-types.ts (the package may not import service code).
export const eventTypeOptions: INodePropertyOptions[] = [
	{ name: 'Agent Completed', value: 'agent.completed', description: 'An agent finished its attempt' },
	{ name: 'Agent Failed', value: 'agent.failed', description: 'An agent failed, timed out or was cancelled' },
	{ name: 'Agent Progress', value: 'agent.progress', description: 'An agent reported progress (tool use, message, cost so far)' },
	{ name: 'Agent Started', value: 'agent.started', description: 'An agent started working in its worktree' },
	{ name: 'Attempt Cancelled', value: 'attempt.cancelled', description: 'Another attempt passed verify first and won the race: this one was stopped' },
	{ name: 'Attempt Follow-Up', value: 'attempt.follow_up', description: 'A finished attempt is continued with a follow-up prompt' },
	{ name: 'Attempt Round', value: 'attempt.round', description: "An attempt's verify failed and its agent goes another round with the failure" },
	{ name: 'Attempt Setup', value: 'attempt.setup', description: "An attempt's worktree was made ready: local files copied, the setup command run" },
	{ name: 'Merge Completed', value: 'merge.completed', description: "An attempt's branch was merged" },
	{ name: 'Pull Request Opened', value: 'pull_request.opened', description: "A pull request was opened for an attempt's branch" },
	{ name: 'Push Completed', value: 'push.completed', description: "The winner's branch was pushed to the repository's remote, or the push failed" },
	{ name: 'Task Cancelled', value: 'task.cancelled', description: 'Someone cancelled the task' },
	{ name: 'Task Completed', value: 'task.completed', description: 'The task finished and its attempts were ranked' },
	{ name: 'Task Failed', value: 'task.failed', description: 'The task ended with an error' },
	{ name: 'Task Queued', value: 'task.queued', description: 'The task was accepted and queued' },
	{ name: 'Task Started', value: 'task.started', description: 'A worker started the task' },
	{ name: 'Tier Failed', value: 'tier.failed', description: "No attempt of a cascade's tier passed verify; the next tier starts" },
	{ name: 'Tier Skipped', value: 'tier.skipped', description: "A cascade's tier did not start: the task's budget was spent" },
	{ name: 'Tier Started', value: 'tier.started', description: "A cascade's tier started its attempts" },
	{ name: 'Verify Completed', value: 'verify.completed', description: "The verify command ran in an attempt's worktree" },
];

export const taskFinishedEventTypes = ['task.completed', 'task.failed', 'task.cancelled'];

export const agentFinishedEventTypes = ['agent.completed', 'agent.failed'];
