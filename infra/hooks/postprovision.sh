#!/bin/sh
# azd postprovision hook: builds the stager image from containers/stager/Dockerfile with ACR Tasks (no local
# Docker needed) and pushes it to the registry the template made, as flotilla-stager:<tag>, the image the app's
# FLOTILLA_STAGER_IMAGE names. azd passes the template outputs as environment variables.
set -eu

: "${AZURE_CONTAINER_REGISTRY_NAME:?is not set: run this through azd (azd provision) or export the azd env values}"
TAG="${FLOTILLA_STAGER_IMAGE_TAG:-0.1}"
DOCKERFILE=containers/stager/Dockerfile

if ! command -v az >/dev/null 2>&1; then
  echo "postprovision: the Azure CLI (az) is required to build the stager image (docs/deploy.md)" >&2
  exit 1
fi
if [ ! -f "$DOCKERFILE" ]; then
  echo "postprovision: $DOCKERFILE not found (run azd from the repository root)" >&2
  exit 1
fi

echo "postprovision: building flotilla-stager:${TAG} in registry ${AZURE_CONTAINER_REGISTRY_NAME}"
az acr build \
  --registry "$AZURE_CONTAINER_REGISTRY_NAME" \
  --image "flotilla-stager:${TAG}" \
  --file "$DOCKERFILE" \
  .
