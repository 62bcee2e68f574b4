/**
 * A small FIFO system as a project of its own, for the operator tools' FIFO tests: the FIFO topic
 * `SettlementTopic.fifo` (no content-based deduplication) delivers `SettlementBooked` to the FIFO
 * queue `SettlementQueue.fifo`, whose redrive policy dead-letters to `SettlementDLQ.fifo` after
 * two receives. The message names no group-id field (`x-message-group-id`): a publisher gives the
 * group. Its contract package is generated there by codegen, as `npm run codegen` does.
 *
 * The folder is under `node_modules/.cache/`, inside the repository, so that the generated module's
 * imports (`@sluice/runtime/…`) resolve as in a project.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateContract, withinDirectory } from '../../../tests/helpers/fixture-project.ts';
import { loadProject, type ProjectConfig } from '@sluice/model';

const root = path.resolve(import.meta.dirname, '../../..');

/** The contract: one FIFO topic, its FIFO queue and that queue's FIFO dead-letter queue. */
export const SETTLEMENT_CONTRACT = `asyncapi: 3.0.0
info:
  title: Settlement FIFO fixture
  version: 1.0.0
defaultContentType: application/json
channels:
  settlements:
    address: SettlementTopic.fifo
    messages:
      settlementBooked:
        $ref: '#/components/messages/SettlementBooked'
    bindings:
      sns:
        name: SettlementTopic.fifo
        ordering:
          type: FIFO
          contentBasedDeduplication: false
        bindingVersion: 0.1.0
  settlementQueue:
    address: SettlementQueue.fifo
    messages:
      settlementBooked:
        $ref: '#/components/messages/SettlementBooked'
    bindings:
      sqs:
        queue:
          name: SettlementQueue.fifo
          fifoQueue: true
          redrivePolicy:
            deadLetterQueue:
              name: SettlementDLQ.fifo
            maxReceiveCount: 2
        deadLetterQueue:
          name: SettlementDLQ.fifo
          fifoQueue: true
          messageRetentionPeriod: 1209600
        bindingVersion: 0.2.0
operations:
  publishSettlement:
    action: send
    channel:
      $ref: '#/channels/settlements'
    messages:
      - $ref: '#/channels/settlements/messages/settlementBooked'
    bindings:
      sns:
        consumers:
          - protocol: sqs
            endpoint:
              name: SettlementQueue.fifo
            rawMessageDelivery: false
        bindingVersion: 0.1.0
  consumeSettlement:
    action: receive
    channel:
      $ref: '#/channels/settlementQueue'
    messages:
      - $ref: '#/channels/settlementQueue/messages/settlementBooked'
components:
  messages:
    SettlementBooked:
      name: SettlementBooked
      x-schema-version: 1.0.0
      headers:
        $ref: '#/components/schemas/SettlementBookedAttributes'
      payload:
        type: object
        additionalProperties: false
        required: [settlementId, accountId, amountCents]
        properties:
          settlementId: { type: string, minLength: 1 }
          accountId: { type: string, minLength: 1 }
          amountCents: { type: integer }
      examples:
        - name: booked
          headers: { eventType: SettlementBooked, schemaVersion: 1.0.0 }
          payload: { settlementId: set-1, accountId: acc-1, amountCents: 100 }
  schemas:
    SettlementBookedAttributes:
      title: SettlementBookedAttributes
      type: object
      required: [eventType, schemaVersion]
      properties:
        eventType: { type: string, const: SettlementBooked }
        schemaVersion: { type: string, pattern: '^1\\.\\d+\\.\\d+$' }
`;

export interface SettlementProject {
  /** The project's folder (package.json, asyncapi.yaml, generated/). */
  readonly dir: string;
  /** Its layout (contract package `@fixtures/settlement-contract`). */
  readonly project: ProjectConfig;
  /** Runs `fn` with the project's folder as the working directory (the commands read the project from there). */
  within<T>(fn: () => Promise<T>): Promise<T>;
  dispose(): void;
}

/**
 * Writes the settlement project to a fresh folder and generates its contract package: with
 * `contract`, a variant of it (a test's own queues around the same topic and message).
 *
 * @example
 * const settlement = await settlementProject();
 * const { topology } = await contractModule(settlement.project);
 * const runtime = await startLocalRuntime({ application: { project: settlement.project, topology, settings: {}, handlers: {} }, port: 0, consumers: false });
 */
export async function settlementProject(contract: string = SETTLEMENT_CONTRACT): Promise<SettlementProject> {
  const cache = path.join(root, 'node_modules', '.cache', 'sluice-fixtures');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(path.join(cache, 'settlement-fifo-'));
  const manifest = { name: 'settlement-fifo', private: true, type: 'module', eventContract: { contractPackage: '@fixtures/settlement-contract' } };
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(path.join(dir, 'asyncapi.yaml'), contract);
  const project = loadProject(dir);
  await generateContract(project);
  return {
    dir,
    project,
    within: (fn) => withinDirectory(dir, fn),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
