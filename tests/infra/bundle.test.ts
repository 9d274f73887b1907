/**
 * The functions as they are deployed: bundled by the CDK with the local esbuild, then
 * loaded in a fresh Node.js and invoked, the API function with an API Gateway (HTTP API,
 * payload 2.0) event, the change-event publisher with a DynamoDB stream event against a
 * local stand-in for the EventBridge endpoint. Catches what template assertions cannot:
 * an ESM bundle that does not load, a JSON file left out, a handler that is not exported,
 * a request the real SDK does not serialize as expected.
 */
import { execFile, execFileSync } from 'node:child_process';
import { type IncomingMessage, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { versionSk } from '../../functions/store/keys.ts';
import { cdkJsonContext } from '../../infra/cdk-json.ts';
import { createSamvardApp } from '../../infra/samvard-app.ts';
import { TEST_AUDIENCE, TEST_ISSUER } from './synth.ts';

const outdir = mkdtempSync(join(tmpdir(), 'samvard-bundle-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const { app, stack } = createSamvardApp({
  outdir,
  context: {
    ...cdkJsonContext(),
    'samvard:jwtIssuer': TEST_ISSUER,
    'samvard:jwtAudience': TEST_AUDIENCE.join(','),
  },
});
const assembly = app.synth();
const template = assembly.getStackArtifact(stack.artifactId).template as {
  Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string }; Description?: string } }>;
};
/** The bundle directory of the function whose description contains `description`. */
function assetDirOf(description: string): string {
  const fn = Object.values(template.Resources).find(
    (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Description?.includes(description),
  );
  if (!fn) throw new Error(`No function described as ${description}`);
  return join(outdir, `asset.${fn.Properties.Code?.S3Key?.replace(/\.zip$/, '')}`);
}
const assetDir = assetDirOf('FHIR R4 API');

const HOST = 'abc123.execute-api.eu-north-1.amazonaws.com';

/** An API Gateway HTTP API (payload 2.0) event: `method path` on route `routeKey`, accepting `accept`. */
function httpApiEvent(routeKey: string, method: string, path: string, accept: string) {
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: { host: HOST, accept },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: HOST,
      domainPrefix: 'abc123',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'vitest' },
      requestId: 'test-request',
      routeKey,
      stage: '$default',
      time: '22/Nov/2025:12:00:00 +0000',
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
  };
}

/**
 * The bundle in `dir` loaded in a process of its own, as on Lambda (no vitest module loader,
 * the same Node.js major), its handler invoked with `event`; `env` is added to the function's
 * environment, and `quiet` drops the process's stderr.
 */
function invokeBundle(dir: string, event: unknown, env: Record<string, string>, { quiet = false } = {}): { statusCode: number; body: string } {
  const script = `
    const { handler } = await import(${JSON.stringify(pathToFileURL(join(dir, 'index.mjs')).href)});
    const response = await handler(${JSON.stringify(event)}, { awsRequestId: 'test-request', getRemainingTimeInMillis: () => 10000 });
    process.stdout.write(JSON.stringify(response));`;
  const stdout = execFileSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, AWS_REGION: 'eu-north-1', SAMVARD_RESOURCE_TABLE: 'samvard-test-resources', ...env },
    encoding: 'utf8',
    timeout: 30_000,
    ...(quiet ? { stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'] } : {}),
  });
  return JSON.parse(stdout) as { statusCode: number; body: string };
}

describe('API function bundle', () => {
  it('is one minified ESM file with a source map, the AWS SDK inside', () => {
    const code = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
    expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
  });

  it('loads in a fresh Node.js and answers GET /fhir/metadata with the CapabilityStatement', () => {
    const response = invokeBundle(assetDir, httpApiEvent('GET /fhir/metadata', 'GET', '/fhir/metadata', 'application/fhir+json'), {});
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body) as { resourceType: string; fhirVersion: string };
    expect(body.resourceType).toBe('CapabilityStatement');
    expect(body.fhirVersion).toBe('4.0.1');
  });
});

describe('API and ingest function bundles', () => {
  const ingestDir = assetDirOf('document ingest');
  const sourcesOf = (dir: string): string[] =>
    (JSON.parse(readFileSync(join(dir, 'index.mjs.map'), 'utf8')) as { sources: string[] }).sources;

  it('the API bundle carries no document ingest: no mappings/, no fast-xml-parser, no classic zod', () => {
    const sources = sourcesOf(assetDir);
    expect(sources.some((s) => s.includes('functions/http/fhir-routes.ts'))).toBe(true);
    expect(sources.filter((s) => /(^|\/)mappings\/|ingest-routes|fast-xml-parser|zod\/v4\/classic/.test(s))).toEqual([]);
  });

  it('the ingest bundle carries mappings/ and the same access control', () => {
    const sources = sourcesOf(ingestDir);
    for (const file of ['mappings/ingest.ts', 'functions/http/ingest-routes.ts', 'functions/http/guarded-app.ts', 'functions/http/access-control.ts']) {
      expect(sources.some((s) => s.endsWith(file)), file).toBe(true);
    }
    expect(sources.some((s) => s.includes('functions/http/fhir-routes.ts'))).toBe(false);
  });

  it('the ingest bundle loads in a fresh Node.js: GET /ingest is refused without an issuer (fails closed, 503), listed with auth off', () => {
    const event = httpApiEvent('ANY /ingest', 'GET', '/ingest', 'application/json');
    const invoke = (env: Record<string, string>) => invokeBundle(ingestDir, event, env, { quiet: true });
    // Auth on, no issuer configured: every guarded request is refused (503, functions/api/dependencies.ts).
    const refused = invoke({});
    expect(refused.statusCode).toBe(503);
    expect(refused.body).toContain('SAMVARD_AUTH_ISSUER');
    const listed = invoke({ SAMVARD_AUTH: 'off' });
    expect(listed.statusCode).toBe(200);
    const { formats } = JSON.parse(listed.body) as { formats: { format: string; ingest: string }[] };
    expect(formats.find((f) => f.format === 'sip.v1')?.ingest).toBe(`https://${HOST}/ingest/sip.v1`);
  });
});

describe('change-event publisher bundle', () => {
  const publisherDir = assetDirOf('publishes change events');

  it('is one minified ESM file with a source map, the EventBridge client inside', () => {
    const code = readFileSync(join(publisherDir, 'index.mjs'), 'utf8');
    expect(existsSync(join(publisherDir, 'index.mjs.map'))).toBe(true);
    expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
    expect(code).toContain('AWSEvents');
  });

  it('loads in a fresh Node.js, sends PutEvents through the real SDK and resumes at a rejected entry', async () => {
    // A stand-in for EventBridge (JSON 1.1 protocol) that rejects the second entry.
    const requests: { target: string | undefined; body: { Entries: Record<string, unknown>[] } }[] = [];
    const server = createServer(async (req: IncomingMessage, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      const parsed = JSON.parse(body) as { Entries: Record<string, unknown>[] };
      requests.push({ target: req.headers['x-amz-target'] as string | undefined, body: parsed });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify({
          FailedEntryCount: 1,
          Entries: parsed.Entries.map((_, i) =>
            i === 1 ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' } : { EventId: `event-${i}` },
          ),
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    const record = (id: string, sequenceNumber: string) => ({
      eventID: `e-${id}`,
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      dynamodb: {
        SequenceNumber: sequenceNumber,
        Keys: { pk: { S: `Task/${id}` }, sk: { S: versionSk(2) } },
        NewImage: {
          pk: { S: `Task/${id}` },
          sk: { S: versionSk(2) },
          type: { S: 'Task' },
          id: { S: id },
          version: { N: '2' },
          lastUpdated: { S: '2025-11-22T12:00:00.000Z' },
          operation: { S: 'update' },
        },
      },
    });
    const event = { Records: [record('hsl-1', '1001'), record('hsl-2', '1002'), record('hsl-3', '1003')] };
    const script = `
      const { handler } = await import(${JSON.stringify(pathToFileURL(join(publisherDir, 'index.mjs')).href)});
      const response = await handler(${JSON.stringify(event)}, { awsRequestId: 'test', getRemainingTimeInMillis: () => 30000 });
      process.stdout.write('\\n' + JSON.stringify(response));`;
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--enable-source-maps', '--input-type=module', '-e', script],
        {
          env: {
            PATH: process.env.PATH,
            AWS_REGION: 'eu-north-1',
            AWS_ACCESS_KEY_ID: 'test',
            AWS_SECRET_ACCESS_KEY: 'test',
            AWS_ENDPOINT_URL_EVENTBRIDGE: `http://127.0.0.1:${port}`,
            AWS_CONFIG_FILE: join(outdir, 'no-aws-config'),
            AWS_SHARED_CREDENTIALS_FILE: join(outdir, 'no-aws-credentials'),
            SAMVARD_EVENT_BUS: 'samvard-test-changes',
            SAMVARD_EVENT_SOURCE: 'samvard',
          },
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
      // The last line is the response; the lines before it are the function's logs.
      expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '')).toEqual({
        batchItemFailures: [{ itemIdentifier: '1002' }],
      });
    } finally {
      server.close();
    }
    expect(requests).toHaveLength(1);
    expect(requests[0]?.target).toBe('AWSEvents.PutEvents');
    expect(requests[0]?.body.Entries).toHaveLength(3);
    expect(requests[0]?.body.Entries[0]).toEqual({
      EventBusName: 'samvard-test-changes',
      Source: 'samvard',
      DetailType: 'FHIR resource changed',
      Detail: JSON.stringify({ type: 'Task', id: 'hsl-1', versionId: '2', operation: 'update', lastUpdated: '2025-11-22T12:00:00.000Z' }),
      Time: Date.parse('2025-11-22T12:00:00.000Z') / 1000,
    });
  });
});
