/**
 * Builds and packs this repository's n8n community package (the nodes and credentials), giving
 * the tarball a user would install. The e2e suite installs that tarball into n8n, never the sources.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const withNode24 = join(repoRoot, 'scripts/with-node24');

export const communityPackageName = 'n8n-nodes-kage-bunshin';

/** `n8n-node build` then `npm pack` into `destination`; returns the tarball's path. */
export async function packCommunityPackage(destination: string): Promise<string> {
  mkdirSync(destination, { recursive: true });
  await execa(withNode24, ['npx', 'n8n-node', 'build'], { cwd: repoRoot, stdin: 'ignore' });
  const { stdout } = await execa(
    withNode24,
    ['npm', 'pack', '--json', '--loglevel=error', '--pack-destination', resolve(destination)],
    { cwd: repoRoot, stdin: 'ignore' },
  );
  const packed = JSON.parse(stdout) as { filename: string }[];
  const filename = packed[0]?.filename;
  if (!filename) throw new Error(`npm pack printed no tarball name: ${stdout}`);
  return join(resolve(destination), filename);
}
