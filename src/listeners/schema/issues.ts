/**
 * Turning what a validator reported into bounded, printable issues and one error. Bodies and
 * validator messages come from outside (a producer, a validator quoting the value it got), so
 * everything put into a message or a log line is cut: the body at 200 characters, each issue
 * message and path likewise, at most 10 issues in the text and 100 kept on the error.
 */
import { readProperty } from '../../shared/describe.js';
import {
  describeValue,
  MessageValidationError,
  type ValidationIssue,
} from '../../shared/errors.js';

/** Most body characters put into an error message or a log line. */
export const BODY_PREVIEW_CHARS = 200;
const ISSUE_TEXT_CHARS = 200;
const ISSUES_KEPT = 100;
const ISSUES_SHOWN = 10;

/**
 * `text` cut to `max` characters (`…` marks a cut), on one line: control characters (a newline
 * a producer put into a field) become spaces so that a log line stays one line.
 */
export function clip(text: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing them is the point.
  const flat = text.replace(/[\u0000-\u001f\u007f]/g, ' ');
  if (flat.length <= max) return flat;
  let cut = flat.slice(0, max);
  // Never end on half of a surrogate pair: it would print as a replacement character.
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** The start of a body, for errors and logs: never more than 200 characters. */
export function bodyPreview(body: string): string {
  let cut = body.slice(0, BODY_PREVIEW_CHARS);
  if (cut.length < body.length && /[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return cut;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** A spec path (keys, indexes, `{ key }` segments) as `$.items[0].qty`; `$` is the body. */
export function formatPath(path: unknown): string {
  if (!Array.isArray(path)) return '$';
  let out = '$';
  for (const raw of path) {
    const key =
      typeof raw === 'object' && raw !== null ? readProperty(raw, 'key') : (raw as unknown);
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string')
      out += IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
    else out += `[${describeValue(key)}]`;
    if (out.length > ISSUE_TEXT_CHARS) break;
  }
  return clip(out, ISSUE_TEXT_CHARS);
}

/**
 * The issues of a failed validation, bounded. Read defensively: a validator's result is
 * somebody else's object, and this runs on the failure path, which must not fail itself.
 */
export function readIssues(issues: unknown): { kept: ValidationIssue[]; total: number } {
  if (!Array.isArray(issues)) {
    return {
      kept: [{ path: '$', message: 'the validator reported issues it did not list' }],
      total: 1,
    };
  }
  const kept: ValidationIssue[] = [];
  for (const issue of issues.slice(0, ISSUES_KEPT)) {
    const message = readProperty(issue, 'message');
    kept.push({
      path: formatPath(readProperty(issue, 'path')),
      message: clip(
        typeof message === 'string' ? message : describeValue(message),
        ISSUE_TEXT_CHARS,
      ),
    });
  }
  if (kept.length === 0) kept.push({ path: '$', message: 'invalid (no issue given)' });
  return { kept, total: Math.max(issues.length, kept.length) };
}

/** `$.a: msg; $.b: msg` for the first 10 issues, and how many more there were. */
function issueText(issues: readonly ValidationIssue[], total: number): string {
  const shown = issues
    .slice(0, ISSUES_SHOWN)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
  const more = total - Math.min(issues.length, ISSUES_SHOWN);
  return more > 0 ? `${shown}; and ${more} more` : shown;
}

function bodyText(body: string): string {
  const preview = bodyPreview(body);
  if (preview.length === body.length) return `body: ${clip(preview, BODY_PREVIEW_CHARS)}`;
  // clip() only flattens it to one line here: the preview is already short enough.
  return `body (first ${preview.length} of ${body.length} chars): ${clip(preview, BODY_PREVIEW_CHARS)}…`;
}

/** The error of a body the schema rejected: message id, vendor, issues, start of the body. */
export function schemaRejection(
  messageId: string,
  vendor: string,
  body: string,
  reported: unknown,
): MessageValidationError {
  const { kept, total } = readIssues(reported);
  const count = total === 1 ? '1 issue' : `${total} issues`;
  return new MessageValidationError(
    `Message ${messageId} failed validation (${clip(vendor, 40)}, ${count}): ${issueText(kept, total)}; ${bodyText(body)}`,
    { messageId, issues: kept, bodyPreview: bodyPreview(body) },
  );
}

/**
 * The error of a body that is not JSON, so no schema can accept it. `cause` is the
 * `MessageBodyError` of `message.json`; its own cause, the parser's SyntaxError, says where.
 */
export function notJsonRejection(
  messageId: string,
  body: string,
  cause: unknown,
): MessageValidationError {
  const syntaxError = readProperty(cause, 'cause') ?? cause;
  const reason = clip(
    describeValue(readProperty(syntaxError, 'message') ?? syntaxError),
    ISSUE_TEXT_CHARS,
  );
  const issues = [{ path: '$', message: `not JSON: ${reason}` }];
  return new MessageValidationError(
    `Message ${messageId} failed validation: its body is not JSON (${reason}); ${bodyText(body)}`,
    { messageId, issues, bodyPreview: bodyPreview(body), code: 'InvalidJson', cause },
  );
}
