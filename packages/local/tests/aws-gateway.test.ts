/**
 * The local AWS endpoint: it refuses what a web page could send it (foreign Origin, a rebound
 * Host name), caps request bodies, and runs SQS message move tasks (dead-letter queue redrive)
 * that fauxqs lacks, through the real AWS SDK.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CancelMessageMoveTaskCommand,
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
  type Message,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import { startAwsGateway, startEmulators, type Emulators } from '@sluice/local';
import { bodyLimits, END_LONG_POLLS_PATH, isLoopbackHost, isLoopbackOrigin } from '../src/stack/aws-gateway.ts';
import { longPollEnder } from '../src/stack/emulators.ts';
import { waitFor } from '../../../tests/helpers/wait-for.ts';

const config = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
let emulators: Emulators;
let port: number;
let sqs: SQSClient;
let sns: SNSClient;

beforeAll(async () => {
  emulators = await startEmulators({ port: 0 });
  port = Number(new URL(emulators.endpoint).port);
  sqs = new SQSClient({ ...config, endpoint: emulators.endpoint });
  sns = new SNSClient({ ...config, endpoint: emulators.endpoint });
});
afterAll(async () => {
  sqs?.destroy();
  sns?.destroy();
  await emulators?.stop();
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request to the gateway with exactly the headers given (plus the defaults Node adds). */
function request(options: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: options.method ?? 'POST', path: '/', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * Streams a body of `bytes` in chunks (no Content-Length) and stops writing as soon as an answer
 * arrives, as a client does when the server refuses a body midway.
 */
function stream(headers: Record<string, string>, bytes: number): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers }, (res) => {
      answered = true;
      let body = '';
      const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', done);
      res.on('error', done);
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const pump = () => {
      while (!answered && sent < bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const formHeaders = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };

async function createQueue(name: string, attributes: Record<string, string> = {}): Promise<{ url: string; arn: string }> {
  const { QueueUrl: url } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url!, AttributeNames: ['QueueArn'] }));
  return { url: url!, arn: Attributes!.QueueArn! };
}

/** A queue redriving (after one receive) to a dead-letter queue. */
async function createRedrivenQueues(name: string): Promise<{ source: { url: string; arn: string }; dlq: { url: string; arn: string } }> {
  const dlq = await createQueue(`${name}-dlq`);
  const source = await createQueue(name, { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 1 }) });
  return { source, dlq };
}

async function depth(url: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes!.ApproximateNumberOfMessages) + Number(Attributes!.ApproximateNumberOfMessagesNotVisible);
}

async function receiveAll(url: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 60, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }),
    );
    if (Messages.length === 0) return all;
    all.push(...Messages);
  }
}

const attributesOf = (i: number): Record<string, MessageAttributeValue> => ({
  kind: { DataType: 'String', StringValue: `kind-${i}` },
  count: { DataType: 'Number', StringValue: String(i) },
  blob: { DataType: 'Binary', BinaryValue: new Uint8Array([i, 255, 0, 7]) },
});

/** Sends `count` messages to the source and lets fauxqs dead-letter them (maxReceiveCount 1). */
async function deadLetter(queues: { source: { url: string }; dlq: { url: string } }, count: number, prefix: string): Promise<void> {
  for (let i = 0; i < count; i += 10) {
    const ids = Array.from({ length: Math.min(10, count - i) }, (_, j) => i + j);
    await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queues.source.url, Entries: ids.map((n) => ({ Id: String(n), MessageBody: `${prefix}-${n}`, MessageAttributes: attributesOf(n) })) }),
    );
  }
  // The first receive counts 1; the next finds the count over 1 and moves the message to the DLQ.
  await waitFor(
    `${count} messages in ${queues.dlq.url}`,
    async () => {
      await sqs.send(new ReceiveMessageCommand({ QueueUrl: queues.source.url, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
      return (await depth(queues.dlq.url)) === count;
    },
    10_000,
  );
}

async function latestTask(sourceArn: string) {
  const { Results = [] } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 10 }));
  return Results[0];
}

describe('who may call the local endpoint', () => {
  it('answers to loopback names and pages only', () => {
    for (const host of ['127.0.0.1:4566', 'localhost', 'LOCALHOST:1', 'sqs.us-east-1.localhost:4566', '[::1]:4566']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['evil.example', 'evil.example:4566', 'localhost.evil.example', '127.0.0.1.nip.io', '10.0.0.1:4566', '', undefined]) expect(isLoopbackHost(host), String(host)).toBe(false);
    for (const origin of ['http://localhost:5173', 'https://127.0.0.1', 'http://[::1]:8080']) expect(isLoopbackOrigin(origin), origin).toBe(true);
    for (const origin of ['https://evil.example', 'null', 'http://localhost.evil.example', 'file://', 'ftp://localhost']) expect(isLoopbackOrigin(origin), origin).toBe(false);
  });

  it('refuses a form posted by a foreign web page, which then publishes nothing; a loopback page may publish', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'GatewayOriginTopic' }));
    const queue = await createQueue('GatewayOriginQueue');
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queue.arn }));
    const publish = form({ Action: 'Publish', Version: '2010-03-31', TopicArn: TopicArn!, Message: 'from a page' });

    const refused = await request({ headers: { ...formHeaders, origin: 'https://evil.example' }, body: publish });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatch(/<Code>AccessDenied<\/Code>.*evil\.example.*no authentication/s);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, WaitTimeSeconds: 1 }));
    expect(Messages ?? []).toHaveLength(0);

    const accepted = await request({ headers: { ...formHeaders, origin: 'http://localhost:5173' }, body: publish });
    expect(accepted.status).toBe(200);
    expect(await waitFor('the loopback page’s message', async () => (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url }))).Messages?.[0])).toBeDefined();
  });

  it("refuses what a browser sends for another site without an Origin (a link, an image: Sec-Fetch-Site cross-site), which reached fauxqs's other APIs (S3's bucket list), and lets a localhost page's through", async () => {
    const crossSite = await request({ method: 'GET', headers: { 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body).toMatch(/Sec-Fetch-Site: cross-site.*no authentication/);
    const listQueues = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues' };
    expect((await request({ headers: { ...listQueues, 'sec-fetch-site': 'cross-site' }, body: '{}' })).status).toBe(403);
    for (const site of ['same-site', 'same-origin', 'none']) expect((await request({ headers: { ...listQueues, 'sec-fetch-site': site }, body: '{}' })).status, site).toBe(200);
    // A page on localhost calling 127.0.0.1: another site to the browser, with its loopback Origin: allowed (the Origin decides).
    expect((await request({ headers: { ...listQueues, origin: 'http://localhost:5173', 'sec-fetch-site': 'cross-site' }, body: '{}' })).status).toBe(200);
  });

  it('refuses a foreign Host (DNS rebinding) and accepts the *.localhost names of queue URLs', async () => {
    const listQueues = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues' };
    const rebound = await request({ headers: { ...listQueues, host: `evil.example:${port}` }, body: '{}' });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toMatchObject({ __type: 'AccessDenied', message: expect.stringMatching(/evil\.example.*127\.0\.0\.1/) });
    const topics = await request({ headers: { ...formHeaders, host: 'evil.example' }, body: form({ Action: 'ListTopics' }) });
    expect(topics.status).toBe(403);

    const queueHost = await request({ headers: { ...listQueues, host: `sqs.us-east-1.localhost:${port}` }, body: '{}' });
    expect(queueHost.status).toBe(200);
    expect(JSON.parse(queueHost.body).QueueUrls).toEqual(expect.arrayContaining([expect.stringContaining('localhost')]));
  });

  it('refuses a CORS preflight from a foreign page without allowing its origin', async () => {
    const preflight = await request({
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-amz-target,content-type' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('request size', () => {
  // Each cap by its number, not through the exported `bodyLimits`: widening one must fail here.
  const MiB = 1024 * 1024;
  const caps = { sqs: 4 * MiB, sns: 1 * MiB, 'sqs-query': 1 * MiB, dynamodb: 16 * MiB, health: 1 * MiB, failures: 1 * MiB, 'long-polls': 1 * MiB, other: 1 * MiB };

  it('caps each route at its documented size', () => {
    expect(bodyLimits).toEqual(caps);
  });

  it.each([
    ['SQS', { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessage' }, caps.sqs],
    ['SNS', { 'content-type': 'application/x-www-form-urlencoded' }, caps.sns],
    ['DynamoDB', { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.BatchWriteItem' }, caps.dynamodb],
  ])('answers 413 to a %s body announced one byte over %s bytes', async (_service, headers, cap) => {
    const reply = await new Promise<Reply>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { ...headers, 'content-length': String(cap + 1) } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
          req.destroy();
        });
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(reply.status).toBe(413);
    expect(reply.body).toContain(`over ${cap} bytes`);
  }, 5_000);

  it('answers 413 to a body announced over the cap, before reading it', async () => {
    const reply = await new Promise<Reply>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessage', 'content-length': String(caps.sqs + 1) } },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
            req.destroy();
          });
        },
      );
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body)).toMatchObject({ __type: 'RequestEntityTooLarge', message: expect.stringMatching(/over 4194304 bytes.*SQS/) });
  });

  it('stops reading a streamed body once it is over the cap, whatever the route, and stays healthy', async () => {
    const snsReply = await stream(formHeaders, caps.sns + 64 * 1024);
    expect(snsReply.status).toBe(413);
    expect(snsReply.body).toMatch(/<Code>RequestEntityTooLarge<\/Code>/);

    const dynamoReply = await stream({ 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.PutItem' }, caps.dynamodb + 1024 * 1024);
    expect(dynamoReply.status).toBe(413);

    const sqsReply = await stream({ 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessageBatch' }, caps.sqs + 1024 * 1024);
    expect(sqsReply.status).toBe(413);

    const health = await fetch(`${emulators.endpoint}/health`);
    expect(health.status).toBe(200);
    expect(await sqs.send(new ListQueuesCommand({}))).toHaveProperty('QueueUrls');
  });

  it('still refuses SQS in the query protocol with a hint', async () => {
    const reply = await request({ headers: formHeaders, body: form({ Action: 'ListQueues', Version: '2012-11-05' }) });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatch(/<Code>InvalidAction<\/Code>.*JSON protocol only/s);
  });
});

describe('SQS message move tasks', () => {
  it('moves dead-lettered messages back to their queue with bodies and attributes intact', async () => {
    const queues = await createRedrivenQueues('MoveBack');
    await deadLetter(queues, 15, 'back');

    const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: queues.dlq.arn }));
    expect(TaskHandle).toEqual(expect.any(String));
    const task = await waitFor('the task to complete', async () => {
      const latest = await latestTask(queues.dlq.arn);
      return latest?.Status === 'COMPLETED' && latest;
    });
    expect(task).toMatchObject({ SourceArn: queues.dlq.arn, ApproximateNumberOfMessagesMoved: 15, ApproximateNumberOfMessagesToMove: 15, StartedTimestamp: expect.any(Number) });
    expect(task.DestinationArn).toBeUndefined();
    expect(task.TaskHandle).toBeUndefined();

    const moved = await receiveAll(queues.source.url);
    expect(moved.map((m) => m.Body).sort()).toEqual(Array.from({ length: 15 }, (_, i) => `back-${i}`).sort());
    for (const message of moved) {
      const n = Number(message.Body!.split('-')[1]);
      expect(message.MessageAttributes).toEqual(attributesOf(n));
    }
    expect(await depth(queues.dlq.url)).toBe(0);
  });

  it('moves large messages in several batches, as one SendMessageBatch carries at most 1 MiB', async () => {
    const queues = await createRedrivenQueues('MoveLarge');
    const bodies = Array.from({ length: 5 }, (_, i) => `${i}`.repeat(300 * 1024));
    for (const body of bodies) await sqs.send(new SendMessageCommand({ QueueUrl: queues.dlq.url, MessageBody: body }));

    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: queues.dlq.arn }));
    const task = await waitFor('the task to end', async () => {
      const latest = await latestTask(queues.dlq.arn);
      return latest?.Status !== 'RUNNING' && latest;
    });
    expect(task).toMatchObject({ Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 5 });
    expect((await receiveAll(queues.source.url)).map((m) => m.Body).sort()).toEqual(bodies);
  });

  it('runs one task per source at a time, and a cancelled task leaves the rest in the dead-letter queue', async () => {
    const queues = await createRedrivenQueues('MoveCancel');
    const elsewhere = await createQueue('MoveCancel-elsewhere');
    await deadLetter(queues, 20, 'slow');

    const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: queues.dlq.arn, DestinationArn: elsewhere.arn, MaxNumberOfMessagesPerSecond: 1 }));
    await expect(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: queues.dlq.arn }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: expect.stringMatching(/already a task running/),
    });
    const running = await waitFor('a message to move', async () => {
      const latest = await latestTask(queues.dlq.arn);
      return latest?.ApproximateNumberOfMessagesMoved! >= 1 && latest;
    });
    expect(running).toMatchObject({ Status: 'RUNNING', TaskHandle, DestinationArn: elsewhere.arn, MaxNumberOfMessagesPerSecond: 1, ApproximateNumberOfMessagesToMove: 20 });

    const { ApproximateNumberOfMessagesMoved: moved } = await sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle }));
    expect(moved).toBeGreaterThanOrEqual(1);
    expect(moved).toBeLessThan(20);
    expect(await latestTask(queues.dlq.arn)).toMatchObject({ Status: 'CANCELLED', ApproximateNumberOfMessagesMoved: moved });
    expect(await depth(elsewhere.url)).toBe(moved);
    expect(await depth(queues.dlq.url)).toBe(20 - moved!);
    await expect(sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });

    // Once cancelled, the source is free: a new task moves the rest.
    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: queues.dlq.arn, DestinationArn: elsewhere.arn }));
    await waitFor('the second task to complete', async () => (await latestTask(queues.dlq.arn))?.Status === 'COMPLETED');
    expect(await depth(elsewhere.url)).toBe(20);
    expect(await depth(queues.dlq.url)).toBe(0);
  });

  it('answers like AWS when the source is not a dead-letter queue, does not exist, or the handle is bogus', async () => {
    const plain = await createQueue('NotADeadLetterQueue');
    await expect(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: plain.arn }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: 'Source queue must be configured as a Dead Letter Queue.',
    });
    await expect(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: 'arn:aws:sqs:us-east-1:000000000000:Nowhere' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    const queues = await createRedrivenQueues('MoveBadDestination');
    await expect(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: queues.dlq.arn, DestinationArn: 'arn:aws:sqs:us-east-1:000000000000:Nowhere' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: expect.stringMatching(/DestinationArn/),
    });
    await expect(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: queues.dlq.arn, MaxNumberOfMessagesPerSecond: 501 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle: 'not-a-handle' }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: 'Value for parameter TaskHandle is invalid.',
    });
  });

  it('moves each message back to the queue it was dead-lettered from when several queues redrive to the source (its DeadLetterQueueSourceArn), as on AWS', async () => {
    const queues = await createRedrivenQueues('MoveShared');
    const other = await createQueue('MoveShared-other', { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queues.dlq.arn, maxReceiveCount: 1 }) });
    await deadLetter(queues, 2, 'shared');
    await sqs.send(new SendMessageCommand({ QueueUrl: other.url, MessageBody: 'other-0' }));
    await waitFor('the other queue\'s message in the dead-letter queue', async () => {
      await sqs.send(new ReceiveMessageCommand({ QueueUrl: other.url, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
      return (await depth(queues.dlq.url)) === 3;
    });

    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: queues.dlq.arn }));
    await waitFor('the task to complete', async () => (await latestTask(queues.dlq.arn))?.Status === 'COMPLETED');
    expect((await receiveAll(queues.source.url)).map((m) => m.Body).sort()).toEqual(['shared-0', 'shared-1']);
    expect((await receiveAll(other.url)).map((m) => m.Body)).toEqual(['other-0']);
  });

  it('fails without losing a message whose source is not recorded when several queues redrive to the source and no destination is given', async () => {
    const queues = await createRedrivenQueues('MoveUnknown');
    await createQueue('MoveUnknown-other', { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queues.dlq.arn, maxReceiveCount: 1 }) });
    // Sent to the dead-letter queue directly: no queue moved it there.
    await sqs.send(new SendMessageCommand({ QueueUrl: queues.dlq.url, MessageBody: 'by-hand' }));

    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: queues.dlq.arn }));
    const failed = await waitFor('the task to fail', async () => {
      const latest = await latestTask(queues.dlq.arn);
      return latest?.Status === 'FAILED' && latest;
    });
    expect(failed).toMatchObject({ ApproximateNumberOfMessagesMoved: 0, FailureReason: expect.stringMatching(/2 queues redrive to the source and message \S+ has no DeadLetterQueueSourceArn.*DestinationArn/) });
    expect(await depth(queues.dlq.url)).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 1_100)); // released with a 1 s visibility timeout
    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: queues.dlq.arn, DestinationArn: queues.source.arn }));
    await waitFor('the task with a destination to complete', async () => (await latestTask(queues.dlq.arn))?.Status === 'COMPLETED');
    expect(await depth(queues.source.url)).toBe(1);
  });
});

describe('emulators in the gateway\'s process', () => {
  it('hands each request to the emulator\'s server as sent (method, path, headers, whole body), on one connection, without its socket', async () => {
    const seen: { route: string; method: string; url: string; target: string; length: string; body: string; complete: boolean }[] = [];
    const emulator = (route: string) =>
      http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          seen.push({ route, method: req.method!, url: req.url!, target: String(req.headers['x-amz-target'] ?? ''), length: String(req.headers['content-length']), body: Buffer.concat(chunks).toString('utf8'), complete: req.complete });
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(JSON.stringify({ route }));
        });
      });
    // Neither server listens, and the upstream addresses lead nowhere: only the hand-over can answer.
    const gateway = await startAwsGateway({
      upstreams: { fauxqs: 'unix:/nonexistent/sns-sqs.sock', dynalite: 'unix:/nonexistent/dynamodb.sock', servers: { fauxqs: emulator('fauxqs'), dynalite: emulator('dynalite') } },
      port: 0,
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (headers: Record<string, string>, body: string, chunked = false) =>
      new Promise<{ status: number; body: string; socket: unknown }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: gateway.port, method: 'POST', path: '/?x=1', agent, headers }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, socket: req.socket }));
        });
        req.on('error', reject);
        if (chunked) {
          // No Content-Length: the body arrives in pieces, and the emulator still gets it whole, with its length.
          req.write(body.slice(0, 5));
          setTimeout(() => req.end(body.slice(5)), 20);
        } else req.end(body);
      });
    try {
      const sqsBody = JSON.stringify({ QueueUrl: 'http://sqs.us-east-1.localhost/000000000000/Q', MaxNumberOfMessages: 10 });
      const first = await send({ 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ReceiveMessage' }, sqsBody, true);
      const second = await send({ 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.PutItem' }, '{"TableName":"Orders"}');
      const third = await send(formHeaders, form({ Action: 'Publish', Message: 'hello' }));
      expect([first, second, third].map((r) => [r.status, r.body])).toEqual([
        [200, '{"route":"fauxqs"}'],
        [200, '{"route":"dynalite"}'],
        [200, '{"route":"fauxqs"}'],
      ]);
      // The connection stays open and usable after each hand-over.
      expect(second.socket).toBe(first.socket);
      expect(third.socket).toBe(first.socket);
      expect(seen).toEqual([
        { route: 'fauxqs', method: 'POST', url: '/?x=1', target: 'AmazonSQS.ReceiveMessage', length: String(Buffer.byteLength(sqsBody)), body: sqsBody, complete: true },
        { route: 'dynalite', method: 'POST', url: '/?x=1', target: 'DynamoDB_20120810.PutItem', length: '22', body: '{"TableName":"Orders"}', complete: true },
        { route: 'fauxqs', method: 'POST', url: '/?x=1', target: '', length: String(form({ Action: 'Publish', Message: 'hello' }).length), body: form({ Action: 'Publish', Message: 'hello' }), complete: true },
      ]);
    } finally {
      agent.destroy();
      await gateway.close();
    }
  });
});

describe('the long polls, once the consumers stop (endLongPolls) or one reloads (endLongPollsOn)', () => {
  // A stack of its own: what this changes lasts for the rest of the stack's life.
  let own: Emulators;
  let client: SQSClient;
  beforeAll(async () => {
    own = await startEmulators({ port: 0 });
    client = new SQSClient({ ...config, endpoint: own.endpoint });
  });
  afterAll(async () => {
    client?.destroy();
    await own?.stop();
  });

  // First: the stop's endLongPolls below lasts for the queues there are then.
  it("answers the receives waiting on one queue at once when its function reloads (endLongPollsOn), and leaves the next receive and other queues' waiting", async () => {
    const [reloaded, other] = await Promise.all(['Reloaded', 'OtherConsumer'].map(async (QueueName) => (await client.send(new CreateQueueCommand({ QueueName }))).QueueUrl!));
    const started = Date.now();
    const waiting = client.send(new ReceiveMessageCommand({ QueueUrl: reloaded, WaitTimeSeconds: 20 }));
    let otherAnswered = false;
    const otherWaiting = client.send(new ReceiveMessageCommand({ QueueUrl: other, WaitTimeSeconds: 20 })).then((answer) => ((otherAnswered = true), answer));
    await new Promise((r) => setTimeout(r, 200));
    own.endLongPollsOn('Reloaded');
    expect((await waiting).Messages).toBeUndefined();
    // A 20 s long poll answered well before its end.
    expect(Date.now() - started).toBeLessThan(10_000);
    // The next receive on it waits as before: what answers it is a message sent while it waits.
    const next = client.send(new ReceiveMessageCommand({ QueueUrl: reloaded, WaitTimeSeconds: 20 }));
    await new Promise((r) => setTimeout(r, 500));
    await client.send(new SendMessageCommand({ QueueUrl: reloaded, MessageBody: 'for the reloaded function' }));
    expect((await next).Messages?.map((m) => m.Body)).toEqual(['for the reloaded function']);
    // Another queue's receive was left waiting.
    expect(otherAnswered).toBe(false);
    await client.send(new SendMessageCommand({ QueueUrl: other, MessageBody: 'for the other consumer' }));
    expect((await otherWaiting).Messages?.map((m) => m.Body)).toEqual(['for the other consumer']);
  }, 60_000);

  it(`ends one queue's long polls for a consumer in another process (npm run subscriber) at POST ${END_LONG_POLLS_PATH}, and refuses a request that names no queue, or one it does not have`, async () => {
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'PolledElsewhere' }));
    const started = Date.now();
    const waiting = client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }));
    await new Promise((r) => setTimeout(r, 200));
    const post = (body: string) => fetch(`${own.endpoint}${END_LONG_POLLS_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect((await post(JSON.stringify({ queue: 'PolledElsewhere' }))).status).toBe(204);
    expect((await waiting).Messages).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(10_000);
    const refused = await Promise.all(['{"queue":', '{}', '{"queue": 7}'].map(async (body) => {
      const res = await post(body);
      return [res.status, await res.text()];
    }));
    expect(refused).toEqual([
      [400, 'local gateway: expected {"queue": "<name>"} as JSON.'],
      [400, 'local gateway: "queue" must be the name of a queue.'],
      [400, 'local gateway: "queue" must be the name of a queue.'],
    ]);
    // A name this stack has no queue of is said, not answered as if it were ended.
    const unknown = await post(JSON.stringify({ queue: 'NoSuchQueue' }));
    expect([unknown.status, await unknown.text()]).toEqual([404, 'local gateway: this stack has no queue named "NoSuchQueue".']);
    // A web page cannot use it either: the gateway's Origin check comes first.
    expect((await fetch(`${own.endpoint}${END_LONG_POLLS_PATH}`, { method: 'POST', headers: { origin: 'http://evil.example' }, body: '{"queue":"PolledElsewhere"}' })).status).toBe(403);
  }, 60_000);

  it('answers a receive waiting on an empty queue at once, then every later receive, and still hands over what is there', async () => {
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'LongPolled' }));
    const started = Date.now();
    // A 20 s long poll under way: answered when the consumers stop, not at its end.
    const waiting = client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }));
    await new Promise((r) => setTimeout(r, 200));
    own.endLongPolls();
    expect((await waiting).Messages).toBeUndefined();
    const later = await client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }));
    expect(later.Messages).toBeUndefined();
    // Two receives that would each have waited 20 s took well under one of them.
    expect(Date.now() - started).toBeLessThan(10_000);
    // A receive still takes what the queue holds: nothing is dropped or left hidden.
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'kept' }));
    const received = await client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }));
    expect(received.Messages?.map((m) => m.Body)).toEqual(['kept']);
  }, 60_000);
});

describe('the long polls of a fauxqs whose queues are not as this version has them (a later version)', () => {
  // A fault no real stack here can produce: a store whose queues lack waitForMessages and cancelWaiters.
  it('are left to run out, and that is said once, naming what is missing and what it means', () => {
    const lines: string[] = [];
    const queues = new Map([['http://sqs.local/000000000000/Lacking', { name: 'Lacking', url: 'http://sqs.local/000000000000/Lacking' }]]);
    const endLongPolls = longPollEnder({ queues }, (line) => lines.push(line));
    endLongPolls();
    endLongPolls();
    expect(lines).toEqual([
      "warning: sns-sqs: fauxqs has no SqsQueue.waitForMessages or SqsQueue.cancelWaiters where this version expects it: a stop of the consumers, or a reload of one, waits out each receive's long poll (up to its WaitTimeSeconds) instead of answering it at once",
    ]);
  });

  it('are said to run out when its store was not found', () => {
    const lines: string[] = [];
    longPollEnder(undefined, (line) => lines.push(line))();
    expect(lines).toEqual([expect.stringMatching(/^warning: sns-sqs: fauxqs has no SqsStore where this version expects it: /)]);
  });

  it('are ended, saying nothing, where the queues have what this version expects', () => {
    const lines: string[] = [];
    let cancelled = 0;
    const queue = { name: 'Q', url: 'u', waitForMessages: () => new Promise<void>(() => {}), cancelWaiters: () => void cancelled++ };
    longPollEnder({ queues: new Map([['u', queue]]) }, (line) => lines.push(line))();
    expect({ cancelled, lines }).toEqual({ cancelled: 1, lines: [] });
  });
});
