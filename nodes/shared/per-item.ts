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
			const nodeError = asNodeError(context.getNode(), error, i);
			if (!context.continueOnFail()) throw nodeError;
			// n8n sends an item down the error output ("Continue (using error output)") when the item
			// carries `error`, or when its json has only error/message/details: ours has more fields.
			returnData.push({ json: failedItem(error), error: nodeError, pairedItem: { item: i } });
		}
	}
	return returnData;
}

/** What a failed item outputs with "continue on fail": the message, and the service's code and details. */
export function failedItem(error: unknown): IDataObject {
	const nodeError = error as Partial<NodeApiError>;
	const serviceError = (nodeError.context?.serviceError ?? {}) as IDataObject;
	return {
		error: (error as Error).message,
		...(nodeError.description ? { description: nodeError.description } : {}),
		...(nodeError.httpCode ? { httpCode: nodeError.httpCode } : {}),
		code: serviceError.code ?? null,
		details: serviceError.details ?? null,
	};
}
