/**
 * What `resolveTableName` says when a table's name is not set: on the local stack, that a table
 * added to the settings since it started needs a restart (it said to set the variable, naming
 * sst.config.ts, which a developer running npm start has nothing to do with); elsewhere, which
 * variable or link is missing.
 */
import { describe, expect, it } from 'vitest';
import { ConfigurationError, resolveTableName } from '@sluice/runtime/resources';

describe('resolveTableName, a table not set', () => {
  it('on the local stack (a loopback endpoint): add it to settings.tables and restart', () => {
    for (const endpoint of ['http://127.0.0.1:4566', 'http://localhost:4610/', 'http://[::1]:4566']) {
      expect(() => resolveTableName('Audit', { AWS_ENDPOINT_URL: endpoint })).toThrow(
        new ConfigurationError('Table Audit unknown here: the local stack sets AUDIT_TABLE_NAME for the tables of the settings it started with, and creates them then. Add Audit to settings.tables if it is not there, then restart npm start (or npm run subscriber).'),
      );
    }
  });
  it('elsewhere (an operator with --aws): the variable to set and where its value is, or the SST shell', () => {
    for (const env of [{}, { AWS_ENDPOINT_URL: 'https://dynamodb.eu-west-1.amazonaws.com' }]) {
      expect(() => resolveTableName('Audit', env)).toThrow(
        new ConfigurationError('Table Audit unknown: set AUDIT_TABLE_NAME to its deployed name (`sst deploy` prints it; deployed functions get it from sst.config.ts), or run the command under `npx sst shell`, which links "Audit".'),
      );
    }
    expect(resolveTableName('Audit', { AUDIT_TABLE_NAME: 'audit-dev' })).toBe('audit-dev');
  });
});
