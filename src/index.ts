import { app } from '@azure/functions';

// The composition of the Functions app: setup, then one import per trigger file. Each trigger file
// registers itself with `app.*` / `df.app.*` at the bottom, as the Node v4 model expects.
app.setup({ enableHttpStream: false });

import './functions/health.http';
import './functions/durable';
import './functions/start-run.http';
import './functions/plans.http';
import './functions/list-runs.http';
import './functions/get-run.http';
import './functions/run-manifest.http';
import './functions/run-logs.http';
import './functions/cancel-run.http';
import './functions/rerun-run.http';
import './functions/pipelines.http';
import './functions/callback.http';
import './functions/openapi.http';
import './functions/ui.http';
import './functions/blob-created.blob';
import './functions/sweeper.timer';
