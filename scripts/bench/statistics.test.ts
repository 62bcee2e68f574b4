import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './bench-table.ts';
import { alternate, median, ratios, rotated } from './statistics.ts';

describe('bench statistics', () => {
  it('takes the median of odd and even counts without reordering the input', () => {
    const values = [5, 1, 3];
    expect(median(values)).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(values).toEqual([5, 1, 3]);
  });

  it('rotates the running order every round so no variant is always first', async () => {
    expect([0, 1, 2].map((r) => rotated(['a', 'b', 'c'], r)[0])).toEqual(['a', 'b', 'c']);
    const order: string[] = [];
    const samples = await alternate(['a', 'b'], 2, (v, round) => {
      order.push(v);
      return round;
    });
    expect(order).toEqual(['a', 'b', 'b', 'a']);
    expect(samples.get('b')).toEqual([0, 1]);
  });

  it('takes ratios round by round and refuses samples from different rounds', () => {
    expect(ratios([2, 9], [1, 3])).toEqual([2, 3]);
    expect(() => ratios([1], [1, 2])).toThrow(RangeError);
  });

  it('renders one Markdown row per measurement, escaping pipes', () => {
    const table = renderMarkdown([
      { section: 1, measurement: 'a | b', result: '1 µs', baseline: '', ratio: '', target: '', verdict: 'info', note: '' },
    ]);
    expect(table.split('\n')).toHaveLength(3);
    expect(table).toContain('a \\| b');
  });
});
