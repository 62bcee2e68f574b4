/** The environment switches of a function's instances, read by the function host and worker. */
import { describe, expect, it } from 'vitest';
import { INSTANCE_IDLE_ENV, INSTANCE_INIT_TIMEOUT_ENV, INSTANCE_SCALE_UP_ENV } from '@sluice/local';
import { instanceSetting } from '../src/lambda/worker-protocol.ts';

describe('instanceSetting', () => {
  it('reads a number of milliseconds, and nothing when unset or empty', () => {
    expect(instanceSetting({ [INSTANCE_SCALE_UP_ENV]: '0' }, INSTANCE_SCALE_UP_ENV)).toBe(0);
    expect(instanceSetting({ [INSTANCE_SCALE_UP_ENV]: '250' }, INSTANCE_SCALE_UP_ENV)).toBe(250);
    expect(instanceSetting({ [INSTANCE_IDLE_ENV]: 'Infinity' }, INSTANCE_IDLE_ENV)).toBe(Infinity);
    expect(instanceSetting({}, INSTANCE_SCALE_UP_ENV)).toBeUndefined();
    expect(instanceSetting({ [INSTANCE_SCALE_UP_ENV]: '' }, INSTANCE_SCALE_UP_ENV)).toBeUndefined();
  });

  it('refuses what is not a number ≥ 0, naming the variable and what to do', () => {
    for (const bad of ['fast', '-1', 'NaN', '1s', '3000000000', 'Infinity']) {
      expect(() => instanceSetting({ [INSTANCE_SCALE_UP_ENV]: bad }, INSTANCE_SCALE_UP_ENV)).toThrow(
        `SLUICE_INSTANCE_SCALE_UP_DELAY_MS=${bad}: not a number of milliseconds from 0 to 2147483647 (unset it for the default)`,
      );
    }
  });

  it("takes the init limit only from 1 ms to a timer's longest (2147483647 ms): 0 stopped every init at once, a longer one passed at once, Infinity was none", () => {
    expect(instanceSetting({ [INSTANCE_INIT_TIMEOUT_ENV]: '1500' }, INSTANCE_INIT_TIMEOUT_ENV)).toBe(1500);
    expect(instanceSetting({ [INSTANCE_INIT_TIMEOUT_ENV]: '2147483647' }, INSTANCE_INIT_TIMEOUT_ENV)).toBe(2147483647);
    for (const bad of ['0', '3000000000', 'Infinity', '1e999', 'slow', '-5']) {
      expect(() => instanceSetting({ [INSTANCE_INIT_TIMEOUT_ENV]: bad }, INSTANCE_INIT_TIMEOUT_ENV)).toThrow(
        `SLUICE_INSTANCE_INIT_TIMEOUT_MS=${bad}: not a number of milliseconds from 1 to 2147483647 (unset it for Lambda's 10 s)`,
      );
    }
  });

  it('refuses an idle time beyond a timer\'s longest, which Node would fire after 1 ms, but keeps Infinity (never retired)', () => {
    expect(instanceSetting({ [INSTANCE_IDLE_ENV]: '2147483647' }, INSTANCE_IDLE_ENV)).toBe(2147483647);
    expect(() => instanceSetting({ [INSTANCE_IDLE_ENV]: '3000000000' }, INSTANCE_IDLE_ENV)).toThrow(
      'SLUICE_INSTANCE_IDLE_MS=3000000000: not a number of milliseconds from 0 to 2147483647, or Infinity (unset it for the default)',
    );
  });
});
