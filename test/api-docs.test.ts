/**
 * The API reference (TypeDoc) is complete where users look first: every exported function and
 * class has an `@example`, and every option of an exported `…Options` type says what it does.
 * Read with the TypeScript compiler API from the package's two entry points, as TypeDoc reads
 * them; `npm run docs -- --treatWarningsAsErrors` checks the rest.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const entries = ['src/index.ts', 'src/testing/index.ts'].map((f) => join(root, f));
const program = ts.createProgram(entries, {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  noEmit: true,
});
const checker = program.getTypeChecker();

interface Exported {
  entry: string;
  name: string;
  symbol: ts.Symbol;
}

const exported: Exported[] = entries.flatMap((entry) => {
  const source = program.getSourceFile(entry);
  const module = source && checker.getSymbolAtLocation(source);
  if (!module) throw new Error(`cannot read ${entry}`);
  return checker.getExportsOfModule(module).map((e) => ({
    entry: entry.slice(root.length + 1),
    name: e.name,
    symbol: e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e,
  }));
});

function isFunctionOrClass(symbol: ts.Symbol): boolean {
  return (symbol.declarations ?? []).some(
    (d) =>
      ts.isFunctionDeclaration(d) ||
      ts.isClassDeclaration(d) ||
      (ts.isVariableDeclaration(d) &&
        d.initializer !== undefined &&
        (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer))),
  );
}

const hasExample = (symbol: ts.Symbol) =>
  (symbol.declarations ?? []).some((d) =>
    ts.getJSDocTags(d).some((tag) => tag.tagName.text === 'example'),
  );

/** The summary, or a tag's text (`@deprecated Use settleWindowMs`) when that is all there is. */
function description(symbol: ts.Symbol): string {
  const summary = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
  if (summary) return summary;
  return symbol
    .getJsDocTags(checker)
    .map((tag) => ts.displayPartsToString(tag.text).trim())
    .join(' ')
    .trim();
}

describe('API reference', () => {
  const functionsAndClasses = exported.filter((e) => isFunctionOrClass(e.symbol));

  it('reads the exports', () => {
    const names = functionsAndClasses.map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['sqsListener', 'runListeners', 'sqsMessages']));
    expect(names).toContain('createInMemorySqs');
  });

  it('has an @example on every exported function and class', () => {
    const missing = functionsAndClasses
      .filter((e) => !hasExample(e.symbol))
      .map((e) => `${e.entry}: ${e.name}`);
    expect(missing).toEqual([]);
  });

  it('describes every option of every exported …Options type', () => {
    const options = exported.filter((e) => /Options$/.test(e.name));
    expect(options.map((e) => e.name)).toContain('RunListenersOptions');
    const missing = options.flatMap((e) =>
      checker
        .getPropertiesOfType(checker.getDeclaredTypeOfSymbol(e.symbol))
        .filter((property) => description(property) === '')
        .map((property) => `${e.name}.${property.name}`),
    );
    expect(missing).toEqual([]);
  });
});
