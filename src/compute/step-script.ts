/**
 * What runs in the user's container on ACI: the user's command under `/bin/sh -c`, then its exit code written
 * to `/flotilla/.exit` (atomically, via rename) for the stage-out sidecar. The user's command travels in the
 * FLOTILLA_COMMAND variable, so no quoting of user text is ever needed. The image needs `/bin/sh`, `mkdir`
 * and `mv`; nothing of flotilla.
 */
export const FLOTILLA_ROOT = '/flotilla';
export const IN_DIR = `${FLOTILLA_ROOT}/in`;
export const OUT_DIR = `${FLOTILLA_ROOT}/out`;
export const EXIT_FILE = `${FLOTILLA_ROOT}/.exit`;

export const ACI_STEP_SCRIPT = [
  `mkdir -p ${OUT_DIR}`,
  `/bin/sh -c "$FLOTILLA_COMMAND"`,
  `code=$?`,
  `echo "$code" > ${EXIT_FILE}.part && mv ${EXIT_FILE}.part ${EXIT_FILE}`,
  `exit "$code"`,
].join('; ');

/**
 * Batch: inputs and outputs are folders of the task working directory, bind-mounted at /flotilla/in|out.
 * A step with secrets gets them as a resource file (mode 0600) in the working directory, never in the task
 * definition: the wrapper sources it into the environment, deletes it, then runs the user's command.
 */
export const BATCH_SECRETS_FILE = '.flotilla-secrets.env';
export const BATCH_STEP_SCRIPT = [
  `if [ -f ${BATCH_SECRETS_FILE} ]; then set -a; . ./${BATCH_SECRETS_FILE}; set +a; rm -f ${BATCH_SECRETS_FILE}; fi`,
  `mkdir -p ${OUT_DIR}`,
  `/bin/sh -c "$FLOTILLA_COMMAND"`,
].join('; ');

/** The stager program's path inside the stager image. */
export const STAGER_MAIN = '/opt/flotilla/main.js';
