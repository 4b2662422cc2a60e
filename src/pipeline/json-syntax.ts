/**
 * Finds the first JSON syntax error and its offset. V8's JSON.parse messages do not always carry a
 * position (Node 20: `Unexpected token ']', ..."x" },]" is not valid JSON`), so a small scanner does.
 */
export interface JsonSyntaxError {
  readonly offset: number;
  readonly message: string;
}

export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  const fail = (message: string, at = i): never => {
    throw Object.assign(new Error(message), { offset: at });
  };
  const space = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i] ?? '')) i++;
  };
  const unexpected = (): never => {
    if (i >= text.length) return fail('unexpected end of file');
    const char = text[i] ?? '';
    if (char === '/') return fail('comments are not allowed in JSON (use YAML if you want comments)');
    if (char === "'") return fail('strings need double quotes in JSON');
    const before = text.slice(0, i).trimEnd();
    if ((char === '}' || char === ']') && before.endsWith(',')) {
      return fail(`trailing comma before ${char}: JSON does not allow it`, before.length - 1);
    }
    return fail(`unexpected ${JSON.stringify(char)}`);
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else unexpected();
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        const escape = text[i + 1] ?? '';
        if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else if ('"\\/bfnrt'.includes(escape) && escape !== '') i += 2;
        else fail('invalid escape in a string');
      } else if ((text.charCodeAt(i) ?? 0) < 0x20)
        fail('line breaks and control characters must be escaped in JSON strings');
      else i++;
    }
    if (i >= text.length) fail('unterminated string');
    i++;
  };
  const number = () => {
    const match = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i));
    if (!match) unexpected();
    i += match?.[0].length ?? 0;
  };
  const sequence = (close: string, item: () => void) => {
    i++;
    space();
    if (text[i] === close) return void i++;
    for (;;) {
      item();
      space();
      if (text[i] === ',') {
        i++;
        space();
      } else if (text[i] === close) return void i++;
      else if (i >= text.length || text[i] === '/') unexpected();
      else fail(`expected "," or "${close}"`);
    }
  };
  const value = (): void => {
    space();
    const char = text[i];
    if (char === '{') {
      sequence('}', () => {
        if (text[i] !== '"') unexpected();
        string();
        space();
        if (text[i] !== ':') fail('expected ":" after a property name');
        i++;
        value();
      });
    } else if (char === '[') sequence(']', value);
    else if (char === '"') string();
    else if (char === 't') literal('true');
    else if (char === 'f') literal('false');
    else if (char === 'n') literal('null');
    else if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) number();
    else unexpected();
  };
  try {
    value();
    space();
    if (i < text.length) fail(`unexpected ${JSON.stringify(text[i])} after the end of the document`);
    return undefined;
  } catch (error) {
    return { offset: (error as { offset: number }).offset, message: (error as Error).message };
  }
}
