/**
 * README and docs/ samples are real code: every ```ts block must appear verbatim in a file under
 * examples/, which `npm run typecheck` checks (and the demo runs). Every relative link and
 * #anchor in them must lead somewhere (test/docs-links.test.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const docs = readdirSync(join(root, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => ({ file: `docs/${f}`, text: readFileSync(join(root, 'docs', f), 'utf8') }));
const examples = readdirSync(join(root, 'examples'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => ({ file: f, text: readFileSync(join(root, 'examples', f), 'utf8') }));
const tsBlocks = (text: string) =>
  [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
const samples = [{ file: 'README.md', text: readme }, ...docs].flatMap(({ file, text }) =>
  tsBlocks(text).map((block, i) => [`${file} #${i}`, block] as const),
);

describe('README', () => {
  it('starts with the clone, demo and test commands', () => {
    const firstBlock = readme.match(/```sh\n([\s\S]*?)```/)?.[1] ?? '';
    expect(firstBlock).toMatch(/^git clone .*\n(.*\n)*npm ci && npm start/m);
    expect(firstBlock).toMatch(/^npm ci && npm start/m);
    expect(firstBlock).toMatch(/^npm test/m);
  });

  it('stays short: what a user needs to start and decide; the rest is in docs/', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(400);
  });

  it('has TypeScript samples, in the README and in docs/', () => {
    expect(tsBlocks(readme).length).toBeGreaterThanOrEqual(2);
    // Moving sections to docs/ kept every sample: 13 when the README was split.
    expect(samples.length).toBeGreaterThanOrEqual(13);
    expect(docs.some((d) => tsBlocks(d.text).length > 0)).toBe(true);
  });

  it.each(samples)('sample %s is an examples/ file, type-checked', (_name, block) => {
    const home = examples.find((e) => e.text.includes(block.trim()));
    expect(home, `sample not found in examples/:\n${block}`).toBeDefined();
  });

  it('no longer makes the statements found wrong', () => {
    for (const { file, text } of [{ file: 'README.md', text: readme }, ...docs]) {
      // With the exec form Node IS PID 1 (unless an init runs): not "PID 1's direct child".
      expect(text, file).not.toMatch(/PID 1's direct child/);
      // DEBUG shows receives, extensions and deletes; it does not "add" them to INFO's lines.
      expect(text, file).not.toMatch(/DEBUG adds receives/);
      // A second Dockerfile variant drifts from examples/ecs/Dockerfile.
      expect(text, file).not.toMatch(/```dockerfile/);
    }
  });

  it('says nothing about a "seed" to users', () => {
    for (const { file, text } of [{ file: 'README.md', text: readme }, ...docs]) {
      expect(text, file).not.toMatch(/\bseed\b/i);
    }
  });
});
