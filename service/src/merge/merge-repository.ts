/** Rows of `merges`: every merge asked of a task, with its outcome. */
import type { Db, Queryable } from '../db/db.ts';
import type { ConflictEntry } from './merge-errors.ts';
import type { MergeStrategy } from './merge-strategies.ts';

export type MergeRecordStatus = 'merged' | 'conflicts' | 'manual';

export interface MergeRecord {
  id: string;
  taskId: string;
  agentLabel: string;
  strategy: MergeStrategy;
  targetBranch: string;
  status: MergeRecordStatus;
  commitSha: string | null;
  reviewBranch: string | null;
  conflicts: ConflictEntry[];
  createdAt: Date;
}

interface MergeRow {
  id: string;
  task_id: string;
  agent_label: string;
  strategy: MergeStrategy;
  target_branch: string;
  status: MergeRecordStatus;
  commit_sha: string | null;
  review_branch: string | null;
  conflicts: ConflictEntry[] | string;
  created_at: Date | string;
}

const columns = 'id, task_id, agent_label, strategy, target_branch, status, commit_sha, review_branch, conflicts, created_at';

export class MergeRepository {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async insert(record: Omit<MergeRecord, 'createdAt'>, db: Queryable = this.db): Promise<MergeRecord> {
    const [row] = await db.query<MergeRow>(
      `INSERT INTO merges (id, task_id, agent_label, strategy, target_branch, status, commit_sha, review_branch, conflicts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb) RETURNING ${columns}`,
      [
        record.id,
        record.taskId,
        record.agentLabel,
        record.strategy,
        record.targetBranch,
        record.status,
        record.commitSha,
        record.reviewBranch,
        JSON.stringify(record.conflicts),
      ],
    );
    return toRecord(row!);
  }

  async forTask(taskId: string): Promise<MergeRecord[]> {
    const rows = await this.db.query<MergeRow>(`SELECT ${columns} FROM merges WHERE task_id = $1 ORDER BY created_at, id`, [taskId]);
    return rows.map(toRecord);
  }
}

function toRecord(row: MergeRow): MergeRecord {
  return {
    id: row.id,
    taskId: row.task_id,
    agentLabel: row.agent_label,
    strategy: row.strategy,
    targetBranch: row.target_branch,
    status: row.status,
    commitSha: row.commit_sha,
    reviewBranch: row.review_branch,
    conflicts: typeof row.conflicts === 'string' ? (JSON.parse(row.conflicts) as ConflictEntry[]) : row.conflicts,
    createdAt: new Date(row.created_at),
  };
}
