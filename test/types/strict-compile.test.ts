/**
 * The code users copy compiles where users compile it: examples/, and every ```ts block of
 * README.md and docs/ that is not an examples/ file, type-checked against the package's own
 * declarations (emitted in memory from src/) under `tsc --init` settings with skipLibCheck off
 * (test/types/tsconfig.strict.json: strict, exactOptionalPropertyTypes,
 * noUncheckedIndexedAccess, module nodenext, lib esnext + @types/node). Also: every optional
 * property of the public types accepts `undefined`, and a mistake in `sqsListener()` options is
 * reported where it is. The compiling runs in a child process (support/strict-check.ts).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { badCalls, misleading } from './support/bad-calls.js';
import type { StrictCheckReport } from './support/strict-check.js';
import { repoRoot } from './support/strict-program.js';

/**
 * Output types: the library fills them and users read them, so their optional properties may
 * keep `?: T`. The Lambda shapes must stay assignable to @types/aws-lambda's, whose optional
 * properties refuse `undefined` under exactOptionalPropertyTypes.
 */
const readOnlyShapes = [/^Lambda/, /^SerializedError\./];

let report: StrictCheckReport;

beforeAll(async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'support', 'strict-check.ts')],
    { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 },
  );
  report = JSON.parse(stdout);
}, 300_000);

describe('under a strict tsc --init project (skipLibCheck off)', () => {
  it("uses tsc --init's settings, with skipLibCheck off and no DOM lib", () => {
    expect(report.options).toMatchObject({
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: false,
      verbatimModuleSyntax: true,
      module: ts.ModuleKind.NodeNext,
      lib: ['lib.esnext.d.ts'],
    });
  });

  it('examples/, the README and docs/ samples, and options set to undefined compile', () => {
    expect(report.errors).toBe('');
    // It really ran on them.
    expect(report.roots.filter((f) => f.startsWith('examples/')).length).toBeGreaterThan(10);
    expect(report.roots).toContain('test/types/__snippets__/explicit-undefined.ts');
  });

  it("ix's DOM-stream declarations compile without the DOM lib: StreamPipeOptions is declared", () => {
    expect(report.ixDomStreamLoaded).toBe(true);
    expect(report.streamDeclarations).toMatch(
      /declare global \{[\s\S]*interface StreamPipeOptions \{\s*\}/,
    );
  });

  it("with the DOM lib (tsc --init without a lib), ours merges with the DOM's", () => {
    expect(report.domErrors).toBe('');
  });

  it('every optional property of the public types accepts undefined', () => {
    const problems = report.optionalProblems.filter(
      (problem) => !readOnlyShapes.some((shape) => shape.test(problem)),
    );
    expect(problems.map((p) => `${p}: add | undefined`)).toEqual([]);
  });

  it.each(badCalls.map((call, i) => [call.name, i] as const))(
    'sqsListener: %s is reported as such',
    (_name, i) => {
      const texts = report.badCalls[i] ?? [];
      expect(texts.length, 'the mistake is an error').toBeGreaterThan(0);
      for (const pattern of badCalls[i]?.says ?? []) expect(texts[0]).toMatch(pattern);
      for (const pattern of misleading) for (const text of texts) expect(text).not.toMatch(pattern);
    },
  );
});
