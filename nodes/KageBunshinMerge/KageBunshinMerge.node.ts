import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { runPerItem } from '../shared/per-item';
import { searchTasks } from '../shared/task-search';
import { optionName } from '../shared/subtitle';
import { mergeOperations, mergeProperties } from './merge-description';
import { runMergeOperation } from './merge-operations';

export class KageBunshinMerge implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Kage Bunshin Merge',
		name: 'kageBunshinMerge',
		icon: { light: 'file:../shared/icons/kage-bunshin.svg', dark: 'file:../shared/icons/kage-bunshin.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: `={{${optionName('operation', mergeOperations)} + ($parameter["operation"] === "discard" ? "" : ": " + ($parameter["agent"] === "best" ? "best attempt" : $parameter["agent"]))}}`,
		description:
			"For a finished task (by its ID): check an attempt for conflicts, get its diff, merge the best attempt into the target branch, open a pull request with it, or discard the task's attempts",
		defaults: { name: 'Kage Bunshin Merge' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'kageBunshinApi', required: true }],
		properties: mergeProperties,
	};

	methods = { listSearch: { searchTasks } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		// The operation cannot be an expression (noDataExpression): the same for every item.
		const operation = this.getNodeParameter('operation', 0) as string;
		return [await runPerItem(this, (i) => runMergeOperation(this, operation, i))];
	}
}
