/**
 * What a command says when code it loads with Node's own type stripping does not compile (`npm
 * run diagram` importing a broken src/settings.ts): Node's message is only what is wrong
 * ("Expression expected"); where is the first line of its stack. describeFailure says both.
 * Node's loader, not vitest's: in a process of its own, as the command runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('describeFailure, for a syntax error Node reports', () => {
  it('names the file and line with what is wrong', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'syntax-'));
    try {
      writeFileSync(path.join(dir, 'settings.ts'), 'export const a = 1;\nconst x = ;\n');
      const script = `import { describeFailure } from '@sluice/cli';\nawait import(${JSON.stringify(pathToFileURL(path.join(dir, 'settings.ts')).href)}).catch((e) => console.log(describeFailure(e)));`;
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: path.resolve(import.meta.dirname, '../../..'), encoding: 'utf8' });
      expect(run.stdout.trim(), run.stderr).toBe(`code it loads does not compile: ${path.join(dir, 'settings.ts')}:2: Expression expected`);
      // Imported by a module (as the diagram command imports the settings), the stack names it by its file: URL.
      writeFileSync(path.join(dir, 'importer.mjs'), "await import('./settings.ts');\n");
      const nested = `import { describeFailure } from '@sluice/cli';\nawait import(${JSON.stringify(pathToFileURL(path.join(dir, 'importer.mjs')).href)}).catch((e) => console.log(describeFailure(e)));`;
      const again = spawnSync(process.execPath, ['--input-type=module', '-e', nested], { cwd: path.resolve(import.meta.dirname, '../../..'), encoding: 'utf8' });
      expect(again.stdout.trim(), again.stderr).toBe(`code it loads does not compile: ${path.join(dir, 'settings.ts')}:2: Expression expected`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
