import type { INodeProperties } from 'n8n-workflow';

import { submitOptionsField } from './submit-options-description';

const show = (operation: string[]) => ({ show: { resource: ['task'], operation } });

/** Submit: the task, its repository, how its attempts run and which agents make them. */
export const submitFields: INodeProperties[] = [
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
		displayName: 'Strategy',
		name: 'strategy',
		type: 'options',
		default: 'all',
		description: 'How the attempts run. Race and Cascade stop at the first attempt that passes the Verify Command (Options), which they need.',
		options: [
			{ name: 'All', value: 'all', description: 'Every attempt runs to its end; the best wins' },
			{
				name: 'Cascade',
				value: 'cascade',
				description:
					"Tiers one after another, cheapest first: the next tier starts only when no attempt of the tier before passed verify, and is told that tier's failure",
			},
			{ name: 'Race', value: 'race', description: 'The first attempt to pass verify wins; the others are stopped at once' },
		],
		displayOptions: show(['submit']),
	},
	{
		displayName: 'Choose Agents Automatically',
		name: 'chooseAgents',
		type: 'boolean',
		default: false,
		description:
			"Whether the service runs only some of the Agents below, chosen from this repository's past results: the verified pass rate of each, weighed by its cost, with room to try the others now and then. The task's selection says why.",
		displayOptions: { show: { resource: ['task'], operation: ['submit'], strategy: ['all', 'race'] } },
	},
	{
		displayName: 'Number of Agents',
		name: 'agentCount',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 8 },
		default: 1,
		description: 'How many of the Agents below run; the service chooses which',
		displayOptions: { show: { resource: ['task'], operation: ['submit'], strategy: ['all', 'race'], chooseAgents: [true] } },
	},
	{
		displayName: 'Agents',
		name: 'agents',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Agent',
		default: { agent: [{ agent: 'claude' }] },
		description:
			'The agents that each make an attempt, in their own git worktree (1 to 8; for a cascade, each with its tier). With Choose Agents Automatically, the candidates (up to 16) the service chooses from.',
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
							'The program and its arguments, one per line (or a JSON array). Any Command: {prompt} is replaced by the prompt. Any ACP Agent: the agent in its ACP mode, e.g. gemini and --acp.',
						displayOptions: { show: { agent: ['command', 'acp'] } },
					},
					{
						displayName: 'Extra Arguments',
						name: 'args',
						type: 'string',
						typeOptions: { rows: 2 },
						default: '',
						placeholder: 'e.g. --max-turns\n20',
						description: 'Extra CLI arguments, one per line (or a JSON array). Never parsed by a shell.',
						displayOptions: { hide: { agent: ['command', 'acp'] } },
					},
					{
						displayName: 'Model',
						name: 'model',
						type: 'string',
						default: '',
						placeholder: 'e.g. claude-sonnet-4-5',
						description: "Model name passed to the agent; empty uses the agent's default",
						displayOptions: { hide: { agent: ['command', 'acp'] } },
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
						displayName: 'Tier',
						name: 'tier',
						type: 'number',
						typeOptions: { minValue: 1, maxValue: 8 },
						default: 1,
						description: 'The cascade tier this agent runs in: tier 1 first, the next only when no attempt of the one before passed verify',
						displayOptions: { show: { '/strategy': ['cascade'] } },
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
	submitOptionsField,
];
