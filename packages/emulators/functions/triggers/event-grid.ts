/**
 * Event Grid deliveries as the Functions host receives them on its webhooks: a JSON array (or one object) of
 * Event Grid schema events or CloudEvents 1.0, the subscription-validation handshake (Event Grid schema:
 * `Microsoft.EventGrid.SubscriptionValidationEvent` -> `{ validationResponse }`; CloudEvents: OPTIONS with
 * `WebHook-Request-Origin` -> `WebHook-Allowed-Origin`).
 */
import type * as http from 'node:http';
import { HttpError, sendJson } from '../http-io';

export interface GridEvent {
  readonly id: string;
  /** `eventType` (Event Grid schema) or `type` (CloudEvents). */
  readonly type: string;
  readonly subject: string;
  readonly data: unknown;
  /** The event exactly as delivered, handed to the function. */
  readonly raw: Record<string, unknown>;
}

export type ParsedDelivery = { readonly validationCode: string } | { readonly events: readonly GridEvent[] };

const VALIDATION = 'Microsoft.EventGrid.SubscriptionValidationEvent';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseDelivery(body: Buffer): ParsedDelivery {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'The body must be a JSON array of Event Grid events or CloudEvents.');
  }
  const list = Array.isArray(json) ? json : [json];
  const events: GridEvent[] = [];
  for (const [index, item] of list.entries()) {
    if (!isRecord(item)) throw new HttpError(400, `events[${index}] must be an object.`);
    const cloud = typeof item.specversion === 'string';
    const required = cloud ? ['id', 'type', 'source'] : ['id', 'eventType', 'subject', 'eventTime'];
    for (const key of required) {
      if (typeof item[key] !== 'string') {
        throw new HttpError(
          400,
          `events[${index}].${key} must be a string (${cloud ? 'CloudEvents 1.0 requires id, type, source, specversion' : 'the Event Grid schema requires id, eventType, subject, eventTime, data'}).`,
        );
      }
    }
    const type = String(cloud ? item.type : item.eventType);
    if (type === VALIDATION) {
      const code = isRecord(item.data) ? item.data.validationCode : undefined;
      if (typeof code !== 'string')
        throw new HttpError(400, `events[${index}].data.validationCode must be a string.`);
      return { validationCode: code };
    }
    events.push({
      id: String(item.id),
      type,
      subject: typeof item.subject === 'string' ? item.subject : '',
      data: item.data,
      raw: item,
    });
  }
  return { events };
}

/** Answers the CloudEvents abuse-protection handshake; true if it was one. */
export function answerCloudEventsHandshake(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  if (req.method !== 'OPTIONS') return false;
  const origin = req.headers['webhook-request-origin'];
  res.writeHead(200, {
    ...(typeof origin === 'string' ? { 'webhook-allowed-origin': origin } : {}),
    'webhook-allowed-rate': '*',
    allow: 'POST, OPTIONS',
  });
  res.end();
  return true;
}

export function answerValidation(res: http.ServerResponse, code: string): void {
  sendJson(res, 200, { validationResponse: code });
}
