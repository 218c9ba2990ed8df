import { describe, expect, it } from 'vitest';
import { parseRemoteUrl } from '../../../service/src/git/remote-url.ts';
import { Refusal } from '../../../service/src/refusal.ts';

const parse = (url: string) => parseRemoteUrl(url, { allowFileUrls: false });

describe('repository URL addresses', () => {
  it.each([
    'https://169.254.169.254/x.git',
    'https://2852039166/x.git',
    'https://[::ffff:a9fe:a9fe]/x.git',
    'https://[::a9fe:a9fe]/x.git',
    'https://[64:ff9b::a9fe:a9fe]/x.git',
    'https://[2002:a9fe:a9fe::1]/x.git',
    'https://[fe80::1]/x.git',
    'https://100.100.100.200/x.git',
    'https://metadata.google.internal./x.git',
    'https://0.0.0.0/x.git',
    'ssh://git@169.254.169.254/org/x.git',
    'ssh://git@2852039166/org/x.git',
    'ssh://git@0xa9fea9fe:22/org/x.git',
    'ssh://git@[fd00:ec2::254]/org/x.git',
    'git@169.254.169.254:org/x.git',
    'git@2852039166:org/x.git',
    'git@metadata.google.internal:org/x.git',
  ])('refuses a link-local, metadata or reserved host: %s', (url) => {
    let refusal: unknown;
    try {
      parse(url);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(Refusal);
    expect(refusal).toMatchObject({ kind: 'invalid', code: 'repository_url_not_allowed', message: expect.stringMatching(/^repository\.url: .*(link-local, metadata or reserved|metadata host)/) });
  });

  it.each(['http://127.0.0.1:8123/x.git', 'http://[::1]:8123/x.git', 'http://localhost/x.git', 'https://10.0.0.5/x.git', 'https://github.com/org/x.git', 'git@github.com:org/x.git', 'ssh://git@127.0.0.1:2222/org/x.git'])(
    'accepts loopback, private and public hosts: %s',
    (url) => expect(() => parse(url)).not.toThrow(),
  );
});
