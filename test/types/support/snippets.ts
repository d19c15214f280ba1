/**
 * The code users copy: every file under examples/ and every ```ts block of README.md and
 * docs/*.md. A block that appears verbatim in an examples/ file is checked there, with its
 * imports; any other block is checked as a module of its own, so it must be complete (imports
 * included).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot, snippetDir } from './strict-program.js';

/** `*.ts` files under `dir`, recursively. */
function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

export function exampleFiles(): string[] {
  return tsFiles(join(repoRoot, 'examples')).sort();
}

export interface Snippet {
  /** Where it comes from, for messages: `README.md#3`. */
  origin: string;
  /** The virtual file it is checked as. */
  path: string;
  text: string;
}

function markdownFiles(): string[] {
  const docs = join(repoRoot, 'docs');
  const pages = readdirSync(docs)
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(docs, f));
  return [join(repoRoot, 'README.md'), ...pages.sort()];
}

/** The ```ts blocks that no examples/ file contains, each as a virtual module. */
export function standaloneSnippets(): Snippet[] {
  const examples = exampleFiles().map((f) => readFileSync(f, 'utf8'));
  const snippets: Snippet[] = [];
  for (const page of markdownFiles()) {
    const name = relative(repoRoot, page);
    const blocks = [...readFileSync(page, 'utf8').matchAll(/```(?:ts|typescript)\n([\s\S]*?)```/g)];
    blocks.forEach((match, index) => {
      const text = match[1] ?? '';
      if (examples.some((example) => example.includes(text.trim()))) return;
      snippets.push({
        origin: `${name}#${index + 1}`,
        path: join(snippetDir, `${name.replaceAll('/', '__')}.${index + 1}.ts`),
        text,
      });
    });
  }
  return snippets;
}
