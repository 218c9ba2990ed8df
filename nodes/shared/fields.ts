import type { IDisplayOptions, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

const uuid = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

/**
 * The task to act on: picked from the service's recent tasks, given by ID (by default the `id`
 * of the incoming item, as Submit Task outputs it) or by a task URL of the service's API.
 */
export function taskIdField(displayOptions?: IDisplayOptions): INodeProperties {
	return {
		displayName: 'Task',
		name: 'taskId',
		type: 'resourceLocator',
		required: true,
		default: { mode: 'id', value: '={{ $json.id }}' },
		description: 'The task to use. By ID it defaults to the ID of the incoming item, as output by Submit Task.',
		displayOptions,
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: 'Select a task…',
				typeOptions: { searchListMethod: 'searchTasks', searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. 5f0c6f9e-2c1d-4d3b-9a55-0d6f0c1b2a3e',
				validation: [
					{ type: 'regex', properties: { regex: `^\\s*${uuid}\\s*$`, errorMessage: 'Not a task ID (a UUID)' } },
				],
			},
			{
				displayName: 'By URL',
				name: 'url',
				type: 'string',
				placeholder: 'e.g. http://127.0.0.1:8000/api/v1/tasks/5f0c6f9e-2c1d-4d3b-9a55-0d6f0c1b2a3e',
				extractValue: { type: 'regex', regex: `/tasks/(${uuid})` },
				validation: [
					{ type: 'regex', properties: { regex: `.*/tasks/${uuid}.*`, errorMessage: 'Not a Kage Bunshin task URL' } },
				],
			},
		],
	};
}

/** The task ID of item `i`, whichever way it was given (older workflows hold a plain string). */
export function readTaskId(context: IExecuteFunctions, i: number): string {
	const value = context.getNodeParameter('taskId', i, '', { extractValue: true }) as unknown;
	const id = typeof value === 'object' && value !== null ? (value as { value?: unknown }).value : value;
	return String(id ?? '').trim();
}

/**
 * Splits an argv typed into n8n: a JSON array of strings, or one argument per line. Never a
 * shell string: the service runs argv arrays, so quoting rules would only surprise people.
 */
export function parseArgv(value: unknown): string[] {
	if (Array.isArray(value)) return value.map(String);
	const text = String(value ?? '').trim();
	if (text === '') return [];
	if (text.startsWith('[')) {
		const parsed: unknown = JSON.parse(text);
		if (!Array.isArray(parsed)) throw new Error('expected a JSON array of strings');
		return parsed.map(String);
	}
	return text
		.split(/\r?\n/)
		.map((line) => line.trim())
		.filter((line) => line !== '');
}
