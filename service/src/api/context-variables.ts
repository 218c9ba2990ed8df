import type { AuthVariables } from './middleware/api-key-auth.ts';

/** Hono environment shared by every route: what middleware puts on the context. */
export type ApiEnv = { Variables: AuthVariables & { requestId: string } };
