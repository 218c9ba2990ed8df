import type { IDataObject, IExecuteFunctions, INodeExecutionData, NodeApiError } from 'n8n-workflow';

import { asNodeError } from './errors';

/**
 * Runs `operation` once per input item: each result is paired with its item, and with
 * "continue on fail" a failing item outputs its error instead of stopping the node.
 */
export async function runPerItem(
	context: IExecuteFunctions,
	operation: (itemIndex: number) => Promise<IDataObject | IDataObject[]>,
): Promise<INodeExecutionData[]> {
	const returnData: INodeExecutionData[] = [];
	const items = context.getInputData();
	for (let i = 0; i < items.length; i++) {
		try {
			const results = await operation(i);
			for (const json of Array.isArray(results) ? results : [results]) returnData.push({ json, pairedItem: { item: i } });
		} catch (error) {
			if (!context.continueOnFail()) throw asNodeError(context.getNode(), error, i);
			returnData.push({ json: failedItem(error), pairedItem: { item: i } });
		}
	}
	return returnData;
}

/**
 * What a failed item outputs with "continue on fail": the message in `error`, the service's code
 * and details under `details`. n8n 2.x sends an item down the error output ("Continue (using
 * error output)") only when its json holds nothing but error, message and details (or the item
 * carries an `error` object, whose json n8n then replaces with the bare message), so no other
 * top-level field may be added here.
 */
export function failedItem(error: unknown): IDataObject {
	const nodeError = error as Partial<NodeApiError>;
	const serviceError = (nodeError.context?.serviceError ?? {}) as IDataObject;
	return {
		error: (error as Error).message,
		details: {
			code: serviceError.code ?? null,
			...(nodeError.httpCode ? { httpCode: nodeError.httpCode } : {}),
			...(nodeError.description ? { description: nodeError.description } : {}),
			details: serviceError.details ?? null,
		},
	};
}
