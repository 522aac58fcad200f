import { describe, expect, test } from 'vitest'
import {
  InvalidOptionError,
  delayed,
  fromSpec,
  literal,
  ref,
  task,
  toDot,
  toGraph,
} from '../src/index.js'
import type { RankDir } from '../src/index.js'

function inc(x: number): number {
  return x + 1
}

function add(a: number, b: number): number {
  return a + b
}

describe('toDot', () => {
  test('draws tasks as ellipses feeding result boxes, data as boxes, outputs doubled', () => {
    const { total } = fromSpec({
      x: 1,
      y: task(inc, ref('x')),
      total: task(add, ref('x'), ref('y')),
    })
    expect(total.toDot()).toMatchInlineSnapshot(`
      "digraph taskgraph {
        graph [rankdir=BT];
        node [fontname="Helvetica"];
        "x" [label="x", shape=box];
        "y" [label="y", shape=box];
        "y()" [label="inc", shape=ellipse];
        "y()" -> "y";
        "total" [label="total", shape=box, peripheries=2];
        "total()" [label="add", shape=ellipse];
        "total()" -> "total";
        "x" -> "y()";
        "x" -> "total()";
        "y" -> "total()";
      }
      "
    `)
  })

  test('marks every requested output', () => {
    const data = literal([1, 2], { key: 'data' })
    const first = delayed((values: number[]) => values[0], { name: 'first' }).with({ key: 'head' })(
      data,
    )
    expect(toDot(toGraph(first, data))).toMatchInlineSnapshot(`
      "digraph taskgraph {
        graph [rankdir=BT];
        node [fontname="Helvetica"];
        "data" [label="data", shape=box, peripheries=2];
        "head" [label="head", shape=box, peripheries=2];
        "head()" [label="first", shape=ellipse];
        "head()" -> "head";
        "data" -> "head()";
      }
      "
    `)
  })

  test('sets the direction with rankdir', () => {
    const node = delayed(inc).with({ key: 'one' })(1)
    expect(node.toDot({ rankdir: 'LR' })).toMatchInlineSnapshot(`
      "digraph taskgraph {
        graph [rankdir=LR];
        node [fontname="Helvetica"];
        "one" [label="one", shape=box, peripheries=2];
        "one()" [label="inc", shape=ellipse];
        "one()" -> "one";
      }
      "
    `)
  })

  test('quotes keys holding quotes, backslashes and newlines', () => {
    const node = delayed(inc, { name: 'say "hi"' }).with({ key: 'a"b\\c\nd' })(1)
    expect(node.toDot()).toMatchInlineSnapshot(`
      "digraph taskgraph {
        graph [rankdir=BT];
        node [fontname="Helvetica"];
        "a\\"b\\\\c\\nd" [label="a\\"b\\\\c\\nd", shape=box, peripheries=2];
        "a\\"b\\\\c\\nd()" [label="say \\"hi\\"", shape=ellipse];
        "a\\"b\\\\c\\nd()" -> "a\\"b\\\\c\\nd";
      }
      "
    `)
  })

  test('rejects an unknown rankdir with InvalidOptionError', () => {
    const node = delayed(inc)(1)
    expect(() => node.toDot({ rankdir: 'UP' as RankDir })).toThrow(InvalidOptionError)
  })
})
