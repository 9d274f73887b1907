/**
 * Latency of read, create and update through the real HTTP API, beside the raw DynamoDB
 * operations underneath each, interleaved pair by pair so both see the same load.
 *
 * "Underneath" is taken literally: the app's DynamoDB client records every command the
 * store sends while serving a request, and the raw side replays exactly those commands
 * (same inputs, the resource id swapped) on a second client built by the same factory.
 * So the raw create is the very TransactWriteItems `ResourceStore.writeVersion` sends
 * (current item, version item and whatever search index entries it carries), and the
 * comparison stays honest as the store changes.
 */
import { randomUUID } from 'node:crypto';
import {
  BatchGetItemCommand,
  type BatchGetItemCommandInput,
  type DynamoDBClient,
  GetItemCommand,
  type GetItemCommandInput,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteItemsCommand,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';

export interface LatencyOptions {
  /** Base of the FHIR API, e.g. `http://127.0.0.1:1234/fhir`. */
  fhirBase: string;
  /** The client the app's store uses; {@link recordCommands} must have been applied to it. */
  recorder: CommandRecorder;
  /** The client for the raw operations, built like the app's. */
  client: DynamoDBClient;
  warmup: number;
  iterations: number;
}

/** Samples in milliseconds of one HTTP interaction and its raw counterpart. */
export interface PairSamples {
  http: number[];
  raw: number[];
  /** What the raw side ran, e.g. `GetItem + TransactWriteItems (4 items)`. */
  rawOperation: string;
}

export interface LatencyResults {
  read: PairSamples;
  create: PairSamples;
  update: PairSamples;
}

interface RecordedCommand {
  name: string;
  input: object;
}

export interface CommandRecorder {
  /** Takes the commands recorded since the last call. */
  take(): RecordedCommand[];
}

/**
 * Records each command `client` sends (name and input, by reference: nothing is copied
 * while a request is being timed).
 */
export function recordCommands(client: DynamoDBClient): CommandRecorder {
  let recorded: RecordedCommand[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      recorded.push({ name: context.commandName ?? 'unknown', input: args.input });
      return next(args);
    },
    { step: 'initialize', name: 'samvardBenchRecorder' },
  );
  return {
    take: () => {
      const taken = recorded;
      recorded = [];
      return taken;
    },
  };
}

type Send = (client: DynamoDBClient, input: unknown) => Promise<unknown>;

/** The commands the store may send while serving read, create and update. */
const REPLAYABLE: Record<string, Send> = {
  GetItemCommand: (c, input) => c.send(new GetItemCommand(input as GetItemCommandInput)),
  TransactWriteItemsCommand: (c, input) => c.send(new TransactWriteItemsCommand(input as TransactWriteItemsCommandInput)),
  QueryCommand: (c, input) => c.send(new QueryCommand(input as QueryCommandInput)),
  BatchGetItemCommand: (c, input) => c.send(new BatchGetItemCommand(input as BatchGetItemCommandInput)),
};

/** Commands ready to send, their inputs already rewritten (outside any timed section). */
interface ReplayPlan {
  steps: { send: Send; input: unknown }[];
  description: string;
}

/** The resource id in a recorded command: the `pk` of the item it reads or writes. */
function resourceIdOf(commands: RecordedCommand[]): string {
  for (const { input } of commands) {
    const match = /"pk":\{"S":"Patient\/([A-Za-z0-9\-.]{1,64})"\}/.exec(JSON.stringify(input));
    if (match?.[1]) return match[1];
  }
  throw new Error(`no Patient key in the recorded commands: ${commands.map((c) => c.name).join(', ')}`);
}

function planReplay(commands: RecordedCommand[], targetId: (recordedId: string) => string): ReplayPlan {
  if (commands.length === 0) throw new Error('the request sent no DynamoDB command');
  const recordedId = resourceIdOf(commands);
  const newId = targetId(recordedId);
  const steps = commands.map(({ name, input }) => {
    const send = REPLAYABLE[name];
    if (!send) throw new Error(`the bench cannot replay ${name}; add it to REPLAYABLE`);
    return { send, input: JSON.parse(JSON.stringify(input).replaceAll(recordedId, newId)) as unknown };
  });
  const description = commands
    .map(({ name, input }) => {
      const short = name.replace(/Command$/, '');
      const items = (input as { TransactItems?: unknown[] }).TransactItems?.length;
      return items === undefined ? short : `${short} (${items} items)`;
    })
    .join(' + ');
  return { steps, description };
}

const FHIR_JSON = 'application/fhir+json';

/** A Patient as a region system would post it: personnummer, name, address, telecom. */
export function samplePatient(n: number): Record<string, unknown> {
  return {
    resourceType: 'Patient',
    identifier: [
      {
        system: 'http://electronichealth.se/identifier/personnummer',
        value: `19${String(400000 + n).padStart(6, '0')}2386`,
      },
    ],
    active: true,
    name: [{ use: 'official', family: 'Andersson', given: ['Britta', 'Maria'] }],
    telecom: [{ system: 'phone', value: '+46701234567', use: 'mobile' }],
    gender: 'female',
    birthDate: '1939-04-12',
    address: [{ use: 'home', line: ['Storgatan 1'], city: 'Uppsala', postalCode: '75310', country: 'SE' }],
  };
}

async function expectStatus(res: Response, status: number, what: string): Promise<string> {
  const text = await res.text(); // always drain, so the connection is reused
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status}: ${text}`);
  return text;
}

/**
 * One phase: `warmup + iterations` pairs of an HTTP request and the replay of the
 * commands an earlier HTTP request of the phase sent (a queue, one deep, so a replay
 * never waits for its own pair and updates reach a mirror resource in order). Even
 * pairs run HTTP first, odd pairs raw first, so neither side systematically follows
 * the other. Recording and rewriting happen between the timed calls.
 */
async function runPhase(
  options: LatencyOptions,
  http: (i: number) => Promise<void>,
  targetId: (recordedId: string) => string,
): Promise<PairSamples> {
  const { recorder, client, warmup, iterations } = options;
  recorder.take();
  const queue: ReplayPlan[] = [];
  const settle = (): void => {
    const commands = recorder.take();
    if (commands.length > 0) queue.push(planReplay(commands, targetId));
  };
  const raw = async (): Promise<void> => {
    const plan = queue.shift();
    if (!plan) throw new Error('nothing recorded to replay');
    for (const step of plan.steps) await step.send(client, step.input);
  };
  const timed = async (fn: () => Promise<void>): Promise<number> => {
    const started = performance.now();
    await fn();
    const elapsed = performance.now() - started;
    settle();
    return elapsed;
  };

  await http(-1); // primes the queue
  settle();
  const samples: PairSamples = { http: [], raw: [], rawOperation: '' };
  const descriptions = new Map<string, number>();
  for (let i = 0; i < warmup + iterations; i++) {
    const description = queue[0]?.description ?? '';
    let h: number;
    let r: number;
    if (i % 2 === 0) {
      h = await timed(() => http(i));
      r = await timed(raw);
    } else {
      r = await timed(raw);
      h = await timed(() => http(i));
    }
    if (i >= warmup) {
      samples.http.push(h);
      samples.raw.push(r);
      descriptions.set(description, (descriptions.get(description) ?? 0) + 1);
    }
  }
  // The most frequent shape (an update that changes no index entry sends fewer items).
  samples.rawOperation = [...descriptions].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
  return samples;
}

export async function measureApiLatency(options: LatencyOptions): Promise<LatencyResults> {
  const { fhirBase, recorder, client } = options;

  // A pool of patients created through the API, each with a mirror written by replaying
  // the create's commands, so reads and updates have a raw twin of the same shape.
  const POOL = 20;
  const pool: string[] = [];
  const mirrorOf = new Map<string, string>();
  recorder.take();
  for (let n = 0; n < POOL; n++) {
    const res = await fetch(`${fhirBase}/Patient`, {
      method: 'POST',
      headers: { 'Content-Type': FHIR_JSON },
      body: JSON.stringify(samplePatient(n)),
    });
    const id = (JSON.parse(await expectStatus(res, 201, 'seed create')) as { id: string }).id;
    pool.push(id);
    mirrorOf.set(id, randomUUID());
    const plan = planReplay(recorder.take(), (recorded) => mirrorOf.get(recorded) as string);
    for (const step of plan.steps) await step.send(client, step.input);
  }
  const pick = (i: number): string => pool[(i + POOL) % POOL] as string;
  const mirror = (recorded: string): string => {
    const id = mirrorOf.get(recorded);
    if (!id) throw new Error(`no mirror of ${recorded}`);
    return id;
  };

  const read = await runPhase(
    options,
    async (i) => {
      await expectStatus(await fetch(`${fhirBase}/Patient/${pick(i)}`), 200, 'read');
    },
    mirror,
  );

  const create = await runPhase(
    options,
    async (i) => {
      const res = await fetch(`${fhirBase}/Patient`, {
        method: 'POST',
        headers: { 'Content-Type': FHIR_JSON },
        body: JSON.stringify(samplePatient(1000 + i)),
      });
      await expectStatus(res, 201, 'create');
    },
    () => randomUUID(),
  );

  // Each update changes the personnummer, so the transaction also swaps an index entry.
  const versions = new Map<string, number>(pool.map((id) => [id, 1]));
  const update = await runPhase(
    options,
    async (i) => {
      const id = pick(i);
      const version = versions.get(id) as number;
      const res = await fetch(`${fhirBase}/Patient/${id}`, {
        method: 'PUT',
        headers: { 'Content-Type': FHIR_JSON, 'If-Match': `W/"${version}"` },
        body: JSON.stringify({ ...samplePatient(2000 + i), id }),
      });
      await expectStatus(res, 200, 'update');
      versions.set(id, version + 1);
    },
    mirror,
  );

  return { read, create, update };
}
