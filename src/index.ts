import { app } from '@azure/functions';
import { shutdownTelemetry } from './composition';

// The composition of the Functions app: setup, then one import per trigger file. Each trigger file
// registers itself with `app.*` / `df.app.*` at the bottom, as the Node v4 model expects.
app.setup({ enableHttpStream: false });
// Spans and log records are exported in batches: the last batch goes out before the worker stops.
app.hook.appTerminate(() => shutdownTelemetry());

import './functions/health.http';
import './functions/durable';
import './functions/start-run.http';
import './functions/plans.http';
import './functions/list-runs.http';
import './functions/get-run.http';
import './functions/run-manifest.http';
import './functions/run-logs.http';
import './functions/run-outputs.http';
import './functions/uploads.http';
import './functions/cancel-run.http';
import './functions/rerun-run.http';
import './functions/pipelines.http';
import './functions/callback.http';
import './functions/step-uploads.http';
import './functions/openapi.http';
import './functions/ui.http';
import './functions/blob-created.blob';
import './functions/sweeper.timer';
