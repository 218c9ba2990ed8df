/** What the example workflows answer over their webhooks, across all of them. */
export interface WorkflowAnswer {
  taskId?: string;
  status?: string;
  winner?: string;
  merge?: { status: string; targetBranch: string; commit: string } | null;
  winnerPassedVerify?: boolean | null;
  review?: string | null;
  message?: string;
  attempts?: { label: string; status: string; verifyPassed: boolean | null; verifyExitCode: number | null }[];
  progressUrl?: string;
  outcome?: 'merged' | 'review' | 'not merged';
  commit?: string;
  targetBranch?: string;
  reviewBranch?: string;
  conflicts?: unknown;
}
