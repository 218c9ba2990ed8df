import type {
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IWebhookFunctions,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { fieldsNamed, inParameterTerms, parameterName } from './parameter-names';

export const credentialType = 'kageBunshinApi';

export type KageBunshinContext =
	| IExecuteFunctions
	| IHookFunctions
	| ILoadOptionsFunctions
	| IWebhookFunctions;

export interface KageBunshinRequest {
	method: IHttpRequestMethods;
	/** Path below `/api/v1`, starting with '/'. */
	path: string;
	body?: IDataObject;
	qs?: IDataObject;
	headers?: Record<string, string>;
	itemIndex?: number;
	/** Non-2xx statuses the caller handles itself (e.g. 409 on a conflicting merge). */
	acceptStatuses?: number[];
}

export interface KageBunshinResponse<T> {
	statusCode: number;
	body: T;
}

interface FullResponse {
	statusCode: number;
	body: unknown;
}

interface ServiceErrorBody {
	error?: { code?: string; message?: string; details?: unknown };
}

/** The service's base URL from the credential, without a trailing slash. */
export async function serviceBaseUrl(context: KageBunshinContext, itemIndex?: number): Promise<string> {
	const credentials = await context.getCredentials(credentialType, itemIndex);
	return String(credentials.baseUrl ?? '').replace(/\/+$/, '');
}

/**
 * Calls the Kage Bunshin API with the credential's key. The service's own error message
 * (`{"error":{"code","message","details"}}`) becomes the node error, so users read "repository
 * /x is not a git repository" rather than "Request failed with status code 400".
 */
export async function kageBunshinRequest<T = IDataObject>(
	context: KageBunshinContext,
	request: KageBunshinRequest,
): Promise<KageBunshinResponse<T>> {
	const baseUrl = await serviceBaseUrl(context, request.itemIndex);
	const options: IHttpRequestOptions = {
		method: request.method,
		url: `${baseUrl}/api/v1${request.path}`,
		qs: request.qs,
		body: request.body,
		headers: { accept: 'application/json', ...request.headers },
		json: true,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
	};
	let response: FullResponse;
	try {
		response = (await context.helpers.httpRequestWithAuthentication.call(
			context,
			credentialType,
			options,
		)) as FullResponse;
	} catch (error) {
		throw new NodeApiError(context.getNode(), error as JsonObject, {
			message: `Could not reach the Kage Bunshin service at ${baseUrl}`,
			description: (error as Error).message,
			itemIndex: request.itemIndex,
		});
	}
	const { statusCode, body } = response;
	if ((statusCode >= 200 && statusCode < 300) || request.acceptStatuses?.includes(statusCode)) {
		return { statusCode, body: body as T };
	}
	throw serviceError(context, request, statusCode, body);
}

/** The node error for a service answer the caller accepted but cannot use after all. */
export function serviceError(
	context: KageBunshinContext,
	request: KageBunshinRequest,
	statusCode: number,
	body: unknown,
): NodeApiError {
	const error = (body as ServiceErrorBody | undefined)?.error;
	const fields = fieldsNamed(error?.details);
	const message = error?.message
		? inParameterTerms(error.message, fields)
		: `The service answered ${statusCode} to ${request.method} ${request.path}`;
	const parameters = fields
		.map((field) => (parameterName(field) ? `${parameterName(field)} (API field ${field})` : undefined))
		.filter(Boolean);
	const details = error?.details === undefined ? undefined : JSON.stringify(error.details, null, 2);
	const nodeError = new NodeApiError(
		context.getNode(),
		{ statusCode, ...(body && typeof body === 'object' ? body : { body: String(body) }) } as JsonObject,
		{
			message,
			description:
				[
					parameters.length > 0 ? `Check the parameter ${[...new Set(parameters)].join(', ')}` : undefined,
					error?.code ? `Code: ${error.code}` : undefined,
					details,
				]
					.filter(Boolean)
					.join('\n') || undefined,
			httpCode: String(statusCode),
			itemIndex: request.itemIndex,
		},
	);
	// Kept for "Continue on Fail": the item then carries the service's code and details too.
	nodeError.context.serviceError = { code: error?.code ?? null, details: (error?.details ?? null) as JsonObject };
	return nodeError;
}
