/**
 * Runs `sst.config.ts` the way `sst deploy` does, but against Pulumi's unit-test mocks instead
 * of AWS, and records the resource graph.
 *
 * This file is bundled together with SST's own platform code (`.sst/platform/src`) by
 * `synthesize.ts` and executed in a child process: the SST components are the real ones; the
 * things outside the program are stood in for:
 *  - the Pulumi engine and the AWS provider: `runtime.setMocks` (resources echo their inputs plus
 *    plausible ids/ARNs; data sources such as `getPolicyDocument` are answered below);
 *  - the SST CLI's RPC server, which builds function bundles and looks up the bootstrap bucket
 *    (below);
 *  - the globals the CLI compiles in (`$app`, `$cli`, `$dev`): `synthesize.ts` defines them.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { runtime, type Inputs, type ResourceTransformationArgs } from '@pulumi/pulumi';
import type {
  RecordedCliRequest,
  RecordedInvoke,
  RecordedResource,
  RecordedStack,
} from './recorded-stack.ts';

/** The account and region the fake ARNs use; anything recognisably not real would do. */
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

/** What `sst.config.ts` default-exports (`$config(...)` returns its argument). */
export interface SstConfig {
  run(): Promise<Record<string, unknown> | void>;
}

/** SST's program runner (`.sst/platform/src/auto/run.ts`). */
export type SstRun = (program: () => Promise<Record<string, unknown> | void>) => Promise<Inputs>;

/** Where the recording goes and what to synthesize. */
export interface SynthesisOptions {
  config: SstConfig;
  run: SstRun;
  /** `$app` as the bundle was built with (what `app({ stage })` returned, defaults filled in). */
  app: RecordedStack['app'];
  /** Scratch directory for build output and function archives (`$cli.paths.work`). */
  work: string;
  /** The JSON `RecordedStack` is written here. */
  outFile: string;
}

/**
 * Synthesizes one stage of `sst.config.ts` under mocks and writes the `RecordedStack` to
 * `options.outFile`.
 *
 * @example
 * await synthesizeUnderMocks({ config, run, app, work, outFile });
 */
export async function synthesizeUnderMocks(options: SynthesisOptions): Promise<void> {
  const recording = new Recording();
  const { app } = options;

  const cli = await startCliStandIn(options.work, recording);
  try {
    await runtime.setMocks(mocksFor(recording), app.name, app.stage, false);
    const outputs = await runtime.runInPulumiStack(() =>
      options.run(async () => {
        // Registered after SST's own stack transformations, so it sees their verdict
        // (e.g. `retainOnDelete` for tables when removal is "retain").
        runtime.registerStackTransformation((args) => recording.options(args));
        return options.config.run();
      }),
    );
    // Resources created inside `apply` callbacks register after the program has returned.
    await runtime.disconnect();
    const stack: RecordedStack = {
      app,
      resources: recording.resources(),
      invokes: recording.invokes,
      cliRequests: recording.cliRequests,
      outputs: (outputs ?? {}) as Record<string, unknown>,
    };
    fs.writeFileSync(options.outFile, JSON.stringify(stack, null, 2));
  } finally {
    cli.close();
  }
}

/** Collects what the program did. */
class Recording {
  private readonly byUrnKey = new Map<string, RecordedResource>();
  private readonly resourceOptions = new Map<string, Partial<RecordedResource>>();
  readonly invokes: RecordedInvoke[] = [];
  readonly cliRequests: RecordedCliRequest[] = [];

  resource(resource: RecordedResource): void {
    this.byUrnKey.set(key(resource.type, resource.name), resource);
  }

  /** A stack transformation that only observes. */
  options(args: ResourceTransformationArgs): undefined {
    this.resourceOptions.set(key(args.type, args.name), {
      // Pulumi keeps the logical name on `__name` (internal; the public `urn` is an Output).
      parent: (args.opts.parent as { __name?: string } | undefined)?.__name,
      retainOnDelete: args.opts.retainOnDelete,
      protect: args.opts.protect,
      dependsOn: Array.isArray(args.opts.dependsOn) ? args.opts.dependsOn.map((r) => (r as { __name?: string }).__name ?? '?') : undefined,
      aliases: args.opts.aliases?.map((alias) => (typeof alias === 'object' && 'parent' in alias ? { parent: (alias.parent as { __name?: string } | undefined)?.__name ?? '(stack)' } : {})),
    });
    return undefined;
  }

  resources(): RecordedResource[] {
    return [...this.byUrnKey.values()].map((resource) => {
      const opts = this.resourceOptions.get(key(resource.type, resource.name)) ?? {};
      return JSON.parse(JSON.stringify({ ...resource, ...opts })) as RecordedResource;
    });
  }
}

function key(type: string, name: string): string {
  return `${type}::${name}`;
}

/** The Pulumi mocks: every resource is "created" with its inputs plus plausible outputs. */
function mocksFor(recording: Recording): runtime.Mocks {
  return {
    newResource(args) {
      const physicalName = typeof args.inputs.name === 'string' ? args.inputs.name : args.name;
      const outputs = args.custom === false ? {} : fakeOutputs(args.type, physicalName);
      recording.resource({
        type: args.type,
        name: args.name,
        custom: args.custom ?? true,
        inputs: args.inputs as Record<string, unknown>,
        outputs,
      });
      return { id: `${physicalName}-id`, state: { ...args.inputs, ...outputs } };
    },
    call(args) {
      recording.invokes.push({ token: args.token, args: args.inputs as Record<string, unknown> });
      return answerInvoke(args.token, args.inputs);
    },
  };
}

/** Attributes AWS would compute (ARNs, URLs) that other resources reference. */
function fakeOutputs(type: string, name: string): Record<string, unknown> {
  switch (type) {
    case 'aws:sqs/queue:Queue':
      return {
        name,
        arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`,
        url: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}`,
      };
    case 'aws:sns/topic:Topic':
      return { name, arn: `arn:aws:sns:${REGION}:${ACCOUNT}:${name}` };
    case 'aws:dynamodb/table:Table':
      return { name, arn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}` };
    case 'aws:lambda/function:Function': {
      const arn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
      return { name, arn, qualifiedArn: `${arn}:$LATEST`, invokeArn: arn, version: '$LATEST' };
    }
    case 'aws:iam/role:Role':
      return { name, arn: `arn:aws:iam::${ACCOUNT}:role/${name}` };
    case 'aws:cloudwatch/logGroup:LogGroup':
      return { name, arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}` };
    case 'random:index/randomBytes:RandomBytes':
      return { base64: Buffer.alloc(32).toString('base64'), hex: '00'.repeat(32) };
    default: {
      const service = type.split(':')[1]?.split('/')[0] ?? 'unknown';
      return { arn: `arn:aws:${service}:${REGION}:${ACCOUNT}:${name}` };
    }
  }
}

/** Answers the AWS data sources the program calls; an unknown one fails the synthesis loudly. */
function answerInvoke(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (token) {
    case 'aws:index/getPartition:getPartition':
      return { id: 'aws', partition: 'aws', dnsSuffix: 'amazonaws.com', reverseDnsPrefix: 'com.amazonaws' };
    case 'aws:index/getRegion:getRegion':
      return { id: REGION, name: REGION, region: REGION, description: 'US East (N. Virginia)' };
    case 'aws:index/getCallerIdentity:getCallerIdentity':
      return { id: ACCOUNT, accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/offline`, userId: 'OFFLINE' };
    case 'aws:iam/getPolicyDocument:getPolicyDocument':
      // The provider echoes its arguments (SST reads `statements` back) and adds `json`.
      return { ...inputs, id: 'policy', json: renderPolicyDocument(inputs) };
    default:
      throw new Error(`The offline synthesis has no answer for the data source ${token}`);
  }
}

interface PolicyStatementInput {
  sid?: string;
  effect?: string;
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  principals?: { type: string; identifiers: string[] }[];
  conditions?: { test: string; variable: string; values: string[] }[];
}

/**
 * Renders `aws.iam.getPolicyDocument` arguments to IAM JSON as the provider does, except that
 * lists stay lists (the provider collapses a single item to a string), which keeps tests simple.
 */
function renderPolicyDocument(inputs: Record<string, unknown>): string {
  const statements = (inputs.statements as PolicyStatementInput[] | undefined) ?? [];
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: statements.map((s) => ({
      ...(s.sid ? { Sid: s.sid } : {}),
      Effect: s.effect ?? 'Allow',
      ...(s.actions ? { Action: s.actions } : {}),
      ...(s.notActions ? { NotAction: s.notActions } : {}),
      ...(s.resources ? { Resource: s.resources } : {}),
      ...(s.notResources ? { NotResource: s.notResources } : {}),
      ...(s.principals?.length
        ? { Principal: Object.fromEntries(s.principals.map((p) => [p.type, p.identifiers])) }
        : {}),
      ...(s.conditions?.length
        ? {
            Condition: s.conditions.reduce<Record<string, Record<string, string[]>>>((acc, c) => {
              (acc[c.test] ??= {})[c.variable] = c.values;
              return acc;
            }, {}),
          }
        : {}),
    })),
  });
}

/**
 * Stands in for the SST CLI's RPC server (`SST_SERVER`): "builds" a function into a placeholder
 * bundle (the real handler is built and tested elsewhere; here only the wiring is under test) and
 * names a bootstrap bucket. Listens on loopback only.
 */
async function startCliStandIn(work: string, recording: Recording): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const { method, params } = JSON.parse(body) as { method: string; params: [Record<string, unknown>] };
      const result = answerCli(method, params[0], work);
      recording.cliRequests.push({ method, params: params[0], answered: result !== undefined });
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify(
          result === undefined
            ? { error: `rpc: can't find method ${method}` }
            : { result, error: null },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  process.env.SST_SERVER = `http://127.0.0.1:${port}`;
  return server;
}

function answerCli(method: string, params: Record<string, unknown>, work: string): unknown {
  switch (method) {
    case 'Runtime.Build': {
      // SST's handler is "<file without extension>.<export>"; the bundle holds "<file>.mjs".
      const handler = String(params.handler);
      const out = path.join(work, 'build', String(params.functionID));
      const file = path.join(out, `${handler.slice(0, handler.lastIndexOf('.'))}.mjs`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(
        file,
        "export const handler = () => { throw new Error('offline placeholder, never deployed'); };\n",
      );
      return { handler, out, errors: [], sourcemaps: [] };
    }
    case 'Provider.Aws.Bootstrap':
      return {
        asset: 'sst-asset-offline',
        assetEcrRegistryId: ACCOUNT,
        assetEcrUrl: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/sst-asset`,
        state: 'sst-state-offline',
        appsyncHttp: '',
        appsyncRealtime: '',
      };
    default:
      return undefined;
  }
}
