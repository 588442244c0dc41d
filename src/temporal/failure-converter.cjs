// The failure converter of every Temporal client, worker and workflow bundle Cutover makes (see codec.ts).
// With encodeCommonAttributes, a failure's message and stack trace travel in an encoded attributes payload,
// which the payload codec encrypts; the history shows only "Encoded failure".
// Plain CommonJS on purpose: the SDK loads it with require() from whatever runs it (tsx, vitest, plain Node)
// and webpack puts it into the workflow bundle; a .ts file would load in only some of those.
'use strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS, see above
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
