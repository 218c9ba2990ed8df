/**
 * How a token reaches git for one command: as an `http.extraHeader` given through git's
 * GIT_CONFIG_* environment, so it is never in an argv (visible in `ps`), a URL, a config file
 * of the mirror, or the environment of anything but that git process. Credential helpers from
 * the user's configuration are switched off, so git neither asks them nor stores the token.
 */
export interface RemoteToken {
  username: string;
  token: string;
}

export function remoteAuthEnv(token: RemoteToken | undefined): Record<string, string> {
  const config: Array<[string, string]> = [
    ['credential.helper', ''],
    ['core.askPass', ''],
  ];
  if (token) {
    const basic = Buffer.from(`${token.username}:${token.token}`).toString('base64');
    config.push(['http.extraHeader', `Authorization: Basic ${basic}`]);
  }
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(config.length), GIT_ASKPASS: '', SSH_ASKPASS: '' };
  config.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return env;
}
