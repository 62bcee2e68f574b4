/**
 * The order application's project configuration (`eventContract` in the repository's
 * package.json), as the framework's commands read it with `loadProject`: where its consumers and
 * settings are, its contract package's name, its operator command. How `loadProject` reads a
 * project is tested on project folders of their own in packages/model/tests/project.test.ts.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '@sluice/model';

const repositoryRoot = path.resolve(import.meta.dirname, '../../..');

describe("the order application's project", () => {
  it('gives this repository the paths, package name and commands its package.json states', () => {
    const p = loadProject(repositoryRoot);
    expect(path.relative(repositoryRoot, p.consumers)).toBe(path.join('packages', 'orders', 'consumers'));
    expect(path.relative(repositoryRoot, p.settings)).toBe(path.join('packages', 'orders', 'src', 'settings.ts'));
    expect(p.contractPackage).toBe('@orders/contract');
    expect(p.operatorCommand).toBe('npx orders');
  });
});
