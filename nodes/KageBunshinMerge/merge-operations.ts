import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { kageBunshinRequest } from '../shared/transport';

/** Runs the Merge node's operation for input item `i`; returns the output item's JSON. */
export async function runMergeOperation(context: IExecuteFunctions, operation: string, i: number): Promise<IDataObject> {
	const taskId = context.getNodeParameter('taskId', i) as string;
	const taskPath = `/tasks/${encodeURIComponent(taskId)}`;
	switch (operation) {
		case 'checkConflicts': {
			const target = context.getNodeParameter('targetBranch', i, '') as string;
			const qs: IDataObject = { agent: agentParameter(context, i), ...(target ? { target } : {}) };
			return (await kageBunshinRequest(context, { method: 'GET', path: `${taskPath}/conflicts`, qs, itemIndex: i })).body;
		}
		case 'getDiff': {
			const { body } = await kageBunshinRequest<IDataObject | string>(context, {
				method: 'GET',
				path: `${taskPath}/diff`,
				qs: { agent: agentParameter(context, i) },
				itemIndex: i,
			});
			return typeof body === 'string' ? { taskId, agent: agentParameter(context, i), diff: body } : body;
		}
		case 'merge':
			return await merge(context, taskPath, i);
		case 'discard':
			return (await kageBunshinRequest(context, { method: 'POST', path: `${taskPath}/discard`, itemIndex: i })).body;
		default:
			throw new NodeOperationError(context.getNode(), `Unknown operation "${operation}"`, { itemIndex: i });
	}
}

async function merge(context: IExecuteFunctions, taskPath: string, i: number): Promise<IDataObject> {
	const strategy = context.getNodeParameter('strategy', i) as string;
	const targetBranch = context.getNodeParameter('targetBranch', i, '') as string;
	const options = context.getNodeParameter('options', i, {}) as { message?: string; squash?: boolean };
	const outputConflicts = strategy === 'auto' && context.getNodeParameter('onConflict', i, 'fail') === 'output';
	const body: IDataObject = {
		agent: agentParameter(context, i),
		strategy,
		...(targetBranch ? { targetBranch } : {}),
		...(options.message ? { message: options.message } : {}),
		...(options.squash !== undefined ? { squash: options.squash } : {}),
	};
	const response = await kageBunshinRequest<IDataObject>(context, {
		method: 'POST',
		path: `${taskPath}/merge`,
		body,
		itemIndex: i,
		// 409 = the attempt conflicts with the target; the body lists the conflicting files.
		acceptStatuses: outputConflicts ? [409] : [],
	});
	if (response.statusCode === 409) return { merged: false, ...errorDetails(response.body) };
	return response.body;
}

function agentParameter(context: IExecuteFunctions, i: number): string {
	const agent = (context.getNodeParameter('agent', i, 'best') as string).trim();
	return agent === '' ? 'best' : agent;
}

function errorDetails(body: IDataObject): IDataObject {
	const error = (body.error ?? {}) as IDataObject;
	const details = error.details && typeof error.details === 'object' ? (error.details as IDataObject) : {};
	return { code: error.code, message: error.message, ...details };
}
