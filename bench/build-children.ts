/**
 * Contestant children run as plain JavaScript on plain `node`, as users run the library: the
 * library from its build (`dist/`, `npm run build`), the bench's own TypeScript compiled once per
 * run by esbuild (which tsx ships). Under tsx's loader every module a child imports was compiled
 * on the fly, which added start-up CPU and memory to every contestant (most to the runner, which
 * loads the most modules), and measured the loader rather than the library.
 */
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const outdir = join(here, '.build');
const libraryEntry = join(root, 'dist', 'index.js');

/** The newest modification time (ms) of a file under `dir`. */
async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const { mtimeMs } = await stat(join(entry.parentPath, entry.name));
    newest = Math.max(newest, mtimeMs);
  }
  return newest;
}

/**
 * Compiles bench/contestant.ts (and the contestants it loads, each its own chunk so a child loads
 * only its contestant's peer) to bench/.build/, with the library imported from dist/. Fails when
 * dist/ is missing or older than src/: a stale build would measure yesterday's code.
 */
export async function buildChildren(): Promise<string> {
  const built = await stat(libraryEntry).catch(() => undefined);
  if (!built || built.mtimeMs < (await newestMtime(join(root, 'src')))) {
    throw new Error(
      `${libraryEntry} is missing or older than src/: run \`npm run build\` first (npm run bench does)`,
    );
  }
  await build({
    entryPoints: { contestant: join(here, 'contestant.ts') },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
    plugins: [
      {
        name: 'library-from-dist',
        setup(b) {
          b.onResolve({ filter: /\/src\/index\.js$/ }, () => ({
            path: libraryEntry,
            external: true,
          }));
        },
      },
    ],
  });
  return join(outdir, 'contestant.js');
}
