/**
 * `createProject`: a new project from any AsyncAPI 3 contract: the contract and every local file
 * it `$ref`s (same relative layout), package.json with `eventContract` and the framework's npm
 * scripts, a settings module, one typed handler per receive operation, a contract test over the
 * examples, `sst.config.ts` with `SluiceTopology`, tsconfig, `.gitignore` and a README.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CodegenError, readContract } from '@sluice/codegen';
import { collectInputs } from '@sluice/codegen/freshness';
import { CONSUMER_DEFAULTS, VISIBILITY_TIMEOUT_FACTOR } from '@sluice/model';

/** A project `createProject` refuses to write; the message says why and what to do. */
export class CreateError extends Error {
  override name = 'CreateError';
}

/** What {@link createProject} needs. */
export interface CreateOptions {
  /** The new project's folder: must not exist, or be empty. */
  directory: string;
  /** The AsyncAPI 3.0 document (YAML or JSON). */
  contract: string;
  /**
   * Where each framework package comes from, by name (`@sluice/runtime` → `file:/…/runtime.tgz`):
   * the dependency specifiers written into package.json. @default each package's exact version
   * ({@link FRAMEWORK_VERSIONS}); nothing @sluice is on the npm registry yet, so `npm install`
   * needs the packages as tarballs (`--framework <folder>`)
   */
  frameworkSources?: Record<string, string>;
}

/** What {@link createProject} wrote. */
export interface CreatedProject {
  /** The project folder (absolute). */
  directory: string;
  /** The npm name of the project. */
  name: string;
  /** The receive operations inside the AWS topology (an SQS queue to consume), each with its handler `consumers/<operationId>.ts`. */
  consumers: string[];
  /** Receive operations outside the AWS topology (Kafka, MQTT, WebSocket channels…): no handler, each with codegen's reason. */
  outside: { operation: string; reason: string }[];
  /**
   * What codegen warns about in the contract (no examples, a required application header, a queue
   * without a redrivePolicy…), but the reasons already in {@link outside}: the project is written
   * all the same, and `npm run codegen` says them again until they are dealt with.
   */
  warnings: string[];
  /** Every file written, relative to the folder, with `/`. */
  files: string[];
}

/** The framework packages a created project depends on. */
export const FRAMEWORK_PACKAGES = ['@sluice/cli', '@sluice/codegen', '@sluice/diagram', '@sluice/governance', '@sluice/infra', '@sluice/local', '@sluice/model', '@sluice/ops', '@sluice/runtime'] as const;

/** This package's own version: the framework's packages are released together, at one version. */
const OWN_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * The version of each framework package, by name, as a created project depends on it: read from
 * `packages/<name>/package.json` next to this package (in the framework's workspace; where only
 * `@sluice/create` is installed, its own version: the packages are released together). An exact
 * version, never a range: an unpublished scope must not resolve to whatever is registered later.
 *
 * @example
 * ```ts
 * import { FRAMEWORK_VERSIONS } from '@sluice/create';
 *
 * FRAMEWORK_VERSIONS['@sluice/runtime']; // '0.2.0'
 * ```
 */
export const FRAMEWORK_VERSIONS: Readonly<Record<(typeof FRAMEWORK_PACKAGES)[number], string>> = Object.fromEntries(
  FRAMEWORK_PACKAGES.map((pkg) => {
    const manifest = new URL(`../../${pkg.slice('@sluice/'.length)}/package.json`, import.meta.url);
    const found = existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string }) : undefined;
    return [pkg, found?.name === pkg && found.version ? found.version : OWN_VERSION];
  }),
) as Record<(typeof FRAMEWORK_PACKAGES)[number], string>;

/**
 * The Node options a created project's `npm start` and `npm run subscriber` start with: the host's
 * young generation, as `HOST_V8_OPTIONS` of @sluice/local (which this package does not depend on;
 * packages/local/tests/host-v8-options.test.ts checks that they are the same). V8 sizes it once, at
 * start, so it goes on Node's command line: a bin's `#!/usr/bin/env node` line cannot carry it on
 * every system (`env -S` is missing from BusyBox, as on Alpine images, and from older coreutils).
 *
 * @example
 * ```ts
 * import { HOST_NODE_OPTIONS, PROJECT_SCRIPTS } from '@sluice/create';
 *
 * PROJECT_SCRIPTS.start; // 'node --max-semi-space-size=8 node_modules/@sluice/local/dist/bin/sluice-start.js'
 * HOST_NODE_OPTIONS; // ['--max-semi-space-size=8']
 * ```
 */
export const HOST_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=8'];

/** A host command of @sluice/local (its packed launcher, `dist/bin/<bin>.js`) run by Node with {@link HOST_NODE_OPTIONS}. */
const hostCommand = (bin: string) => `node ${HOST_NODE_OPTIONS.join(' ')} node_modules/@sluice/local/dist/bin/${bin}.js`;

/**
 * The npm scripts of a created project: the same names as this repository's, on the framework's
 * bins. `test` checks what this repository's `npm test` checks for an application, in order,
 * stopping at the first failure: `codegen:check` (generated/ is what the contract produces, and
 * every receive operation has its handler), `contract:diff` (no breaking change since the
 * released contract; skipped, saying so, until the first `contract:release`), `typecheck`, then
 * `vitest run` (arguments after `npm test --` go to vitest).
 *
 * @example
 * ```ts
 * import { PROJECT_SCRIPTS } from '@sluice/create';
 *
 * PROJECT_SCRIPTS['codegen:check']; // 'sluice-codegen --check'
 * PROJECT_SCRIPTS.test?.startsWith('npm run codegen:check && '); // true
 * ```
 */
export const PROJECT_SCRIPTS: Record<string, string> = {
  codegen: 'sluice-codegen',
  'codegen:check': 'sluice-codegen --check',
  typecheck: 'tsc -p tsconfig.json --noEmit',
  test: 'npm run codegen:check && npm run contract:diff -- --if-released && npm run typecheck && vitest run',
  start: hostCommand('sluice-start'),
  subscriber: hostCommand('sluice-subscriber'),
  'infra:plan': 'sluice-infra-plan',
  'sst:install': 'sluice-sst-install',
  dev: 'sst dev',
  deploy: 'sst deploy',
  'deploy:prod': 'sst deploy --stage prod',
  remove: 'sst remove',
  'contract:lint': 'sluice-contract-lint',
  'contract:diff': 'sluice-contract-diff',
  'contract:release': 'sluice-contract-release',
  'contract:validate': 'sluice-contract-validate',
  docs: 'sluice-docs',
  diagram: 'sluice-diagram',
  // The operator commands (status, dlq, publish-message), installed with @sluice/ops; the
  // project's eventContract.operatorCommand (OPERATOR_COMMAND) names them through this script.
  ops: 'sluice-ops',
};

/**
 * A created project's `eventContract.operatorCommand`: the `ops` script (`sluice-ops` of
 * @sluice/ops), so npm start's banner and notes and the deployed alarms' descriptions name
 * commands the project has (`npm run ops -- dlq list --aws`). The script rather than `npx
 * sluice-ops`: it runs whatever the project's `ops` script says, and where the bin is not
 * installed it fails naming the script instead of npx offering to fetch a package of that name
 * from the npm registry.
 */
export const OPERATOR_COMMAND = 'npm run ops --';

/** A name npm accepts, from a folder name: lower case, letters, digits and dashes. */
function packageNameOf(directory: string): string {
  const name = path.basename(path.resolve(directory)).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  return name || 'sluice-app';
}

/** What the contract's consumers are: each receive operation in the AWS topology, its timeout, and those outside it. */
interface Consumers {
  /** Receive operations with a queue to consume, in document order. */
  ids: string[];
  /** A function timeout (s) that fits each consumer's queue: ≤ 1/6 of a `visibilityTimeout` the contract sets. */
  timeouts: Record<string, { seconds: number; why?: string }>;
  /** An age alarm (s) that fits each consumer's queue, where the default does not: ≤ half a `messageRetentionPeriod` the contract sets. */
  ages: Record<string, { seconds: number; why: string }>;
  /** Receive operations outside the AWS topology, with why. */
  outside: { operation: string; reason: string }[];
  /** codegen's other warnings. */
  warnings: string[];
}

/** The default function timeout of a created project's consumers, in seconds. */
const DEFAULT_TIMEOUT_SECONDS = 10;

/**
 * Reads the contract as codegen will (same parser, same rules): its receive operations in the AWS
 * topology get handlers; those on other protocols are listed with codegen's reason. A contract
 * codegen would refuse is refused here, with every problem, so the project starts from one that
 * generates.
 */
async function consumersOf(spec: string): Promise<Consumers> {
  const text = readFileSync(spec, 'utf8');
  let doc: { asyncapi?: unknown; operations?: Record<string, { action?: string }> } | undefined;
  let unread: Error | undefined;
  try {
    doc = spec.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    // Said by codegen's reading below, as npm run codegen says it: its line and column, the line as written.
    unread = error as Error;
  }
  if (!unread && (typeof doc?.asyncapi !== 'string' || !doc.asyncapi.startsWith('3.'))) {
    const said = doc?.asyncapi === undefined ? 'it has no asyncapi field' : `asyncapi: ${JSON.stringify(doc.asyncapi)}`;
    const convert = typeof doc?.asyncapi === 'string' && doc.asyncapi.startsWith('2.') ? ` Convert it first: npx asyncapi convert ${spec} --target-version 3.0.0 --output <new file>.` : '';
    throw new CreateError(`${spec} is not an AsyncAPI 3 document (${said}): create needs one.${convert}`);
  }
  let model: Awaited<ReturnType<typeof readContract>>;
  try {
    model = await readContract(spec);
  } catch (error) {
    if (error instanceof CodegenError) throw new CreateError(`${error.message}\nnpm run codegen would refuse the contract as it is; fix it, then create the project.`);
    throw error;
  }
  // Read by codegen all the same (JSON that only the AsyncAPI parser's reading accepts): refused in the words of the reading that failed.
  if (unread || !doc) throw new CreateError(`${spec} is not ${spec.endsWith('.json') ? 'JSON' : 'YAML'} create can read (${unread?.message.split('\n')[0] ?? 'no document'}): create needs an AsyncAPI 3 document.`);
  const { operations, queues } = model.topology;
  const receives = Object.entries(doc.operations ?? {}).filter(([, op]) => op?.action === 'receive').map(([id]) => id);
  const ids = receives.filter((id) => operations[id]?.action === 'receive');
  const timeouts: Consumers['timeouts'] = {};
  const ages: Consumers['ages'] = {};
  for (const id of ids) {
    const op = operations[id];
    const queue = op?.action === 'receive' ? (op.queue as string | undefined) : undefined;
    const visibility = queue === undefined ? undefined : queues[queue]?.visibilityTimeoutSeconds;
    timeouts[id] =
      visibility !== undefined && visibility < VISIBILITY_TIMEOUT_FACTOR * DEFAULT_TIMEOUT_SECONDS
        ? { seconds: Math.max(1, Math.floor(visibility / VISIBILITY_TIMEOUT_FACTOR)), why: `≤ 1/${VISIBILITY_TIMEOUT_FACTOR} of the visibilityTimeout (${visibility} s) the contract sets on ${queue}` }
        : { seconds: DEFAULT_TIMEOUT_SECONDS };
    // codegen refuses a consumed queue kept under 120 s: half of it is 60 s or more.
    const retention = queue === undefined ? undefined : queues[queue]?.retentionSeconds;
    if (retention !== undefined && Math.floor(retention / 2) < CONSUMER_DEFAULTS.maximumMessageAgeSeconds) {
      ages[id] = { seconds: Math.floor(retention / 2), why: `≤ half the messageRetentionPeriod (${retention} s) the contract sets on ${queue}` };
    }
  }
  const outside = receives
    .filter((id) => !ids.includes(id))
    .map((operation) => ({ operation, reason: model.warnings.find((w) => w.startsWith(`operations.${operation} `))?.replace(`operations.${operation} `, '') ?? 'it is outside the AWS topology' }));
  const warnings = model.warnings.filter((w) => !outside.some((o) => w.startsWith(`operations.${o.operation} `)));
  return { ids, timeouts, ages, outside, warnings };
}

/** A handler file name for an operation id: the codegen convention, `<operationId>.ts`. */
function handlerSource(operationId: string, contractPackage: string): string {
  return [
    `/** The handler of the receive operation ${operationId}: one call per message, typed by the contract. */`,
    `import { operations } from '${contractPackage}';`,
    `import { defineConsumer } from '@sluice/runtime/consumer';`,
    '',
    `export const handler = defineConsumer(${/^[A-Za-z_$][\w$]*$/.test(operationId) ? `operations.${operationId}` : `operations[${JSON.stringify(operationId)}]`}, async (message, context) => {`,
    '  // What the message carries is typed and validated; replace this with the work to do.',
    '  context.annotate({ received: typeof message });',
    "  return 'processed';",
    '});',
    '',
  ].join('\n');
}

/**
 * Writes a new project from a contract (see the module's description) and returns what it wrote.
 * Refs that leave the contract's folder, or point to the network, are refused: the project holds
 * its contract whole.
 *
 * @param options - the folder, the contract and where the framework packages come from
 * @returns the folder, the project name, the consumers (and the receive operations outside the AWS topology) and the files written
 * @throws CreateError when the folder is not empty, the contract is not an AsyncAPI 3 document, codegen would refuse it (every problem listed), or it refers outside its folder
 * @example
 * ```ts
 * import { createProject } from '@sluice/create';
 *
 * const created = await createProject({ directory: 'payments', contract: 'asyncapi.yaml' });
 * console.log(created.consumers); // ['consumePayments']
 * ```
 */
export async function createProject(options: CreateOptions): Promise<CreatedProject> {
  const directory = path.resolve(options.directory);
  const spec = path.resolve(options.contract);
  if (!existsSync(spec)) throw new CreateError(`${options.contract} does not exist: pass --contract <file>, an AsyncAPI 3.0 document.`);
  if (existsSync(directory) && readdirSync(directory).length > 0) throw new CreateError(`${options.directory} is not empty: create writes a new project into a new (or empty) folder.`);

  const found = await consumersOf(spec);
  const consumers = found.ids;
  const specDir = path.dirname(spec);
  const inputs = collectInputs(spec);
  for (const input of inputs) {
    const relative = path.relative(specDir, input);
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new CreateError(`${input} is referenced by the contract but lies outside its folder (${specDir}): move it next to the contract, so the project holds the contract whole.`);
    }
  }

  const name = packageNameOf(directory);
  const contractPackage = `${name}-contract`;
  const specName = `asyncapi${path.extname(spec) || '.yaml'}`;
  const files = new Map<string, string>();
  for (const input of inputs) {
    const relative = input === spec ? specName : path.relative(specDir, input).split(path.sep).join('/');
    files.set(relative, readFileSync(input, 'utf8'));
  }

  const framework = Object.fromEntries(FRAMEWORK_PACKAGES.map((pkg) => [pkg, options.frameworkSources?.[pkg] ?? FRAMEWORK_VERSIONS[pkg]]));
  const pkg = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    workspaces: ['generated'],
    eventContract: {
      spec: specName,
      generated: 'generated',
      contractPackage,
      consumers: 'consumers',
      settings: 'src/settings.ts',
      released: 'released',
      operatorCommand: OPERATOR_COMMAND,
      startHints: [`${OPERATOR_COMMAND} status    ${OPERATOR_COMMAND} dlq list`, 'npm run infra:plan', 'npm run docs'],
    },
    scripts: PROJECT_SCRIPTS,
    dependencies: { ...framework, [contractPackage]: '*' },
    // TypeScript 7, the compiler of this workspace's own `npm run typecheck` (the native one: the
    // project's type check in about a third of 5.9's time); the packages' .d.ts read the same in 5.9.
    devDependencies: { '@types/aws-lambda': '8.10.164', '@types/node': '24.19.4', node: '24.21.0', sst: '4.17.1', tsx: '4.23.15', typescript: '7.0.2', vitest: '5.1.2', yaml: '2.9.1' },
    // As in the framework's own repository: install scripts only where needed (Node 24's binary);
    // puppeteer (under @asyncapi/cli, for contract:validate) would download a browser nothing here
    // uses, from a host that may be unreachable.
    puppeteer: { skipDownload: true },
    allowScripts: {
      '@asyncapi/cli': false,
      '@hyperjump/json-pointer': false,
      '@hyperjump/json-schema': false,
      '@hyperjump/json-schema-core': false,
      '@hyperjump/pact': false,
      '@scarf/scarf': false,
      'classic-level': false,
      esbuild: false,
      puppeteer: false,
      yarn: false,
      'node@24.21.0': true,
    },
    scarfSettings: { enabled: false },
  };
  files.set('package.json', `${JSON.stringify(pkg, null, 2)}\n`);
  // Linked by npm install as the workspace `generated`; npm run codegen writes the real package.
  files.set(
    'generated/package.json',
    `${JSON.stringify({ '//': 'Placeholder: run `npm run codegen` to generate this package from the contract.', name: contractPackage, version: '0.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  files.set(
    'src/settings.ts',
    [
      "/** The application's settings: per consumer function numbers, and the tables its consumers write to. */",
      "import { defineSettings } from '@sluice/runtime/settings';",
      '',
      'export const settings = defineSettings({',
      '  consumers: {',
      ...consumers.map((id) => {
        const timeout = found.timeouts[id]!;
        const age = found.ages[id];
        const why = [timeout.why && `timeout ${timeout.why}`, age && `maximumMessageAgeSeconds ${age.why}`].filter(Boolean).join('; ');
        return `    ${JSON.stringify(id)}: { batchSize: 10, timeoutSeconds: ${timeout.seconds}, maximumConcurrency: 2${age ? `, maximumMessageAgeSeconds: ${age.seconds}` : ''} },${why ? ` // ${why}` : ''}`;
      }),
      '  },',
      '});',
      '',
    ].join('\n'),
  );
  for (const id of consumers) files.set(`consumers/${id}.ts`, handlerSource(id, contractPackage));
  files.set(
    'tests/contract.test.ts',
    [
      '/**',
      ' * Every example of the contract passes its own message\'s generated validator: every message,',
      ' * wherever it is declared (components.messages, a channel\'s messages, a file a $ref names).',
      ' */',
      "import { fileURLToPath } from 'node:url';",
      "import { describe, expect, it } from 'vitest';",
      "import { loadContract } from '@sluice/governance';",
      "import { listMessages } from '@sluice/model';",
      `import { messages } from '${contractPackage}';`,
      '',
      `const spec = await loadContract(fileURLToPath(new URL('../${specName}', import.meta.url)), { validate: false });`,
      'const examples = listMessages(spec).messages.flatMap(({ name, message }) =>',
      '  ((message.examples ?? []) as { name?: string; payload?: unknown }[])',
      '    .filter((example) => example.payload !== undefined)',
      '    .map((example, i) => ({ name, label: `${name} example ${example.name ?? i}`, payload: example.payload })),',
      ');',
      '',
      "describe('the examples of the contract', () => {",
      '  // No example in the contract: nothing to check yet, said as a to-do rather than passed in silence.',
      "  if (examples.length === 0) it.todo('add examples to the messages of the contract: the contract test checks each against its validator');",
      "  else it.each(examples)('$label is valid', ({ name, payload }) => {",
      '    const contract = (messages as Record<string, { check(data: unknown): { ok: boolean } }>)[name];',
      '    expect(contract, `no generated message ${name}`).toBeDefined();',
      '    expect(contract!.check(payload)).toMatchObject({ ok: true });',
      '  });',
      '});',
      '',
    ].join('\n'),
  );
  files.set(
    'sst.config.ts',
    [
      '/// <reference path="./.sst/platform/config.d.ts" />',
      '// The deployment (SST on AWS), entirely from the contract (generated/topology.json) and src/settings.ts.',
      'export default $config({',
      '  app(input) {',
      "    const production = input?.stage === 'prod';",
      `    return { name: ${JSON.stringify(name)}, home: 'aws', removal: production ? 'retain' : 'remove', protect: production, providers: { aws: { version: '7.20.0' } } };`,
      '  },',
      '  async run() {',
      "    const { default: topology } = await import('./generated/topology.json', { with: { type: 'json' } });",
      "    const { settings } = await import('./src/settings.ts');",
      "    const { SluiceTopology, consumersDirOf, operatorCommandOf } = await import('@sluice/infra');",
      "    // SST's `sst` and `aws` are visible to this file only: the installed component gets them here.",
      "    const pipeline = new SluiceTopology('Pipeline', {",
      "      topology: topology as unknown as import('@sluice/runtime/contract').Topology,",
      '      settings,',
      '      consumersDir: consumersDirOf($cli.paths.root),',
      '      operatorCommand: operatorCommandOf($cli.paths.root),',
      '      root: $cli.paths.root,',
      "      production: $app.stage === 'prod',",
      '      stage: $app.stage,',
      '      dev: $dev,',
      '      platform: { sst, aws },',
      '    });',
      '    return pipeline.outputs;',
      '  },',
      '});',
      '',
    ].join('\n'),
  );
  files.set(
    'tsconfig.json',
    `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2024',
          lib: ['ES2024'],
          module: 'ESNext',
          moduleResolution: 'bundler',
          allowImportingTsExtensions: true,
          noEmit: true,
          strict: true,
          verbatimModuleSyntax: true,
          resolveJsonModule: true,
          skipLibCheck: true,
          isolatedModules: true,
          types: ['node'],
        },
        include: ['consumers', 'src', 'tests', 'generated'],
        exclude: ['node_modules', '.sst'],
      },
      null,
      2,
    )}\n`,
  );
  // What the project's commands write that is not to commit: installs, SST's folder (sst:install,
  // infra:plan, dev, deploy), npm start's data folder, npm run docs' page. generated/ (codegen),
  // released/ (contract:release) and docs/topology.svg (diagram, checked by diagram -- --check) are committed.
  files.set('.gitignore', ['node_modules/', '.sst/', '.sluice-data/', 'docs-out/', ''].join('\n'));
  files.set(
    'README.md',
    [
      `# ${name}`,
      '',
      '```sh',
      'npm install && npm run codegen',
      'npm start',
      '```',
      '',
      `An event-driven application on AWS (SNS → SQS → Lambda), from its AsyncAPI contract \`${specName}\` (made with Sluice's \`create\`).`,
      '',
      ...(options.frameworkSources
        ? []
        : [
            `The framework's packages (\`@sluice/*\`, ${FRAMEWORK_VERSIONS['@sluice/runtime']}) are not on the npm registry yet, so \`npm install\` cannot fetch them: pack them in the Sluice repository (its \`build:packages\` script, then \`npm pack\`) and create the project with \`--framework <folder of tarballs>\` (Sluice's README, "Start a project of your own").`,
            '',
          ]),
      `- \`npm run codegen\` writes \`generated/\` (package \`${contractPackage}\`): types, validators, operations, the topology manifest. Run it after every change of the contract.`,
      `- \`consumers/<operationId>.ts\`: one handler per receive operation (${consumers.join(', ') || 'none yet'}); \`src/settings.ts\`: their function settings and tables.`,
      '- `npm start -- --watch` reloads a consumer when its handler or anything it imports changes (plain `npm start` runs the code it started with); `npm start -- --watch --inspect` also opens a debugger per consumer (9229, 9230, …).',
      '- `npm test` runs, stopping at the first failure: `npm run codegen:check` (`generated/` is what the contract produces, and every receive operation has its handler), `npm run contract:diff` (no breaking change since the released contract in `released/`; skipped, saying so, until the first `npm run contract:release`), `npm run typecheck`, then the tests (`vitest run`).',
      '- When a contract change is ready: bump `info.version`, `npm run codegen`, `npm run contract:release`, and commit `generated/` and `released/` with it.',
      "- `npm run infra:plan` (what `sst deploy` would create, offline; its first run prepares SST's platform in `.sst/`, about a minute, which `npm run sst:install` does ahead of time), `npm run deploy`.",
      `- \`${OPERATOR_COMMAND} status\` (queues and what waits in them), \`${OPERATOR_COMMAND} dlq list\` (dead-lettered and unrouted messages, and why; then \`dlq redrive\` or \`dlq purge\`), \`${OPERATOR_COMMAND} publish-message <operation> --payload '{…}'\`: against \`npm start\`'s local stack, or the deployed queues with \`--aws\`; \`${OPERATOR_COMMAND} help\` lists them.`,
      '- `npm run docs` renders the contract\'s HTML documentation into `docs-out/`; `npm run diagram` draws the topology into `docs/topology.svg` (commit it; `npm run diagram -- --check` says whether it is current).',
      '',
      ...(found.outside.length
        ? [
            'Receive operations outside the AWS topology (no handler here; their messages still get types and validators in `generated/`):',
            '',
            ...found.outside.map((o) => `- \`${o.operation}\`: ${o.reason}`),
            '',
          ]
        : []),
    ].join('\n'),
  );

  for (const [file, content] of files) {
    const target = path.join(directory, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  return { directory, name, consumers, outside: found.outside, warnings: found.warnings, files: [...files.keys()].sort() };
}
