/** Blob trigger path patterns (`container/{name}`, `in/{folder}/{name}.{ext}`): container, list prefix, tokens. */
export interface BlobPattern {
  readonly text: string;
  readonly container: string;
  /** Literal start of the blob name, for listing. */
  readonly prefix: string;
  /** Tokens of a blob name (without the container), or undefined if it does not match. */
  match(blobName: string): Record<string, string> | undefined;
}

export class BlobPatternError extends Error {
  readonly code = 'BLOB_PATH_INVALID';
}

export function parseBlobPattern(text: string, functionName: string): BlobPattern {
  const trimmed = text.replace(/^\/+/, '');
  const slash = trimmed.indexOf('/');
  const container = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const blobPart = slash < 0 ? '' : trimmed.slice(slash + 1);
  if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(container) && container !== '$root') {
    throw new BlobPatternError(
      `Blob trigger "${functionName}": path "${text}" must start with a literal container name (3-63 lowercase letters, digits or hyphens).`,
    );
  }
  const names: string[] = [];
  let source = '^';
  for (const part of blobPart.split(/(\{[^{}]+\})/).filter(Boolean)) {
    if (part.startsWith('{')) {
      const name = part.slice(1, -1);
      if (!/^[A-Za-z_]\w*$/.test(name))
        throw new BlobPatternError(`Blob trigger "${functionName}": "{${name}}" is not a valid token.`);
      names.push(name);
      source += '(.+?)';
    } else {
      source += part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  // A bare container path matches every blob in it.
  const regex = new RegExp(blobPart === '' ? '^.+$' : `${source}$`);
  const brace = blobPart.indexOf('{');
  return {
    text,
    container,
    prefix: brace < 0 ? blobPart : blobPart.slice(0, brace),
    match(blobName) {
      const m = regex.exec(blobName);
      if (!m) return undefined;
      return Object.fromEntries(names.map((name, i) => [name, m[i + 1] ?? '']));
    },
  };
}
