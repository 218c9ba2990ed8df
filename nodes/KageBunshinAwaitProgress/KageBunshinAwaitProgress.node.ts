import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IWebhookDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { readTaskId } from '../shared/fields';
import { asNodeError } from '../shared/errors';
import { failedItem, runPerItem } from '../shared/per-item';
import { searchTasks } from '../shared/task-search';
import { finishedTaskStatuses, type Task } from '../shared/task-types';
import { kageBunshinRequest } from '../shared/transport';
import { optionName } from '../shared/subtitle';
import { awaitProperties, waitForOptions } from './await-description';
import { handleCallback } from './resume-webhook';
import { startWait } from './start-wait';

// The Wait node's resume webhook. Declared outside the class: it serves a waiting execution
// (`restartWebhook`), not a trigger, so it needs no checkExists/create/delete lifecycle.
const resumeWebhooks: IWebhookDescription[] = [
	{
		name: 'default',
		httpMethod: 'POST',
		responseMode: 'onReceived',
		path: '',
		restartWebhook: true,
	},
];

export class KageBunshinAwaitProgress implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Kage Bunshin Await Progress',
		name: 'kageBunshinAwaitProgress',
		icon: { light: 'file:../shared/icons/kage-bunshin.svg', dark: 'file:../shared/icons/kage-bunshin.dark.svg' },
		group: ['organization'],
		version: 1,
		subtitle: `={{$parameter["operation"] === "wait" ? "wait: " + ${optionName('waitFor', waitForOptions)} : "get status"}}`,
		description: 'Pause the workflow until a Kage Bunshin task finishes, an agent finishes or an event happens',
		defaults: { name: 'Kage Bunshin Await Progress' },
		// As a tool only Get Status works: a tool call cannot suspend the execution (startWait says so).
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'kageBunshinApi', required: true }],
		webhooks: resumeWebhooks,
		properties: awaitProperties,
	};

	methods = { listSearch: { searchTasks } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const operation = this.getNodeParameter('operation', 0) as string;
		if (operation === 'wait') return await waitOrFailedItems(this);
		return [await getStatuses(this)];
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await handleCallback(this);
	}
}

/**
 * A wait that fails before waiting, as a failed item when the node continues on fail: n8n
 * would pass the input through unchanged for an error thrown, so neither "Continue" output would
 * say why and "Continue (using error output)" would take the success output.
 */
async function waitOrFailedItems(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	try {
		return await startWait(context);
	} catch (error) {
		if (!context.continueOnFail()) throw asNodeError(context.getNode(), error, 0);
		return [context.getInputData().map((_item, i) => ({ json: failedItem(error), pairedItem: { item: i } }))];
	}
}

async function getStatuses(context: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await runPerItem(context, async (i) => {
		const taskId = readTaskId(context, i);
		const { body: task } = await kageBunshinRequest<Task>(context, {
			method: 'GET',
			path: `/tasks/${encodeURIComponent(taskId)}`,
			itemIndex: i,
		});
		return { ...task, finished: finishedTaskStatuses.includes(task.status) };
	});
}
