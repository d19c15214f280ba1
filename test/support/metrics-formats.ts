/**
 * Checkers for the two metric formats the runner writes, strict enough to fail on what the
 * consumers (a Prometheus scraper, CloudWatch Logs' EMF extraction) would refuse or misread.
 */
import { expect } from 'vitest';

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  type: string;
  help: string;
  samples: PromSample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;

function unescapeLabel(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const m = LABEL.exec(text);
    if (!m) throw new Error(`bad labels: ${text}`);
    labels[m[1] as string] = unescapeLabel(m[2] as string);
  }
  return labels;
}

/**
 * Parses Prometheus text format 0.0.4 and checks it: HELP and TYPE once before a family's
 * samples, every sample under its family (histograms: `_bucket` with `le`, `_sum`, `_count`),
 * histogram buckets cumulative and +Inf equal to `_count`.
 */
export function parsePrometheus(text: string): Map<string, PromFamily> {
  const families = new Map<string, PromFamily>();
  let current: { name: string; family: PromFamily } | undefined;
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.slice(0, -1).split('\n')) {
    const help = line.match(/^# HELP (\S+) (.*)$/);
    if (help) {
      const name = help[1] as string;
      expect(families.has(name), `${name} declared twice`).toBe(false);
      current = { name, family: { type: '', help: help[2] as string, samples: [] } };
      families.set(name, current.family);
      continue;
    }
    const type = line.match(/^# TYPE (\S+) (counter|gauge|summary|histogram|untyped)$/);
    if (type) {
      expect(type[1], 'TYPE follows its HELP').toBe(current?.name);
      (current as { family: PromFamily }).family.type = type[2] as string;
      continue;
    }
    const m = line.match(SAMPLE);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const [, name, labels, raw] = m as unknown as [string, string, string | undefined, string];
    expect(current, `sample before any family: ${line}`).toBeDefined();
    const base = (current as { name: string }).name;
    const suffix = name.slice(base.length);
    expect(name.startsWith(base), `${name} outside its family ${base}`).toBe(true);
    const allowed =
      current?.family.type === 'histogram'
        ? ['_bucket', '_sum', '_count']
        : current?.family.type === 'summary'
          ? ['', '_sum', '_count']
          : [''];
    expect(allowed, `${name} in a ${current?.family.type}`).toContain(suffix);
    const value = raw === '+Inf' ? Number.POSITIVE_INFINITY : Number(raw);
    expect(Number.isNaN(value) && raw !== 'NaN', `value ${raw}`).toBe(false);
    current?.family.samples.push({ name, labels: parseLabels(labels ?? ''), value });
  }
  for (const [name, family] of families) {
    if (family.type === 'histogram') checkHistogram(name, family);
  }
  return families;
}

function checkHistogram(name: string, family: PromFamily): void {
  const series = new Map<string, PromSample[]>();
  for (const s of family.samples) {
    const { le: _le, ...rest } = s.labels;
    const key = JSON.stringify(rest);
    series.set(key, [...(series.get(key) ?? []), s]);
  }
  for (const [key, samples] of series) {
    const buckets = samples.filter((s) => s.name === `${name}_bucket`);
    const count = samples.find((s) => s.name === `${name}_count`)?.value;
    const bounds = buckets.map((b) => Number(b.labels.le === '+Inf' ? Infinity : b.labels.le));
    expect(bounds, `${name} ${key} bounds ascending`).toEqual([...bounds].sort((a, b) => a - b));
    expect(bounds.at(-1), `${name} ${key} ends with +Inf`).toBe(Number.POSITIVE_INFINITY);
    for (let i = 1; i < buckets.length; i++) {
      expect(buckets[i]?.value, `${name} ${key} cumulative`).toBeGreaterThanOrEqual(
        buckets[i - 1]?.value ?? 0,
      );
    }
    expect(buckets.at(-1)?.value, `${name} ${key} +Inf = _count`).toBe(count);
  }
}

/** The value of one sample, found by family name and labels (a subset). */
export function sampleValue(
  families: Map<string, PromFamily>,
  name: string,
  labels: Record<string, string>,
  suffix = '',
): number | undefined {
  const family = families.get(name);
  return family?.samples.find(
    (s) => s.name === name + suffix && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}

const UNITS = new Set([
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
]);

function onlyKeys(object: object, allowed: string[], what: string): void {
  for (const key of Object.keys(object)) expect(allowed, `${what} member ${key}`).toContain(key);
}

/**
 * Checks one EMF log event against the specification: the `_aws` metadata (Timestamp in ms
 * within CloudWatch's window, CloudWatchMetrics directives), namespaces, dimension sets of at
 * most 30 string members, at most 100 metric definitions per directive with valid units, and
 * every referenced member present at the root with the right type.
 */
export function validateEmf(line: string, nowMs = Date.now()): Record<string, unknown> {
  expect(line.includes('\n'), 'one line').toBe(false);
  const doc = JSON.parse(line) as Record<string, unknown>;
  expect(typeof doc).toBe('object');
  const aws = doc._aws as Record<string, unknown>;
  expect(aws, '_aws').toBeTypeOf('object');
  onlyKeys(aws, ['Timestamp', 'CloudWatchMetrics', 'LogGroupName'], '_aws');
  const ts = aws.Timestamp as number;
  expect(Number.isInteger(ts), 'Timestamp in integer ms').toBe(true);
  expect(ts).toBeGreaterThan(nowMs - 14 * 86_400_000);
  expect(ts).toBeLessThan(nowMs + 2 * 3_600_000);
  const directives = aws.CloudWatchMetrics as Array<Record<string, unknown>>;
  expect(Array.isArray(directives) && directives.length > 0, 'CloudWatchMetrics').toBe(true);
  for (const d of directives) {
    onlyKeys(d, ['Namespace', 'Dimensions', 'Metrics'], 'MetricDirective');
    const ns = d.Namespace as string;
    expect(ns).toMatch(/^(?!AWS\/)[A-Za-z0-9._\-/#: ]{1,255}$/);
    const dimensionSets = d.Dimensions as string[][];
    expect(Array.isArray(dimensionSets)).toBe(true);
    for (const set of dimensionSets) {
      expect(set.length).toBeLessThanOrEqual(30);
      for (const name of set) {
        expect(name.length).toBeGreaterThan(0);
        expect(name.length).toBeLessThanOrEqual(250);
        const value = doc[name];
        expect(typeof value, `dimension ${name} is a string member`).toBe('string');
        expect(value as string).toMatch(/^(?=.*\S)[\x20-\x7e]{1,1024}$/);
      }
    }
    const metrics = d.Metrics as Array<Record<string, unknown>>;
    expect(metrics.length).toBeGreaterThan(0);
    expect(metrics.length, 'at most 100 metrics per directive').toBeLessThanOrEqual(100);
    const names = new Set<string>();
    for (const m of metrics) {
      onlyKeys(m, ['Name', 'Unit', 'StorageResolution'], 'MetricDefinition');
      const name = m.Name as string;
      expect(name.length).toBeGreaterThan(0);
      expect(name.length).toBeLessThanOrEqual(1024);
      expect(names.has(name), `${name} defined once`).toBe(false);
      names.add(name);
      if (m.Unit !== undefined) expect(UNITS.has(m.Unit as string), `unit ${m.Unit}`).toBe(true);
      const value = doc[name];
      const values = Array.isArray(value) ? value : [value];
      expect(values.length).toBeLessThanOrEqual(100);
      for (const v of values) expect(Number.isFinite(v), `${name} = ${v}`).toBe(true);
    }
  }
  return doc;
}
