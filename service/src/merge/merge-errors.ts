import { Refusal } from '../refusal.ts';

/**
 * The merge failures callers must tell apart. Conflicts, a dirty checkout and a moved target
 * are all conflicts: the request was fine, the repository's state is not.
 */
export interface ConflictEntry {
  path: string;
  /** git's conflict kind: `content`, `add/add`, `modify/delete`, `rename/delete`, `binary`, … */
  kind: string;
  /** git's own explanation, e.g. "CONFLICT (modify/delete): a deleted in … and modified in …". */
  message: string;
}

/** `auto` found conflicts; nothing was changed. */
export class MergeConflictError extends Refusal {
  readonly sourceBranch: string;
  readonly targetBranch: string;
  readonly conflicts: ConflictEntry[];

  constructor(sourceBranch: string, targetBranch: string, conflicts: ConflictEntry[]) {
    super(
      'conflict', 'merge_conflicts',
      `merging ${sourceBranch} into ${targetBranch} conflicts in ${conflicts.length} file(s): ` +
        conflicts.map((conflict) => `${conflict.path} (${conflict.kind})`).join(', '),
      { conflicts, sourceBranch, targetBranch },
    );
    this.sourceBranch = sourceBranch;
    this.targetBranch = targetBranch;
    this.conflicts = conflicts;
  }
}

/** The target branch is checked out with uncommitted changes (or its checkout refused the update). */
export class DirtyCheckoutError extends Refusal {
  readonly targetBranch: string;
  readonly checkoutPath: string;
  readonly paths: string[];

  constructor(targetBranch: string, checkoutPath: string, paths: string[], detail?: string) {
    super(
      'conflict', 'dirty_checkout',
      `branch ${targetBranch} is checked out in ${checkoutPath} with uncommitted changes` +
        (paths.length > 0 ? ` (${paths.slice(0, 10).join(', ')}${paths.length > 10 ? ', …' : ''})` : '') +
        (detail ? `: ${detail}` : '') +
        '; commit or stash them and merge again',
      { targetBranch, checkoutPath, paths },
    );
    this.targetBranch = targetBranch;
    this.checkoutPath = checkoutPath;
    this.paths = paths;
  }
}

/**
 * The target branch is checked out and the merge would overwrite or delete files there that git
 * does not track (ignored ones such as `.env` included). Nothing was changed.
 */
export class FilesInTheWayError extends Refusal {
  readonly targetBranch: string;
  readonly checkoutPath: string;
  readonly paths: string[];

  constructor(targetBranch: string, checkoutPath: string, paths: string[]) {
    super(
      'conflict', 'untracked_files_in_the_way',
      `merging into ${targetBranch} would overwrite or delete files in its checkout ${checkoutPath} that git does not track: ` +
        `${paths.slice(0, 10).join(', ')}${paths.length > 10 ? ', …' : ''}; ` +
        'move them out of the way (or commit them) and merge again, or merge into a branch that is not checked out',
      { targetBranch, checkoutPath, paths },
    );
    this.targetBranch = targetBranch;
    this.checkoutPath = checkoutPath;
    this.paths = paths;
  }
}

/** The target branch moved between reading it and updating it; nothing was overwritten. Retry. */
export class TargetMovedError extends Refusal {
  readonly targetBranch: string;
  readonly expectedCommit: string;
  readonly actualCommit: string | null;

  constructor(targetBranch: string, expectedCommit: string, actualCommit: string | null) {
    super(
      'conflict', 'target_moved',
      `branch ${targetBranch} moved from ${expectedCommit} to ${actualCommit ?? '(deleted)'} during the merge; ` +
        'nothing was changed, merge again',
      { targetBranch, expectedCommit, actualCommit },
    );
    this.targetBranch = targetBranch;
    this.expectedCommit = expectedCommit;
    this.actualCommit = actualCommit;
  }
}

/** A branch the merge needs does not exist (or is not a valid branch name). */
export class BranchNotFoundError extends Refusal {
  readonly repoPath: string;
  readonly branch: string;

  constructor(repoPath: string, branch: string) {
    super(
      'not_found', 'branch_not_found',
      `branch '${branch}' does not exist in ${repoPath}`,
      { branch },
    );
    this.repoPath = repoPath;
    this.branch = branch;
  }
}

/** A branch the service would replace or delete is checked out somewhere, so it is left alone. */
export class BranchCheckedOutError extends Refusal {
  readonly branch: string;
  readonly checkoutPath: string;

  constructor(branch: string, checkoutPath: string) {
    super(
      'conflict', 'branch_checked_out',
      `branch ${branch} is checked out in ${checkoutPath}; switch that checkout to another branch or remove it first`,
      { branch, checkoutPath },
    );
    this.branch = branch;
    this.checkoutPath = checkoutPath;
  }
}

/** The target and the attempt share no commit (e.g. an orphan target branch): git will not merge them. */
export class UnrelatedHistoriesError extends Refusal {
  readonly targetCommit: string;
  readonly sourceCommit: string;

  constructor(targetCommit: string, sourceCommit: string) {
    super(
      'conflict', 'unrelated_histories',
      `the target (${targetCommit}) and the attempt (${sourceCommit}) share no history, so git will not merge them; ` +
        "merge into a branch that descends from the task's base commit",
      { targetCommit, sourceCommit },
    );
    this.targetCommit = targetCommit;
    this.sourceCommit = sourceCommit;
  }
}

/** What an attempt's verify said, as a refusal names it (its output stays on the attempt). */
export interface VerifySummary {
  passed: boolean;
  exitCode: number | null;
  timedOut: boolean;
}

/**
 * The task has a verify command and the attempt asked for did not pass it (or never ran it):
 * untested work is merged or proposed only when the caller says so (allowUnverified).
 */
export class NotVerifiedError extends Refusal {
  constructor(taskId: string, label: string, command: readonly string[], verify: VerifySummary | null, passedBy: readonly string[]) {
    const result =
      verify === null ? 'never ran it' : verify.timedOut ? 'timed out' : `exited ${verify.exitCode ?? 'without an exit code'}`;
    super(
      'conflict', 'not_verified',
      `Attempt ${label} of task ${taskId} did not pass verify (\`${command.join(' ')}\` ${result}); ` +
        (passedBy.length > 0 ? `attempts that passed: ${passedBy.join(', ')}` : 'no attempt passed verify') +
        '. To use it anyway, send allowUnverified: true',
      // `field` lets clients name their own setting for it (the n8n nodes: Allow Unverified).
      { label, verify, passedBy, field: 'allowUnverified' },
    );
  }
}
