/**
 * Finds optional properties of the public types that refuse `undefined`: under
 * `exactOptionalPropertyTypes` (on in `tsc --init`), `queueUrl?: string` refuses
 * `queueUrl: process.env.QUEUE_URL`, so every optional property users may set must be declared
 * `?: T | undefined`. Walks what the entry modules export: interfaces, type aliases, the
 * parameters of functions and constructors, and the object types they lead to (nested options
 * such as `health: { port }`), as far as those are declared in the package's own files.
 */
import ts from 'typescript';

export interface OptionalProblem {
  /** `SqsListenerOptions.queueUrl`. */
  property: string;
  /** `src/runner/registry.ts:23`, where it is declared. */
  at: string;
}

export function optionalPropertiesWithoutUndefined(
  program: ts.Program,
  entries: readonly string[],
  isOwnFile: (fileName: string) => boolean,
  describeFile: (fileName: string) => string = (f) => f,
): OptionalProblem[] {
  const checker = program.getTypeChecker();
  const problems = new Map<string, OptionalProblem>();
  const seen = new Set<ts.Type>();

  const ownDeclarations = (symbol: ts.Symbol | undefined) =>
    (symbol?.declarations ?? []).filter((d) => isOwnFile(d.getSourceFile().fileName));

  const acceptsUndefined = (type: ts.Type): boolean => {
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Undefined))
      return true;
    if (type.isUnion()) return type.types.some(acceptsUndefined);
    // A type parameter (an option typed by a generic) accepts what its constraint accepts.
    const constraint = type.isTypeParameter() ? checker.getBaseConstraintOfType(type) : undefined;
    return constraint !== undefined && acceptsUndefined(constraint);
  };

  const visitSignature = (signature: ts.Signature, owner: string) => {
    for (const parameter of signature.getParameters()) {
      const declaration = parameter.valueDeclaration;
      if (declaration === undefined) continue;
      visit(
        checker.getTypeOfSymbolAtLocation(parameter, declaration),
        `${owner}(${parameter.name})`,
      );
    }
  };

  const visit = (type: ts.Type, owner: string): void => {
    if (seen.has(type)) return;
    seen.add(type);
    if (type.isUnionOrIntersection()) {
      for (const part of type.types) visit(part, owner);
      return;
    }
    if (!(type.flags & ts.TypeFlags.Object)) return;
    const symbol = type.aliasSymbol ?? type.getSymbol();
    // Types from other packages (the SDK's SQSClient, AbortSignal) are not ours to change.
    if (symbol !== undefined && ownDeclarations(symbol).length === 0 && symbol.name !== '__type') {
      return;
    }
    const name = symbol?.name === '__type' || symbol === undefined ? owner : symbol.name;
    for (const property of checker.getPropertiesOfType(type)) {
      const declaration = ownDeclarations(property)[0];
      if (declaration === undefined) continue;
      const propertyName = `${name}.${property.name}`;
      const typeNode =
        ts.isPropertySignature(declaration) || ts.isPropertyDeclaration(declaration)
          ? declaration.type
          : undefined;
      if (property.flags & ts.SymbolFlags.Optional && typeNode !== undefined) {
        if (!acceptsUndefined(checker.getTypeFromTypeNode(typeNode))) {
          const file = declaration.getSourceFile();
          const line = file.getLineAndCharacterOfPosition(declaration.getStart()).line + 1;
          problems.set(propertyName, {
            property: propertyName,
            at: `${describeFile(file.fileName)}:${line}`,
          });
        }
      }
      visit(checker.getTypeOfSymbolAtLocation(property, declaration), propertyName);
    }
    // Not the parameters of function-typed properties (hooks, `S3ClientLike.send`): the library
    // builds those arguments, users do not.
  };

  for (const entry of entries) {
    const file = program.getSourceFile(entry);
    const module = file === undefined ? undefined : checker.getSymbolAtLocation(file);
    if (module === undefined) throw new Error(`no module at ${entry}`);
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol =
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) {
        visit(checker.getDeclaredTypeOfSymbol(symbol), symbol.name);
      }
      const declaration = symbol.valueDeclaration;
      if (declaration === undefined) continue;
      const value = checker.getTypeOfSymbolAtLocation(symbol, declaration);
      // Functions, and classes through their constructors (`new BatchResult({ … })`).
      for (const signature of value.getCallSignatures()) visitSignature(signature, symbol.name);
      for (const signature of value.getConstructSignatures()) {
        visitSignature(signature, symbol.name);
      }
    }
  }
  return [...problems.values()];
}
