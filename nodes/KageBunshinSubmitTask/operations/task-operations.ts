import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { readTaskId } from '../../shared/fields';
import type { Page, Task, TaskEvent } from '../../shared/task-types';
import { kageBunshinRequest, type KageBunshinRequest } from '../../shared/transport';
import { buildSubmitRequest } from './submit-body';

const pageSize = 100;

/** Runs one Task operation for input item `i`; returns the output items' JSON. */
export async function runTaskOperation(
	context: IExecuteFunctions,
	operation: string,
	i: number,
): Promise<IDataObject[]> {
	const request = <T>(options: KageBunshinRequest) => kageBunshinRequest<T>(context, options);
	const taskPath = () => `/tasks/${encodeURIComponent(readTaskId(context, i))}`;
	switch (operation) {
		case 'submit': {
			const { body, headers } = await buildSubmitRequest(context, i);
			const response = await request<Task>({ method: 'POST', path: '/tasks', body, headers, itemIndex: i });
			return [response.body as IDataObject];
		}
		case 'get':
			return [(await request<Task>({ method: 'GET', path: taskPath(), itemIndex: i })).body as IDataObject];
		case 'cancel':
			return [(await request<Task>({ method: 'DELETE', path: taskPath(), itemIndex: i })).body as IDataObject];
		case 'followUp': {
			const attempt = encodeURIComponent(context.getNodeParameter('attempt', i) as string);
			const prompt = context.getNodeParameter('followUpPrompt', i) as string;
			const path = `${taskPath()}/attempts/${attempt}/follow-up`;
			return [(await request<Task>({ method: 'POST', path, body: { prompt }, itemIndex: i })).body as IDataObject];
		}
		case 'getStats':
			return [(await request<IDataObject>({ method: 'GET', path: '/tasks/stats', itemIndex: i })).body];
		case 'getAll':
			return (await listTasks(context, i)) as IDataObject[];
		case 'getEvents':
			return (await listEvents(context, taskPath(), i)) as unknown as IDataObject[];
		default:
			throw new NodeOperationError(context.getNode(), `Unknown task operation "${operation}"`, { itemIndex: i });
	}
}

async function listTasks(context: IExecuteFunctions, i: number): Promise<Task[]> {
	const returnAll = context.getNodeParameter('returnAll', i, false) as boolean;
	const limit = returnAll ? Infinity : (context.getNodeParameter('limit', i, 50) as number);
	const filters = context.getNodeParameter('filters', i, {}) as { status?: string };
	// One page size throughout: page numbers only line up when every page has the same size.
	const size = Math.min(pageSize, limit);
	const tasks: Task[] = [];
	for (let page = 1; tasks.length < limit; page++) {
		const { body } = await kageBunshinRequest<Page<Task>>(context, {
			method: 'GET',
			path: '/tasks',
			qs: { ...filters, page, pageSize: size },
			itemIndex: i,
		});
		tasks.push(...body.items);
		if (body.items.length === 0 || page * body.pageSize >= body.total) break;
	}
	return tasks.slice(0, limit);
}

async function listEvents(context: IExecuteFunctions, taskPath: string, i: number): Promise<TaskEvent[]> {
	const returnAll = context.getNodeParameter('returnAll', i, false) as boolean;
	const limit = returnAll ? Infinity : (context.getNodeParameter('limit', i, 50) as number);
	let after = context.getNodeParameter('after', i, 0) as number;
	const events: TaskEvent[] = [];
	while (events.length < limit) {
		const size = Math.min(pageSize, limit - events.length);
		const { body } = await kageBunshinRequest<{ items: TaskEvent[] }>(context, {
			method: 'GET',
			path: `${taskPath}/events`,
			qs: { after, limit: size },
			itemIndex: i,
		});
		events.push(...body.items);
		if (body.items.length < size) break;
		after = body.items[body.items.length - 1].seq;
	}
	return events;
}
