import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { parseArgv } from '../../shared/fields';
import { credentialType } from '../../shared/transport';

interface AgentParameter {
	agent: string;
	model?: string;
	prompt?: string;
	timeoutSeconds?: number;
	args?: string | string[];
	command?: string | string[];
	/** Strategy cascade: the tier it runs in (1 first). */
	tier?: number;
}

interface SubmitOptions {
	baseRef?: string;
	push?: string;
	budgetUsd?: number;
	callbackUrl?: string;
	callbackEvents?: string[];
	idempotencyKey?: string;
	verifyCommand?: string | string[];
	setupCommand?: string | string[];
	setupTimeoutSeconds?: number;
	copyFiles?: string | string[];
	keepFolders?: string | string[];
	verifyTimeoutSeconds?: number;
	verifyWithoutNetwork?: boolean;
	verifyRounds?: number;
	verifyProtect?: string | string[];
	judge?: string;
	judgeAlways?: boolean;
	maxProcesses?: number;
	maxMemoryMb?: number;
	maxFileSizeMb?: number;
	maxWorktreeMb?: number;
}

export interface SubmitRequest {
	body: IDataObject;
	headers: Record<string, string>;
}

/** Turns the Submit parameters of item `i` into the body of POST /tasks. */
export async function buildSubmitRequest(context: IExecuteFunctions, i: number): Promise<SubmitRequest> {
	const agentsParameter = context.getNodeParameter('agents', i, {}) as { agent?: AgentParameter[] };
	const options = context.getNodeParameter('options', i, {}) as SubmitOptions;
	const agentParameters = agentsParameter.agent ?? [];
	const agents = agentParameters.map((agent, index) => agentSpec(context, agent, i, index));
	if (agents.length === 0) {
		throw new NodeOperationError(context.getNode(), 'Add at least one agent', { itemIndex: i });
	}
	const strategy = context.getNodeParameter('strategy', i, 'all') as string;
	// A cascade names its agents tier by tier: there is nothing for the service to choose.
	const chooseAgents = strategy !== 'cascade' && (context.getNodeParameter('chooseAgents', i, false) as boolean);

	const body: IDataObject = {
		description: context.getNodeParameter('description', i) as string,
		repository: {
			...repositorySource(context, i),
			...(options.baseRef ? { baseRef: options.baseRef } : {}),
		},
		...(strategy === 'cascade'
			? { strategy, tiers: tiersOf(agentParameters, agents) }
			: chooseAgents
				? { pick: pickOf(context, agents, i) }
				: { agents }),
		...(strategy === 'race' ? { strategy } : {}),
	};
	if (options.push && body.repository && (body.repository as IDataObject).url) body.push = options.push;
	const verifyCommand = argv(context, options.verifyCommand, 'Verify Command', i);
	const protect = argv(context, options.verifyProtect, 'Verify Protected Files', i);
	if (verifyCommand.length > 0) {
		body.verify = {
			command: verifyCommand,
			...(protect.length > 0 ? { protect } : {}),
			...(options.verifyTimeoutSeconds ? { timeoutSeconds: options.verifyTimeoutSeconds } : {}),
			...(options.verifyWithoutNetwork ? { network: 'none' } : {}),
			...(options.verifyRounds && options.verifyRounds > 1 ? { maxRounds: options.verifyRounds } : {}),
		};
	}
	if (strategy !== 'all' && !body.verify) {
		throw new NodeOperationError(context.getNode(), `Strategy ${strategy === 'race' ? 'Race' : 'Cascade'} needs a Verify Command`, {
			itemIndex: i,
			description: 'It stops at the first attempt that passes the verify command: add Verify Command under Options, or choose Strategy All',
		});
	}
	if (options.judge && options.judge !== 'none') body.judge = { agent: options.judge, when: options.judgeAlways ? 'always' : 'ties' };
	const limits = attemptLimits(options);
	if (Object.keys(limits).length > 0) body.limits = limits;
	const setupCommand = argv(context, options.setupCommand, 'Setup Command', i);
	const copy = argv(context, options.copyFiles, 'Copy Local Files', i);
	const keep = argv(context, options.keepFolders, 'Keep Cache Folders', i);
	if (setupCommand.length > 0 || copy.length > 0 || keep.length > 0) {
		body.setup = {
			...(setupCommand.length > 0 ? { command: setupCommand } : {}),
			...(copy.length > 0 ? { copy } : {}),
			...(keep.length > 0 ? { keep } : {}),
			...(options.setupTimeoutSeconds ? { timeoutSeconds: options.setupTimeoutSeconds } : {}),
		};
	}
	if (options.budgetUsd !== undefined) body.budgetUsd = options.budgetUsd;
	if (options.callbackUrl) {
		const credentials = await context.getCredentials(credentialType, i);
		const secret = String(credentials.webhookSecret ?? '');
		body.callbacks = [
			{
				url: options.callbackUrl,
				events: options.callbackEvents ?? [],
				...(secret ? { secret } : {}),
			},
		];
	}
	const headers: Record<string, string> = options.idempotencyKey
		? { 'Idempotency-Key': options.idempotencyKey }
		: {};
	return { body, headers };
}

/** Choose Agents Automatically: the service runs Number of Agents of the agents given, chosen from the repository's history. */
function pickOf(context: IExecuteFunctions, candidates: IDataObject[], i: number): IDataObject {
	const count = Math.floor(Number(context.getNodeParameter('agentCount', i, 1)));
	if (!(count >= 1) || count > candidates.length) {
		throw new NodeOperationError(context.getNode(), `Number of Agents is ${count}, but ${candidates.length} Agents are given to choose from`, {
			itemIndex: i,
			description: 'Add more Agents as candidates, or lower Number of Agents (at least 1)',
		});
	}
	return { count, candidates };
}

/** A cascade's tiers: the agents grouped by their Tier, lowest first (gaps closed: tiers 1 and 3 become the first and second). */
function tiersOf(parameters: AgentParameter[], specs: IDataObject[]): IDataObject[][] {
	const byTier = new Map<number, IDataObject[]>();
	parameters.forEach((parameter, index) => {
		const tier = Math.max(1, Math.floor(Number(parameter.tier ?? 1)) || 1);
		byTier.set(tier, [...(byTier.get(tier) ?? []), specs[index]!]);
	});
	return [...byTier.entries()].sort(([a], [b]) => a - b).map(([, tier]) => tier);
}

/** The sandbox limits the node's options set; the service's defaults for the rest. */
function attemptLimits(options: SubmitOptions): IDataObject {
	const limits: IDataObject = {};
	if (options.maxProcesses) limits.processes = options.maxProcesses;
	if (options.maxMemoryMb) limits.memoryMb = options.maxMemoryMb;
	if (options.maxFileSizeMb) limits.fileSizeMb = options.maxFileSizeMb;
	if (options.maxWorktreeMb) limits.worktreeMb = options.maxWorktreeMb;
	return limits;
}

function agentSpec(context: IExecuteFunctions, agent: AgentParameter, i: number, index: number): IDataObject {
	const where = `Agent ${index + 1}`;
	const spec: IDataObject = { agent: agent.agent };
	if (agent.model) spec.model = agent.model;
	if (agent.prompt) spec.prompt = agent.prompt;
	if (agent.timeoutSeconds) spec.timeoutSeconds = agent.timeoutSeconds;
	const args = argv(context, agent.args, `${where}: Extra Arguments`, i);
	if (args.length > 0) spec.args = args;
	const command = argv(context, agent.command, `${where}: Command`, i);
	if (agent.agent === 'command' || agent.agent === 'acp') {
		if (command.length === 0) {
			const name = agent.agent === 'acp' ? 'Any ACP Agent' : 'Any Command';
			throw new NodeOperationError(context.getNode(), `${where} is "${name}" but has no Command`, {
				itemIndex: i,
			});
		}
		spec.command = command;
	}
	return spec;
}

function argv(context: IExecuteFunctions, value: unknown, field: string, i: number): string[] {
	try {
		return parseArgv(value);
	} catch (error) {
		throw new NodeOperationError(context.getNode(), `${field}: ${(error as Error).message}`, {
			itemIndex: i,
			description: 'Give one argument per line, or a JSON array of strings',
		});
	}
}

/** `{path}` or `{url, credential?}`, as the Repository Source parameter says. */
function repositorySource(context: IExecuteFunctions, i: number): IDataObject {
	if (context.getNodeParameter('repositorySource', i, 'path') === 'path') {
		return { path: context.getNodeParameter('repositoryPath', i) as string };
	}
	const credential = context.getNodeParameter('gitCredential', i, '') as string;
	return { url: context.getNodeParameter('repositoryUrl', i) as string, ...(credential ? { credential } : {}) };
}
