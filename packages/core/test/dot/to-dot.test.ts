import { describe, expect, test } from 'vitest'
import {
  InvalidOptionError,
  delayed,
  fromSpec,
  gather,
  literal,
  ref,
  task,
  toDot,
  toGraph,
} from '../../src/index.js'
import type { DotOptions, RankDir } from '../../src/index.js'

function inc(x: number): number {
  return x + 1
}

function add(a: number, b: number): number {
  return a + b
}

describe('toDot', () => {
  // It failed with a TypeError reading the graph, without a code.
  test.each([{}, null, undefined, 'graph'])('of %j is an InvalidArgumentError', (graph) => {
    expect(() => toDot(graph as Parameters<typeof toDot>[0])).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARGUMENT',
        message: expect.stringMatching(
          /^toDot: the graph must be a graph from toGraph\(\)/,
        ) as unknown,
      }),
    )
  })

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
        "data:x" [label="x", shape=box];
        "data:y" [label="y", shape=box];
        "task:y" [label="inc", shape=ellipse];
        "task:y" -> "data:y";
        "data:total" [label="total", shape=box, peripheries=2];
        "task:total" [label="add", shape=ellipse];
        "task:total" -> "data:total";
        "data:x" -> "task:y";
        "data:x" -> "task:total";
        "data:y" -> "task:total";
      }
      "
    `)
  })

  test('keeps result and function nodes apart whatever the keys hold', () => {
    // A data key that looks like another task's function node must not merge with it.
    const { b } = fromSpec({
      'a()': 0,
      a: task(inc, ref('a()')),
      b: task(add, ref('a'), ref('a()')),
    })
    const dot = b.toDot()
    const ids = [...dot.matchAll(/^ {2}("[^"]*") \[/gm)].map((match) => match[1])
    expect(ids).toEqual(['"data:a()"', '"data:a"', '"task:a"', '"data:b"', '"task:b"'])
    expect(new Set(ids).size).toBe(ids.length)
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
        "data:data" [label="data", shape=box, peripheries=2];
        "data:head" [label="head", shape=box, peripheries=2];
        "task:head" [label="first", shape=ellipse];
        "task:head" -> "data:head";
        "data:data" -> "task:head";
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
        "data:one" [label="one", shape=box, peripheries=2];
        "task:one" [label="inc", shape=ellipse];
        "task:one" -> "data:one";
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
        "data:a\\"b%5Cc\\nd" [label="a\\"b\\\\c\\nd", shape=box, peripheries=2];
        "task:a\\"b%5Cc\\nd" [label="say \\"hi\\"", shape=ellipse];
        "task:a\\"b%5Cc\\nd" -> "data:a\\"b%5Cc\\nd";
      }
      "
    `)
  })

  test('writes control characters in labels as their pictures, and in ids as their codes', () => {
    // Graphviz ends a string at NUL, and the others make an SVG that is not XML.
    const node = delayed(inc, { name: 'bell\u0007' }).with({
      key: 'nul\u0000esc\u001b\tdel\u007f 5%',
    })(1)
    expect(node.toDot()).toMatchInlineSnapshot(`
      "digraph taskgraph {
        graph [rankdir=BT];
        node [fontname="Helvetica"];
        "data:nul%00esc%1B	del%7F 5%25" [label="nul␀esc␛	del␡ 5%", shape=box, peripheries=2];
        "task:nul%00esc%1B	del%7F 5%25" [label="bell␇", shape=ellipse];
        "task:nul%00esc%1B	del%7F 5%25" -> "data:nul%00esc%1B	del%7F 5%25";
      }
      "
    `)
  })

  // An id is what makes two nodes one: keys told apart only by what a label writes alike
  // (a control character and its picture; lone surrogates, each U+FFFD in UTF-8) were
  // drawn as one node.
  test('keys that labels write alike get ids of their own', () => {
    const id = delayed(function id(x: number) {
      return x
    })
    const keys = ['k\ud800', 'k\udc00', 'k\ufffd', 'p\rq', 'p\u240dq', 'p%0Dq', 'ok\ud83d\ude00']
    const dot = gather(keys.map((key, i) => id.with({ key })(i))).toDot()
    // Written as UTF-8, as a file or Graphviz's input is.
    const written = Buffer.from(dot, 'utf8').toString('utf8')
    const ids = new Set(
      [...written.matchAll(/^ {2}("task:(?:[^"\\]|\\.)*")/gm)].map(([, id]) => id),
    )
    expect(ids.size).toBe(keys.length + 1)
    // A surrogate pair is a character, as it is.
    expect(written).toContain('"task:ok\ud83d\ude00"')
  })

  test('rejects an unknown rankdir with InvalidOptionError', () => {
    const node = delayed(inc)(1)
    expect(() => node.toDot({ rankdir: 'UP' as RankDir })).toThrow(InvalidOptionError)
  })

  test.each([
    ['an unknown option', { colour: 'order' }],
    ['options that are not an object', 'LR'],
    ['an array as options', ['LR']],
  ])('refuses %s with InvalidOptionError', (_, options) => {
    const graph = toGraph(delayed(inc)(1))
    expect(() => toDot(graph, options as DotOptions)).toThrow(InvalidOptionError)
    expect(() => toDot(graph, options as DotOptions)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    )
  })
})
