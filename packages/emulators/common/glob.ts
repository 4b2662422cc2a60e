/** `*` matches any run of characters, `?` one character; case-sensitive, whole string. */
export function globMatch(glob: string, value: string): boolean {
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(value);
}
