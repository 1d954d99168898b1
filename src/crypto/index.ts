export * from './hkdf.js';
export * from './stretch.js';
export * from './verifier.js';
export * from './tokens.js';
export * from './bundle.js';
export * from './codes.js';
export * from './pkce.js';
