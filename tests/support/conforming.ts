/**
 * Bodies that conform to the profiles samvard requires by default (CarePlan,
 * ServiceRequest, Task, Observation; see functions/core/profiles.ts), for tests that need
 * a valid resource of those types. They are the FSH examples in
 * fhir-profiles/generated/examples/ without their ids, so they follow the profiles.
 */
import { readFileSync } from 'node:fs';
import type { CarePlan, Observation, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';

const EXAMPLES = new URL('../../fhir-profiles/generated/examples/', import.meta.url);

/** A generated example (by file name without `.json`), without its id, as a fresh object. */
export function exampleBody<T extends Resource = Resource>(name: string): T {
  const { id: _id, ...body } = JSON.parse(readFileSync(new URL(`${name}.json`, EXAMPLES), 'utf8')) as T;
  return body as T;
}

/** An HSL-uppdrag Task (status requested, intent order). */
export const hslTask = (overrides: Partial<Task> = {}): Task => ({
  ...exampleBody<Task>('Task-task-example-hsl-uppdrag'),
  ...overrides,
});

/** A vårdbegäran ServiceRequest (status active, intent order). */
export const vardbegaran = (overrides: Partial<ServiceRequest> = {}): ServiceRequest => ({
  ...exampleBody<ServiceRequest>('ServiceRequest-servicerequest-example-vardbegaran'),
  ...overrides,
});

/** A SIP CarePlan (status active, intent plan). */
export const sipCarePlan = (overrides: Partial<CarePlan> = {}): CarePlan => ({
  ...exampleBody<CarePlan>('CarePlan-careplan-example-sip'),
  ...overrides,
});

/** A heart-rate Observation (LOINC 8867-4) of `bpm` beats per minute. */
export const heartRate = (bpm = 72, overrides: Partial<Observation> = {}): Observation => {
  const body = exampleBody<Observation>('Observation-observation-example-heart-rate');
  return { ...body, valueQuantity: { ...body.valueQuantity, value: bpm }, ...overrides };
};

/** An egenvårdsbedömning Observation. */
export const egenvardsbedomning = (overrides: Partial<Observation> = {}): Observation => ({
  ...exampleBody<Observation>('Observation-observation-example-egenvardsbedomning'),
  ...overrides,
});
