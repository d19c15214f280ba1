/**
 * README samples are real code: every ```ts block must appear verbatim in a file under
 * examples/, which `npm run typecheck` checks (and the demo runs).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const examples = readdirSync(join(root, 'examples'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => ({ file: f, text: readFileSync(join(root, 'examples', f), 'utf8') }));
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');

describe('README', () => {
  it('starts with the demo and test commands', () => {
    const firstBlock = readme.match(/```sh\n([\s\S]*?)```/)?.[1] ?? '';
    expect(firstBlock).toMatch(/^npm ci && npm start/m);
    expect(firstBlock).toMatch(/^npm test/m);
  });

  it('has TypeScript samples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
  });

  it.each(blocks.map((b, i) => [i, b] as const))(
    'sample %i is an examples/ file, type-checked',
    (_i, block) => {
      const home = examples.find((e) => e.text.includes(block.trim()));
      expect(home, `README sample not found in examples/:\n${block}`).toBeDefined();
    },
  );
});
