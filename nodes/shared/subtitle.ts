import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

/**
 * n8n expressions for node subtitles that read as words on the canvas ("wait: task finished"),
 * not as the raw option values ("taskFinished").
 */

/** The name of the option chosen in `parameter`, in lower case. */
export function optionName(parameter: string, options: INodePropertyOptions[]): string {
	const names = Object.fromEntries(options.map((option) => [String(option.value), option.name.toLowerCase()]));
	return lookup(`$parameter[${JSON.stringify(parameter)}]`, names);
}

/** The `action` of the chosen operation of the chosen resource, e.g. "submit a task". */
export function operationAction(operationsByResource: Record<string, INodeProperties>): string {
	const actions: Record<string, string> = {};
	for (const [resource, property] of Object.entries(operationsByResource)) {
		for (const option of (property.options ?? []) as INodePropertyOptions[]) {
			actions[`${resource}:${String(option.value)}`] = (option.action ?? option.name).toLowerCase();
		}
	}
	return lookup('$parameter["resource"] + ":" + $parameter["operation"]', actions);
}

function lookup(keyExpression: string, names: Record<string, string>): string {
	return `(${JSON.stringify(names)}[${keyExpression}] || ${keyExpression})`;
}
