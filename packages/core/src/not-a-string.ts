/**
 * What items and batches are besides iterable: not a string. A string is iterable, but
 * almost always one item meant as a list of them, so the calls refuse it when they run;
 * this makes passing one a type error too. (A string has `charAt`; arrays, sets, typed
 * arrays and generators do not.)
 */
export interface NotAString {
  readonly charAt?: never
}
