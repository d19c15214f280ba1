/**
 * Type-checks code the way a user's project does: against the package's declarations, resolved
 * by the package's name through its package.json `exports`, with the options of a user's
 * `tsc --init` (test/types/tsconfig.strict.json). The declarations are emitted from src/ in
 * memory and shown in place of `dist/` (whatever an earlier build left there is hidden), so the
 * check never depends on a stale build. examples/ import the package by name, which TypeScript
 * resolves as a self-reference to this package.json; every other import (the AWS SDK, ix, zod,
 * @types/node) resolves from this repository's node_modules, as it would from an app's.
 */
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';

export const repoRoot = resolve(import.meta.dirname, '../../..');
/** The emitted declarations are shown here, in place of what is on disk. */
export const distDir = join(repoRoot, 'dist');
/** Virtual root files (snippets) live here; the folder never exists on disk. */
export const snippetDir = join(repoRoot, 'test', 'types', '__snippets__');

function parseConfig(file: string, extra: ts.CompilerOptions = {}): ts.ParsedCommandLine {
  const read = ts.readConfigFile(file, ts.sys.readFile);
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(file), extra, file);
  if (parsed.errors.length > 0) throw new Error(formatDiagnostics(parsed.errors));
  return parsed;
}

/** The package's `.d.ts` files as `npm run build` would write them, keyed by their path. */
export function emitPackageDeclarations(): Map<string, string> {
  const build = parseConfig(join(repoRoot, 'tsconfig.build.json'));
  const options: ts.CompilerOptions = {
    ...build.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    declarationMap: false,
    sourceMap: false,
  };
  const program = ts.createProgram(build.fileNames, options);
  const files = new Map<string, string>();
  const outDir = options.outDir ?? distDir;
  const result = program.emit(undefined, (fileName, text) => {
    files.set(join(distDir, fileName.slice(outDir.length + 1)), text);
  });
  if (result.emitSkipped) throw new Error(formatDiagnostics(result.diagnostics));
  return files;
}

/** A program over `roots` (real files or keys of `virtual`) with the strict user options. */
export function strictProgram(
  roots: readonly string[],
  virtual: ReadonlyMap<string, string>,
  overrides: ts.CompilerOptions = {},
): ts.Program {
  const parsed = parseConfig(join(repoRoot, 'test', 'types', 'tsconfig.strict.json'));
  const options = { ...parsed.options, ...overrides };
  const host = ts.createCompilerHost(options, true);
  const isVirtualDir = (dir: string) => {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    for (const key of virtual.keys()) if (key.startsWith(prefix)) return true;
    return false;
  };
  const { fileExists, readFile, directoryExists, getSourceFile, realpath } = host;
  const hidden = (f: string) => f.startsWith(`${distDir}/`) && !virtual.has(f);
  host.fileExists = (f) => virtual.has(f) || (!hidden(f) && fileExists.call(host, f));
  host.readFile = (f) => virtual.get(f) ?? readFile.call(host, f);
  host.directoryExists = (d) => isVirtualDir(d) || (directoryExists?.call(host, d) ?? false);
  host.realpath = (p) => (virtual.has(p) || isVirtualDir(p) ? p : (realpath?.call(host, p) ?? p));
  host.getSourceFile = (f, language, onError, fresh) => {
    const text = virtual.get(f);
    if (text !== undefined) return ts.createSourceFile(f, text, language, true);
    return getSourceFile.call(host, f, language, onError, fresh);
  };
  return ts.createProgram({ rootNames: roots, options, host });
}

/** Every diagnostic of the program (options, syntax, types), formatted like `tsc` prints them. */
export function allDiagnostics(
  program: ts.Program,
  file?: ts.SourceFile,
): readonly ts.Diagnostic[] {
  if (file !== undefined) {
    return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
  }
  return ts.getPreEmitDiagnostics(program);
}

export function formatDiagnostics(diagnostics: readonly ts.Diagnostic[]): string {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => repoRoot,
    getNewLine: () => '\n',
  });
}
