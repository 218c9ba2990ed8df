import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { eventTypeOptions } from '../shared/event-types';
import { taskIdField } from '../shared/fields';

const whenWaiting = { show: { operation: ['wait'] } };

export const waitForOptions: INodePropertyOptions[] = [
	{
		name: 'Agent Finished',
		value: 'agentFinished',
		description: 'A given attempt finished (or the whole task ended first)',
	},
	{
		name: 'Event Received',
		value: 'event',
		description: 'The task emitted one of the chosen event types',
	},
	{
		name: 'Task Finished',
		value: 'taskFinished',
		description: 'The task completed, failed or was cancelled',
	},
	{
		name: 'Task Merged',
		value: 'merged',
		description:
			"One of the task's attempts was merged into its target: by a person on the task's review page, a Merge node or the API",
	},
];

export const awaitProperties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Get Status',
				value: 'getStatus',
				description: "Get the task's current status without waiting",
				action: 'Get the status of a task',
			},
			{
				name: 'Wait',
				value: 'wait',
				description: 'Pause the workflow until the task reaches a point, then continue with the task',
				action: 'Wait for a task',
			},
		],
		default: 'wait',
	},
	taskIdField(),
	{
		displayName: 'Resume When',
		name: 'waitFor',
		type: 'options',
		noDataExpression: true,
		displayOptions: whenWaiting,
		options: waitForOptions,
		default: 'taskFinished',
	},
	{
		displayName: 'Agent Label',
		name: 'agentLabel',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. claude-1',
		description:
			"Label of the attempt to wait for, as in the task's agents list. Read again when the service calls back, without the input item, so use a fixed label rather than an expression on $JSON.",
		displayOptions: { show: { operation: ['wait'], waitFor: ['agentFinished'] } },
	},
	{
		displayName: 'Event Types',
		name: 'eventTypes',
		type: 'multiOptions',
		required: true,
		options: eventTypeOptions,
		default: ['verify.completed'],
		description: 'The workflow resumes on the first of these events',
		displayOptions: { show: { operation: ['wait'], waitFor: ['event'] } },
	},
	{
		displayName: 'Limit Wait Time',
		name: 'limitWaitTime',
		type: 'boolean',
		default: true,
		description:
			'Whether to stop waiting after a while. The node then outputs the task ID with timedOut set to true, so an IF node can branch on it.',
		displayOptions: whenWaiting,
	},
	{
		displayName: 'Timeout',
		name: 'timeout',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 2,
		description: 'How long to wait at most',
		displayOptions: { show: { operation: ['wait'], limitWaitTime: [true] } },
	},
	{
		displayName: 'Timeout Unit',
		name: 'timeoutUnit',
		type: 'options',
		options: [
			{ name: 'Days', value: 'days' },
			{ name: 'Hours', value: 'hours' },
			{ name: 'Minutes', value: 'minutes' },
		],
		default: 'hours',
		displayOptions: { show: { operation: ['wait'], limitWaitTime: [true] } },
	},
	{
		displayName:
			"The service calls this workflow back, signed with the credential's webhook secret: n8n must be reachable from the service. Progress events that do not end the wait are acknowledged without resuming.",
		name: 'callbackNotice',
		type: 'notice',
		default: '',
		displayOptions: whenWaiting,
	},
];
