import { PolicyInvalidError } from '../../../protocol/src/errors.ts'

/**
 * Parses the JSON text of a policy file.
 *
 * @throws PolicyInvalidError naming the file, line and column (both from 1) of the first
 *   syntax error. V8's own message gives a position for only some errors, so the position
 *   comes from a separate scan of the text.
 */
export function parsePolicyJson (text: string, file: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    const offset = findSyntaxErrorOffset(text)
    const { line, column } = lineAndColumn(text, offset)
    // V8 appends the offset or a copy of the text, which may span many lines; the position above replaces both.
    const detail = error instanceof Error
      ? error.message.replace(/ in JSON at position \d+.*$/s, '').replace(/, ".*" is not valid JSON$/s, '')
      : String(error)
    throw new PolicyInvalidError(`${file}:${line}:${column}: invalid JSON: ${detail}`, { cause: error })
  }
}

function lineAndColumn (text: string, offset: number): { line: number, column: number } {
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  const column = offset - (before.lastIndexOf('\n') + 1) + 1
  return { line, column }
}

/**
 * Returns the offset of the first character at which `text` stops being valid JSON
 * (RFC 8259), or `text.length` when the text ends too early.
 */
function findSyntaxErrorOffset (text: string): number {
  const scanner = new JsonScanner(text)
  try {
    scanner.skipWhitespace()
    scanner.value(0)
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

class JsonScanner {
  readonly text: string
  offset = 0

  constructor (text: string) {
    this.text = text
  }

  skipWhitespace (): void {
    while (this.offset < this.text.length && ' \t\r\n'.includes(this.text[this.offset] as string)) this.offset++
  }

  value (depth: number): void {
    if (depth > MAX_NESTING) throw new ScanError(this.offset)
    const char = this.text[this.offset]
    if (char === '{') return this.object(depth)
    if (char === '[') return this.array(depth)
    if (char === '"') return this.string()
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) return this.number()
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.offset)) {
        this.offset += word.length
        return
      }
    }
    throw new ScanError(this.offset)
  }

  object (depth: number): void {
    this.offset++
    this.skipWhitespace()
    if (this.text[this.offset] === '}') {
      this.offset++
      return
    }
    for (;;) {
      if (this.text[this.offset] !== '"') throw new ScanError(this.offset)
      this.string()
      this.skipWhitespace()
      this.expect(':')
      this.skipWhitespace()
      this.value(depth + 1)
      this.skipWhitespace()
      if (this.text[this.offset] === '}') {
        this.offset++
        return
      }
      this.expect(',')
      this.skipWhitespace()
    }
  }

  array (depth: number): void {
    this.offset++
    this.skipWhitespace()
    if (this.text[this.offset] === ']') {
      this.offset++
      return
    }
    for (;;) {
      this.value(depth + 1)
      this.skipWhitespace()
      if (this.text[this.offset] === ']') {
        this.offset++
        return
      }
      this.expect(',')
      this.skipWhitespace()
    }
  }

  string (): void {
    this.offset++
    while (this.offset < this.text.length) {
      const char = this.text[this.offset] as string
      if (char === '"') {
        this.offset++
        return
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
