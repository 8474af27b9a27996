import { StringDecoder } from 'node:string_decoder';

export interface Line {
  text: string;
  /** 1-based line number in the file. */
  number: number;
}

/** Splits a byte stream into lines ('\n', a trailing '\r' removed) without holding more than one chunk. */
export async function* splitLines(chunks: AsyncIterable<Buffer>): AsyncGenerator<Line[]> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let number = 0;
  for await (const chunk of chunks) {
    const text = rest + decoder.write(chunk);
    const parts = text.split('\n');
    rest = parts.pop()!;
    yield parts.map((part) => ({ text: part.endsWith('\r') ? part.slice(0, -1) : part, number: ++number }));
  }
  const last = rest + decoder.end();
  if (last.length > 0) yield [{ text: last, number: ++number }];
}
