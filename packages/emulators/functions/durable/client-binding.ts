/** The `durableClient` input binding JSON (docs/durable-engine.md, 'Client binding'). */
export const WEBHOOK_PATH = '/runtime/webhooks/durabletask';
export const RPC_PATH = '/durabletask/';

export function clientBindingData(baseUrl: string, hubName: string): string {
  const origin = baseUrl.replace(/\/+$/, '');
  const webhook = `${origin}${WEBHOOK_PATH}`;
  const common = `taskHub=${encodeURIComponent(hubName)}&connection=Storage&code=`;
  const instance = `${webhook}/instances/INSTANCEID`;
  return JSON.stringify({
    taskHubName: hubName,
    connectionName: null,
    creationUrls: {
      createNewInstancePostUri: `${webhook}/orchestrators/{functionName}[/{instanceId}]?code=`,
      createAndWaitOnNewInstancePostUri: `${webhook}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&code=`,
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
    requiredQueryStringParameters: 'code=',
    rpcBaseUrl: `${origin}${RPC_PATH}`,
    httpBaseUrl: null,
  });
}

/** The check-status payload the real `POST orchestrators/...` handler returns. */
export function checkStatusPayload(
  origin: string,
  hubName: string,
  instanceId: string,
): Record<string, string> {
  const base = `${origin}${WEBHOOK_PATH}/instances/${encodeURIComponent(instanceId)}`;
  const common = `taskHub=${encodeURIComponent(hubName)}&connection=Storage&code=`;
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
