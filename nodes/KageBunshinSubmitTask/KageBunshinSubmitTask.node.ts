import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { runPerItem } from '../shared/per-item';
import { operationAction } from '../shared/subtitle';
import { agentOperations } from './descriptions/agent-description';
import { taskFields, taskOperations } from './descriptions/task-description';
import { getAgents } from './operations/agent-options';
import { listAgents } from './operations/agent-operations';
import { searchTasks } from '../shared/task-search';
import { runTaskOperation } from './operations/task-operations';

export class KageBunshinSubmitTask implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Kage Bunshin Submit Task',
		name: 'kageBunshinSubmitTask',
		icon: { light: 'file:../shared/icons/kage-bunshin.svg', dark: 'file:../shared/icons/kage-bunshin.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: `={{${operationAction({ task: taskOperations[0], agent: agentOperations[0] })}}}`,
		description:
			'Run several AI coding agents on one coding task in a git repository, each in its own worktree; answers at once with the task (its ID and status). Also gets, lists and cancels tasks.',
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
					{ name: 'Agent', value: 'agent' },
					{ name: 'Task', value: 'task' },
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

	methods = {
		loadOptions: { getAgents },
		listSearch: { searchTasks },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		// Resource and operation cannot be expressions (noDataExpression): the same for every item.
		const resource = this.getNodeParameter('resource', 0) as string;
		const operation = this.getNodeParameter('operation', 0) as string;
		return [
			await runPerItem(this, async (i) => {
				if (resource === 'task') return await runTaskOperation(this, operation, i);
				if (resource === 'agent') return await listAgents(this, i);
				throw new NodeOperationError(this.getNode(), `Unknown resource "${resource}"`, { itemIndex: i });
			}),
		];
	}
}
