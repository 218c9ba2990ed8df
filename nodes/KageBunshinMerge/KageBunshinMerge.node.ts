import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { asNodeError } from '../shared/errors';
import { mergeProperties } from './merge-description';
import { runMergeOperation } from './merge-operations';

export class KageBunshinMerge implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Kage Bunshin Merge',
		name: 'kageBunshinMerge',
		icon: { light: 'file:../shared/icons/kage-bunshin.svg', dark: 'file:../shared/icons/kage-bunshin.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["agent"]}}',
		description: "Check an attempt for conflicts, see its diff, merge the best attempt, or discard a task's attempts",
		defaults: { name: 'Kage Bunshin Merge' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'kageBunshinApi', required: true }],
		properties: mergeProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const returnData: INodeExecutionData[] = [];
		for (let i = 0; i < items.length; i++) {
			try {
				const operation = this.getNodeParameter('operation', i) as string;
				returnData.push({ json: await runMergeOperation(this, operation, i), pairedItem: { item: i } });
			} catch (error) {
				if (this.continueOnFail()) {
					returnData.push({ json: { error: (error as Error).message }, pairedItem: { item: i } });
					continue;
				}
				throw asNodeError(this.getNode(), error, i);
			}
		}
		return [returnData];
	}
}
