/**
 * The service names fields of its API ("repository.path"); a person set parameters of a node
 * ("Repository Path"). Errors are reworded with the parameter's name so they can be acted on.
 */
const agentFields: Record<string, string> = {
	agent: 'Agent',
	args: 'Extra Arguments',
	command: 'Command',
	model: 'Model',
	prompt: 'Prompt',
	timeoutSeconds: 'Timeout (Seconds)',
};

const rules: [RegExp, (match: RegExpExecArray) => string][] = [
	[/^description$/, () => 'Description'],
	[/^repository\.path$/, () => 'Repository Path'],
	[/^repository\.baseRef$/, () => 'Base Ref'],
	[/^repository\.url$/, () => 'Repository URL'],
	[/^repository\.credential$/, () => 'Git Credential Name'],
	[/^push$/, () => 'Push Branches'],
	[/^repository$/, () => 'Repository Path'],
	[/^agents$/, () => 'Agents'],
	[/^strategy$/, () => 'Strategy'],
	[/^tiers$/, () => 'Agents'],
	[/^tiers\.(\d+)$/, (m) => `Tier ${Number(m[1]) + 1}`],
	[/^tiers\.(\d+)\.(\d+)\.(\w+)(\.\d+)?$/, (m) => `Tier ${Number(m[1]) + 1}, agent ${Number(m[2]) + 1}: ${agentFields[m[3]] ?? m[3]}`],
	[/^pick$/, () => 'Choose Agents Automatically'],
	[/^pick\.count$/, () => 'Number of Agents'],
	[/^pick\.candidates$/, () => 'Agents'],
	[/^pick\.candidates\.(\d+)\.(\w+)(\.\d+)?$/, (m) => `Agent ${Number(m[1]) + 1}: ${agentFields[m[2]] ?? m[2]}`],
	[/^pick\.candidates\.(\d+)$/, (m) => `Agent ${Number(m[1]) + 1}`],
	[/^agents\.(\d+)\.(\w+)(\.\d+)?$/, (m) => `Agent ${Number(m[1]) + 1}: ${agentFields[m[2]] ?? m[2]}`],
	[/^agents\.(\d+)$/, (m) => `Agent ${Number(m[1]) + 1}`],
	[/^verify\.command(\.\d+)?$/, () => 'Verify Command'],
	[/^verify\.timeoutSeconds$/, () => 'Verify Timeout (Seconds)'],
	[/^verify\.network$/, () => 'Verify Without Network'],
	[/^verify\.maxRounds$/, () => 'Verify Rounds'],
	[/^verify\.protect(\.\d+)?$/, () => 'Verify Protected Files'],
	[/^judge(\.\w+)?$/, () => 'Judge'],
	[/^limits\.processes$/, () => 'Max Processes'],
	[/^limits\.memoryMb$/, () => 'Max Memory (MB)'],
	[/^limits\.fileSizeMb$/, () => 'Max File Size (MB)'],
	[/^limits\.worktreeMb$/, () => 'Max Worktree Size (MB)'],
	[/^setup\.command(\.\d+)?$/, () => 'Setup Command'],
	[/^setup\.copy(\.\d+)?$/, () => 'Copy Local Files'],
	[/^setup\.timeoutSeconds$/, () => 'Setup Timeout (Seconds)'],
	[/^setup\.keep(\.\d+)?$/, () => 'Keep Cache Folders'],
	[/^budgetUsd$/, () => 'Budget (USD)'],
	[/^callbacks\.\d+\.url$/, () => 'Callback URL'],
	[/^callbacks\.\d+\.events(\.\d+)?$/, () => 'Callback Events'],
	[/^(targetBranch|target)$/, () => 'Target Branch'],
	[/^agent$/, () => 'Attempt'],
	[/^label$/, () => 'Attempt'],
	[/^prompt$/, () => 'Prompt'],
	[/^message$/, () => 'Commit Message'],
	[/^title$/, () => 'Title'],
	[/^draft$/, () => 'Draft'],
	[/^allowUnverified$/, () => 'Allow Unverified'],
	[/^(taskId|id)$/, () => 'Task'],
];

/** The node parameter behind an API field, or undefined when none is (a field the node sets itself). */
export function parameterName(field: string): string | undefined {
	for (const [pattern, name] of rules) {
		const match = pattern.exec(field);
		if (match) return name(match);
	}
	return undefined;
}

/** The API fields a service error names: `details.field`, or `details[].field` for validation. */
export function fieldsNamed(details: unknown): string[] {
	const entries = Array.isArray(details) ? details : [details];
	return entries
		.map((entry) => (entry && typeof entry === 'object' ? (entry as { field?: unknown }).field : undefined))
		.filter((field): field is string => typeof field === 'string' && field !== '');
}

/** `message` with each API field it names replaced by the node parameter's name. */
export function inParameterTerms(message: string, fields: string[]): string {
	// Longest first, so "repository.path" is replaced before a shorter field it contains.
	return [...new Set(fields)]
		.sort((a, b) => b.length - a.length)
		.reduce((text, field) => {
			const name = parameterName(field);
			return name ? text.split(field).join(name) : text;
		}, message);
}
