export * from './hawk.js';
export * from './http.js';
export * from './client.js';
export * from './recovery-key.js';
export * from './scoped-keys.js';
export * from './pkce.js';
