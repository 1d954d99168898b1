// Terminal input for the command-line client: lines (codes) from stdin, whether a person types
// them or a script pipes them, and passwords typed without echo. Prompts go to stderr so stdout
// carries only results.

import { createInterface, type Interface } from 'node:readline';

export interface Prompter {
  /** The next line of input, trimmed; rejects when input has ended. */
  line(question: string): Promise<string>;
  /** A line typed on the terminal without echo; rejects when stdin is not a terminal. */
  secret(question: string): Promise<string>;
  close(): void;
}

export class InputEnded extends Error {
  constructor(what: string) {
    super(`no ${what}: input ended`);
    this.name = 'InputEnded';
  }
}

export function terminalPrompter(input: NodeJS.ReadStream = process.stdin, output: NodeJS.WritableStream = process.stderr): Prompter {
  // One reader for the whole run: lines a script pipes in arrive together, and a second
  // reader would lose the ones the first had already buffered.
  let reader: Interface | undefined;
  const lines: string[] = [];
  const waiting: Array<(line: string | undefined) => void> = [];
  let ended = false;

  function startReader(): void {
    if (reader) return;
    reader = createInterface({ input, terminal: false, crlfDelay: Infinity });
    reader.on('line', (line) => {
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    });
    reader.on('close', () => {
      ended = true;
      for (const waiter of waiting.splice(0)) waiter(undefined);
    });
  }

  async function nextLine(question: string): Promise<string | undefined> {
    output.write(question);
    startReader();
    if (lines.length > 0 || ended) {
      const line = lines.shift();
      // Piped input is not echoed: end the prompt's line so what follows starts on its own.
      if (line === undefined || !input.isTTY) output.write('\n');
      return line;
    }
    reader!.resume();
    const line = await new Promise<string | undefined>((resolve) => waiting.push(resolve));
    reader?.pause();
    if (line === undefined || !input.isTTY) output.write('\n');
    return line;
  }

  return {
    async line(question) {
      const line = await nextLine(question);
      if (line === undefined) throw new InputEnded(question.replace(/[:\s]+$/, '').toLowerCase());
      return line.trim();
    },

    secret(question) {
      if (!input.isTTY) {
        return Promise.reject(new Error('no terminal to read the password from: set ACCOUNTS_PASSWORD or use --password-file'));
      }
      output.write(question);
      return readWithoutEcho(input, output);
    },

    close() {
      reader?.close();
      if (input.isTTY) input.pause();
    },
  };
}

/** Raw mode: the terminal echoes nothing; Enter ends the line, Backspace edits it, Ctrl-C/Ctrl-D abort. */
function readWithoutEcho(input: NodeJS.ReadStream, output: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let value = '';
    const wasRaw = input.isRaw;
    input.setRawMode(true);
    input.setEncoding('utf8');
    input.resume();

    const finish = (error?: Error) => {
      input.removeListener('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(value);
    };

    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003') return finish(new Error('interrupted'));
        if (char === '\u0004') return finish(new InputEnded('password'));
        if (char === '\u007f' || char === '\b') value = [...value].slice(0, -1).join('');
        else if (char >= ' ') value += char;
      }
    };
    input.on('data', onData);
  });
}

/**
 * A password for `--password-stdin`: typed without echo when stdin is a terminal, otherwise
 * the first line of what is piped in (`printf '%s\n' "$PW" | accounts-server user add …`).
 */
export async function readPasswordFromStdin(input: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (input.isTTY) {
    const prompter = terminalPrompter(input);
    try {
      return await prompter.secret('Password: ');
    } finally {
      prompter.close();
    }
  }
  let text = '';
  input.setEncoding('utf8');
  for await (const chunk of input) text += chunk as string;
  const line = text.split(/\r?\n/)[0];
  if (line === undefined || line === '') throw new InputEnded('password');
  return line;
}
