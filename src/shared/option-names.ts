/**
 * Unknown option names. TypeScript refuses `{ batchsize: 50 }` only where the object literal is
 * written inline; a spread, a variable, JavaScript or a YAML file gets it through, and the option
 * then silently keeps its default. Every public entry point checks the names it is given against
 * a list kept next to its option type (`satisfies OptionNames<Options>`, so the list cannot drift
 * from the type), and suggests the nearest known name.
 */
import { ConfigError } from './errors.js';

/**
 * The names of an options type, as an object so that `satisfies OptionNames<T>` refuses a list
 * that misses a key of `T` (and an object literal with a key `T` does not have).
 */
export type OptionNames<T> = { readonly [K in keyof Required<T>]: true };

/** Where a set of options is given, for error messages: `sqsMessages()`, `health`. */
export interface OptionSet {
  /** How the user writes it: `sqsMessages()`, `runListeners({ health })`. */
  readonly where: string;
  /** The prefix of nested option names in errors: `health.` (empty at the top level). */
  readonly prefix?: string;
  readonly names: Readonly<Record<string, true>>;
  /**
   * Names that are options elsewhere, and where: a better answer than a near miss when someone
   * gives `shutdownTimeout` to `sqsListener()` instead of `runListeners()`.
   */
  readonly elsewhere?: Readonly<Record<string, string>>;
}

/** Optimal string alignment distance (Damerau–Levenshtein with adjacent swaps), capped. */
export function editDistance(a: string, b: string, cap = 3): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, (before[j - 2] ?? 0) + 1);
      }
      current.push(d);
      rowMin = Math.min(rowMin, d);
    }
    // Every later row is at least this row's minimum: stop once it is past the cap.
    if (rowMin > cap) return cap + 1;
    before = previous;
    previous = current;
  }
  return previous[b.length] ?? cap + 1;
}

/**
 * The known name a user most likely meant: one equal ignoring case (`queueURL` → `queueUrl`)
 * first, else the nearest within 2 edits ignoring case (`batchsize`, `bacthSize`), else none.
 * Short inputs need a closer match, so that `id` does not "mean" `env`.
 */
export function suggestName(input: string, known: Iterable<string>): string | undefined {
  const lower = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  const limit = lower.length <= 4 ? 1 : 2;
  for (const name of known) {
    if (name.toLowerCase() === lower) return name;
    const distance = editDistance(lower, name.toLowerCase(), limit);
    if (distance <= limit && distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Throws a `ConfigError` for the first own key of `options` that is not a known name of `set`:
 * it names the key, its value, the options allowed there and, when there is one, the name the
 * user probably meant. Keys whose value is `undefined` are checked too: a typo is a typo.
 */
export function checkOptionNames(options: unknown, set: OptionSet): void {
  if (typeof options !== 'object' || options === null) return;
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(set.names, key)) continue;
    const known = Object.keys(set.names);
    const elsewhere = set.elsewhere?.[key];
    const near = suggestName(key, known);
    const hint =
      elsewhere !== undefined
        ? `${key} is an option of ${elsewhere}, not of ${set.where}.`
        : near !== undefined
          ? `Did you mean ${set.prefix ?? ''}${near}?`
          : undefined;
    throw new ConfigError({
      option: `${set.prefix ?? ''}${key}`,
      value: (options as Record<string, unknown>)[key],
      allowed: `the options of ${set.where}: ${known.join(', ')}`,
      from: 'option',
      unknown: true,
      ...(hint === undefined ? {} : { hint }),
    });
  }
}

/** The entries of `options` whose names are in `names` (to hand each layer its own options). */
export function pickOptions<T extends object>(
  options: T,
  names: Readonly<Record<string, true>>,
): Partial<T> {
  const picked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (Object.hasOwn(names, key)) picked[key] = value;
  }
  return picked as Partial<T>;
}
