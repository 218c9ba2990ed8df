import { z } from '@hono/zod-openapi';
import { forgeKinds } from '../../credentials/forges.ts';

const CredentialName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'must be letters, digits, . _ - (at most 100), e.g. github-bot')
  .openapi({ example: 'github-bot' });

// A token or user name goes into git's credential answers and HTTP headers, which a line break would split.
const noControls = /^[^\u0000-\u001f\u007f]*$/;

export const CreateCredentialBody = z
  .strictObject({
    name: CredentialName,
    host: z
      .string()
      .regex(/^[A-Za-z0-9.-]+$|^\[[0-9a-fA-F:]+\]$/, 'must be a host name such as github.com')
      .max(253)
      .openapi({ description: 'The host of the repository URLs this credential is for', example: 'github.com' }),
    username: z.string().min(1).max(200).regex(noControls, 'must not contain line breaks or other control characters').default('x-access-token').openapi({
      description: 'GitHub: any (x-access-token); GitLab: oauth2 or the token name; Gitea/Forgejo: the account name',
    }),
    token: z.string().min(1).max(4096).regex(noControls, 'must not contain line breaks or other control characters (copy the token alone)').optional().openapi({ description: 'A personal access or app token with repository write and pull-request access. Never returned.' }),
    sshKey: z
      .string()
      .min(1)
      .max(16_384)
      .regex(/^-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+-----END [A-Z ]*PRIVATE KEY-----\s*$/, 'must be a private key in PEM or OpenSSH form, without a passphrase')
      .optional()
      .openapi({ description: 'For ssh:// and git@host: URLs, instead of a token. Never returned.' }),
    forge: z.enum(forgeKinds).optional().openapi({ description: 'Detected for github.com, gitlab.com, gitea.com and codeberg.org' }),
    apiUrl: z.url({ protocol: /^https?$/ }).max(2048).optional().openapi({ description: "The forge API's base URL, for a self-hosted forge" }),
  })
  .refine((body) => (body.token === undefined) !== (body.sshKey === undefined), { message: 'give exactly one of token and sshKey', path: ['token'] })
  .openapi('CreateGitCredential');

export const GitCredential = z
  .object({
    name: z.string(),
    host: z.string(),
    username: z.string(),
    kind: z.enum(['token', 'ssh_key']),
    forge: z.enum(forgeKinds).nullable(),
    apiUrl: z.string().nullable(),
    fingerprint: z.string().openapi({ description: "The first 16 hex digits of the secret's SHA-256, to tell secrets apart", example: 'sha256:9f86d081884c7d65' }),
    createdAt: z.iso.datetime(),
  })
  .openapi('GitCredential');

export const CredentialNameParam = z.object({
  name: CredentialName.openapi({ param: { name: 'name', in: 'path' } }),
});
