import { z } from '@hono/zod-openapi';

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'validation_failed' }),
      message: z.string().openapi({ example: 'agents: must contain at least 1 item' }),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

export const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ErrorBody } } });

/** The error answers every authenticated route can give. */
export const commonErrors = {
  400: errorResponse('The request is invalid; the message names the field'),
  401: errorResponse('Missing or wrong API key'),
  429: errorResponse('Too many requests for this API key; see Retry-After'),
} as const;

export const notFoundError = { 404: errorResponse('No such task') } as const;
export const conflictError = { 409: errorResponse('The request conflicts with the current state') } as const;
export const bodyErrors = {
  413: errorResponse('Body larger than 1 MB'),
  415: errorResponse('Body is not application/json'),
} as const;
