/**
 * The packed tarball, installed the way an app installs it: what it contains, how it loads from
 * ESM and CommonJS, what it declares, and that it runs on the app's own @aws-sdk/client-sqs.
 * The oldest client-sqs of the peer range is exercised in CI by .ci/sdk-compat.sh (it needs the
 * registry); here the smoke test runs on the devDependency's version, offline.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildAndPack, nodeIn, type PackedPackage, repoRoot, STALE_FILE } from './packed.js';

interface Manifest {
  engines: { node: string };
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  devDependencies: Record<string, string>;
}

let packed: PackedPackage;
let manifest: Manifest;

beforeAll(async () => {
  packed = await buildAndPack();
  manifest = JSON.parse(readFileSync(join(packed.packageDir, 'package.json'), 'utf8'));
}, 180_000);

afterAll(() => packed?.cleanup());

const read = (path: string) => readFileSync(join(packed.packageDir, path), 'utf8');

describe('tarball contents', () => {
  it('resolves every source map entry to a file inside the tarball', () => {
    const maps = [...packed.files].filter((file) => file.endsWith('.map'));
    // Both kinds: .js.map for stack traces, .d.ts.map for editors' go-to-definition.
    expect(maps.filter((m) => m.endsWith('.d.ts.map')).length).toBeGreaterThan(50);
    expect(maps.filter((m) => m.endsWith('.js.map')).length).toBeGreaterThan(50);
    const unresolved: string[] = [];
    for (const map of maps) {
      const { sources } = JSON.parse(read(map)) as { sources: string[] };
      for (const source of sources) {
        const target = normalize(join(dirname(map), source));
        if (!packed.files.has(target)) unresolved.push(`${map} -> ${target}`);
      }
    }
    expect(unresolved).toEqual([]);
  });

  it('ships only the build, its sources and the docs, never a stale build output or tests', () => {
    expect(packed.files.has(STALE_FILE)).toBe(false);
    const outside = [...packed.files].filter(
      (file) =>
        !/^(dist|src)\//.test(file) &&
        !['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE'].includes(file),
    );
    expect(outside).toEqual([]);
    expect([...packed.files].some((file) => /\.test\.|^test\//.test(file))).toBe(false);
  });

  it('imports at run time only Node built-ins and declared dependencies', () => {
    const declared = new Set([
      ...Object.keys(manifest.dependencies),
      ...Object.keys(manifest.peerDependencies),
    ]);
    const builtins = new Set(builtinModules);
    const undeclared = new Set<string>();
    const used = new Set<string>();
    for (const file of packed.files) {
      if (!file.endsWith('.js')) continue;
      const code = read(file);
      // tsc prints one statement per line: `import … from 'x';`, `} from 'x';`, `import('x')`.
      // Anchored so that `from 'x'` inside a message string is not taken for an import.
      const statements =
        /^(?:(?:import|export)\b[^'\n]*|\}) from '([^']+)';$|\bimport\('([^']+)'\)/gm;
      for (const [, staticName, dynamicName] of code.matchAll(statements)) {
        const specifier = staticName ?? dynamicName;
        if (!specifier || specifier.startsWith('.') || specifier.startsWith('node:')) continue;
        if (builtins.has(specifier)) continue;
        const parts = specifier.split('/');
        const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
        if (name) used.add(name);
        if (name && !declared.has(name)) undeclared.add(`${name} (${file})`);
      }
    }
    expect([...undeclared]).toEqual([]);
    // The scan sees imports at all: the three run-time dependencies are found.
    expect([...used]).toEqual(expect.arrayContaining(['@aws-sdk/client-sqs', 'debug', 'ix']));
  });
});

describe('dependencies', () => {
  it('takes @aws-sdk/client-sqs as a required peer, so the app and the library share one copy', () => {
    expect(manifest.dependencies['@aws-sdk/client-sqs']).toBeUndefined();
    expect(manifest.peerDependencies['@aws-sdk/client-sqs']).toMatch(/^\^3\.\d+\.\d+$/);
    expect(manifest.peerDependenciesMeta['@aws-sdk/client-sqs']).toBeUndefined();
    // Our own tests still pin the newest; the peer range's floor is tested by .ci/sdk-compat.sh.
    const repo = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Manifest;
    expect(repo.devDependencies['@aws-sdk/client-sqs']).toBeDefined();
  });

  it('sends, receives, extends, acks and nacks through the app’s client-sqs (FIFO too)', async () => {
    writeFileSync(
      join(packed.appDir, 'sdk-smoke.mjs'),
      readFileSync(join(import.meta.dirname, 'sdk-smoke.mjs')),
    );
    const { stdout } = await nodeIn(packed.appDir, ['sdk-smoke.mjs'], {
      SMOKE_SQS_ENDPOINT: inject('fauxqsEndpoint'),
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    expect(result).toMatchObject({ ok: true });
    expect(result.commands.ReceiveMessageCommand).toBeGreaterThan(0);
  }, 60_000);
});

describe('loading', () => {
  const probe = `
    const names = (m) => ['sqsMessages', 'perMessageListener', 'runListeners'].map((n) => typeof m[n]);
    const testing = (m) => Object.keys(m).length > 0;`;

  it('import()s from ESM and from CommonJS on every supported Node', async () => {
    writeFileSync(
      join(packed.appDir, 'esm.mjs'),
      `${probe}
      const main = await import('sqs-fargate-listener');
      const t = await import('sqs-fargate-listener/testing');
      console.log(JSON.stringify([names(main), testing(t)]));`,
    );
    writeFileSync(
      join(packed.appDir, 'dynamic.cjs'),
      `${probe}
      (async () => {
        const main = await import('sqs-fargate-listener');
        const t = await import('sqs-fargate-listener/testing');
        console.log(JSON.stringify([names(main), testing(t)]));
      })();`,
    );
    const expected = JSON.stringify([['function', 'function', 'function'], true]);
    for (const file of ['esm.mjs', 'dynamic.cjs']) {
      const { stdout } = await nodeIn(packed.appDir, [file]);
      expect(stdout.trim(), file).toBe(expected);
    }
  });

  it('require()s from CommonJS on this Node (require(esm): Node 20.19+, 22.12+)', async () => {
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    // The engines range promises require() works on every Node it admits: check this one is.
    expect(major === 20 ? minor >= 19 : major >= 22).toBe(true);
    expect(manifest.engines.node).toBe('^20.19.0 || >=22.12.0');
    writeFileSync(
      join(packed.appDir, 'require.cjs'),
      `${probe}
      const main = require('sqs-fargate-listener');
      const t = require('sqs-fargate-listener/testing');
      console.log(JSON.stringify([names(main), testing(t)]));`,
    );
    const { stdout } = await nodeIn(packed.appDir, ['require.cjs']);
    expect(stdout.trim()).toBe(JSON.stringify([['function', 'function', 'function'], true]));
  });

  it('fails require() with ERR_REQUIRE_ESM where require(esm) is off, as on Node < 20.19', async () => {
    // docs/install.md tells users on older Node to use import(); this is what they see otherwise.
    writeFileSync(join(packed.appDir, 'old-require.cjs'), `require('sqs-fargate-listener');`);
    const failure = await nodeIn(packed.appDir, [
      '--no-experimental-require-module',
      'old-require.cjs',
    ]).then(
      () => undefined,
      (error: { stderr: string }) => error,
    );
    expect(failure?.stderr).toContain('ERR_REQUIRE_ESM');
  });
});
