import type { Context } from 'hono';
import type { ZodError } from 'zod';

type HookResult = { success: true } | { success: false; error: ZodError; target?: string };

/** Turns a failed zod validation into a 400 that names each field and what is wrong with it. */
export function validationError(result: HookResult, c: Context): Response | undefined {
  if (result.success) return undefined;
  const problems = result.error.issues.map((issue) => ({
    field: issue.path.join('.') || '(body)',
    message: issue.message,
  }));
  const where = 'target' in result && result.target && result.target !== 'json' ? ` in ${result.target}` : '';
  return c.json(
    {
      error: {
        code: 'validation_failed',
        message: problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ') + where,
        details: problems,
      },
    },
    400,
  );
}
