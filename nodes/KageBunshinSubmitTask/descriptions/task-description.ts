import type { INodeProperties } from 'n8n-workflow';

import { taskIdField } from '../../shared/fields';
import { taskStatuses } from '../../shared/task-types';

import { submitFields } from './submit-description';

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
				description: "Continue a finished attempt with another prompt: its agent resumes its session where it can, and the task is ranked anew",
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
