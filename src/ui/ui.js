// @ts-check
// The flotilla status page (docs/ui.md): the runs list at /api/ui and one run at /api/ui/runs/{id}. Plain
// browser JavaScript, same-origin only. Every data call goes to the keyed JSON API (docs/http-api.md) with the
// function key in the x-functions-key header; the key lives in this tab's sessionStorage, never in a URL.
'use strict';

/**
 * @typedef {{ step: string, status: string, attempts?: number, exitCode?: number, startedAt?: string,
 *   finishedAt?: string, error?: { code?: string, message?: string }, outputsPrefix?: string,
 *   logs?: string[], cache?: { from?: string, miss?: string } }} StepView
 * @typedef {{ imageKey: string, image?: string, status: string, steps: StepView[] }} ImageView
 * @typedef {{ total?: number, aci?: number, batch?: number, aciVcpuSeconds?: number, aciGbSeconds?: number,
 *   batchNodeSeconds?: number, currency?: string, batchIdle?: number }} Cost
 * @typedef {{ maxCost: number, currency: string, spent: number, reserved: number, exceeded: boolean,
 *   refused: { imageKey: string, step: string }[] }} Budget
 * @typedef {{ runId: string, pipeline: string, status: string, runtimeStatus: string, phase?: string,
 *   createdAt: string, updatedAt: string, counts: Record<string, number>, images: ImageView[],
 *   imagesTruncated: boolean, cost?: Cost, budget?: Budget, manifest?: string }} RunView
 * @typedef {{ runId: string, pipeline: string, createdAt: string, status: string, phase?: string }} RunSummary
 * @typedef {{ spec?: { steps?: { id: string }[], outputs?: { container?: string } }, images?: ImageView[],
 *   finalize?: StepView, finishedAt?: string }} Manifest
 */

const KEY_STORAGE = 'flotilla.functionKey';
const POLL_MS = 1500;
const TERMINAL = new Set(['succeeded', 'partially_succeeded', 'failed', 'cancelled', 'budget_exceeded']);
const STEP_TERMINAL = new Set(['succeeded', 'cached', 'failed', 'cancelled', 'skipped']);
/** A text mark beside every state's colour, so the state never rests on colour alone. */
const ICONS = /** @type {Record<string, string>} */ ({
  succeeded: '\u2713',
  cached: '\u2261',
  failed: '\u2717',
  partially_succeeded: '\u26a0',
  budget_exceeded: '\u26a0',
  running: '\u25b6',
  waiting: '\u2026',
  pending: '\u2026',
  cancelled: '\u2298',
  skipped: '\u21b7',
});

class ApiFailure extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** @param {string} id @returns {HTMLElement} */
function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el;
}

/**
 * @param {string} tag
 * @param {{ className?: string, text?: string, attrs?: Record<string, string> }} [options]
 * @param {(Node | string)[]} [children]
 * @returns {HTMLElement}
 */
function h(tag, options = {}, children = []) {
  const el = document.createElement(tag);
  if (options.className) el.className = options.className;
  if (options.text !== undefined) el.textContent = options.text;
  for (const [name, value] of Object.entries(options.attrs ?? {})) el.setAttribute(name, value);
  for (const child of children) el.append(child);
  return el;
}

/** @param {string} state */
function stateBadge(state) {
  const known = state in ICONS ? state : 'unknown';
  return h('span', { className: `state state-${known}`, attrs: { 'data-state': state } }, [
    h('span', { text: ICONS[state] ?? '?', attrs: { 'aria-hidden': 'true' } }),
    ` ${state.replace(/_/g, ' ')}`,
  ]);
}

/** @param {number} ms */
function duration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** @param {string | undefined} iso */
function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '';
}

/** @param {Cost | undefined} cost */
function costText(cost) {
  if (!cost || typeof cost.total !== 'number') return 'when the run ends';
  // In the currency of the configured prices (FLOTILLA_PRICE_CURRENCY), which the estimate names.
  const cur = cost.currency ? ` ${cost.currency}` : '';
  const idle =
    typeof cost.batchIdle === 'number'
      ? `; idle Batch pool time ${cost.batchIdle.toFixed(6)}${cur}, not in the total`
      : '';
  return `${cost.total.toFixed(6)}${cur} (ACI ${(cost.aci ?? 0).toFixed(6)}, Batch ${(cost.batch ?? 0).toFixed(6)}${idle})`;
}

/** @param {Budget} b */
function budgetText(b) {
  const refused = b.refused.length
    ? `; refused ${b.refused.map((r) => `${r.imageKey}/${r.step}`).join(', ')}`
    : '';
  return `${b.spent.toFixed(6)} of ${b.maxCost} ${b.currency} spent, ${b.reserved.toFixed(6)} reserved${refused}`;
}

/** @param {string} text */
function announce(text) {
  byId('live').textContent = text;
}

// ---- the key and the API ----

function key() {
  return sessionStorage.getItem(KEY_STORAGE) ?? '';
}

/**
 * @template T
 * @param {string} path
 * @param {{ method?: string }} [init]
 * @returns {Promise<T>}
 */
async function api(path, init = {}) {
  const response = await fetch(path, {
    method: init.method ?? 'GET',
    headers: { 'x-functions-key': key(), accept: 'application/json' },
    credentials: 'omit',
    cache: 'no-store',
  });
  const text = await response.text();
  /** @type {unknown} */
  let body;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { error: { message: text.slice(0, 200) } };
  }
  if (response.status === 401 || response.status === 403) {
    sessionStorage.removeItem(KEY_STORAGE);
    askForKey(`The server refused the key (HTTP ${response.status}). Enter a valid function key.`);
    throw new ApiFailure(response.status, 'unauthorized', 'the key was refused');
  }
  if (!response.ok) {
    const error = /** @type {{ error?: string | { code?: string, message?: string } }} */ (body ?? {}).error;
    const message = typeof error === 'string' ? error : (error?.message ?? `HTTP ${response.status}`);
    throw new ApiFailure(response.status, typeof error === 'object' ? (error.code ?? '') : '', message);
  }
  return /** @type {T} */ (body);
}

/** @param {string} [error] */
function askForKey(error = '') {
  stopPolling();
  for (const id of ['runs-view', 'run-view']) byId(id).hidden = true;
  byId('forget-key').hidden = true;
  byId('key-panel').hidden = false;
  byId('key-error').textContent = error;
  byId('key-input').focus();
}

// ---- the runs list ----

function filterForm() {
  return {
    pipeline: /** @type {HTMLInputElement} */ (byId('filter-pipeline')),
    status: /** @type {HTMLSelectElement} */ (byId('filter-status')),
  };
}

let listGeneration = 0;

async function showRuns() {
  byId('runs-view').hidden = false;
  const generation = ++listGeneration;
  const { pipeline, status } = filterForm();
  const query = new URLSearchParams();
  if (pipeline.value.trim()) query.set('pipeline', pipeline.value.trim());
  if (status.value) query.set('status', status.value);
  // The filters (never the key) are kept in the page URL so a view can be shared.
  history.replaceState(null, '', `/api/ui${query.size ? `?${query.toString()}` : ''}`);
  const message = byId('runs-message');
  const tbody = /** @type {HTMLElement} */ (byId('runs-table').querySelector('tbody'));
  message.textContent = 'Loading runs\u2026';
  /** @type {{ runs: RunSummary[], truncated: boolean }} */
  let list;
  try {
    list = await api(`/api/runs?${query.toString()}`);
  } catch (error) {
    message.textContent = `Could not list runs: ${/** @type {Error} */ (error).message}`;
    return;
  }
  if (generation !== listGeneration) return;
  tbody.replaceChildren(...list.runs.map(runRow));
  message.textContent = list.runs.length
    ? `${list.runs.length} run${list.runs.length === 1 ? '' : 's'}${list.truncated ? ' (more exist: narrow the filter)' : ''}`
    : 'No runs match.';
  announce(message.textContent);
  // The list API gives no counts, cost or end time: read each run's view, a few at a time.
  const queue = [...list.runs];
  const worker = async () => {
    for (let run = queue.shift(); run; run = queue.shift()) {
      if (generation !== listGeneration) return;
      try {
        fillRunRow(await api(`/api/runs/${encodeURIComponent(run.runId)}`));
      } catch {
        // The row keeps what the list gave.
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

/** @param {RunSummary} run */
function runRow(run) {
  const link = h('a', { text: run.runId, attrs: { href: `/api/ui/runs/${encodeURIComponent(run.runId)}` } });
  return h('tr', { attrs: { 'data-run': run.runId } }, [
    h('td', {}, [link]),
    h('td', { text: run.pipeline }),
    h('td', { className: 'status' }, [stateBadge(run.status)]),
    h('td', { className: 'counts', text: '\u2026' }),
    h('td', { className: 'cost', text: '\u2026' }),
    h('td', { text: when(run.createdAt) }),
    h('td', { className: 'duration', text: '' }),
  ]);
}

/** @param {RunView} view */
function fillRunRow(view) {
  const row = document.querySelector(`#runs-table tr[data-run="${CSS.escape(view.runId)}"]`);
  if (!row) return;
  const cell = (/** @type {string} */ name) => /** @type {HTMLElement} */ (row.querySelector(`.${name}`));
  cell('status').replaceChildren(stateBadge(view.status));
  cell('counts').textContent = countsText(view.counts);
  cell('cost').textContent = view.cost ? costText(view.cost) : '\u2014';
  cell('duration').textContent = runDuration(view);
}

/** @param {Record<string, number>} counts */
function countsText(counts) {
  const parts = ['succeeded', 'failed', 'cancelled', 'running', 'pending']
    .filter((name) => (counts[name] ?? 0) > 0)
    .map((name) => `${counts[name]} ${name}`);
  return `${counts.total ?? 0} total${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

/** @param {RunView} view */
function runDuration(view) {
  const end = TERMINAL.has(view.status) ? Date.parse(view.updatedAt) : Date.now();
  return duration(end - Date.parse(view.createdAt));
}

// ---- one run ----

/** @type {ReturnType<typeof setTimeout> | undefined} */
let pollTimer;
let lastAnnounced = '';
/** @type {Manifest | undefined} */
let manifest;

function stopPolling() {
  if (pollTimer !== undefined) clearTimeout(pollTimer);
  pollTimer = undefined;
}

/** @param {string} runId */
async function showRun(runId) {
  byId('run-view').hidden = false;
  byId('run-title').textContent = `Run ${runId}`;
  document.title = `${runId} \u2013 flotilla`;
  void probeRerun();
  await pollRun(runId);
}

/**
 * Sets the run message and says whose it is: the poll's own (a read that failed), which the next good read
 * clears, or an action's ("Cancel requested ..."), which stays until another action replaces it.
 * @param {string} text
 * @param {'poll' | 'action'} from
 */
function showMessage(text, from) {
  const message = byId('run-message');
  message.textContent = text;
  message.dataset.from = from;
}

/** @param {string} runId */
async function pollRun(runId) {
  stopPolling();
  /** @type {RunView} */
  let view;
  try {
    view = await api(`/api/runs/${encodeURIComponent(runId)}`);
  } catch (error) {
    const failure = /** @type {ApiFailure} */ (error);
    if (failure.status === 401 || failure.status === 403) return;
    showMessage(`Could not read the run: ${failure.message}`, 'poll');
    if (failure.status !== 404 && failure.status !== 400)
      pollTimer = setTimeout(() => void pollRun(runId), POLL_MS * 2);
    return;
  }
  // A read worked again: its own error goes; a message of an action (cancel, rerun) stays.
  if (byId('run-message').dataset.from === 'poll') showMessage('', 'poll');
  const terminal = TERMINAL.has(view.status);
  if (terminal && view.manifest && !manifest) {
    try {
      manifest = await api(view.manifest);
    } catch {
      manifest = undefined;
    }
  }
  renderRun(view);
  if (!terminal) pollTimer = setTimeout(() => void pollRun(runId), POLL_MS);
}

/** @param {RunView} view */
function renderRun(view) {
  const focused =
    document.activeElement instanceof HTMLElement ? document.activeElement.dataset.focusKey : undefined;
  const terminal = TERMINAL.has(view.status);
  const summary = byId('run-summary');
  /** @type {[string, Node | string][]} */
  const facts = [
    ['Pipeline', view.pipeline],
    ['Status', stateBadge(view.status)],
    ['Phase', view.phase ?? ''],
    ['Images', countsText(view.counts)],
    ['Cost (estimate)', costText(view.cost)],
    ...(view.budget ? /** @type {[string, string][]} */ ([['Budget', budgetText(view.budget)]]) : []),
    ['Started', when(view.createdAt)],
    ['Duration', runDuration(view) + (terminal ? '' : ' (running)')],
  ];
  summary.replaceChildren(
    ...facts.map(([term, value]) => h('div', {}, [h('dt', { text: term }), h('dd', {}, [value])])),
  );
  const cancel = /** @type {HTMLButtonElement} */ (byId('cancel-run'));
  cancel.disabled = terminal;
  cancel.title = terminal ? 'the run has ended' : 'stop admitting work and tear down what is in flight';
  renderGrid(view);
  renderFinalize(view);
  renderTimeline(view);
  const line = `Run ${view.status.replace(/_/g, ' ')}${view.phase ? `, phase ${view.phase}` : ''}: ${countsText(view.counts)}`;
  if (line !== lastAnnounced) {
    lastAnnounced = line;
    announce(line);
  }
  if (focused) {
    const again = document.querySelector(`[data-focus-key="${CSS.escape(focused)}"]`);
    if (again instanceof HTMLElement && again !== document.activeElement) again.focus();
  }
}

/** @param {RunView} view */
function stepOrder(view) {
  const order = (manifest?.spec?.steps ?? []).map((s) => s.id);
  for (const image of view.images)
    for (const s of image.steps) if (!order.includes(s.step)) order.push(s.step);
  return order;
}

/** @param {RunView} view */
function renderGrid(view) {
  const steps = stepOrder(view);
  const grid = byId('grid');
  const head = h('tr', {}, [h('th', { text: 'Image', attrs: { scope: 'col' } })]);
  for (const step of steps) head.append(h('th', { text: step, attrs: { scope: 'col', 'data-step': step } }));
  /** @type {HTMLElement} */ (grid.querySelector('thead')).replaceChildren(head);
  const rows = view.images.map((image) => {
    const row = h('tr', { attrs: { 'data-image': image.image ?? image.imageKey } }, [
      h('th', { text: image.image ?? image.imageKey, attrs: { scope: 'row' } }),
    ]);
    for (const name of steps) {
      const step = image.steps.find((s) => s.step === name);
      row.append(step ? stepCell(image, step) : h('td', { text: '\u2014' }));
    }
    return row;
  });
  /** @type {HTMLElement} */ (grid.querySelector('tbody')).replaceChildren(...rows);
  const known = view.images.length;
  const total = view.counts.total ?? known;
  const notes = [];
  if (known < total)
    notes.push(
      `${total - known} image${total - known === 1 ? '' : 's'} not started yet (listed once a lane picks them up).`,
    );
  if (view.imagesTruncated) notes.push('Only the first 500 finished images are shown.');
  if (view.phase === 'admission') notes.push('The run is waiting for admission (capacity for its steps).');
  byId('grid-note').textContent = notes.join(' ');
}

/**
 * @param {ImageView | undefined} image
 * @param {StepView} step
 */
function stepCell(image, step) {
  const facts = [];
  if (step.attempts !== undefined) facts.push(`attempts ${step.attempts}`);
  if (step.exitCode !== undefined) facts.push(`exit code ${step.exitCode}`);
  if (step.startedAt && step.finishedAt)
    facts.push(duration(Date.parse(step.finishedAt) - Date.parse(step.startedAt)));
  if (step.error?.code && step.error.code !== 'exit-code') facts.push(step.error.code);
  if (step.status === 'cached' && step.cache?.from) facts.push(`outputs of ${step.cache.from}`);
  const imageName = image ? (image.image ?? image.imageKey) : 'finalize';
  const cell = h('td', { attrs: { 'data-step': step.step, 'data-state': step.status } }, [
    stateBadge(step.status),
    h('span', { className: 'facts', text: facts.join(' \u00b7 ') }),
  ]);
  if (step.error?.message) cell.title = step.error.message;
  // Logs are saved when a step ends; the API serves them once the image (or finalize) has its record.
  // A cached step ran no container: it has no logs of its own (its outputs are in this run's outputs).
  if (
    STEP_TERMINAL.has(step.status) &&
    step.status !== 'skipped' &&
    step.status !== 'cached' &&
    step.attempts !== undefined
  ) {
    const button = h('button', {
      className: 'link',
      text: 'logs',
      attrs: {
        type: 'button',
        'aria-label': `logs of ${step.step} for ${imageName}`,
        'data-focus-key': `logs:${imageName}:${step.step}`,
      },
    });
    button.addEventListener(
      'click',
      () => void showLogs(image ? image.imageKey : 'finalize', imageName, step),
    );
    cell.append(' ', button);
  }
  return cell;
}

/** @param {RunView} view */
function renderFinalize(view) {
  const box = byId('finalize');
  const finalize = manifest?.finalize;
  if (finalize) {
    const table = h('table', { className: 'data grid' }, [
      h('thead', {}, [
        h('tr', {}, [
          h('th', { text: 'Step', attrs: { scope: 'col' } }),
          h('th', { text: 'State', attrs: { scope: 'col' } }),
        ]),
      ]),
      h('tbody', {}, [
        h('tr', {}, [
          h('th', { text: finalize.step, attrs: { scope: 'row' } }),
          stepCell(undefined, finalize),
        ]),
      ]),
    ]);
    box.replaceChildren(table);
  } else if (view.phase === 'finalize') {
    box.replaceChildren(h('p', {}, [stateBadge('running'), ' the finalize step is running']));
  } else {
    box.replaceChildren(
      h('p', {
        className: 'note',
        text: TERMINAL.has(view.status)
          ? 'This pipeline has no finalize step (or the run ended before it).'
          : 'A finalize step, if the pipeline has one, runs after every image; it is shown here then.',
      }),
    );
  }
}

/** @param {RunView} view */
function renderTimeline(view) {
  /** @type {{ label: string, step: StepView, start: number, end: number }[]} */
  const bars = [];
  const now = Date.now();
  const add = (/** @type {string} */ label, /** @type {StepView} */ step) => {
    if (!step.startedAt) return;
    const start = Date.parse(step.startedAt);
    bars.push({ label, step, start, end: step.finishedAt ? Date.parse(step.finishedAt) : now });
  };
  for (const image of view.images)
    for (const step of image.steps) add(`${image.image ?? image.imageKey} \u00b7 ${step.step}`, step);
  if (manifest?.finalize) add(`finalize \u00b7 ${manifest.finalize.step}`, manifest.finalize);
  const list = byId('timeline');
  byId('timeline-note').textContent = bars.length
    ? ''
    : 'Step times appear once an image has finished (in-flight steps report their state only).';
  if (!bars.length) {
    list.replaceChildren();
    return;
  }
  const t0 = Math.min(...bars.map((b) => b.start));
  const span = Math.max(1, Math.max(...bars.map((b) => b.end)) - t0);
  list.replaceChildren(
    ...bars.map((b) => {
      const known = b.step.status in ICONS ? b.step.status : 'unknown';
      const bar = h('span', { className: `bar state-${known}`, attrs: { 'aria-hidden': 'true' } });
      // CSSOM assignments (not style attributes), which the page's Content-Security-Policy allows.
      bar.style.left = `${((b.start - t0) / span) * 100}%`;
      bar.style.width = `${((b.end - b.start) / span) * 100}%`;
      const text = `${b.label}: ${b.step.status}, ${duration(b.end - b.start)} from +${duration(b.start - t0) || '0 s'}`;
      return h('li', { attrs: { title: text } }, [
        h('span', { className: 'label', text: b.label }),
        h('span', { className: 'track' }, [bar, h('span', { className: 'visually-hidden', text })]),
      ]);
    }),
  );
}

/**
 * @param {string} imageFilter an image key, or "finalize"
 * @param {string} imageName
 * @param {StepView} step
 */
async function showLogs(imageFilter, imageName, step) {
  const runId = currentRunId();
  const panel = byId('logs-panel');
  const body = byId('logs-body');
  panel.hidden = false;
  byId('logs-title').textContent = `Logs: ${imageName} \u00b7 ${step.step}`;
  body.replaceChildren(h('p', { text: 'Loading logs\u2026' }));
  byId('logs-title').focus();
  const outputs = manifestStep(imageFilter, step.step)?.outputsPrefix;
  const container = manifest?.spec?.outputs?.container;
  const outputsLine = outputs
    ? h('p', {}, ['Outputs: ', h('code', { text: `${container ? `${container}/` : ''}${outputs}` })])
    : h('p', {
        className: 'note',
        text: 'Outputs are listed here once the run has ended (from its manifest).',
      });
  try {
    const query = new URLSearchParams({ image: imageFilter, step: step.step });
    /** @type {{ steps: { image: string, step: string, attempts: number, logs: { name: string, text: string }[] }[] }} */
    const result = await api(`/api/runs/${encodeURIComponent(runId)}/logs?${query.toString()}`);
    const files = result.steps.flatMap((s) => s.logs);
    body.replaceChildren(
      outputsLine,
      ...(files.length
        ? files.map((f) =>
            h('div', { className: 'logs' }, [
              h('h3', { text: f.name.split('/').slice(-2).join('/') }),
              h('pre', { text: f.text || '(empty)' }),
            ]),
          )
        : [h('p', { text: 'No logs were saved for this step.' })]),
    );
  } catch (error) {
    body.replaceChildren(
      outputsLine,
      h('p', {
        className: 'error',
        text: `Could not read the logs: ${/** @type {Error} */ (error).message}`,
      }),
    );
  }
}

/** @param {string} imageKey @param {string} stepName */
function manifestStep(imageKey, stepName) {
  if (!manifest) return undefined;
  if (imageKey === 'finalize') return manifest.finalize;
  return manifest.images?.find((i) => i.imageKey === imageKey)?.steps.find((s) => s.step === stepName);
}

// ---- cancel, rerun and the confirmation dialog ----

/** @param {string} text @returns {Promise<boolean>} */
function confirmAction(text) {
  const dialog = /** @type {HTMLDialogElement} */ (byId('confirm'));
  byId('confirm-text').textContent = text;
  return new Promise((resolve) => {
    const done = (/** @type {boolean} */ ok) => {
      byId('confirm-ok').removeEventListener('click', yes);
      byId('confirm-no').removeEventListener('click', no);
      dialog.removeEventListener('cancel', no);
      dialog.close();
      resolve(ok);
    };
    const yes = () => done(true);
    const no = () => done(false);
    byId('confirm-ok').addEventListener('click', yes);
    byId('confirm-no').addEventListener('click', no);
    dialog.addEventListener('cancel', no);
    dialog.showModal();
    byId('confirm-no').focus();
  });
}

async function cancelRun() {
  const runId = currentRunId();
  if (
    !(await confirmAction(`Cancel run ${runId}? Steps in flight are torn down and nothing more is admitted.`))
  )
    return;
  try {
    /** @type {{ signalled: number }} */
    const result = await api(`/api/runs/${encodeURIComponent(runId)}/cancel`, { method: 'POST' });
    showMessage(
      `Cancel requested (${result.signalled} step${result.signalled === 1 ? '' : 's'} signalled).`,
      'action',
    );
  } catch (error) {
    showMessage(`Could not cancel: ${/** @type {Error} */ (error).message}`, 'action');
  }
  announce(byId('run-message').textContent ?? '');
  await pollRun(runId);
}

const RERUN_UNAVAILABLE = 'rerun is not available on this server';

function disableRerun() {
  const button = byId('rerun-run');
  button.setAttribute('aria-disabled', 'true');
  button.title = RERUN_UNAVAILABLE;
  byId('rerun-note').textContent = RERUN_UNAVAILABLE;
}

/** The API describes itself (GET /api/openapi.json): rerun is offered only if the server lists it. */
async function probeRerun() {
  try {
    const response = await fetch('/api/openapi.json', { credentials: 'omit' });
    /** @type {unknown} */
    const parsed = await response.json();
    const doc = /** @type {{ paths?: Record<string, unknown> }} */ (parsed);
    if (!response.ok || !doc.paths || !('/runs/{id}/rerun' in doc.paths)) disableRerun();
  } catch {
    disableRerun();
  }
}

async function rerunRun() {
  const button = byId('rerun-run');
  if (button.getAttribute('aria-disabled') === 'true') {
    announce(RERUN_UNAVAILABLE);
    return;
  }
  const runId = currentRunId();
  if (!(await confirmAction(`Rerun the failed and cancelled images of ${runId} as a new run?`))) return;
  try {
    /** @type {{ runId?: string }} */
    const result = await api(`/api/runs/${encodeURIComponent(runId)}/rerun`, { method: 'POST' });
    if (result.runId) location.assign(`/api/ui/runs/${encodeURIComponent(result.runId)}`);
  } catch (error) {
    if (/** @type {ApiFailure} */ (error).status === 404) disableRerun();
    else showMessage(`Could not rerun: ${/** @type {Error} */ (error).message}`, 'action');
  }
}

// ---- routing and start-up ----

function currentRunId() {
  const match = /^\/api\/ui\/runs\/([^/]+)\/?$/.exec(location.pathname);
  return match?.[1] ? decodeURIComponent(match[1]) : '';
}

function route() {
  byId('key-panel').hidden = true;
  byId('forget-key').hidden = false;
  const runId = currentRunId();
  if (runId) void showRun(runId);
  else void showRuns();
}

function start() {
  const params = new URLSearchParams(location.search);
  const { pipeline, status } = filterForm();
  pipeline.value = params.get('pipeline') ?? '';
  status.value = params.get('status') ?? '';
  byId('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = /** @type {HTMLInputElement} */ (byId('key-input'));
    const value = input.value.trim();
    input.value = '';
    if (!value) return;
    sessionStorage.setItem(KEY_STORAGE, value);
    route();
  });
  byId('forget-key').addEventListener('click', () => {
    sessionStorage.removeItem(KEY_STORAGE);
    askForKey('The key was removed from this tab.');
  });
  byId('runs-filter').addEventListener('submit', (event) => {
    event.preventDefault();
    void showRuns();
  });
  byId('runs-refresh').addEventListener('click', () => void showRuns());
  byId('cancel-run').addEventListener('click', () => void cancelRun());
  byId('rerun-run').addEventListener('click', () => void rerunRun());
  byId('logs-close').addEventListener('click', () => {
    byId('logs-panel').hidden = true;
    byId('grid-title').focus();
  });
  if (key()) route();
  else askForKey();
}

start();
