import type { Logger } from 'pino';
import type { Timer, TimerClock } from '../../common/clock.js';
import { type AnyToxic, findToxic, type Stream } from '../toxics/index.js';
import { ProxyApiError } from './errors.js';
import type { LeaseRegistry } from './lease-registry.js';
import type { Link } from './link.js';
import { describeIssue, parseBody, toxicInputSchema, toxicUpdateSchema } from './schemas.js';
import type { StagePlan } from './stage.js';

/** A toxic as the API shows it (Toxiproxy's fields, plus Faultline's when set). */
export interface ToxicJson {
  name: string;
  type: string;
  stream: Stream;
  toxicity: number;
  attributes: Record<string, unknown>;
  duration_ms?: number;
  start_after_ms?: number;
  lease?: string;
}

/** A validated toxic, not yet installed. */
export interface ToxicSpec {
  name: string;
  type: string;
  stream: Stream;
  toxicity: number;
  attributes: Record<string, unknown>;
  toxic: AnyToxic;
  durationMs?: number;
  startAfterMs?: number;
  lease?: string;
}

interface ToxicRecord extends ToxicSpec {
  active: boolean;
  timers: Timer[];
  untieLease?: () => void;
}

/**
 * Validates a toxic body in Toxiproxy's order: wrapper (400 bad request body), stream (400),
 * type (400), duplicate name (409), then the attributes of the type (400).
 */
export function parseToxic(
  input: unknown,
  isTaken: (name: string) => boolean,
  leaseHeader?: string,
): ToxicSpec {
  const body = parseBody(toxicInputSchema, input);
  const toxic = findToxic(body.type ?? '');
  const streamText = (body.stream ?? toxic?.capabilities?.defaultStream ?? 'downstream').toLowerCase();
  if (streamText !== 'upstream' && streamText !== 'downstream') throw new ProxyApiError('invalidStream');
  const stream: Stream = streamText;
  if (toxic === undefined) throw new ProxyApiError('invalidToxicType');
  const allowed = toxic.capabilities?.streams;
  if (allowed && !allowed.includes(stream)) {
    throw new ProxyApiError('invalidStream', `${toxic.type} only works on ${allowed.join(' or ')}`);
  }
  const name = body.name || `${toxic.type}_${stream}`;
  if (isTaken(name)) throw new ProxyApiError('toxicAlreadyExists');
  const attributes = parseAttributes(toxic, body.attributes ?? {});
  const spec: ToxicSpec = { name, type: toxic.type, stream, toxicity: body.toxicity ?? 1, attributes, toxic };
  if (body.duration_ms !== undefined) spec.durationMs = body.duration_ms;
  if (body.start_after_ms !== undefined && body.start_after_ms > 0) spec.startAfterMs = body.start_after_ms;
  const lease = body.lease ?? leaseHeader;
  if (lease !== undefined && lease !== '') spec.lease = lease;
  return spec;
}

function parseAttributes(toxic: AnyToxic, attributes: Record<string, unknown>): Record<string, unknown> {
  const result = toxic.attributes.safeParse(attributes);
  if (!result.success) {
    const issue = result.error.issues[0];
    const detail = describeIssue(issue && { ...issue, path: ['attributes', ...issue.path] });
    throw new ProxyApiError(
      'badRequestBody',
      detail.startsWith('attributes') ? detail : `attributes.${detail}`,
    );
  }
  return result.data as Record<string, unknown>;
}

/** Why a toxic went away: DELETE, POST /reset, its duration_ms ran out, or its lease ended. */
export type ToxicRemovalReason = 'deleted' | 'reset' | 'expired' | 'lease';

export interface ToxicCollectionHost {
  links(): Iterable<Link>;
  leases: LeaseRegistry;
  /** Runs the schedules (start_after_ms, duration_ms). @default the system clock, timers unref'd */
  clock?: TimerClock;
  logger?: Logger;
  onAdded?(toxic: ToxicJson): void;
  onRemoved?(toxic: ToxicJson, reason: ToxicRemovalReason): void;
}

/**
 * The toxics of one proxy, in creation order, and their effect on every open connection:
 * adding, updating or removing a toxic changes the matching stage of every link at once.
 * Also runs the Faultline schedules (start_after_ms, duration_ms) and lease ties.
 */
export class ToxicCollection {
  private records: ToxicRecord[] = [];

  private readonly clock: TimerClock;

  constructor(private readonly host: ToxicCollectionHost) {
    this.clock = host.clock ?? unrefTimers;
  }

  get size(): number {
    return this.records.length;
  }

  has(name: string): boolean {
    return this.records.some((r) => r.name === name);
  }

  /** Validates a body and installs the toxic. */
  add(input: unknown, leaseHeader?: string): ToxicJson {
    const spec = parseToxic(input, (n) => this.has(n), leaseHeader);
    if (spec.lease !== undefined) this.host.leases.require(spec.lease);
    return this.install(spec);
  }

  /** Installs an already validated toxic (its name must be free, its lease must exist). */
  install(spec: ToxicSpec): ToxicJson {
    const record: ToxicRecord = { ...spec, active: spec.startAfterMs === undefined, timers: [] };
    if (record.lease !== undefined) {
      record.untieLease = this.host.leases.attach(record.lease, () => this.removeRecord(record, 'lease'));
    }
    this.records.push(record);
    for (const link of this.host.links())
      link.addToxic(record, record.name, record.stream, this.plan(record));
    if (record.startAfterMs !== undefined) {
      this.schedule(record, record.startAfterMs, () => {
        record.active = true;
        this.restart(record);
        this.scheduleExpiry(record);
      });
    } else {
      this.scheduleExpiry(record);
    }
    this.host.logger?.info({ toxic: record.name, type: record.type, stream: record.stream }, 'toxic added');
    const json = toJSON(record);
    this.host.onAdded?.(json);
    return json;
  }

  get(name: string): ToxicJson {
    return toJSON(this.require(name));
  }

  /** Upstream toxics first, then downstream, each in creation order (Toxiproxy's listing). */
  list(): ToxicJson[] {
    return [
      ...this.records.filter((r) => r.stream === 'upstream'),
      ...this.records.filter((r) => r.stream === 'downstream'),
    ].map(toJSON);
  }

  /** Merges `attributes` and sets `toxicity`; other fields are ignored, as in Toxiproxy. */
  update(name: string, input: unknown): ToxicJson {
    const record = this.require(name);
    const body = parseBody(toxicUpdateSchema, input);
    const attributes = parseAttributes(record.toxic, { ...record.attributes, ...(body.attributes ?? {}) });
    record.attributes = attributes;
    if (body.toxicity !== undefined) record.toxicity = body.toxicity;
    this.restart(record);
    this.host.logger?.info({ toxic: name }, 'toxic updated');
    return toJSON(record);
  }

  remove(name: string): void {
    this.removeRecord(this.require(name), 'deleted');
  }

  /** Removes every toxic (POST /reset). */
  reset(): void {
    for (const r of [...this.records]) this.removeRecord(r, 'reset');
  }

  /** What a new connection starts with. */
  forNewLink(): { key: object; name: string; stream: Stream; plan: StagePlan }[] {
    return this.records.map((r) => ({ key: r, name: r.name, stream: r.stream, plan: this.plan(r) }));
  }

  private require(name: string): ToxicRecord {
    const record = this.records.find((r) => r.name === name);
    if (record === undefined) throw new ProxyApiError('toxicNotFound');
    return record;
  }

  private removeRecord(record: ToxicRecord, why: ToxicRemovalReason): void {
    const i = this.records.indexOf(record);
    if (i === -1) return;
    this.records.splice(i, 1);
    for (const t of record.timers) t.cancel();
    record.untieLease?.();
    for (const link of this.host.links()) link.removeToxic(record, record.stream);
    this.host.logger?.info({ toxic: record.name, reason: why }, 'toxic removed');
    this.host.onRemoved?.(toJSON(record), why);
  }

  private restart(record: ToxicRecord): void {
    const plan = this.plan(record);
    for (const link of this.host.links()) link.updateToxic(record, record.stream, plan);
  }

  private plan(record: ToxicRecord): StagePlan {
    return {
      toxic: record.toxic,
      attributes: record.attributes,
      active: record.active,
      toxicity: record.toxicity,
    };
  }

  private scheduleExpiry(record: ToxicRecord): void {
    if (record.durationMs !== undefined) {
      this.schedule(record, record.durationMs, () => this.removeRecord(record, 'expired'));
    }
  }

  private schedule(record: ToxicRecord, ms: number, fn: () => void): void {
    record.timers.push(this.clock.setTimer(fn, ms));
  }
}

/** The system clock whose timers never keep the process alive on their own. */
const unrefTimers: TimerClock = {
  now: () => performance.now(),
  setTimer(callback, ms) {
    const handle = setTimeout(callback, Math.max(0, ms));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};

function toJSON(r: ToxicRecord): ToxicJson {
  const json: ToxicJson = {
    name: r.name,
    type: r.type,
    stream: r.stream,
    toxicity: r.toxicity,
    attributes: { ...r.attributes },
  };
  if (r.durationMs !== undefined) json.duration_ms = r.durationMs;
  if (r.startAfterMs !== undefined) json.start_after_ms = r.startAfterMs;
  if (r.lease !== undefined) json.lease = r.lease;
  return json;
}
