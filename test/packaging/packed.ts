/**
 * The package as users get it, built offline: the repository's build inputs are copied to a
 * temporary directory, built with the package's own `build` script (so a stale file planted in
 * `dist/` shows whether the build cleans), packed with `npm pack`, and unpacked into a scratch
 * app's `node_modules`. The app's other dependencies are symlinks into this repository's
 * node_modules, so the scratch app resolves `@aws-sdk/client-sqs`, `ix` and `debug` exactly as an
 * installed app would, without a registry.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const repoRoot = resolve(import.meta.dirname, '../..');
const repoModules = join(repoRoot, 'node_modules');

/** What `npm pack --json` reports for one tarball (the fields used here). */
interface PackReport {
  filename: string;
  files: { path: string }[];
}

export interface PackedPackage {
  /** Scratch app root: its node_modules holds the unpacked package and links to the rest. */
  appDir: string;
  /** The unpacked package, as `node_modules/sqs-fargate-listener`. */
  packageDir: string;
  /** Every path in the tarball, relative to the package root (`dist/index.js`). */
  files: Set<string>;
  /** Removes every temporary directory. */
  cleanup(): void;
}

/** A file planted in the copy's `dist/` before building: a clean build must not pack it. */
export const STALE_FILE = 'dist/removed-module.js';

export async function buildAndPack(): Promise<PackedPackage> {
  const root = mkdtempSync(join(tmpdir(), 'sfl-packaging-'));
  try {
    const copy = join(root, 'package');
    mkdirSync(copy);
    for (const entry of [
      'src',
      'package.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'README.md',
      'CHANGELOG.md',
    ]) {
      cpSync(join(repoRoot, entry), join(copy, entry), { recursive: true });
    }
    symlinkSync(repoModules, join(copy, 'node_modules'), 'dir');
    mkdirSync(join(copy, 'dist'));
    cpSync(join(repoRoot, 'package.json'), join(copy, STALE_FILE));

    // tsc reports type errors on stdout: show them, not only "Command failed".
    await run('npm', ['run', 'build', '--silent'], { cwd: copy }).catch((error) => {
      throw new Error(`npm run build failed:\n${error.stdout}${error.stderr}`);
    });
    const { stdout } = await run(
      'npm',
      ['pack', '--json', '--ignore-scripts', '--pack-destination', root],
      { cwd: copy },
    );
    const [report] = JSON.parse(stdout) as PackReport[];
    if (!report) throw new Error(`npm pack reported nothing: ${stdout}`);

    const appDir = join(root, 'app');
    const modules = join(appDir, 'node_modules');
    const packageDir = join(modules, 'sqs-fargate-listener');
    mkdirSync(packageDir, { recursive: true });
    await run('tar', [
      'xzf',
      join(root, report.filename),
      '-C',
      packageDir,
      '--strip-components=1',
    ]);
    for (const name of readdirSync(repoModules)) {
      if (name === '.bin' || name === 'sqs-fargate-listener') continue;
      symlinkSync(join(repoModules, name), join(modules, name), 'dir');
    }
    return {
      appDir,
      packageDir,
      files: new Set(report.files.map((file) => file.path)),
      cleanup: () => rmSync(root, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

/** Runs `node ...args` in the scratch app; resolves with stdout, rejects with stderr in the error. */
export async function nodeIn(
  cwd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
}
