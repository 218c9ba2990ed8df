import { describe, expect, it } from 'vitest';
import { agentEnvironment, parseAgentEnv } from '../../../service/src/agents/agent-environment.ts';

const serviceEnv = {
  PATH: '/usr/bin',
  HOME: '/home/kage',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  PYENV_ROOT: '/home/kage/.pyenv',
  API_KEYS: 'kb_admin',
  DATABASE_URL: 'postgres://kage:pw@db/kage',
  KAGE_WEBHOOK_SECRET: 'whsec_x',
  PGPASSWORD: 'pg-secret',
  AWS_SECRET_ACCESS_KEY: 'aws-secret',
  GITHUB_TOKEN: 'ghp_secret',
  ADMIN_KEY_BACKUP: 'kb_other',
  ANTHROPIC_API_KEY: 'sk-ant',
  npm_config_registry: 'https://registry.example/',
  MOCK_KEY: 'mock',
};

describe("an agent's environment", () => {
  it('passes the common variables and no secret named otherwise', () => {
    const env = agentEnvironment(serviceEnv, { env: { CI: 'true' } });
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/home/kage', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', PYENV_ROOT: '/home/kage/.pyenv', CI: 'true' });
  });

  it("passes an agent's own variables, and never the service's own, even when a pattern matches them", () => {
    const env = agentEnvironment(serviceEnv, { env: {}, passEnv: ['ANTHROPIC_*', 'KAGE_*', 'DATABASE_URL'] });
    expect(env.ANTHROPIC_API_KEY).toBe('sk-ant');
    for (const name of ['KAGE_WEBHOOK_SECRET', 'DATABASE_URL', 'API_KEYS', 'PGPASSWORD', 'AWS_SECRET_ACCESS_KEY', 'GITHUB_TOKEN']) expect(env).not.toHaveProperty(name);
  });

  it('passes what KAGE_AGENT_ENV names', () => {
    const env = agentEnvironment({ ...serviceEnv, KAGE_AGENT_ENV: 'MOCK_KEY, npm_config_*' }, { env: {} });
    expect(env).toMatchObject({ MOCK_KEY: 'mock', npm_config_registry: 'https://registry.example/' });
    expect(env).not.toHaveProperty('KAGE_AGENT_ENV');
  });

  it('refuses a KAGE_AGENT_ENV that names the service or is not a name', () => {
    expect(() => parseAgentEnv('KAGE_WEBHOOK_SECRET')).toThrow(/service's own settings/);
    expect(() => parseAgentEnv('API_KEYS')).toThrow(/service's own settings/);
    expect(() => parseAgentEnv('FOO BAR')).toThrow(/variable name/);
    expect(parseAgentEnv(' A_B ,C*,')).toEqual(['A_B', 'C*']);
  });

  it("leaves the service's bundled Node off the PATH of the repository's own commands, not of agents", () => {
    const env = { ...serviceEnv, PATH: '/srv/kage/.tools/node-24/bin:/home/u/.nvm/versions/node/v20/bin:/usr/bin', KAGE_BUNDLED_NODE_BIN: '/srv/kage/.tools/node-24/bin' };
    expect(agentEnvironment(env, { env: {}, projectCode: true }).PATH).toBe('/home/u/.nvm/versions/node/v20/bin:/usr/bin');
    expect(agentEnvironment(env, { env: {} }).PATH).toBe(env.PATH);
  });
});
