import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

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
			returnData.push({ json: { error: (error as Error).message }, pairedItem: { item: i } });
		}
	}
	return returnData;
}
