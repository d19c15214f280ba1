/** ARCHITECTURE.md stays true: every file and folder it names exists. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const text = readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8');

it('names only files and folders that exist', () => {
  const paths = new Set(text.match(/\b(?:src|test)\/[\w./-]*[\w/]/g) ?? []);
  expect(paths.size).toBeGreaterThan(20);
  const missing = [...paths].filter((p) => !existsSync(join(root, p)));
  expect(missing).toEqual([]);
});

it('names the stages the pipeline is assembled from', () => {
  const assemble = readFileSync(join(root, 'src/listeners/assemble.ts'), 'utf8');
  const stages = [...assemble.matchAll(/from '\.\/stages\/([\w-]+)\.js'/g)].map((m) => m[1]);
  expect(stages.length).toBeGreaterThan(5);
  for (const stage of stages) expect(text).toContain(stage!);
});
