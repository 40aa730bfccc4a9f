import { PolicyInvalidError } from '../../../protocol/src/errors.ts'
import type { SourcePosition } from './types.ts'

/** A parsed policy file that can say where each of its values sits in the text. */
export interface JsonDocument {
  readonly file: string
  readonly value: unknown
  /** Position of the value at a JSON pointer (RFC 6901), or of its nearest ancestor that exists. */
  locate: (pointer: string) => SourcePosition
  /** Position of the key of the member at a JSON pointer, or of the value when it has no key. */
  locateKey: (pointer: string) => SourcePosition
  /**
   * Position of a character inside the string value at a JSON pointer. `index` counts UTF-16
   * code units of the decoded string, so escapes such as `\"` are stepped over correctly.
   */
  locateInString: (pointer: string, index: number) => SourcePosition
}

/** Builds a JSON pointer from object keys and list indexes. */
export function jsonPointer (...parts: ReadonlyArray<string | number>): string {
  return parts.map(part => '/' + String(part).replace(/~/g, '~0').replace(/\//g, '~1')).join('')
}

/**
 * Parses the JSON text of a policy file and records where each value starts.
 *
 * @throws PolicyInvalidError naming the file, line and column (both from 1) of the first
 *   syntax error. V8's own message gives a position for only some errors, so the position
 *   comes from a separate scan of the text.
 */
export function parsePolicyJson (text: string, file: string): JsonDocument {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    const offset = findSyntaxErrorOffset(text)
    const { line, column } = new LineIndex(text).at(offset)
    // V8 appends the offset or a copy of the text, which may span many lines; the position above replaces both.
    const detail = error instanceof Error
      ? error.message.replace(/ in JSON at position \d+.*$/s, '').replace(/, ".*" is not valid JSON$/s, '')
      : String(error)
    throw new PolicyInvalidError(`${file}:${line}:${column}: invalid JSON: ${detail}`, { cause: error })
  }

  const scanner = new JsonScanner(text, true)
  scanner.skipWhitespace()
  scanner.value(0, '')
  const lines = new LineIndex(text)
  const position = (offset: number): SourcePosition => ({ file, ...lines.at(offset) })

  const valueOffset = (pointer: string): number => {
    for (let current = pointer; ; current = parentOf(current)) {
      const offset = scanner.values.get(current)
      if (offset !== undefined || current === '') return offset ?? 0
    }
  }

  return {
    file,
    value,
    locate: pointer => position(valueOffset(pointer)),
    locateKey: pointer => position(scanner.keys.get(pointer) ?? valueOffset(pointer)),
    locateInString: (pointer, index) => {
      const start = scanner.values.get(pointer)
      if (start === undefined || text[start] !== '"') return position(valueOffset(pointer))
      return position(rawOffsetInString(text, start, index))
    }
  }
}

function parentOf (pointer: string): string {
  return pointer.slice(0, Math.max(0, pointer.lastIndexOf('/')))
}

/** Steps through the raw text of a string token until `index` decoded code units are behind. */
function rawOffsetInString (text: string, quote: number, index: number): number {
  let offset = quote + 1
  for (let decoded = 0; decoded < index && offset < text.length && text[offset] !== '"'; decoded++) {
    offset += text[offset] !== '\\' ? 1 : text[offset + 1] === 'u' ? 6 : 2
  }
  return offset
}

/** Converts offsets to lines and columns, both counted from 1; columns count UTF-16 code units. */
class LineIndex {
  readonly starts: number[] = [0]

  constructor (text: string) {
    for (let offset = text.indexOf('\n'); offset >= 0; offset = text.indexOf('\n', offset + 1)) this.starts.push(offset + 1)
  }

  at (offset: number): { line: number, column: number } {
    let low = 0
    let high = this.starts.length - 1
    while (low < high) {
      const middle = (low + high + 1) >> 1
      if ((this.starts[middle] as number) <= offset) low = middle
      else high = middle - 1
    }
    return { line: low + 1, column: offset - (this.starts[low] as number) + 1 }
  }
}

/**
 * Returns the offset of the first character at which `text` stops being valid JSON
 * (RFC 8259), or `text.length` when the text ends too early.
 */
function findSyntaxErrorOffset (text: string): number {
  const scanner = new JsonScanner(text, false)
  try {
    scanner.skipWhitespace()
    scanner.value(0, '')
    scanner.skipWhitespace()
    if (scanner.offset < text.length) return scanner.offset
    // The scan found no error, so V8 rejected something this scanner accepts; point at the end.
    return text.length
  } catch (error) {
    if (error instanceof ScanError) return error.offset
    throw error
  }
}

class ScanError extends Error {
  readonly offset: number

  constructor (offset: number) {
    super(`JSON syntax error at offset ${offset}`)
    this.offset = offset
  }
}

// Matches V8's own limit closely enough that deeply nested input fails here, not with a stack overflow.
const MAX_NESTING = 512

// Sticky, so that it matches only at lastIndex.
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y

/** Scans JSON text; with `record` set it notes the offset of every value and key by JSON pointer. */
class JsonScanner {
  readonly text: string
  readonly record: boolean
  readonly values = new Map<string, number>()
  readonly keys = new Map<string, number>()
  offset = 0

  constructor (text: string, record: boolean) {
    this.text = text
    this.record = record
  }

  skipWhitespace (): void {
    while (this.offset < this.text.length && ' \t\r\n'.includes(this.text[this.offset] as string)) this.offset++
  }

  value (depth: number, pointer: string): void {
    if (depth > MAX_NESTING) throw new ScanError(this.offset)
    if (this.record) this.values.set(pointer, this.offset)
    const char = this.text[this.offset]
    if (char === '{') return this.object(depth, pointer)
    if (char === '[') return this.array(depth, pointer)
    if (char === '"') {
      this.string()
      return
    }
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) return this.number()
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.offset)) {
        this.offset += word.length
        return
      }
    }
    throw new ScanError(this.offset)
  }

  object (depth: number, pointer: string): void {
    this.offset++
    this.skipWhitespace()
    if (this.text[this.offset] === '}') {
      this.offset++
      return
    }
    for (;;) {
      if (this.text[this.offset] !== '"') throw new ScanError(this.offset)
      const keyOffset = this.offset
      const key = this.string(this.record)
      const child = pointer + jsonPointer(key)
      if (this.record) this.keys.set(child, keyOffset)
      this.skipWhitespace()
      this.expect(':')
      this.skipWhitespace()
      this.value(depth + 1, child)
      this.skipWhitespace()
      if (this.text[this.offset] === '}') {
        this.offset++
        return
      }
      this.expect(',')
      this.skipWhitespace()
    }
  }

  array (depth: number, pointer: string): void {
    this.offset++
    this.skipWhitespace()
    if (this.text[this.offset] === ']') {
      this.offset++
      return
    }
    for (let index = 0; ; index++) {
      this.value(depth + 1, `${pointer}/${index}`)
      this.skipWhitespace()
      if (this.text[this.offset] === ']') {
        this.offset++
        return
      }
      this.expect(',')
      this.skipWhitespace()
    }
  }

  /** Scans a string token; with `decode` set it returns the decoded text, which only keys need. */
  string (decode = false): string {
    const start = this.offset
    this.offset++
    while (this.offset < this.text.length) {
      const char = this.text[this.offset] as string
      if (char === '"') {
        this.offset++
        return decode ? JSON.parse(this.text.slice(start, this.offset)) as string : ''
      }
      if (char < ' ') throw new ScanError(this.offset)
      if (char === '\\') {
        const escape = this.text[this.offset + 1]
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.offset + 2, this.offset + 6))) throw new ScanError(this.offset)
          this.offset += 6
          continue
        }
        if (escape === undefined || !'"\\/bfnrt'.includes(escape)) throw new ScanError(this.offset)
        this.offset += 2
        continue
      }
      this.offset++
    }
    throw new ScanError(this.offset)
  }

  number (): void {
    NUMBER.lastIndex = this.offset
    const match = NUMBER.exec(this.text)
    if (match === null) throw new ScanError(this.offset)
    this.offset += match[0].length
  }

  expect (char: string): void {
    if (this.text[this.offset] !== char) throw new ScanError(this.offset)
    this.offset++
  }
}
