/**
 * The public face of samvard: an API Gateway HTTP API in front of the API function and
 * the ingest function (`/ingest`, `/ingest/{proxy+}`). Every route needs a valid access
 * token (JWT authorizer) except the two discovery documents a client reads before it has one.
 */
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  type HttpRoute,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { acknowledge } from '../nag.ts';
import { acknowledgeServiceEncryptedLogs } from './samvard-function.ts';
import { Construct } from 'constructs';

/** Routes anyone may call: the CapabilityStatement and SMART's discovery document. */
export const PUBLIC_ROUTES = ['GET /fhir/metadata', 'GET /fhir/.well-known/smart-configuration'] as const;

/**
 * Paths of document ingest, any method, to the ingest function (functions/http/ingest-routes.ts).
 * There is no `$ingest` route: ingest is not a FHIR operation, and `/fhir/$ingest` reaches
 * the API function, which answers with a 404 pointing here.
 */
export const INGEST_PATHS = ['/ingest', '/ingest/{proxy+}'] as const;

export interface FhirHttpApiProps {
  stage: string;
  handler: IFunction;
  /** Serves {@link INGEST_PATHS}. */
  ingestHandler: IFunction;
  jwtIssuer: string;
  jwtAudience: string[];
  throttleRateLimit: number;
  throttleBurstLimit: number;
  logRetention: RetentionDays;
  logEncryptionKey?: IKey | undefined;
}

export class FhirHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  /** The FHIR base URL clients use. */
  readonly fhirBaseUrl: string;

  constructor(scope: Construct, id: string, props: FhirHttpApiProps) {
    super(scope, id);
    const integration = new HttpLambdaIntegration('Fhir', props.handler);
    const authorizer = new HttpJwtAuthorizer('Jwt', props.jwtIssuer, {
      jwtAudience: props.jwtAudience,
      authorizerName: `samvard-${props.stage}-jwt`,
    });

    // `$default` catches every other method and path, behind the authorizer; the app
    // answers unknown paths with an OperationOutcome.
    this.api = new HttpApi(this, 'Api', {
      apiName: `samvard-${props.stage}`,
      description: `samvard FHIR R4 API (${props.stage})`,
      defaultIntegration: integration,
      defaultAuthorizer: authorizer,
      createDefaultStage: false,
    });
    // Document ingest: its own function, behind the same authorizer.
    const ingestIntegration = new HttpLambdaIntegration('Ingest', props.ingestHandler);
    for (const path of INGEST_PATHS) {
      this.api.addRoutes({ path, methods: [HttpMethod.ANY], integration: ingestIntegration, authorizer });
    }
    const publicRoutes: HttpRoute[] = [];
    for (const route of PUBLIC_ROUTES) {
      const [method, path] = route.split(' ') as [keyof typeof HttpMethod, string];
      publicRoutes.push(
        ...this.api.addRoutes({ path, methods: [HttpMethod[method]], integration, authorizer: new HttpNoneAuthorizer() }),
      );
    }

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      encryptionKey: props.logEncryptionKey,
    });
    if (!props.logEncryptionKey) acknowledgeServiceEncryptedLogs(this.accessLogs);
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRateLimit, burstLimit: props.throttleBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        // The path, never the query string: search parameters can hold personnummer.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            method: '$context.httpMethod',
            path: '$context.path',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationStatus: '$context.integrationStatus',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            client: '$context.authorizer.claims.client_id',
          }),
        ),
      },
    });
    this.fhirBaseUrl = `${this.stage.url}fhir`;

    for (const route of publicRoutes) {
      acknowledge(
        route,
        ['AwsSolutions-APIG4'],
        'Public by the FHIR and SMART specifications: clients read the CapabilityStatement and the SMART configuration before they hold a token. Neither carries patient data.',
      );
    }
  }
}
