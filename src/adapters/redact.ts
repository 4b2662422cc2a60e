/**
 * Removes what must never reach a log, an error or a history: SAS signatures, callback tokens, bearer
 * tokens and account keys. Applied to every message that leaves an adapter.
 */
const patterns: readonly [RegExp, string][] = [
  [/([?&](?:sig|token|code|skoid|sktid|skt|ske|sks|skv)=)[^&\s"'<>]+/gi, '$1***'],
  [/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, '$1***'],
  [/(SharedKey\s+[^:\s]+:)[A-Za-z0-9+/=]+/g, '$1***'],
  [/(AccountKey=)[^;\s"']+/gi, '$1***'],
];

export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of patterns) out = out.replace(pattern, replacement);
  return out;
}
