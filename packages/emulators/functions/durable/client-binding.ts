/**
 * The `durableClient` input binding JSON (the extension's `DurableOrchestrationClientToString`): management
 * URLs on the host's public webhook carry `code=<durabletask_extension system key>`, as in Azure; `rpcBaseUrl`
 * is the private, keyless RPC listener the JS client calls (docs/functions-host.md, "Durable management API").
 */
export const WEBHOOK_PATH = '/runtime/webhooks/durabletask';
export const RPC_PATH = '/durabletask/';

export function clientBindingData(
  baseUrl: string,
  hubName: string,
  access: { readonly rpcUrl: string; readonly systemKey: string },
): string {
  const origin = baseUrl.replace(/\/+$/, '');
  const webhook = `${origin}${WEBHOOK_PATH}`;
  const code = `code=${encodeURIComponent(access.systemKey)}`;
  const common = `taskHub=${encodeURIComponent(hubName)}&connection=Storage&${code}`;
  const instance = `${webhook}/instances/INSTANCEID`;
  return JSON.stringify({
    taskHubName: hubName,
    connectionName: null,
    creationUrls: {
      createNewInstancePostUri: `${webhook}/orchestrators/{functionName}[/{instanceId}]?${code}`,
      createAndWaitOnNewInstancePostUri: `${webhook}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${code}`,
    },
    managementUrls: {
      id: 'INSTANCEID',
      statusQueryGetUri: `${instance}?${common}`,
      sendEventPostUri: `${instance}/raiseEvent/{eventName}?${common}`,
      terminatePostUri: `${instance}/terminate?reason={text}&${common}`,
      rewindPostUri: `${instance}/rewind?reason={text}&${common}`,
      purgeHistoryDeleteUri: `${instance}?${common}`,
      restartPostUri: `${instance}/restart?${common}`,
      suspendPostUri: `${instance}/suspend?reason={text}&${common}`,
      resumePostUri: `${instance}/resume?reason={text}&${common}`,
    },
    baseUrl: webhook,
    requiredQueryStringParameters: code,
    rpcBaseUrl: `${access.rpcUrl.replace(/\/+$/, '')}${RPC_PATH}`,
    httpBaseUrl: null,
  });
}

/** The check-status payload the real `POST orchestrators/...` handler returns. */
export function checkStatusPayload(
  origin: string,
  hubName: string,
  instanceId: string,
  systemKey = '',
): Record<string, string> {
  const base = `${origin}${WEBHOOK_PATH}/instances/${encodeURIComponent(instanceId)}`;
  const common = `taskHub=${encodeURIComponent(hubName)}&connection=Storage&code=${encodeURIComponent(systemKey)}`;
  return {
    id: instanceId,
    statusQueryGetUri: `${base}?${common}`,
    sendEventPostUri: `${base}/raiseEvent/{eventName}?${common}`,
    terminatePostUri: `${base}/terminate?reason={text}&${common}`,
    purgeHistoryDeleteUri: `${base}?${common}`,
    restartPostUri: `${base}/restart?${common}`,
    suspendPostUri: `${base}/suspend?reason={text}&${common}`,
    resumePostUri: `${base}/resume?reason={text}&${common}`,
  };
}
