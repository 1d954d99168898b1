declare module 'punycode/punycode.js' {
  export function toASCII(input: string): string;
}
