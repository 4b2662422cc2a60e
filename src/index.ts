import { app } from '@azure/functions';

// The composition of the Functions app: setup, then one import per trigger file. Each trigger file
// registers itself with `app.*` / `df.app.*` at the bottom, as the Node v4 model expects.
app.setup({ enableHttpStream: false });

import './functions/health.http';
