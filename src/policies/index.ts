// The policies module's door: custody policies, their addresses and descriptors.
export * from './service.js';
export * from './descriptor.js';
export * from './document.js';
export * from './load.js';
export * from './startup.js';
export * from './resolve.js';
export * from './versions.js';
export * from './views.js';
