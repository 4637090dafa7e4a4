/**
 * The one Node API src/ uses, which workerd provides with `nodejs_compat`: typed here rather than by
 * @types/node, which would also declare every Node global and module as available, most of them not.
 * The shape is Node's (https://nodejs.org/api/async_context.html), reduced to what src/ calls.
 */
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined;
    run<R>(store: T, callback: () => R): R;
  }
}
