/**
 * The service package's manifest: its own name and command, compiled JavaScript only (no source
 * maps), and one version shared with the n8n package. The packed tarball itself is listed and run
 * by test/integration/package/service-tarball.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = join(import.meta.dirname, '../../..');

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  type?: string;
  bin?: Record<string, string>;
  files?: string[];
  engines?: Record<string, string>;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
}

function readManifest(path: string) {
  return JSON.parse(readFileSync(join(repoRoot, path), 'utf8')) as Manifest;
}

/** tsconfig files hold comments: dropped before parsing (none of ours has `//` inside a string). */
function readTsconfig(path: string): { compilerOptions: Record<string, unknown>; include?: string[] } {
  return JSON.parse(readFileSync(join(repoRoot, path), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { compilerOptions: Record<string, unknown>; include?: string[] };
}

describe('the service package kage-bunshin', () => {
  const service = readManifest('service/package.json');
  const nodes = readManifest('package.json');

  it('is versioned together with the n8n package', () => {
    expect(service.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(service.version).toBe(nodes.version);
  });

  it('is publishable under its own name, with the kage-bunshin command on the compiled entry point', () => {
    expect(service.name).toBe('kage-bunshin');
    expect(service.private).not.toBe(true);
    expect(service.type).toBe('module');
    expect(service.engines?.node).toBe('>=24');
    expect(service.bin).toEqual({ 'kage-bunshin': 'dist/cli.js', kage: 'dist/kage/kage.js' });
  });

  it('ships compiled JavaScript, the assets and migrations it reads, and no source maps or sources', () => {
    expect(service.files).toEqual(['dist/**/*.js', 'dist/web/assets/', 'dist/migrations/*.sql', '!dist/**/*.map']);
    expect(service.scripts?.prepack).toBe('npm run build');
    const build = readTsconfig('service/tsconfig.build.json');
    expect(build.compilerOptions).toMatchObject({ noEmit: false, rootDir: 'src', outDir: 'dist', sourceMap: false, declaration: false });
    expect(build.include).toEqual(['src/**/*.ts']);
    // The sources import './x.ts': the compiled files must import './x.js'.
    expect(readTsconfig('service/tsconfig.json').compilerOptions.rewriteRelativeImportExtensions).toBe(true);
  });

  it('declares every package the service imports (the install has no root devDependencies)', () => {
    const imported = new Set<string>();
    for (const file of serviceSources()) {
      const specifiers = /^(?:import\b.*?|export\b.*?|\}) from\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]|(?:import\.meta|require)\.resolve\(\s*['"]([^'"]+)['"]/gm;
      for (const match of file.matchAll(specifiers)) {
        const specifier = match[1] ?? match[2] ?? match[3]!;
        if (specifier.startsWith('node:') || specifier.startsWith('.')) continue;
        imported.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
      }
    }
    expect(imported.size).toBeGreaterThan(10);
    expect([...imported].filter((name) => !(name in (service.dependencies ?? {})))).toEqual([]);
  });
});

function serviceSources(): string[] {
  const root = join(repoRoot, 'service/src');
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.ts'))
    .map((path) => readFileSync(join(root, path), 'utf8'));
}
