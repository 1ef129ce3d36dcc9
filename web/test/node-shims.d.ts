// The few Node APIs the tests use, declared here because Debian ships no @types/node (and there is no npm
// registry to fetch it from). Only what the tests call; if @types/node ever becomes available, delete this file.

declare module "node:test" {
  interface TestContext {
    skip(message?: string): void;
    diagnostic(message: string): void;
  }
  type TestFn = (t: TestContext) => void | Promise<void>;
  interface TestOptions {
    skip?: boolean | string;
    timeout?: number;
  }
  function test(name: string, fn: TestFn): Promise<void>;
  function test(name: string, options: TestOptions, fn: TestFn): Promise<void>;
  function describe(name: string, fn: () => void): void;
  function describe(name: string, options: TestOptions, fn: () => void): void;
  function beforeEach(fn: () => void | Promise<void>): void;
  function afterEach(fn: () => void | Promise<void>): void;
  function before(fn: () => void | Promise<void>): void;
  function after(fn: () => void | Promise<void>): void;
  export { test, test as it, describe, beforeEach, afterEach, before, after, TestContext, TestOptions };
  export default test;
}

declare module "node:assert/strict" {
  function assert(value: unknown, message?: string): asserts value;
  namespace assert {
    function ok(value: unknown, message?: string): asserts value;
    function equal<T>(actual: unknown, expected: T, message?: string): asserts actual is T;
    function notEqual(actual: unknown, expected: unknown, message?: string): void;
    function deepEqual<T>(actual: unknown, expected: T, message?: string): asserts actual is T;
    function notDeepEqual(actual: unknown, expected: unknown, message?: string): void;
    function match(value: string, pattern: RegExp, message?: string): void;
    function throws(fn: () => unknown, expected?: RegExp | Function | object, message?: string): void;
    function rejects(promise: Promise<unknown> | (() => Promise<unknown>), expected?: RegExp | Function | object, message?: string): Promise<void>;
    function doesNotReject(promise: Promise<unknown> | (() => Promise<unknown>), message?: string): Promise<void>;
    function fail(message?: string): never;
  }
  export default assert;
}

declare const process: {
  env: Record<string, string | undefined>;
};
