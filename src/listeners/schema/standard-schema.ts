/**
 * The part of Standard Schema v1 (https://standardschema.dev) this library relies on, declared
 * here rather than imported: the spec is matched structurally, so any zod (≥ 3.24), valibot
 * (≥ 1) or arktype schema fits these types, and the published `.d.ts` needs neither a validator
 * nor `@standard-schema/spec` installed. Only what the listener uses is declared: a schema with
 * more (the spec's optional `options` argument, its `types`) still fits, and the output type is
 * inferred from what `validate()` returns. (Declaring the spec's `types` too made TypeScript
 * report a circularity in unrelated code that infers handler types from literal tuples.)
 * `test/schema/types.test.ts` checks that the spec's own type is assignable to these.
 */

/** A validator implementing Standard Schema v1 whose output (after transforms) is `Output`. */
export interface MessageSchema<Output = unknown> {
  /** The spec's properties; the listener calls `validate` on the parsed JSON body. */
  readonly '~standard': MessageSchemaProps<Output>;
}

/** The `~standard` properties of a {@link MessageSchema}. */
export interface MessageSchemaProps<Output = unknown> {
  /** The spec's version: 1. */
  readonly version: 1;
  /** The library that made the schema (`zod`, `valibot`, `arktype`…), shown in logs. */
  readonly vendor: string;
  /** Validates a value; may return a promise (async refinements). May throw on a validator bug. */
  readonly validate: (
    value: unknown,
  ) => MessageSchemaResult<Output> | Promise<MessageSchemaResult<Output>>;
}

/** What `validate()` returns: the output value, or the issues (a truthy `issues` is failure). */
export type MessageSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<MessageSchemaIssue> };

/** One problem a validator found, as the spec shapes it. */
export interface MessageSchemaIssue {
  readonly message: string;
  /** Where in the value: keys and indexes, or segments `{ key }`. Absent for the root. */
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** The output type of a schema: `InferSchemaOutput<typeof Order>` is what `message.data` holds. */
export type InferSchemaOutput<S extends MessageSchema> =
  S extends MessageSchema<infer O> ? O : never;
