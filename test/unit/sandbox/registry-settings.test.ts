import { describe, expect, it } from 'vitest';
import { withoutCredentials } from '../../../service/src/sandbox/registry-settings.ts';

describe("registry settings in an attempt's HOME", () => {
  it('keep the registries and mirrors, and lose every credential', () => {
    const npmrc = [
      'registry=https://npm.example.com/',
      '@corp:registry=https://npm.corp.example/',
      '//npm.corp.example/:_authToken=npm_planted',
      '//npm.corp.example/:_auth=cGxhbnRlZA==',
      'email=me@example.com',
      'fund=false',
    ].join('\n');
    expect(withoutCredentials(npmrc)).toBe('registry=https://npm.example.com/\n@corp:registry=https://npm.corp.example/\nfund=false');
    const pip = '[global]\nindex-url = https://me:planted@pypi.corp.example/simple\nextra-index-url = file:///opt/pypi/simple\n';
    expect(withoutCredentials(pip)).toBe('[global]\nindex-url = https://pypi.corp.example/simple\nextra-index-url = file:///opt/pypi/simple\n');
    const yarn = 'npmRegistryServer: "https://npm.corp.example"\nnpmAuthToken: planted\n';
    expect(withoutCredentials(yarn)).toBe('npmRegistryServer: "https://npm.corp.example"\n');
    const cargo = '[source.crates-io]\nreplace-with = "mirror"\n[registries.corp]\nindex = "sparse+https://u:planted@crates.corp.example/"\ntoken = "planted"\n';
    expect(withoutCredentials(cargo)).not.toContain('planted');
    expect(withoutCredentials(cargo)).toContain('sparse+https://crates.corp.example/');
  });
});
