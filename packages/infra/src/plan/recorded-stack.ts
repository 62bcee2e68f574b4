/**
 * What an offline synthesis of `sst.config.ts` records: the shape shared by the program that runs
 * inside the SST bundle (`mock-program.ts`) and the Node side that reads it (`synthesize.ts`).
 * Plain JSON, so it crosses the process boundary unchanged.
 */

/** One resource the program registered, with the inputs the provider would have received. */
export interface RecordedResource {
  /** Pulumi type token, e.g. `aws:sqs/queue:Queue` or `sst:aws:Queue`. */
  type: string;
  /** Logical (Pulumi) name, e.g. `PaymentQueueQueue`. */
  name: string;
  /** `false` for components (`sst:*`, the stack), `true` for provider resources. */
  custom: boolean;
  /** Inputs after every transform, outputs of other resources resolved. */
  inputs: Record<string, unknown>;
  /** The attributes the mocks computed for it (`arn`, `url`, ...), as other resources see them. */
  outputs: Record<string, unknown>;
  /** Logical name of the parent resource, when there is one. */
  parent?: string;
  /** Resource option: `sst remove` leaves the resource in the account (it is only forgotten). */
  retainOnDelete?: boolean;
  /** Resource option: `sst remove` (and any replacement) fails instead of deleting it. */
  protect?: boolean;
  /** Logical names of the resources it is created after (its explicit `dependsOn`). */
  dependsOn?: string[];
  /**
   * Its earlier addresses (`aliases`), by the parent each had: a logical name, `(stack)` for the
   * root of the stack. What keeps a deployed resource when it moves under a component.
   */
  aliases?: { parent?: string }[];
}

/** One provider function call (data source) the program made, e.g. `aws:iam/getPolicyDocument`. */
export interface RecordedInvoke {
  /** The function's token, e.g. `aws:iam/getPolicyDocument:getPolicyDocument`. */
  token: string;
  /** The arguments it was called with, outputs resolved. */
  args: Record<string, unknown>;
}

/** One request the program sent to the SST CLI (answered by the offline stand-in). */
export interface RecordedCliRequest {
  /** The RPC method, e.g. `Runtime.Build` or `Provider.Aws.Bootstrap`. */
  method: string;
  /** The request's parameters. */
  params: Record<string, unknown>;
  /** False when the stand-in has no answer for this method: the synthesis is then incomplete. */
  answered: boolean;
}

/** Everything one offline run of `sst.config.ts` for one stage produced. */
export interface RecordedStack {
  /** What `app({ stage })` returned, with SST's defaults filled in (as `$app` sees it). */
  app: {
    name: string;
    stage: string;
    home: string;
    removal: 'remove' | 'retain' | 'retain-all';
    protect: boolean;
    providers: Record<string, unknown>;
  };
  /** What the program warned about (the plan's warnings: settings against AWS's guidance, alerts nobody receives). */
  warnings?: string[];
  /** Every resource the program registered, in registration order. */
  resources: RecordedResource[];
  /** Every provider function call (data source) the program made, in call order. */
  invokes: RecordedInvoke[];
  /** Every request the program sent to the SST CLI, in order. */
  cliRequests: RecordedCliRequest[];
  /** What `run()` returned (the stack outputs), resolved. */
  outputs: Record<string, unknown>;
}
