/**
 * The project configuration (`eventContract` in package.json): generic defaults, the generated
 * package's name derived from the project, and the application's commands (operator command,
 * start hints) that the framework prints instead of knowing them. On project folders of their own;
 * what the order application's package.json states is checked in packages/orders/tests/project.test.ts.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkHandlers, DEFAULT_PROJECT, loadProject, projectRootFrom, resolvePlan } from '@sluice/model';
import type { Topology } from '@sluice/runtime/contract';

/** A project folder with these files (paths relative to it, JSON values written as JSON). */
function project(files: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'project-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

/** One consumed queue with a dead-letter queue, and one queue nobody consumes. */
const topology: Topology = {
  contract: { title: 'Payments', version: '1.0.0' },
  messages: { PaymentCaptured: { eventType: 'PaymentCaptured', schemaVersion: '1.0.0' } },
  topics: { PaymentTopic: { name: 'PaymentTopic', channel: 'paymentTopic', fifo: false, messages: ['PaymentCaptured'] } },
  queues: {
    PaymentQueue: { name: 'PaymentQueue', channel: 'paymentQueue', fifo: false, retentionSeconds: 345_600, deadLetter: { queue: 'PaymentDLQ', maxReceiveCount: 5 }, deadLetterFor: [] },
    PaymentDLQ: { name: 'PaymentDLQ', channel: 'paymentQueue', fifo: false, retentionSeconds: 1_209_600, deadLetterFor: ['PaymentQueue'] },
  },
  subscriptions: [],
  operations: {
    consumePaymentCaptured: { id: 'consumePaymentCaptured', action: 'receive', title: 'Book payments', channel: 'paymentQueue', queue: 'PaymentQueue', messages: ['PaymentCaptured'], sources: [{ topic: 'PaymentTopic', rawMessageDelivery: false }] },
  },
};

describe('loadProject', () => {
  it('defaults to a layout that names no application: consumers/, src/settings.ts, <package name>-contract, no hints', () => {
    const root = project({ 'package.json': { name: '@acme/payments' } });
    expect(DEFAULT_PROJECT).toEqual({ spec: 'asyncapi.yaml', generated: 'generated', consumers: 'consumers', settings: 'src/settings.ts', released: 'released' });
    expect(loadProject(root)).toEqual({
      root,
      spec: path.join(root, 'asyncapi.yaml'),
      generated: path.join(root, 'generated'),
      contractPackage: '@acme/payments-contract',
      consumers: path.join(root, 'consumers'),
      settings: path.join(root, 'src/settings.ts'),
      released: path.join(root, 'released'),
      startHints: [],
    });
  });

  it('names the generated package: eventContract.contractPackage, else the generated package.json, else <package name>-contract', () => {
    const declared = project({ 'package.json': { name: 'payments', eventContract: { contractPackage: '@acme/contract' } }, 'generated/package.json': { name: '@old/contract' } });
    expect(loadProject(declared).contractPackage).toBe('@acme/contract');
    const generated = project({ 'package.json': { name: 'payments', eventContract: { generated: 'gen' } }, 'gen/package.json': { name: '@old/contract' } });
    expect(loadProject(generated).contractPackage).toBe('@old/contract');
    expect(loadProject(project({ 'package.json': { name: 'payments' } })).contractPackage).toBe('payments-contract');
    expect(loadProject(declared, { contractPackage: '@cli/contract' }).contractPackage).toBe('@cli/contract');
  });

  it("reads the application's operator command and start hints, and refuses hints that are not command lines", () => {
    const root = project({ 'package.json': { name: 'payments', eventContract: { operatorCommand: 'npx payments', startHints: ['npx payments publish --amount 5'] } } });
    expect(loadProject(root)).toMatchObject({ operatorCommand: 'npx payments', startHints: ['npx payments publish --amount 5'] });
    const bad = project({ 'package.json': { name: 'payments', eventContract: { startHints: 'npx payments publish' } } });
    expect(() => loadProject(bad)).toThrow(/eventContract\.startHints must be a list of command lines/);
  });
});

describe('projectRootFrom', () => {
  it('finds the project from a subfolder: the nearest package.json declaring eventContract, past a workspace package of its own', () => {
    const root = project({ 'package.json': { name: 'shop', eventContract: { spec: 'asyncapi.yaml' } }, 'packages/app/package.json': { name: '@shop/app' }, 'packages/app/src/x.ts': '' });
    expect(projectRootFrom(path.join(root, 'packages', 'app', 'src'))).toBe(root);
    expect(projectRootFrom(root)).toBe(root);
    // None declares it: the folder itself, as before (a project on the defaults).
    const bare = project({ 'package.json': { name: 'bare' }, 'sub/.keep': '' });
    expect(projectRootFrom(path.join(bare, 'sub'))).toBe(path.join(bare, 'sub'));
  });
});

describe("the application's names where the framework prints them", () => {
  it('the handler to write imports the generated package by the name the project gives it', () => {
    const root = project({ 'package.json': { name: 'payments', eventContract: { contractPackage: '@acme/contract' } }, 'consumers/.keep': '' });
    const [missing] = checkHandlers(topology, path.join(root, 'consumers'), root);
    expect(missing).toContain(`import { operations } from '@acme/contract';`);
    expect(checkHandlers(topology, path.join(root, 'consumers'), root, '@given/contract')[0]).toContain(`from '@given/contract'`);
  });

  it("the alarm descriptions name the application's operator command, or the command alone when it declares none", () => {
    const descriptions = (operatorCommand?: string) =>
      resolvePlan({ topology, settings: {}, ...(operatorCommand ? { operatorCommand } : {}) }).alarms.filter((a) => 'queue' in a.subject && ['PaymentQueue', 'PaymentDLQ'].includes(a.subject.queue)).map((a) => a.description);
    expect(descriptions('npx payments')).toEqual([
      'Messages failed PaymentQueue and wait in PaymentDLQ: see `npx payments dlq list --aws`',
      'A message has waited in PaymentDLQ for over 432000 s, half the 864000 s a dead letter surely has left there: SQS deletes it 1209600 s after it was first sent to PaymentQueue (a standard queue keeps the original enqueue time), and it may have waited there up to 345600 s; this age counts from when it moved: examine and redrive or purge it before it expires (`npx payments dlq list --aws`)',
      'A message has waited in PaymentQueue for over 900 s: consumePaymentCaptured is down, failing every record or too slow. See its logs and `npx payments status --aws`',
    ]);
    expect(descriptions()).toEqual([
      "Messages failed PaymentQueue and wait in PaymentDLQ: see the application's `dlq list --aws` command",
      "A message has waited in PaymentDLQ for over 432000 s, half the 864000 s a dead letter surely has left there: SQS deletes it 1209600 s after it was first sent to PaymentQueue (a standard queue keeps the original enqueue time), and it may have waited there up to 345600 s; this age counts from when it moved: examine and redrive or purge it before it expires (the application's `dlq list --aws` command)",
      "A message has waited in PaymentQueue for over 900 s: consumePaymentCaptured is down, failing every record or too slow. See its logs and the application's `status --aws` command",
    ]);
  });
});
