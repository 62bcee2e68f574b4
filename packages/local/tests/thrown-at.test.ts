/**
 * Where an instance's init threw (thrownAt): the first frame of the application's own code, which
 * npm start adds to the init failure of an error thrown at a module's top level.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { thrownAt } from '../src/lambda/instance-pool.ts';

const loader = path.join(path.dirname(fileURLToPath(import.meta.url)), '../src/lambda/instance.ts');

describe('thrownAt', () => {
  it("names the application's first frame: past Node's internals, node_modules and the framework's loader", () => {
    const stack = [
      'Error: table name missing',
      '    at resolveTableName (file:///app/node_modules/@sluice/runtime/dist/resources.js:40:11)',
      '    at file:///app/src/store.ts:9:15',
      '    at ModuleJob.run (node:internal/modules/esm/module_job:271:25)',
      '    at node:internal/streams/readable:568:12',
      `    at load (${loader}:60:3)`,
    ].join('\n');
    expect(thrownAt(stack)).toBe('/app/src/store.ts:9:15');
    expect(thrownAt('Error: boom\n    at Object.<anonymous> (/app/consumers/a.ts:3:7)')).toBe('/app/consumers/a.ts:3:7');
  });

  it('is undefined when no frame is the application\'s (a compile error: the code never ran), or without a stack', () => {
    expect(thrownAt(`Error: Transform failed with 1 error\n    at failureErrorWithLog (/app/node_modules/esbuild/lib/main.js:1477:15)\n    at node:internal/streams/readable:568:12\n    at load (${loader}:60:3)`)).toBeUndefined();
    expect(thrownAt(undefined)).toBeUndefined();
  });
});
