import type { IDisplayOptions, INodeProperties } from 'n8n-workflow';

/** The task id parameter; it defaults to the `id` of the incoming item (a task from Submit). */
export function taskIdField(displayOptions?: IDisplayOptions): INodeProperties {
	return {
		displayName: 'Task ID',
		name: 'taskId',
		type: 'string',
		required: true,
		default: '={{ $json.id }}',
		placeholder: 'e.g. 5f0c6f9e-2c1d-4d3b-9a55-0d6f0c1b2a3e',
		description: 'The task to use. Defaults to the ID of the incoming item, as output by Submit Task.',
		displayOptions,
	};
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
