/**
 * Builds the published service package in service/dist: src/ compiled to JavaScript (Node does not
 * strip types under node_modules), plus what it reads at run time: the review pages' assets and a
 * copy of the repository's migrations. No source maps. Run by `npm run build --workspace service`
 * (and so by `npm pack`/`npm publish` through prepack); the checkout itself runs the .ts sources.
 */
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

const repoRoot = join(import.meta.dirname, '..');
const service = join(repoRoot, 'service');
const dist = join(service, 'dist');

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', join(service, 'tsconfig.build.json')], { stdio: 'inherit' });
cpSync(join(service, 'src/web/assets'), join(dist, 'web/assets'), { recursive: true });
for (const name of readdirSync(join(repoRoot, 'migrations')).filter((file) => file.endsWith('.sql'))) {
  cpSync(join(repoRoot, 'migrations', name), join(dist, 'migrations', name));
}
const compiled = readdirSync(dist, { recursive: true }).filter((name) => String(name).endsWith('.js')).length;
process.stderr.write(`build-service: ${compiled} modules in ${dist}\n`);
