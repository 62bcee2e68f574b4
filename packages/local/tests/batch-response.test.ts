import { describe, expect, it } from 'vitest';
import { interpretBatchResponse } from '@sluice/local';

const ids = ['m-1', 'm-2'];

describe('interpretBatchResponse (Lambda ReportBatchItemFailures rules)', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an empty object', {}],
    ['null batchItemFailures', { batchItemFailures: null }],
    ['empty batchItemFailures', { batchItemFailures: [] }],
  ])('treats %s as complete success', (_, response) => {
    expect(interpretBatchResponse(response, ids)).toEqual({ kind: 'partial', failedIds: new Set() });
  });

  it('fails exactly the listed ids', () => {
    expect(interpretBatchResponse({ batchItemFailures: [{ itemIdentifier: 'm-2' }] }, ids)).toEqual({ kind: 'partial', failedIds: new Set(['m-2']) });
  });

  it.each([
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a null itemIdentifier', { batchItemFailures: [{ itemIdentifier: null }] }],
    ['a wrong key name', { batchItemFailures: [{ itemId: 'm-1' }] }],
    ['an id not in the batch', { batchItemFailures: [{ itemIdentifier: 'other' }] }],
    ['a non-array list', { batchItemFailures: 'm-1' }],
    ['a string response', 'ok'],
    ['an array response', [{ itemIdentifier: 'm-1' }]],
  ])('treats %s as a malformed response (whole batch fails)', (_, response) => {
    expect(interpretBatchResponse(response, ids).kind).toBe('malformed');
  });
});
