import * as path from 'node:path';
import { Invoker } from '../../../packages/emulators/functions/invoker';
import { loadApp, type LoadedApp } from '../../../packages/emulators/functions/loader';

const appDir = path.join(__dirname, '../../fixtures/apps/durable');

describe('loader and invoker (durable fixture)', () => {
  let app: LoadedApp;
  let invoker: Invoker;

  beforeAll(async () => {
    app = await loadApp(appDir);
    invoker = new Invoker({
      session: app.session,
      programmingModel: app.programmingModel,
      appHookData: {},
      log: () => undefined,
    });
  });
  afterAll(() => app.restoreEnv());

  it('captures real registration metadata for every trigger', () => {
    const byName = Object.fromEntries(
      invoker.functions().map((fn) => [
        fn.name,
        Object.values(fn.bindings)
          .map((b) => b.type)
          .sort(),
      ]),
    );
    expect(byName).toEqual({
      hello: ['orchestrationTrigger'],
      sayHello: ['activityTrigger'],
      start: ['durableClient', 'http', 'httpTrigger'],
      tick: ['durableClient', 'timerTrigger'],
    });
    const http = Object.values(invoker.find('start')!.bindings).find((b) => b.type === 'httpTrigger');
    expect(http).toMatchObject({ route: 'start/{name}', methods: ['POST'], direction: 'in' });
  });

  it('substitutes %SETTING% in the hub name from local.settings.json and reads concurrency limits', () => {
    expect(app.config.host).toEqual({
      routePrefix: 'api',
      hubName: 'FixtureHub',
      maxConcurrentActivityFunctions: 3,
      maxConcurrentOrchestratorFunctions: 10,
    });
  });

  it('invokes an activity through the programming model and returns its value', async () => {
    const fn = invoker.find('sayHello')!;
    const bindingName = Object.keys(fn.bindings).find((key) => fn.bindings[key]!.type === 'activityTrigger')!;
    const result = await invoker.invoke('sayHello', {
      inputData: [{ name: bindingName, data: { string: JSON.stringify('Tokyo') } }],
      triggerMetadata: { instanceId: { string: 'abc' } },
    });
    expect(result).toEqual({ ok: true, returnValue: { string: 'Hello Tokyo!' }, outputData: [] });
  });

  it('runs the real orchestrator replay and returns its state', async () => {
    const now = new Date(Date.UTC(2026, 0, 1)).toISOString();
    const history = [
      { EventType: 12, EventId: -1, IsPlayed: false, Timestamp: now },
      {
        EventType: 0,
        OrchestrationInstance: { InstanceId: 'i1', ExecutionId: 'e1' },
        ParentInstance: null,
        Name: 'hello',
        Version: '',
        Input: '"Oslo"',
        Tags: null,
        EventId: -1,
        IsPlayed: false,
        Timestamp: now,
      },
    ];
    const binding = {
      history,
      input: 'Oslo',
      instanceId: 'i1',
      isReplaying: false,
      parentInstanceId: null,
      upperSchemaVersion: 1,
      upperSchemaVersionNew: 2,
      longRunningTimerIntervalDuration: '3.00:00:00',
      maximumShortTimerDuration: '6.00:00:00',
      defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    };
    const fn = invoker.find('hello')!;
    const result = await invoker.invoke('hello', {
      inputData: [{ name: Object.keys(fn.bindings)[0]!, data: { string: JSON.stringify(binding) } }],
      triggerMetadata: {},
    });
    if (!result.ok) throw result.error;
    const state = JSON.parse(result.returnValue!.json!) as { isDone: boolean; actions: unknown[][] };
    expect(state.isDone).toBe(false);
    expect(state.actions).toEqual([[{ actionType: 0, functionName: 'sayHello', input: '"Oslo"' }]]);
  });

  it('reports an unknown function as a failed invocation naming it', async () => {
    const result = await invoker.invoke('nope', { inputData: [] });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.message).toContain('"nope"');
  });
});
