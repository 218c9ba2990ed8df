/**
 * The environment an agent or project command starts with: an allow-list of the service's
 * variables, never the rest. A deny-list would hand every secret the service was started with
 * (PGPASSWORD, cloud and forge tokens, keys under other names) to model-written commands.
 */

/**
 * Variables every confined program sees: the locale, terminal, proxies and certificates, and
 * where the user's toolchains live (version managers read these to find their versions).
 */
const everyProgram = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'LC_*',
  'TERM',
  'COLORTERM',
  'NO_COLOR',
  'FORCE_COLOR',
  'TZ',
  'XDG_CONFIG_HOME',
  'XDG_CACHE_HOME',
  'XDG_DATA_HOME',
  'XDG_STATE_HOME',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'NODE_EXTRA_CA_CERTS',
  'REQUESTS_CA_BUNDLE',
  'CURL_CA_BUNDLE',
  'PYENV_ROOT',
  'PYENV_VERSION',
  'NVM_DIR',
  'FNM_DIR',
  'VOLTA_HOME',
  'ASDF_DIR',
  'ASDF_DATA_DIR',
  'MISE_DATA_DIR',
  'RUSTUP_HOME',
  'CARGO_HOME',
  'GOROOT',
  'GOPATH',
  'BUN_INSTALL',
  'DENO_INSTALL',
  'SDKMAN_DIR',
  'JAVA_HOME',
  'RBENV_ROOT',
];

/** The service's own secrets and settings: never passed, whatever a pattern says. */
const serviceOnly = /^(API_KEYS|DATABASE_URL|KAGE_.*)$/;

/** One name, or a prefix ending in `*`. */
function matches(pattern: string, name: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/**
 * Reads `KAGE_AGENT_ENV`: comma-separated names (or prefixes ending in `*`) of more variables
 * every agent and project command may see. Throws with what is wrong.
 */
export function parseAgentEnv(text: string | undefined): string[] {
  const entries = (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of entries) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*\*?$/.test(entry)) throw new Error(`"${entry}" must be a variable name, or a prefix ending in *`);
    if (serviceOnly.test(entry.replace(/\*$/, ''))) throw new Error(`"${entry}" names the service's own settings, which agents never see`);
  }
  return entries;
}

/**
 * The environment for one program: the allowed part of the service's (the common list, the
 * program's own variables from its adapter, and `KAGE_AGENT_ENV`), plus what the launch sets.
 */
export function agentEnvironment(
  serviceEnv: NodeJS.ProcessEnv,
  launch: { env: Record<string, string>; passEnv?: readonly string[] | undefined; projectCode?: boolean | undefined; pathFirst?: string | undefined },
): Record<string, string> {
  const allowed = [...everyProgram, ...(launch.passEnv ?? []), ...parseAgentEnv(serviceEnv.KAGE_AGENT_ENV)];
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(serviceEnv)) {
    if (value !== undefined && !serviceOnly.test(name) && allowed.some((pattern) => matches(pattern, name))) env[name] = value;
  }
  // The repository's own commands find the user's tools first, not the Node brought for the service (scripts/with-node24).
  const bundled = serviceEnv.KAGE_BUNDLED_NODE_BIN;
  if (launch.projectCode && bundled && env.PATH) env.PATH = env.PATH.split(':').filter((folder) => folder !== bundled).join(':');
  if (launch.pathFirst) env.PATH = env.PATH ? `${launch.pathFirst}:${env.PATH}` : launch.pathFirst;
  return { ...env, ...launch.env };
}
