import type { MergeRecord } from '../merge/merge-repository.ts';
import type { MergeResult } from './schemas/merge-schemas.ts';

/** The API's view of a stored merge. */
export function presentMerge(record: MergeRecord): MergeResult {
  return {
    id: record.id,
    taskId: record.taskId,
    agent: record.agentLabel,
    strategy: record.strategy,
    status: record.status,
    targetBranch: record.targetBranch,
    commit: record.commitSha,
    reviewBranch: record.reviewBranch,
    conflicts: record.conflicts,
    createdAt: record.createdAt.toISOString(),
  };
}
