#!/bin/sh
# azd postdeploy hook: creates (or updates) the Event Grid subscription that turns BlobCreated events under the
# images container into calls of the app's Event Grid-source blob trigger (src/functions/blob-created.blob.ts).
# Its webhook carries the blobs_extension system key, which exists only once the deployed host has started, so
# this runs after deploy. The key is never printed. azd passes the template outputs as environment variables.
set -eu

# What the subscription delivers; tests/infra/template.test.ts checks these against the app and the template.
FUNCTION_NAME=blobCreated
EVENT_TYPES=Microsoft.Storage.BlobCreated
SUBSCRIPTION_NAME=flotilla-images-blob-created

: "${AZURE_RESOURCE_GROUP:?is not set: run this through azd (azd deploy) or export the azd env values}"
: "${AZURE_FUNCTION_APP_NAME:?is not set}"
: "${AZURE_EVENTGRID_SYSTEM_TOPIC_NAME:?is not set}"
IMAGES_CONTAINER="${FLOTILLA_IMAGES_CONTAINER:-images}"
SUBJECT_PREFIX="/blobServices/default/containers/${IMAGES_CONTAINER}/"

if ! command -v az >/dev/null 2>&1; then
  echo "postdeploy: the Azure CLI (az) is required to subscribe the blob trigger (docs/deploy.md)" >&2
  exit 1
fi

# The host creates the key when it first loads the blob trigger: wait for it, bounded (30 tries, 10 s apart).
key=""
tries=0
while [ -z "$key" ] && [ "$tries" -lt 30 ]; do
  key=$(az functionapp keys list -g "$AZURE_RESOURCE_GROUP" -n "$AZURE_FUNCTION_APP_NAME" \
    --query "systemKeys.blobs_extension" -o tsv 2>/dev/null || true)
  if [ -z "$key" ]; then
    tries=$((tries + 1))
    sleep 10
  fi
done
if [ -z "$key" ]; then
  echo "postdeploy: no blobs_extension system key on ${AZURE_FUNCTION_APP_NAME} after 5 minutes; is the app running? (docs/deploy.md, troubleshooting)" >&2
  exit 1
fi

host=$(az functionapp show -g "$AZURE_RESOURCE_GROUP" -n "$AZURE_FUNCTION_APP_NAME" --query defaultHostName -o tsv)
endpoint="https://${host}/runtime/webhooks/blobs?functionName=Host.Functions.${FUNCTION_NAME}&code=${key}"

echo "postdeploy: subscribing ${EVENT_TYPES} under ${SUBJECT_PREFIX} to ${FUNCTION_NAME} on ${host}"
az eventgrid system-topic event-subscription create \
  --name "$SUBSCRIPTION_NAME" \
  --resource-group "$AZURE_RESOURCE_GROUP" \
  --system-topic-name "$AZURE_EVENTGRID_SYSTEM_TOPIC_NAME" \
  --endpoint-type webhook \
  --endpoint "$endpoint" \
  --included-event-types "$EVENT_TYPES" \
  --subject-begins-with "$SUBJECT_PREFIX" \
  --output none
echo "postdeploy: event subscription ${SUBSCRIPTION_NAME} is in place"
