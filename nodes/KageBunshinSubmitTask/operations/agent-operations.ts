import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { kageBunshinRequest } from '../../shared/transport';

/** GET /agents: one output item per agent the service knows. */
export async function listAgents(context: IExecuteFunctions, i: number): Promise<IDataObject[]> {
	const { body } = await kageBunshinRequest<IDataObject[] | { items: IDataObject[] }>(context, {
		method: 'GET',
		path: '/agents',
		itemIndex: i,
	});
	return Array.isArray(body) ? body : body.items;
}
