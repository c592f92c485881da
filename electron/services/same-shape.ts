/**
 * `true` only when A and B are the same type. server/ cannot import the bridge, so the services prove at compile
 * time that what server/ answers is what the bridge declares: `const _shapes: [Same<X, Y>, …] = [true, …]`.
 */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
