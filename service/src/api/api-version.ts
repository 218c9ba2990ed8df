/** The API's version, as /, /openapi.json and the MCP server state it. */
export const API_VERSION = '0.1.0';
