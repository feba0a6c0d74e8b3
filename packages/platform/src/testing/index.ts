// Test-only tools (`@ginkgo/platform/testing`): fault proxies in front of the real test-bed servers, a
// decoder of what a client puts on the wire and Kubernetes helpers for tests. Not part of the platform's runtime exports.
export * from './tcp-proxy.js';
export * from './kafka-proxy.js';
export * from './kafka-wire.js';
export * from './kube.js';
export * from './testbed-env.js';
export * from './orders.js';
