import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { readTaskId } from '../shared/fields';
import { kageBunshinRequest, serviceError, type KageBunshinRequest } from '../shared/transport';

/** Runs the Merge node's operation for input item `i`; returns the output item's JSON. */
export async function runMergeOperation(context: IExecuteFunctions, operation: string, i: number): Promise<IDataObject> {
	const taskId = readTaskId(context, i);
	const taskPath = `/tasks/${encodeURIComponent(taskId)}`;
	switch (operation) {
		case 'checkConflicts': {
			const target = context.getNodeParameter('targetBranch', i, '') as string;
			const qs: IDataObject = { agent: agentParameter(context, i), ...(target ? { target } : {}) };
			return (await kageBunshinRequest(context, { method: 'GET', path: `${taskPath}/conflicts`, qs, itemIndex: i })).body;
		}
		case 'getDiff': {
			const qs: IDataObject = { agent: agentParameter(context, i) };
			return (await kageBunshinRequest(context, { method: 'GET', path: `${taskPath}/diff`, qs, itemIndex: i })).body;
		}
		case 'merge':
			return await merge(context, taskPath, i);
		case 'openPullRequest':
			return await openPullRequest(context, taskPath, i);
		case 'discard':
			return (await kageBunshinRequest(context, { method: 'POST', path: `${taskPath}/discard`, itemIndex: i })).body;
		default:
			throw new NodeOperationError(context.getNode(), `Unknown operation "${operation}"`, { itemIndex: i });
	}
}

async function merge(context: IExecuteFunctions, taskPath: string, i: number): Promise<IDataObject> {
	const strategy = context.getNodeParameter('strategy', i) as string;
	const targetBranch = context.getNodeParameter('targetBranch', i, '') as string;
	const options = context.getNodeParameter('options', i, {}) as { message?: string; squash?: boolean; force?: boolean; deleteBranches?: boolean };
	const outputConflicts = strategy === 'auto' && context.getNodeParameter('onConflict', i, 'fail') === 'output';
	const body: IDataObject = {
		agent: agentParameter(context, i),
		strategy,
		...(targetBranch ? { targetBranch } : {}),
		...(options.message ? { message: options.message } : {}),
		...(options.squash !== undefined ? { squash: options.squash } : {}),
		...(options.force ? { force: true } : {}),
		...(options.deleteBranches !== undefined ? { deleteBranches: options.deleteBranches } : {}),
		...allowUnverified(context, i),
	};
	const request: KageBunshinRequest = {
		method: 'POST',
		path: `${taskPath}/merge`,
		body,
		itemIndex: i,
		acceptStatuses: outputConflicts ? [409] : [],
	};
	const response = await kageBunshinRequest<IDataObject>(context, request);
	if (response.statusCode !== 409) return response.body;
	// 409 also means "checkout dirty" or "target moved"; only conflicts are an expected outcome.
	const conflict = conflictOutcome(response.body);
	if (!conflict) throw serviceError(context, request, response.statusCode, response.body);
	return conflict;
}

async function openPullRequest(context: IExecuteFunctions, taskPath: string, i: number): Promise<IDataObject> {
	const targetBranch = context.getNodeParameter('targetBranch', i, '') as string;
	const options = context.getNodeParameter('pullRequestOptions', i, {}) as { draft?: boolean; title?: string };
	const body: IDataObject = {
		agent: agentParameter(context, i),
		...(targetBranch ? { targetBranch } : {}),
		...(options.title ? { title: options.title } : {}),
		...(options.draft ? { draft: true } : {}),
		...allowUnverified(context, i),
	};
	return (await kageBunshinRequest(context, { method: 'POST', path: `${taskPath}/pull-request`, body, itemIndex: i })).body;
}

/** Sent only when on: the service's default (refuse untested work) stays the default. */
function allowUnverified(context: IExecuteFunctions, i: number): IDataObject {
	return context.getNodeParameter('allowUnverified', i, false) ? { allowUnverified: true } : {};
}

function agentParameter(context: IExecuteFunctions, i: number): string {
	const agent = (context.getNodeParameter('agent', i, 'best') as string).trim();
	return agent === '' ? 'best' : agent;
}

/** The 409 body of a conflicting auto merge, as an output item shaped like a merge result. */
function conflictOutcome(body: IDataObject): IDataObject | undefined {
	const error = (body.error ?? {}) as IDataObject;
	const details = (error.details ?? {}) as IDataObject;
	if (!Array.isArray(details.conflicts)) return undefined;
	return { status: 'conflicts', code: error.code, message: error.message, ...details };
}
