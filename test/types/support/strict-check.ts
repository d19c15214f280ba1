/**
 * The strict check, run in a child process (`node --import tsx strict-check.ts`) that prints
 * its report as JSON: compiling takes a minute of synchronous work, which would starve the
 * vitest worker's own messages. One program for examples/, the docs' samples, the explicit-
 * undefined sample and the bad calls: checking the AWS SDK's declarations (which skipLibCheck off
 * does) is most of the cost.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { badCalls, explicitUndefined } from './bad-calls.js';
import { optionalPropertiesWithoutUndefined } from './optional-properties.js';
import { exampleFiles, standaloneSnippets } from './snippets.js';
import {
  allDiagnostics,
  distDir,
  emitPackageDeclarations,
  formatDiagnostics,
  repoRoot,
  snippetDir,
  strictProgram,
} from './strict-program.js';

export interface StrictCheckReport {
  options: ts.CompilerOptions;
  /** Files checked as roots, relative to the repository. */
  roots: string[];
  /** Every diagnostic but the bad calls', as `tsc` prints them ('' when none). */
  errors: string;
  /** Each bad call's diagnostics, flattened, in order. */
  badCalls: string[][];
  /** `Type.property (file:line)` of optional properties refusing `undefined`. */
  optionalProblems: string[];
  /** The emitted `core/sqs-messages.d.ts`. */
  streamDeclarations: string;
  /** Whether ix's DOM-stream declarations were part of the program. */
  ixDomStreamLoaded: boolean;
  /** Diagnostics of the DOM-lib program: ix's DOM streams with our StreamPipeOptions. */
  domErrors: string;
}

const goodPath = join(snippetDir, 'explicit-undefined.ts');
const badPath = (i: number) => join(snippetDir, `bad-call-${i}.ts`);
const relativeToRepo = (file: string) => file.slice(repoRoot.length + 1);

export function runStrictCheck(): StrictCheckReport {
  const declarations = emitPackageDeclarations();
  const snippets = standaloneSnippets();
  const virtual = new Map(declarations);
  for (const snippet of snippets) virtual.set(snippet.path, snippet.text);
  virtual.set(goodPath, explicitUndefined);
  for (const [i, call] of badCalls.entries()) virtual.set(badPath(i), call.code);
  const bad = badCalls.map((_, i) => badPath(i));
  const roots = [...exampleFiles(), ...snippets.map((s) => s.path), goodPath, ...bad];
  const program = strictProgram(roots, virtual);

  const errors = allDiagnostics(program).filter(
    (d) => d.file === undefined || !bad.includes(d.file.fileName),
  );
  const badCallTexts = bad.map((path) => {
    const file = program.getSourceFile(path);
    if (file === undefined) throw new Error(`${path} is not in the program`);
    return allDiagnostics(program, file).map((d) =>
      ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    );
  });
  const optionalProblems = optionalPropertiesWithoutUndefined(
    program,
    [join(distDir, 'index.d.ts'), join(distDir, 'testing', 'index.d.ts')],
    (file) => file.startsWith(`${distDir}/`),
    relativeToRepo,
  ).map((p) => `${p.property} (${p.at})`);
  const streamDeclarations = declarations.get(join(distDir, 'core', 'sqs-messages.d.ts')) ?? '';

  return {
    options: program.getCompilerOptions(),
    roots: roots.map(relativeToRepo),
    errors: formatDiagnostics(errors),
    badCalls: badCallTexts,
    optionalProblems,
    streamDeclarations,
    ixDomStreamLoaded: program
      .getSourceFiles()
      .some((f) => f.fileName.endsWith('ix/asynciterable/todomstream.d.ts')),
    domErrors: checkWithDomLib(streamDeclarations),
  };
}

/**
 * tsc --init without a `lib` includes the DOM: our `StreamPipeOptions` must merge with the
 * DOM's. Only ix's DOM-stream declarations and ours, without the AWS SDK: the merge is what is
 * tested.
 */
function checkWithDomLib(streamDeclarations: string): string {
  const block = streamDeclarations.match(/declare global \{[\s\S]*?\n\}/)?.[0];
  if (block === undefined) return 'no `declare global` block in core/sqs-messages.d.ts';
  const ours = join(snippetDir, 'stream-pipe-options.d.ts');
  const user = join(snippetDir, 'pipe-to.ts');
  const virtual = new Map([
    [ours, `${block}\nexport {};\n`],
    [
      user,
      `import './stream-pipe-options.js';
import { AsyncIterableX } from 'ix/asynciterable/asynciterablex';
import 'ix/asynciterable/todomstream';
declare const source: AsyncIterableX<string>;
await source.pipeTo(new WritableStream<string>(), { preventClose: true });
`,
    ],
  ]);
  const dom = strictProgram([ours, user], virtual, { lib: ['lib.esnext.d.ts', 'lib.dom.d.ts'] });
  return formatDiagnostics(allDiagnostics(dom));
}

if (process.argv[1] === import.meta.filename) {
  process.stdout.write(JSON.stringify(runStrictCheck()));
}
