/**
 * The API function as it is deployed: bundled by the CDK with the local esbuild, then
 * loaded and invoked with an API Gateway (HTTP API, payload 2.0) event. Catches what
 * template assertions cannot: an ESM bundle that does not load, a JSON file left out.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
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
const apiFunction = Object.values(template.Resources).find(
  (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Description?.includes('FHIR R4 API'),
);
const assetDir = join(outdir, `asset.${apiFunction?.Properties.Code?.S3Key?.replace(/\.zip$/, '')}`);

describe('API function bundle', () => {
  it('is one minified ESM file with a source map, the AWS SDK inside', () => {
    const code = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
    expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
  });

  it('loads in a fresh Node.js and answers GET /fhir/metadata with the CapabilityStatement', () => {
    const host = 'abc123.execute-api.eu-north-1.amazonaws.com';
    const event = {
      version: '2.0',
      routeKey: 'GET /fhir/metadata',
      rawPath: '/fhir/metadata',
      rawQueryString: '',
      headers: { host, accept: 'application/fhir+json' },
      requestContext: {
        accountId: '123456789012',
        apiId: 'abc123',
        domainName: host,
        domainPrefix: 'abc123',
        http: { method: 'GET', path: '/fhir/metadata', protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'vitest' },
        requestId: 'test-request',
        routeKey: 'GET /fhir/metadata',
        stage: '$default',
        time: '22/Nov/2025:12:00:00 +0000',
        timeEpoch: Date.now(),
      },
      isBase64Encoded: false,
    };
    // A process of its own, as on Lambda: no vitest module loader, the same Node.js major.
    const script = `
      const { handler } = await import(${JSON.stringify(pathToFileURL(join(assetDir, 'index.mjs')).href)});
      const response = await handler(${JSON.stringify(event)}, { awsRequestId: 'test-request', getRemainingTimeInMillis: () => 10000 });
      process.stdout.write(JSON.stringify(response));`;
    const stdout = execFileSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH, AWS_REGION: 'eu-north-1', SAMVARD_RESOURCE_TABLE: 'samvard-test-resources' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    const response = JSON.parse(stdout) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body) as { resourceType: string; fhirVersion: string };
    expect(body.resourceType).toBe('CapabilityStatement');
    expect(body.fhirVersion).toBe('4.0.1');
  });
});
