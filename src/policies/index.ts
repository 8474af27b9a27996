// The policies module's door: custody policies, their addresses and descriptors.
export * from './service.js';
