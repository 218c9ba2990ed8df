import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { taskIdField } from '../shared/fields';

const show = (operation: string[]) => ({ show: { operation } });

export const mergeOperations: INodePropertyOptions[] = [
	{
		name: 'Check Conflicts',
		value: 'checkConflicts',
		description: "Check whether an attempt's branch merges cleanly, without touching any branch",
		action: 'Check an attempt for merge conflicts',
	},
	{
		name: 'Discard',
		value: 'discard',
		description: "Delete the task's worktrees and attempt branches without merging",
		action: 'Discard the attempts of a task',
	},
	{
		name: 'Get Diff',
		value: 'getDiff',
		description: 'Get the changes an attempt made against the base commit',
		action: 'Get the diff of an attempt',
	},
	{
		name: 'Merge',
		value: 'merge',
		description: "Merge an attempt's branch into the target branch",
		action: 'Merge an attempt',
	},
	{
		name: 'Open Pull Request',
		value: 'openPullRequest',
		description:
			"Push an attempt's branch and open a pull request (GitLab: merge request) with every attempt compared in its description; a task whose repository is a URL",
		action: 'Open a pull request for an attempt',
	},
];

export const mergeProperties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: mergeOperations,
		default: 'merge',
	},
	taskIdField(),
	{
		displayName: 'Attempt',
		name: 'agent',
		type: 'string',
		default: 'best',
		placeholder: 'e.g. best or claude-1',
		description: '"best" for the winning attempt, or the label of an attempt, e.g. "codex-2"',
		displayOptions: show(['checkConflicts', 'getDiff', 'merge', 'openPullRequest']),
	},
	{
		displayName: 'Strategy',
		name: 'strategy',
		type: 'options',
		options: [
			{
				name: 'Auto',
				value: 'auto',
				description: 'Merge when there are no conflicts; refuse (and report them) otherwise',
			},
			{
				name: 'Manual',
				value: 'manual',
				description:
					'Leave the merge for a person: creates a review branch (kage/TASK/merge-ATTEMPT) holding the merge (conflict markers included) and leaves the target branch alone',
			},
			{
				name: 'Theirs',
				value: 'theirs',
				description: "Resolve conflicting hunks in favour of the attempt's changes",
			},
		],
		default: 'auto',
		displayOptions: show(['merge']),
	},
	{
		displayName: 'Target Branch',
		name: 'targetBranch',
		type: 'string',
		default: '',
		placeholder: 'e.g. main',
		description: 'Branch to merge into (or the pull request targets); empty uses the branch the task started from',
		displayOptions: show(['checkConflicts', 'merge', 'openPullRequest']),
	},
	{
		displayName: 'Allow Unverified',
		name: 'allowUnverified',
		type: 'boolean',
		default: false,
		description:
			"Whether to go ahead with an attempt that did not pass the task's verify command. Off, the service refuses (409 not_verified): untested work is merged or proposed only when a person decided so.",
		displayOptions: show(['merge', 'openPullRequest']),
	},
	{
		displayName: 'On Conflict',
		name: 'onConflict',
		type: 'options',
		options: [
			{ name: 'Fail', value: 'fail', description: 'Stop the workflow with the conflicting files in the error' },
			{
				name: 'Output the Conflicts',
				value: 'output',
				description: 'Continue with status "conflicts" and the conflicting files, e.g. to notify someone',
			},
		],
		default: 'fail',
		displayOptions: { show: { operation: ['merge'], strategy: ['auto'] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show(['merge']),
		options: [
			{
				displayName: 'Commit Message',
				name: 'message',
				type: 'string',
				default: '',
				description: 'Message of the merge (or squash) commit; empty uses one naming the task and attempt',
			},
			{
				displayName: 'Delete Branches After Merging',
				name: 'deleteBranches',
				type: 'boolean',
				default: false,
				description:
					"Whether to delete the task's worktrees and attempt branches once the attempt is in the target branch (as Discard does). Left out, the service's KAGE_DELETE_MERGED_BRANCHES decides.",
			},
			{
				displayName: 'Merge a Failed Attempt',
				name: 'force',
				type: 'boolean',
				default: false,
				description: 'Whether to merge an attempt (named by its label) whose agent did not succeed',
			},
			{
				displayName: 'Squash',
				name: 'squash',
				type: 'boolean',
				default: false,
				description: "Whether to squash the attempt's commits into one commit on the target branch",
			},
		],
	},
	{
		displayName: 'Pull Request Options',
		name: 'pullRequestOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show(['openPullRequest']),
		options: [
			{
				displayName: 'Draft',
				name: 'draft',
				type: 'boolean',
				default: false,
				description: 'Whether to open it as a draft',
			},
			{
				displayName: 'Title',
				name: 'title',
				type: 'string',
				default: '',
				description: "Title of the pull request; empty uses the task description's first line",
			},
		],
	},
];
