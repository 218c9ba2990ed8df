import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

export class KageBunshinApi implements ICredentialType {
	name = 'kageBunshinApi';

	displayName = 'Kage Bunshin API';

	icon: Icon = {
		light: 'file:../nodes/shared/icons/kage-bunshin.svg',
		dark: 'file:../nodes/shared/icons/kage-bunshin.dark.svg',
	};

	documentationUrl = 'https://github.com/kage-bunshin/n8n-nodes-kage-bunshin#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'http://127.0.0.1:8000',
			placeholder: 'http://127.0.0.1:8000',
			required: true,
			description: 'Where the Kage Bunshin service listens, without /api/v1',
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'One of the keys in the service\'s API_KEYS, or the key it generated and printed at first start',
		},
		{
			displayName: 'Webhook Secret',
			name: 'webhookSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			placeholder: 'whsec_…',
			description:
				'Signs the calls the service makes back into n8n (Await Progress needs it; the Trigger uses it when set). Generate one with: node -e "console.log(\'whsec_\' + require(\'crypto\').randomBytes(32).toString(\'base64\'))"',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				'X-API-Key': '={{$credentials.apiKey}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			// Without a trailing slash, whether or not the user typed one.
			baseURL:
				'={{$credentials.baseUrl.endsWith("/") ? $credentials.baseUrl.slice(0, -1) : $credentials.baseUrl}}/api/v1',
			url: '/agents',
			method: 'GET',
		},
	};
}
