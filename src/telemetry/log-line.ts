/**
 * Reads the `message key=value key="quoted value"` lines the app has always logged into a message and
 * attributes, so the structured logger takes them as they are (no call site changes its text).
 */
import { type AttributeValue, fieldAttributes, type Attributes } from './attributes';

const KEY = /(?:^|\s)([A-Za-z_][\w.]*)=/g;

export interface ParsedLine {
  readonly message: string;
  readonly attributes: Attributes;
}

export function parseLogLine(text: string): ParsedLine {
  const keys = [...text.matchAll(KEY)];
  const first = keys[0];
  if (!first) return { message: text.trim(), attributes: {} };
  const fields: Record<string, AttributeValue> = {};
  keys.forEach((match, i) => {
    const start = match.index + match[0].length;
    const end = keys[i + 1]?.index ?? text.length;
    const raw = text.slice(start, end).trim();
    const value = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
    const name = match[1] ?? '';
    fields[name] = name === 'attempt' && /^\d+$/.test(value) ? Number(value) : value;
  });
  return { message: text.slice(0, first.index).trim(), attributes: fieldAttributes(fields) };
}
