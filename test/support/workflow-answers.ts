/** What the example workflows answer over their webhooks, across all of them. */
export interface WorkflowAnswer {
  taskId?: string;
  status?: string;
  winner?: string;
  merge?: { status: string; targetBranch: string; commit: string };
  progressUrl?: string;
  outcome?: 'merged' | 'review';
  commit?: string;
  targetBranch?: string;
  reviewBranch?: string;
  conflicts?: unknown;
}
