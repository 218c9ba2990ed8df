/** Shared pieces of route definitions, so every route module describes itself the same way. */
export const security: Array<Record<string, string[]>> = [{ ApiKey: [] }, { Bearer: [] }];

export const jsonResponse = <T>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
