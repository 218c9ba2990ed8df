import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import type { Page, Task } from './task-types';
import { kageBunshinRequest, serviceBaseUrl } from './transport';

const pageSize = 50;

/** The Task picker's list: recent tasks, newest first, named by their description. */
export async function searchTasks(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const page = Number(paginationToken ?? 1);
	const { body } = await kageBunshinRequest<Page<Task>>(this, {
		method: 'GET',
		path: '/tasks',
		qs: { page, pageSize },
	});
	const baseUrl = await serviceBaseUrl(this);
	const wanted = (filter ?? '').trim().toLowerCase();
	const results = body.items
		.filter((task) => wanted === '' || `${task.description} ${task.id}`.toLowerCase().includes(wanted))
		.map((task) => ({
			name: `${oneLine(String(task.description ?? ''))} (${task.status}, ${task.id.slice(0, 8)})`,
			value: task.id,
			url: `${baseUrl}/api/v1/tasks/${task.id}`,
		}));
	const more = page * body.pageSize < body.total;
	return { results, ...(more ? { paginationToken: String(page + 1) } : {}) };
}

function oneLine(text: string): string {
	const line = text.trim().split('\n')[0] ?? '';
	return line.length > 60 ? `${line.slice(0, 57)}…` : line;
}
