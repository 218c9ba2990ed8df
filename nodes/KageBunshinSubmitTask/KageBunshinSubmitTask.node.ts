import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { asNodeError } from '../shared/errors';
import { agentOperations } from './descriptions/agent-description';
import { taskFields, taskOperations } from './descriptions/task-description';
import { listAgents } from './operations/agent-operations';
import { runTaskOperation } from './operations/task-operations';

export class KageBunshinSubmitTask implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Kage Bunshin Submit Task',
		name: 'kageBunshinSubmitTask',
		icon: { light: 'file:../shared/icons/kage-bunshin.svg', dark: 'file:../shared/icons/kage-bunshin.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description:
			'Run several AI coding agents on one task in parallel, each in its own git worktree; get, list and cancel tasks',
		defaults: { name: 'Kage Bunshin Submit Task' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'kageBunshinApi', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Task', value: 'task' },
					{ name: 'Agent', value: 'agent' },
				],
				default: 'task',
			},
			...taskOperations,
			...agentOperations,
			...taskFields,
			{
				displayName:
					'The task runs in the background: the output is the task as queued. Add Kage Bunshin Await Progress after this node to wait for its result.',
				name: 'awaitNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { resource: ['task'], operation: ['submit'] } },
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const returnData: INodeExecutionData[] = [];
		for (let i = 0; i < items.length; i++) {
			try {
				const resource = this.getNodeParameter('resource', i) as string;
				const operation = this.getNodeParameter('operation', i) as string;
				let results: IDataObject[];
				if (resource === 'task') results = await runTaskOperation(this, operation, i);
				else if (resource === 'agent') results = await listAgents(this, i);
				else throw new NodeOperationError(this.getNode(), `Unknown resource "${resource}"`, { itemIndex: i });
				returnData.push(...results.map((json) => ({ json, pairedItem: { item: i } })));
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
