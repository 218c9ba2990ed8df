import type { Context } from 'hono';
import type { ZodError } from 'zod';
import { closestField, requestFieldNames } from './field-suggestion.ts';

type HookResult = { success: true } | { success: false; error: ZodError; target?: string };

/** Turns a failed zod validation into a 400 that names each field and what is wrong with it. */
export function validationError(result: HookResult, c: Context): Response | undefined {
  if (result.success) return undefined;
  const problems = result.error.issues.flatMap((issue) => {
    const at = issue.path.join('.');
    if (issue.code !== 'unrecognized_keys') return [{ field: at || '(body)', message: issue.message }];
    // One problem per unknown field, named in full and with the likely intended one.
    return issue.keys.map((key) => {
      const hint = closestField(key, requestFieldNames());
      return { field: at ? `${at}.${key}` : key, message: `unknown field${hint ? `; did you mean ${hint}?` : ''}` };
    });
  });
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
