import { parseDuration } from './command-line';
import { BatchHttpError, errors } from './errors';
import {
  checkId,
  checkIfMatch,
  checkIfNoneMatch,
  entityHeaders,
  type RequestContext,
  type Route,
  validateBody,
} from './http-types';
import { listReply, POOL_FILTER_FIELDS, select } from './listing';
import { type Json, newETag, type PoolRecord, setTaskState } from './model';
import type { BatchState } from './state';
import { evaluatePoolFormula, parseOrRefuse, runAutoScale, stopAutoScale } from './autoscale';
import { refuseUnsupported } from './unsupported';
import { poolToWire } from './wire';

const MAX_FORMULA = 8192;

function getPool(ctx: RequestContext): PoolRecord {
  const pool = ctx.state.pools.get(ctx.params.poolId ?? '');
  if (!pool) throw errors.notFound('PoolNotFound', 'pool');
  return pool;
}

/** Creates a pool record; used by Pool_Add and by the `pools` option. */
export function createPool(state: BatchState, spec: Json): PoolRecord {
  const now = state.now();
  const enableAutoScale = spec.enableAutoScale === true;
  const pool: PoolRecord = {
    seq: state.nextSeq(),
    id: String(spec.id),
    spec,
    state: 'active',
    creationTime: now,
    stateTransitionTime: now,
    lastModified: now,
    eTag: newETag(),
    enableAutoScale,
    autoScaleFormula: spec.autoScaleFormula as string | undefined,
    autoScaleEvaluationInterval: spec.autoScaleEvaluationInterval as string | undefined,
    targetDedicatedNodes: Number(spec.targetDedicatedNodes ?? 0),
    targetLowPriorityNodes: Number(spec.targetLowPriorityNodes ?? 0),
    taskSlotsPerNode: Number(spec.taskSlotsPerNode ?? 1),
    busy: [],
  };
  state.pools.set(pool.id, pool);
  if (enableAutoScale) {
    pool.targetDedicatedNodes = 0;
    pool.targetLowPriorityNodes = 0;
    runAutoScale(state, pool, state.pumpPool);
  }
  return pool;
}

/** Batch evaluates autoscale formulas every 5 minutes to 168 hours. */
function checkInterval(interval: unknown): void {
  if (interval === undefined) return;
  const ms = typeof interval === 'string' ? parseDuration(interval) : undefined;
  if (ms === undefined || ms < 5 * 60_000 || ms > 168 * 3_600_000) {
    throw errors.invalidProperty('autoScaleEvaluationInterval', 'must be from PT5M to P7D (168 hours)');
  }
}

function checkFormula(formula: unknown): void {
  if (typeof formula !== 'string' || !formula.trim()) throw errors.missingProperty('autoScaleFormula');
  if (formula.length > MAX_FORMULA) {
    throw new BatchHttpError(
      400,
      'AutoScalingFormulaTooLong',
      `The autoscale formula is longer than ${MAX_FORMULA} characters.`,
    );
  }
  parseOrRefuse(formula);
}

export const poolRoutes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/pools$/,
    operation: 'Pool_Add',
    handle(ctx) {
      const spec = validateBody<Json>(ctx, 'PoolAddParameter');
      const id = checkId(spec.id);
      refuseUnsupported('pool', spec);
      const existing = ctx.state.pools.get(id);
      if (existing) {
        throw errors.conflict(
          existing.state === 'deleting' ? 'PoolBeingDeleted' : 'PoolExists',
          existing.state === 'deleting'
            ? 'The specified pool has been marked for deletion and is being reclaimed.'
            : 'The specified pool already exists.',
        );
      }
      if (ctx.state.pools.size >= ctx.state.settings.poolQuota)
        throw errors.conflict('PoolQuotaReached', 'The pool quota for the account has been reached.');
      if (spec.enableAutoScale === true) {
        checkFormula(spec.autoScaleFormula);
        checkInterval(spec.autoScaleEvaluationInterval);
        if (spec.targetDedicatedNodes !== undefined || spec.targetLowPriorityNodes !== undefined) {
          throw errors.invalidProperty(
            'targetDedicatedNodes',
            'target node counts cannot be combined with enableAutoScale',
          );
        }
      }
      const pool = createPool(ctx.state, spec);
      ctx.scheduler.pump(pool.id);
      return {
        status: 201,
        headers: entityHeaders(pool.eTag, pool.lastModified, `${ctx.baseUrl}/pools/${id}`),
      };
    },
  },
  {
    method: 'GET',
    pattern: /^\/pools$/,
    operation: 'Pool_List',
    handle(ctx) {
      return listReply(ctx, 'pools', '/pools', ctx.state.pools.values(), POOL_FILTER_FIELDS, (p) =>
        poolToWire(ctx.state, p, ctx.baseUrl),
      );
    },
  },
  {
    method: 'HEAD',
    pattern: /^\/pools\/(?<poolId>[^/]+)$/,
    operation: 'Pool_Exists',
    handle(ctx) {
      const pool = ctx.state.pools.get(ctx.params.poolId ?? '');
      return pool ? { status: 200, headers: entityHeaders(pool.eTag, pool.lastModified) } : { status: 404 };
    },
  },
  {
    method: 'GET',
    pattern: /^\/pools\/(?<poolId>[^/]+)$/,
    operation: 'Pool_Get',
    handle(ctx) {
      const pool = getPool(ctx);
      checkIfNoneMatch(ctx, pool.eTag);
      return {
        status: 200,
        body: select(poolToWire(ctx.state, pool, ctx.baseUrl), ctx.query),
        headers: entityHeaders(pool.eTag, pool.lastModified),
      };
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/pools\/(?<poolId>[^/]+)$/,
    operation: 'Pool_Delete',
    handle(ctx) {
      const pool = getPool(ctx);
      checkIfMatch(ctx, pool.eTag);
      if (pool.state === 'deleting') return { status: 202 };
      pool.state = 'deleting';
      stopAutoScale(pool);
      pool.stateTransitionTime = ctx.state.now();
      pool.eTag = newETag();
      for (const job of ctx.state.jobs.values()) {
        if (job.poolId !== pool.id) continue;
        for (const task of job.tasks.values()) {
          if (task.attempt) {
            ctx.scheduler.abandonAttempt(task);
            task.exec.requeueCount += 1;
            task.exec.lastRequeueTime = ctx.state.now();
            setTaskState(task, 'active', ctx.state.now());
            task.queued = false;
            ctx.scheduler.makeReady(task);
          }
        }
      }
      ctx.state.timeline.after(ctx.state.settings.deleteDelayMs, () => {
        if (ctx.state.pools.get(pool.id) === pool) ctx.state.pools.delete(pool.id);
      });
      return { status: 202 };
    },
  },
  {
    method: 'POST',
    pattern: /^\/pools\/(?<poolId>[^/]+)\/enableautoscale$/,
    operation: 'Pool_EnableAutoScale',
    handle(ctx) {
      const pool = getPool(ctx);
      const body = validateBody<{ autoScaleFormula?: string; autoScaleEvaluationInterval?: string }>(
        ctx,
        'PoolEnableAutoScaleParameter',
      );
      const now = ctx.state.now();
      if (pool.lastEnableAutoScale !== undefined && now - pool.lastEnableAutoScale < 30_000) {
        throw new BatchHttpError(
          503,
          'TooManyEnableAutoScaleRequests',
          'The pool has had too many enable autoscale requests; retry after 30 seconds.',
        );
      }
      checkFormula(body.autoScaleFormula ?? pool.autoScaleFormula);
      checkInterval(body.autoScaleEvaluationInterval);
      pool.lastEnableAutoScale = now;
      pool.enableAutoScale = true;
      pool.autoScaleFormula = body.autoScaleFormula ?? pool.autoScaleFormula;
      pool.autoScaleEvaluationInterval = body.autoScaleEvaluationInterval ?? pool.autoScaleEvaluationInterval;
      pool.eTag = newETag();
      pool.lastModified = now;
      runAutoScale(ctx.state, pool, (id) => ctx.scheduler.pump(id));
      return { status: 200, headers: entityHeaders(pool.eTag, pool.lastModified) };
    },
  },
  {
    method: 'POST',
    pattern: /^\/pools\/(?<poolId>[^/]+)\/evaluateautoscale$/,
    operation: 'Pool_EvaluateAutoScale',
    handle(ctx) {
      const pool = getPool(ctx);
      const body = validateBody<{ autoScaleFormula: string }>(ctx, 'PoolEvaluateAutoScaleParameter');
      checkFormula(body.autoScaleFormula);
      if (!pool.enableAutoScale)
        throw errors.conflict('AutoScalingNotEnabledForPool', 'Autoscale is not enabled for the pool.');
      return { status: 200, body: evaluatePoolFormula(ctx.state, pool, body.autoScaleFormula) };
    },
  },
];
