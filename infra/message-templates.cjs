// @ts-check
// A stage's message templates (docs/messages.md): the file infra/messages/<stage>.json when there is one,
// passed to deliverCode as MESSAGE_TEMPLATES (JSON overriding any part of the defaults). A file per stage
// is what an operator reviews and diffs; the variable is what every way of running the service reads
// (deliverCode, `npm run preview`, the local stack). The templates themselves are checked where they are
// rendered, at deliverCode's cold start and by the preview; here only that the file is JSON and that it
// leaves room in Lambda's 4 KB of environment variables for the function's other settings.
'use strict';

const { existsSync, readFileSync } = require('node:fs');
const path = require('node:path');

const MESSAGES_DIR = path.join(__dirname, 'messages');
/** Lambda allows 4 KB for all of a function's variables, names included; deliverCode's others take under 1 KB. */
const MAX_TEMPLATES_BYTES = 3 * 1024;

/**
 * The stage's templates as one line of JSON, '' when the stage has no file.
 * @param {string} stage
 * @param {string} [dir]
 * @returns {string}
 */
function stageTemplates(stage, dir = MESSAGES_DIR) {
  if (!/^[A-Za-z0-9-]+$/.test(stage)) throw new Error(`message templates: "${stage}" is not a stage name`);
  const file = path.join(dir, `${stage}.json`);
  if (!existsSync(file)) return '';
  let parsed;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${path.relative(process.cwd(), file)} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const json = JSON.stringify(parsed);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_TEMPLATES_BYTES)
    throw new Error(
      `${path.relative(process.cwd(), file)} takes ${bytes} bytes as one line, over the ${MAX_TEMPLATES_BYTES} that fit ` +
        "beside deliverCode's other variables in Lambda's 4 KB: override fewer templates (the defaults fill in the rest)",
    );
  return json;
}

/** serverless.yml: `${file(./infra/message-templates.cjs)}`, resolved for the stage being packaged. */
async function messageTemplates({ resolveVariable }) {
  return stageTemplates(String(await resolveVariable('sls:stage')));
}

module.exports = messageTemplates;
module.exports.stageTemplates = stageTemplates;
module.exports.MAX_TEMPLATES_BYTES = MAX_TEMPLATES_BYTES;
