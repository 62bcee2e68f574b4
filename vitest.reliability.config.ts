import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/** `npm run test:reliability`: long end-to-end scenarios through the local runtime, one file at a time. */
export default defineConfig({
  test: {
    ...base.test,
    include: ['tests/reliability/**/*.reliability.ts'],
    testTimeout: 900_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
