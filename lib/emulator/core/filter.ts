/**
 * Subscription filters of derived channels (ably-js `getDerived`, Ably docs
 * "Subscription filters"): a JMESPath expression over a message's `name`
 * and its flat `extras.headers`, decided per message before delivery. The
 * emulator implements this subset of JMESPath, with JMESPath's semantics:
 *
 * - fields: `name`, `headers.<identifier>`, `headers."<any key>"`;
 * - literals: `'raw string'` and backtick JSON (`` `"a"` ``, `` `5` ``,
 *   `` `true` ``, `` `null` ``);
 * - `==` and `!=` (deep equality), `<` `<=` `>` `>=` (numbers only; any
 *   other operand makes the comparison null, i.e. false);
 * - `!`, `&&`, `||`, parentheses; JMESPath truthiness (false, null, `''`,
 *   `[]` and `{}` are false).
 *
 * Anything else is refused when the channel is attached. The parser is
 * bounded: expression length, token count and nesting depth are capped.
 * The counterpart is the `[filter=<base64>]` qualifier ably-js puts in the
 * channel name (channel_name.ts decodes it).
 */

import { Errors } from "./errors.ts";

/** Longest filter expression accepted, characters. */
const MAX_FILTER_LENGTH = 1024;
/** Most tokens in one expression. */
const MAX_TOKENS = 256;
/** Deepest nesting of parentheses and `!`. */
const MAX_DEPTH = 32;

/** What a filter looks at in a message. */
export interface FilterInput {
  name?: string;
  extras?: Record<string, unknown>;
}

/** A compiled filter: true when the message passes. */
export type MessageFilter = (message: FilterInput) => boolean;

type Value = unknown;
type Node =
  | { kind: "field"; path: string[] }
  | { kind: "literal"; value: Value }
  | { kind: "not"; operand: Node }
  | { kind: "and" | "or"; left: Node; right: Node }
  | { kind: "cmp"; op: CmpOp; left: Node; right: Node };
type CmpOp = "==" | "!=" | "<" | "<=" | ">" | ">=";

type Token =
  | { t: "ident"; v: string }
  | { t: "quoted"; v: string }
  | { t: "literal"; v: Value }
  | { t: "op"; v: string };

/** Compiles a filter expression; throws 40010 when it is outside the
 * supported subset (the expression is part of the channel name). */
export function compileFilter(expression: string): MessageFilter {
  if (expression.length === 0 || expression.length > MAX_FILTER_LENGTH) {
    throw invalid("filter must be 1 to 1024 characters");
  }
  const parser = new Parser(tokenize(expression));
  const root = parser.parseExpression(0);
  if (!parser.done) throw invalid("unexpected text after the expression");
  return (message) => truthy(evaluate(root, message));
}

function invalid(why: string) {
  return Errors.invalidChannelName(`Invalid channel filter: ${why}`);
}

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    if (tokens.length > MAX_TOKENS) throw invalid("too many tokens");
    const c = src[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (["==", "!=", "<=", ">=", "&&", "||"].includes(two)) {
      tokens.push({ t: "op", v: two });
      i += 2;
      continue;
    }
    if ("<>!().".includes(c)) {
      tokens.push({ t: "op", v: c });
      i++;
      continue;
    }
    if (c === "'") {
      const end = closing(src, i, "'");
      // JMESPath raw string: only \' is an escape.
      tokens.push({
        t: "literal",
        v: src.slice(i + 1, end).replace(/\\'/g, "'"),
      });
      i = end + 1;
      continue;
    }
    if (c === "`") {
      const end = closing(src, i, "`");
      const text = src.slice(i + 1, end).replace(/\\`/g, "`");
      try {
        tokens.push({ t: "literal", v: JSON.parse(text) });
      } catch {
        throw invalid("a `literal` must be JSON");
      }
      i = end + 1;
      continue;
    }
    if (c === '"') {
      const end = closing(src, i, '"');
      try {
        tokens.push({ t: "quoted", v: JSON.parse(src.slice(i, end + 1)) });
      } catch {
        throw invalid("malformed quoted identifier");
      }
      i = end + 1;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (ident) {
      tokens.push({ t: "ident", v: ident[0] });
      i += ident[0].length;
      continue;
    }
    throw invalid(`unexpected character '${c}'`);
  }
  return tokens;
}

/** Index of the unescaped `quote` closing the one at `start`. */
function closing(src: string, start: number, quote: string): number {
  for (let i = start + 1; i < src.length; i++) {
    if (src[i] === "\\") i++;
    else if (src[i] === quote) return i;
  }
  throw invalid(`unterminated ${quote}`);
}

class Parser {
  readonly #tokens: Token[];
  #at = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  get done(): boolean {
    return this.#at >= this.#tokens.length;
  }

  /** expression := and ('||' and)* */
  parseExpression(depth: number): Node {
    if (depth > MAX_DEPTH) throw invalid("nested too deeply");
    let left = this.#parseAnd(depth);
    while (this.#eat("||")) {
      left = { kind: "or", left, right: this.#parseAnd(depth) };
    }
    return left;
  }

  #parseAnd(depth: number): Node {
    let left = this.#parseNot(depth);
    while (this.#eat("&&")) {
      left = { kind: "and", left, right: this.#parseNot(depth) };
    }
    return left;
  }

  #parseNot(depth: number): Node {
    if (this.#eat("!")) {
      if (depth > MAX_DEPTH) throw invalid("nested too deeply");
      return { kind: "not", operand: this.#parseNot(depth + 1) };
    }
    return this.#parseComparison(depth);
  }

  #parseComparison(depth: number): Node {
    const left = this.#parsePrimary(depth);
    const next = this.#tokens[this.#at];
    if (
      next?.t === "op" && ["==", "!=", "<", "<=", ">", ">="].includes(next.v)
    ) {
      this.#at++;
      const right = this.#parsePrimary(depth);
      return { kind: "cmp", op: next.v as CmpOp, left, right };
    }
    return left;
  }

  #parsePrimary(depth: number): Node {
    const token = this.#tokens[this.#at++];
    if (!token) throw invalid("expression ends too early");
    if (token.t === "op" && token.v === "(") {
      const inner = this.parseExpression(depth + 1);
      if (!this.#eat(")")) throw invalid("missing ')'");
      return inner;
    }
    if (token.t === "literal") return { kind: "literal", value: token.v };
    if (token.t === "ident") return this.#parseField(token.v);
    throw invalid(`unexpected '${String(token.v)}'`);
  }

  /** Only `name` and `headers.<key>` exist in a filter's view of a message. */
  #parseField(root: string): Node {
    if (root === "name") return { kind: "field", path: ["name"] };
    if (root !== "headers") {
      throw invalid(`unknown field '${root}' (use name or headers.<key>)`);
    }
    if (!this.#eat(".")) return { kind: "field", path: ["headers"] };
    const key = this.#tokens[this.#at++];
    if (!key || (key.t !== "ident" && key.t !== "quoted")) {
      throw invalid("expected a header name after 'headers.'");
    }
    return { kind: "field", path: ["headers", key.v as string] };
  }

  #eat(op: string): boolean {
    const token = this.#tokens[this.#at];
    if (token?.t === "op" && token.v === op) {
      this.#at++;
      return true;
    }
    return false;
  }
}

function evaluate(node: Node, message: FilterInput): Value {
  switch (node.kind) {
    case "literal":
      return node.value;
    case "field":
      return fieldOf(message, node.path);
    case "not":
      return !truthy(evaluate(node.operand, message));
    case "and": {
      const left = evaluate(node.left, message);
      return truthy(left) ? evaluate(node.right, message) : left;
    }
    case "or": {
      const left = evaluate(node.left, message);
      return truthy(left) ? left : evaluate(node.right, message);
    }
    case "cmp":
      return compare(
        node.op,
        evaluate(node.left, message),
        evaluate(node.right, message),
      );
  }
}

function fieldOf(message: FilterInput, path: string[]): Value {
  if (path[0] === "name") return message.name ?? null;
  const headers = message.extras?.headers;
  if (typeof headers !== "object" || headers === null) return null;
  if (path.length === 1) return headers;
  return (headers as Record<string, unknown>)[path[1]] ?? null;
}

function compare(op: CmpOp, a: Value, b: Value): Value {
  if (op === "==") return deepEqual(a, b);
  if (op === "!=") return !deepEqual(a, b);
  // JMESPath: ordering comparisons are defined on numbers only.
  if (typeof a !== "number" || typeof b !== "number") return null;
  if (op === "<") return a < b;
  if (op === "<=") return a <= b;
  if (op === ">") return a > b;
  return a >= b;
}

function deepEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || !a || !b) {
    return false;
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

function truthy(v: Value): boolean {
  if (v === null || v === undefined || v === false || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v as object).length > 0;
  return true;
}
