/**
 * `loadApplication` (npm start, npm run subscriber, the operator commands) refuses settings that
 * do not fit the contract, each problem with the file it is in: it said
 * `settings.consumers.<id>.… must be …` without the file, which infra:plan names.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureProject, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';

let fixture: FixtureProject | undefined;
afterAll(() => fixture?.dispose());

describe('loadApplication with settings that do not fit the contract', () => {
  it('names the settings file with each settings problem', async () => {
    fixture = await fixtureProject('single-consumer');
    const file = path.join(fixture.dir, 'settings.ts');
    writeFileSync(file, readFileSync(file, 'utf8').replace('maximumMessageAgeSeconds: 900', 'maximumMessageAgeSeconds: 30').replace('memoryMB: 512', 'memoryMB: 64'));
    const shown = path.relative(process.cwd(), file);
    const error = (await fixture.application().then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(error?.message.split('\n')).toEqual([
      'the application does not match its contract:',
      `  - ${shown}: settings.consumers.consumeOrderPlaced.memoryMB must be 128..10240, got 64`,
      expect.stringMatching(new RegExp(`^  - ${shown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: settings\\.consumers\\.consumeOrderPlaced\\.maximumMessageAgeSeconds must be 60\\.\\.\\d+ .*, got 30$`)),
    ]);
  });
});
