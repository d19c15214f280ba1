/**
 * Every relative link and #anchor in the README, docs/*.md, ARCHITECTURE.md and the examples'
 * READMEs leads somewhere: the file exists and, for a Markdown target, the heading does (GitHub's
 * anchor rules). Moving a section to docs/ must not leave a dead link behind. And nothing a
 * user reads (the docs, TSDoc hovers) speaks of "the seed".
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

function markdownFiles(): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);
  const exampleReadmes = readdirSync(join(root, 'examples'))
    .map((d) => `examples/${d}/README.md`)
    .filter((f) => existsSync(join(root, f)));
  return ['README.md', 'ARCHITECTURE.md', ...docs, ...exampleReadmes];
}

/** Fenced blocks and inline code spans hold no links (`[Symbol.asyncIterator](signal)`). */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes, -1 for repeats. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, title = ''] of markdown
    .replace(/^```[\s\S]*?^```/gm, '')
    .matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = title
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}_\- ]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

function links(file: string): { target: string; line: string }[] {
  const out: { target: string; line: string }[] = [];
  for (const line of prose(read(file)).split('\n')) {
    for (const m of line.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1] ?? '';
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) out.push({ target, line });
    }
  }
  return out;
}

describe('links in the documentation', () => {
  it('anchorsOf follows GitHub', () => {
    expect([
      ...anchorsOf('## The core primitive: `sqsMessages()`\n## Large messages (S3)\n## A\n## A'),
    ]).toEqual(['the-core-primitive-sqsmessages', 'large-messages-s3', 'a', 'a-1']);
  });

  it('finds the files it checks, and their links', () => {
    const files = markdownFiles();
    expect(files).toContain('docs/performance.md');
    expect(links('README.md').some((l) => l.target.startsWith('docs/'))).toBe(true);
  });

  it.each(markdownFiles())('every relative link and anchor in %s resolves', (file) => {
    const dead: string[] = [];
    for (const { target, line } of links(file)) {
      const [path = '', anchor] = target.split('#');
      const dest = path === '' ? join(root, file) : join(root, dirname(file), path);
      if (!existsSync(dest)) {
        dead.push(`${target} (no such file): ${line.trim()}`);
        continue;
      }
      if (anchor === undefined || anchor === '') continue;
      if (statSync(dest).isDirectory() || !dest.endsWith('.md')) {
        dead.push(`${target} (an anchor into a non-Markdown target)`);
        continue;
      }
      const text = readFileSync(dest, 'utf8');
      if (!anchorsOf(text).has(anchor)) {
        dead.push(`${target} (no heading #${anchor} in ${relative(root, dest)}): ${line.trim()}`);
      }
    }
    expect(dead).toEqual([]);
  });

  it('never calls anything "the seed" where users read it (docs, TSDoc)', () => {
    const sources = (dir: string): string[] =>
      readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory()
          ? sources(`${dir}/${e.name}`)
          : e.name.endsWith('.ts')
            ? [`${dir}/${e.name}`]
            : [],
      );
    const offenders = [...markdownFiles(), ...sources('src'), ...sources('examples')].filter((f) =>
      /\bseed\b/i.test(read(f)),
    );
    expect(offenders).toEqual([]);
  });
});
