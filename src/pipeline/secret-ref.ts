/**
 * Secrets are given by reference only, never by value:
 * - `setting:NAME`: an app setting of the flotilla Functions app (itself often a Key Vault reference);
 * - `keyvault:https://<vault>.vault.azure.net/secrets/<name>[/<version>]`: a Key Vault secret, read with
 *   the app's managed identity when the step starts.
 * Messages about a reference never repeat it: a mistyped reference may be the secret itself.
 */
import { KEY_VAULT_DNS_SUFFIXES, NAME_LIMITS } from './limits';

export type SecretRef =
  | { readonly kind: 'setting'; readonly name: string }
  | {
      readonly kind: 'keyvault';
      readonly vaultUrl: string;
      readonly name: string;
      readonly version?: string;
    };

export const SETTING_NAME_PATTERN = `^[A-Za-z_][A-Za-z0-9_]{0,${NAME_LIMITS.appSettingNameMaxLength - 1}}$`;
const settingName = new RegExp(SETTING_NAME_PATTERN);
const suffixes = KEY_VAULT_DNS_SUFFIXES.map((s) => s.replace(/\./g, '\\.')).join('|');
const keyVaultUrl = new RegExp(
  `^https://([a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9])\\.(${suffixes})/secrets/([a-zA-Z0-9-]{1,127})(?:/([a-f0-9]{32}))?/?$`,
);

/** For the JSON Schema: the two reference forms. */
export const SECRET_REF_PATTERN = `^(setting:[A-Za-z_][A-Za-z0-9_]*|keyvault:https://[a-zA-Z0-9-]+\\.(${suffixes})/secrets/[a-zA-Z0-9-]+(/[a-f0-9]{32})?/?)$`;

const FORMS = 'setting:<APP_SETTING_NAME> or keyvault:https://<vault>.vault.azure.net/secrets/<name>';

export function parseSecretRef(text: string): { ok: true; ref: SecretRef } | { ok: false; message: string } {
  if (text.startsWith('setting:')) {
    const name = text.slice('setting:'.length);
    if (settingName.test(name)) return { ok: true, ref: { kind: 'setting', name } };
    return {
      ok: false,
      message: `a setting: reference needs an app setting name after "setting:" (letters, digits and underscores, not starting with a digit, at most ${NAME_LIMITS.appSettingNameMaxLength} characters)`,
    };
  }
  if (text.startsWith('keyvault:')) {
    const match = keyVaultUrl.exec(text.slice('keyvault:'.length));
    if (!match) {
      return {
        ok: false,
        message: `a keyvault: reference needs a secret URL: keyvault:https://<vault>.vault.azure.net/secrets/<name>[/<32-hex version>] (vault 3-24 letters, digits, hyphens; other clouds: ${KEY_VAULT_DNS_SUFFIXES.slice(1).join(', ')})`,
      };
    }
    const [, vault = '', suffix = '', name = '', version] = match;
    const ref: SecretRef = {
      kind: 'keyvault',
      vaultUrl: `https://${vault}.${suffix}`,
      name,
      ...(version ? { version } : {}),
    };
    return { ok: true, ref };
  }
  return {
    ok: false,
    message: `is not a secret reference (the value is not shown; if it is a real secret, rotate it and remove it from the file); secrets are given by reference only: ${FORMS}`,
  };
}

export function formatSecretRef(ref: SecretRef): string {
  if (ref.kind === 'setting') return `setting:${ref.name}`;
  return `keyvault:${ref.vaultUrl}/secrets/${ref.name}${ref.version ? `/${ref.version}` : ''}`;
}
