import type { INodeProperties } from 'n8n-workflow';

export const agentOperations: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['agent'] } },
		options: [
			{
				name: 'Get Many',
				value: 'getAll',
				description: 'List the agents the service knows and whether their CLI is installed',
				action: 'Get many agents',
			},
		],
		default: 'getAll',
	},
];
