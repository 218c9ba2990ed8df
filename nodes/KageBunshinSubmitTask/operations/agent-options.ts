import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { kageBunshinRequest } from '../../shared/transport';

/** The fields of GET /agents that the node reads. */
export const agentInfoFields = ['name', 'displayName', 'available', 'version', 'installHint'] as const;

export type AgentInfo = {
	name: string;
	displayName: string;
	available: boolean;
	version: string | null;
	installHint: string;
};

/** The Agent list: what the service can run, available first, the rest with how to install them. */
export async function getAgents(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const { body } = await kageBunshinRequest<{ items: AgentInfo[] }>(this, { method: 'GET', path: '/agents' });
	return agentOptions(body.items);
}

export function agentOptions(agents: AgentInfo[]): INodePropertyOptions[] {
	const byName = (a: AgentInfo, b: AgentInfo) => a.displayName.localeCompare(b.displayName);
	const available = agents.filter((agent) => agent.available).sort(byName);
	const missing = agents.filter((agent) => !agent.available).sort(byName);
	return [
		...available.map((agent) => ({
			name: agent.displayName,
			value: agent.name,
			description: agent.version ? `Installed: ${agent.version}` : 'Runs the program given in Command',
		})),
		...missing.map((agent) => ({
			name: `${agent.displayName} (not installed)`,
			value: agent.name,
			description: `Not installed on the service's machine: ${agent.installHint}`,
		})),
	];
}
