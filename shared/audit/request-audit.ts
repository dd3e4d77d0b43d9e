import { randomUUID } from 'node:crypto';

export type AuditDetail = Record<string, string | number | boolean>;

/** One record per request to any function (SPEC §6). Never holds a raw contact or a code. */
export interface AuditRecord {
  /** Unique per record: the sort key, so a reused request id never overwrites another record. */
  id: string;
  /** The platform's own id of the request (Lambda's, SQS's, EventBridge's): the record's key, unique per request. */
  requestId: string;
  /** The caller's `X-Request-Id`, when it sent one: echoed and kept, never a key (callers can reuse it). */
  clientRequestId?: string | undefined;
  operation: string;
  /** Who called: `partner-token:<sub>`, `partner-ak:<AK>`, `app:<sub>`, `direct`, `event:sqs`, `event:eventbridge`, `anonymous`. */
  caller: string;
  /** A code of the error table (shared/errors.ts): what the request was answered with. */
  outcome: string;
  status: number;
  subjectHash?: string | undefined;
  subjectMasked?: string | undefined;
  sourceIp?: string | undefined;
  at: Date;
  latencyMs: number;
  detail?: AuditDetail | undefined;
}

/** Where records go: the table (shared/store/audit.ts). */
export interface AuditSink {
  write(record: AuditRecord): Promise<void>;
  /** Corrects the outcome of a record committed with a state change, when the answer changed after. */
  amend(record: AuditRecord, outcome: string, status: number, latencyMs: number): Promise<void>;
}

/** The record could not be stored; it travels with the error so it can be logged instead. */
export class AuditNotStoredError extends Error {
  override name = 'AuditNotStored';
  constructor(
    readonly record: AuditRecord,
    override readonly cause: unknown,
  ) {
    super(`audit record not stored: ${cause instanceof Error ? cause.name : String(cause)}`);
  }
}

/**
 * This request's record, handed to a store that commits it in the same transaction as the state
 * change it reports; the store calls `committed()` once that transaction succeeded.
 */
export interface PendingAudit {
  readonly record: AuditRecord;
  committed(): void;
}

/**
 * The audit of one request, shared by HTTP and event handlers: what the request concerns is
 * gathered while it runs, and `finish` leaves exactly one record, whether a store already
 * committed it with a state change or not.
 */
export class RequestAudit {
  caller: string;
  private subject: { hash: string; masked: string } | undefined;
  private readonly detail: AuditDetail = {};
  private committedRecord: AuditRecord | undefined;
  private readonly startedAt = performance.now();

  constructor(
    private readonly init: {
      requestId: string;
      clientRequestId?: string | undefined;
      operation: string;
      caller: string;
      sourceIp?: string | undefined;
      at: Date;
    },
  ) {
    this.caller = init.caller;
  }

  get requestId(): string {
    return this.init.requestId;
  }

  get subjectMasked(): string | undefined {
    return this.subject?.masked;
  }

  /** Names the identity the request concerns (keyed hash + masked form). */
  setSubject(hash: string, masked: string): void {
    this.subject = { hash, masked };
  }

  addDetail(detail: AuditDetail): void {
    Object.assign(this.detail, detail);
  }

  /** The record a store commits with its state change (see PendingAudit). */
  pending(outcome: string, status: number, extra?: AuditDetail): PendingAudit {
    const record = this.record(outcome, status, extra);
    return { record, committed: () => void (this.committedRecord = record) };
  }

  /** Leaves the request's one record: amends the committed one if the answer changed, else writes it. */
  async finish(sink: AuditSink, outcome: string, status: number, extra?: AuditDetail): Promise<void> {
    const committed = this.committedRecord;
    if (committed && committed.outcome === outcome) return;
    const record = committed ?? this.record(outcome, status, extra);
    try {
      if (committed) await sink.amend(committed, outcome, status, this.elapsedMs());
      else await sink.write(record);
    } catch (err) {
      throw new AuditNotStoredError({ ...record, outcome, status, latencyMs: this.elapsedMs() }, err);
    }
  }

  elapsedMs(): number {
    return Math.round(performance.now() - this.startedAt);
  }

  private record(outcome: string, status: number, extra?: AuditDetail): AuditRecord {
    const detail = { ...this.detail, ...extra };
    return {
      id: randomUUID(),
      requestId: this.init.requestId,
      clientRequestId: this.init.clientRequestId,
      operation: this.init.operation,
      caller: this.caller,
      outcome,
      status,
      subjectHash: this.subject?.hash,
      subjectMasked: this.subject?.masked,
      sourceIp: this.init.sourceIp,
      at: this.init.at,
      latencyMs: this.elapsedMs(),
      detail: Object.keys(detail).length ? detail : undefined,
    };
  }
}
