import type { INodeProperties } from 'n8n-workflow';

import { eventTypeOptions } from '../../shared/event-types';
import { taskIdField } from '../../shared/fields';
import { taskStatuses } from '../../shared/task-types';

const show = (operation: string[]) => ({ show: { resource: ['task'], operation } });

export const taskOperations: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['task'] } },
		options: [
			{ name: 'Cancel', value: 'cancel', description: 'Cancel a pending or running task', action: 'Cancel a task' },
			{
				name: 'Follow Up',
				value: 'followUp',
				description: "Continue a finished attempt with another prompt: it runs again in its own session, and the task is ranked anew",
				action: 'Follow up on an attempt',
			},
			{ name: 'Get', value: 'get', description: 'Get a task with its attempts, scores and winner', action: 'Get a task' },
			{ name: 'Get Events', value: 'getEvents', description: "Get a task's progress events", action: 'Get task events' },
			{ name: 'Get Many', value: 'getAll', description: 'List tasks, newest first', action: 'Get many tasks' },
			{ name: 'Get Statistics', value: 'getStats', description: 'Count tasks by status, running agents and total cost', action: 'Get task statistics' },
			{ name: 'Submit', value: 'submit', description: 'Run several coding agents on one task in parallel', action: 'Submit a task' },
		],
		default: 'submit',
	},
];

const submitFields: INodeProperties[] = [
	{
		displayName: 'Description',
		name: 'description',
		type: 'string',
		typeOptions: { rows: 4 },
		required: true,
		default: '',
		placeholder: 'e.g. Add input validation to the signup form',
		description: 'What the agents should do. Also the prompt of every agent that has no prompt of its own.',
		displayOptions: show(['submit']),
	},
	{
		displayName: 'Repository Source',
		name: 'repositorySource',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Local Path', value: 'path', description: 'A git repository on the machine where the service runs' },
			{ name: 'Remote URL', value: 'url', description: 'A repository on GitHub, GitLab, Gitea or any git server' },
		],
		default: 'path',
		displayOptions: show(['submit']),
	},
	{
		displayName: 'Repository Path',
		name: 'repositoryPath',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. /home/me/projects/app',
		description: 'Path of a local git repository on the machine where the service runs',
		displayOptions: { show: { resource: ['task'], operation: ['submit'], repositorySource: ['path'] } },
	},
	{
		displayName: 'Repository URL',
		name: 'repositoryUrl',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. https://github.com/acme/app.git',
		description: 'The remote the attempts start from and push their branches to (https://, ssh:// or git@host:org/repo)',
		displayOptions: { show: { resource: ['task'], operation: ['submit'], repositorySource: ['url'] } },
	},
	{
		displayName: 'Git Credential Name',
		name: 'gitCredential',
		type: 'string',
		default: '',
		placeholder: 'e.g. github-bot',
		description:
			"Name of a git credential stored in the service (POST /api/v1/git-credentials) for the URL's host; empty for a public repository",
		displayOptions: { show: { resource: ['task'], operation: ['submit'], repositorySource: ['url'] } },
	},
	{
		displayName: 'Agents',
		name: 'agents',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Agent',
		default: { agent: [{ agent: 'claude' }] },
		description: 'The agents that each make an attempt, in their own git worktree (1 to 8)',
		displayOptions: show(['submit']),
		options: [
			{
				displayName: 'Agent',
				name: 'agent',
				values: [
					{
						displayName: 'Agent Name or ID',
						name: 'agent',
						type: 'options',
						typeOptions: { loadOptionsMethod: 'getAgents' },
						default: 'claude',
						description:
							'Which coding agent CLI runs this attempt: the agents the service offers, installed ones first. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
					},
					{
						displayName: 'Command',
						name: 'command',
						type: 'string',
						typeOptions: { rows: 3 },
						default: '',
						placeholder: 'e.g. node\nscripts/agent.js\n{prompt}',
						description:
							'The program and its arguments, one per line (or a JSON array); {prompt} is replaced by the prompt',
						displayOptions: { show: { agent: ['command'] } },
					},
					{
						displayName: 'Extra Arguments',
						name: 'args',
						type: 'string',
						typeOptions: { rows: 2 },
						default: '',
						placeholder: 'e.g. --max-turns\n20',
						description: 'Extra CLI arguments, one per line (or a JSON array). Never parsed by a shell.',
						displayOptions: { hide: { agent: ['command'] } },
					},
					{
						displayName: 'Model',
						name: 'model',
						type: 'string',
						default: '',
						placeholder: 'e.g. claude-sonnet-4-5',
						description: "Model name passed to the agent; empty uses the agent's default",
						displayOptions: { hide: { agent: ['command'] } },
					},
					{
						displayName: 'Prompt',
						name: 'prompt',
						type: 'string',
						typeOptions: { rows: 3 },
						default: '',
						description: "This agent's own prompt; empty uses the task description",
					},
					{
						displayName: 'Timeout (Seconds)',
						name: 'timeoutSeconds',
						type: 'number',
						typeOptions: { minValue: 1 },
						default: 1800,
						description: 'The attempt is stopped (with its child processes) after this long',
					},
				],
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show(['submit']),
		options: [
			{
				displayName: 'Base Ref',
				name: 'baseRef',
				type: 'string',
				default: 'HEAD',
				description: 'Branch, tag or commit the attempts start from',
			},
			{
				displayName: 'Budget (USD)',
				name: 'budgetUsd',
				type: 'number',
				typeOptions: { minValue: 0, numberPrecision: 2 },
				default: 5,
				description: 'Stop the task once its agents together have spent this much',
			},
			{
				displayName: 'Callback Events',
				name: 'callbackEvents',
				type: 'multiOptions',
				options: eventTypeOptions,
				default: [],
				description: 'Events sent to the Callback URL; none selected sends every event',
			},
			{
				displayName: 'Callback URL',
				name: 'callbackUrl',
				type: 'string',
				default: '',
				placeholder: 'e.g. https://example.com/hooks/kage',
				description:
					"URL the service POSTs the task's events to, signed with the credential's webhook secret. To wait for the task in this workflow, use Kage Bunshin Await Progress instead.",
			},
			{
				displayName: 'Copy Local Files',
				name: 'copyFiles',
				type: 'string',
				typeOptions: { rows: 2 },
				default: '',
				placeholder: 'e.g. .env\nconfig/local.yml',
				description:
					"Untracked or ignored files of your checkout to copy into each attempt's worktree, one glob per line (local repositories only). Never committed.",
			},
			{
				displayName: 'Idempotency Key',
				name: 'idempotencyKey',
				type: 'string',
				default: '',
				description:
					'Submitting again with the same key returns the task already created instead of a new one (safe retries)',
			},
			{
				displayName: 'Keep Cache Folders',
				name: 'keepFolders',
				type: 'string',
				typeOptions: { rows: 2 },
				default: '',
				placeholder: 'e.g. node_modules\n.venv',
				description:
					"Untracked folders (gitignore patterns, one per line) an attempt's worktree keeps for the next task on this repository, so the setup command has little left to do",
			},
			{
				displayName: 'Max File Size (MB)',
				name: 'maxFileSizeMb',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 1024,
				description: "The largest file an attempt may write in the service's sandbox; writing past it stops the attempt",
			},
			{
				displayName: 'Max Memory (MB)',
				name: 'maxMemoryMb',
				type: 'number',
				typeOptions: { minValue: 64 },
				default: 8192,
				description: "Memory of all an attempt's processes together in the service's sandbox",
			},
			{
				displayName: 'Max Processes',
				name: 'maxProcesses',
				type: 'number',
				typeOptions: { minValue: 8 },
				default: 512,
				description: "Processes an attempt may run at once in the service's sandbox (a fork bomb stops here)",
			},
			{
				displayName: 'Max Worktree Size (MB)',
				name: 'maxWorktreeMb',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 4096,
				description: "Disk an attempt's worktree may take in the service's sandbox; past it the attempt stops",
			},
			{
				displayName: 'Push Branches',
				name: 'push',
				type: 'options',
				options: [
					{ name: 'Every Attempt', value: 'attempts', description: "Each attempt's branch once it is committed" },
					{ name: 'None', value: 'none', description: 'Branches stay in the service until merged or a pull request is opened' },
					{ name: 'Only the Winner', value: 'winner', description: "The best attempt's branch once the task is ranked" },
				],
				default: 'attempts',
				description: 'Which attempt branches (kage/…) go to the remote, where its CI and people can see them',
				displayOptions: { show: { '/repositorySource': ['url'] } },
			},
			{
				displayName: 'Setup Command',
				name: 'setupCommand',
				type: 'string',
				typeOptions: { rows: 2 },
				default: '',
				placeholder: 'e.g. npm\nci',
				description:
					"Run in each attempt's worktree before its agent starts, one argument per line (or a JSON array); empty uses the setup in the repository's Kage settings file (see the README). A failing setup fails that attempt.",
			},
			{
				displayName: 'Setup Timeout (Seconds)',
				name: 'setupTimeoutSeconds',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 600,
				description: 'How long the setup command may run in each attempt',
			},
			{
				displayName: 'Verify Command',
				name: 'verifyCommand',
				type: 'string',
				typeOptions: { rows: 2 },
				default: '',
				placeholder: 'e.g. npm\ntest',
				description:
					"The project's tests, one argument per line (or a JSON array). Run in every finished attempt; passing attempts rank first.",
			},
			{
				displayName: 'Verify Rounds',
				name: 'verifyRounds',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 5 },
				default: 1,
				description:
					"How many times an attempt may run when its verify command fails: each later round gives the agent the failure (in its own session where the CLI can resume one)",
			},
			{
				displayName: 'Verify Timeout (Seconds)',
				name: 'verifyTimeoutSeconds',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 600,
				description: 'How long the verify command may run in each attempt',
			},
			{
				displayName: 'Verify Without Network',
				name: 'verifyWithoutNetwork',
				type: 'boolean',
				default: false,
				description: "Whether the verify command runs with no network at all (needs the service's sandbox)",
			},
		],
	},
];

const listFields: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
		displayOptions: show(['getAll', 'getEvents']),
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { resource: ['task'], operation: ['getAll', 'getEvents'], returnAll: [false] } },
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: show(['getAll']),
		options: [
			{
				displayName: 'Status',
				name: 'status',
				type: 'options',
				options: [...taskStatuses].sort().map((status) => ({
					name: status.charAt(0).toUpperCase() + status.slice(1),
					value: status,
				})),
				default: 'running',
				description: 'Only tasks in this status',
			},
		],
	},
	{
		displayName: 'After Sequence Number',
		name: 'after',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description: 'Only events after this one (events are numbered 1, 2, 3… per task)',
		displayOptions: show(['getEvents']),
	},
];

const followUpFields: INodeProperties[] = [
	{
		displayName: 'Attempt',
		name: 'attempt',
		type: 'string',
		required: true,
		default: '={{ $json.winner }}',
		placeholder: 'e.g. claude-1',
		description: 'The label of the attempt to continue; by default the winner of the incoming task',
		displayOptions: show(['followUp']),
	},
	{
		displayName: 'Prompt',
		name: 'followUpPrompt',
		type: 'string',
		typeOptions: { rows: 4 },
		required: true,
		default: '',
		placeholder: 'e.g. Also handle an empty email address',
		description: 'What the attempt should do next, on top of what it did',
		displayOptions: show(['followUp']),
	},
];

export const taskFields: INodeProperties[] = [
	taskIdField(show(['get', 'cancel', 'getEvents', 'followUp'])),
	...followUpFields,
	...submitFields,
	...listFields,
];
