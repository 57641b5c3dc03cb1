/**
 * Group rules: a tiny language over machine attributes ("role = web and internet_facing") that
 * decides membership of rule groups. The grammar is in docs/GROUP-RULES.md. Parsing is a
 * hand-written recursive descent with located errors; matching is a pure function of a machine.
 */
import { PatchhiveError } from '../../errors.js';
import type { Criticality, MachineRecord } from '../../store/ports.js';

export const MAX_RULE_LENGTH = 2000;
export const MAX_RULE_NESTING = 50;

const STRING_ATTRIBUTES = [
  'name',
  'role',
  'owner',
  'location',
  'os.family',
  'os.platform',
  'os.release',
  'os.codename',
  'os.arch',
] as const;
type StringAttribute = (typeof STRING_ATTRIBUTES)[number];
/** Attributes a rule can test, by canonical name (`tag` is read as `tags`). */
export type RuleAttribute = StringAttribute | 'criticality' | 'tags' | 'internet_facing';
const ATTRIBUTES: readonly RuleAttribute[] = [...STRING_ATTRIBUTES, 'criticality', 'tags', 'internet_facing'];

const CRITICALITY_ORDER: readonly Criticality[] = ['low', 'medium', 'high', 'critical'];

export type ComparisonOperator = '=' | '!=' | '~' | '<' | '<=' | '>' | '>=';

/** A parsed group rule (plain data: it can be stored or sent as JSON). */
export type GroupRule =
  | { kind: 'and' | 'or'; rules: GroupRule[] }
  | { kind: 'not'; rule: GroupRule }
  | { kind: 'compare'; attribute: RuleAttribute; operator: ComparisonOperator; value: string }
  | { kind: 'in'; attribute: RuleAttribute; values: string[] }
  /** `tags has x`, and the bare `internet_facing` (value "true"). */
  | { kind: 'has'; attribute: 'tags'; value: string }
  | { kind: 'flag'; attribute: 'internet_facing' };

type TokenKind = 'word' | 'string' | 'op' | '(' | ')' | ',' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  /** 0-based offset in the rule text. */
  at: number;
}

const OPERATORS = ['!=', '<=', '>=', '=', '~', '<', '>'] as const;
const WORD_CHAR = /[^\s()=,!<>~"'\p{Cc}]/u;
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'has', 'true', 'false']);

function fail(text: string, at: number, message: string): never {
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const column = at - (before.lastIndexOf('\n') + 1) + 1;
  const where = line > 1 ? `line ${line}, column ${column}` : `column ${column}`;
  throw new PatchhiveError('E_RULE_INVALID', `${where}: ${message}`, { line, column });
}

function describeToken(t: Token): string {
  return t.kind === 'end' ? 'end of rule' : t.kind === 'string' ? `"${t.text}"` : `'${t.text}'`;
}

function printable(c: string): string {
  return /\p{Cc}/u.test(c) ? `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : `'${c}'`;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/u.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: c, text: c, at: i++ });
    } else if (c === '"' || c === "'") {
      const start = i++;
      let value = '';
      for (;;) {
        if (i >= text.length) fail(text, start, `unterminated quoted string; expected a closing ${c}`);
        const d = text[i++]!;
        if (d === c) break;
        if (d === '\\' && i < text.length) value += text[i++]!;
        else value += d;
      }
      tokens.push({ kind: 'string', text: value, at: start });
    } else {
      const op = OPERATORS.find((o) => text.startsWith(o, i));
      if (op) {
        tokens.push({ kind: 'op', text: op, at: i });
        i += op.length;
        continue;
      }
      if (!WORD_CHAR.test(c))
        fail(text, i, `unexpected character ${printable(c)}; expected an attribute, a value or an operator`);
      const start = i;
      while (i < text.length && WORD_CHAR.test(text[i]!)) i++;
      tokens.push({ kind: 'word', text: text.slice(start, i), at: start });
    }
  }
  tokens.push({ kind: 'end', text: '', at: text.length });
  return tokens;
}

class RuleParser {
  private pos = 0;
  private depth = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  parse(): GroupRule {
    const rule = this.parseOr();
    const t = this.peek();
    if (t.kind !== 'end')
      fail(this.text, t.at, `expected 'and', 'or' or the end of the rule, found ${describeToken(t)}`);
    return rule;
  }

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    return this.tokens[this.pos++]!;
  }

  private isKeyword(word: string): boolean {
    const t = this.peek();
    return t.kind === 'word' && t.text.toLowerCase() === word;
  }

  private parseOr(): GroupRule {
    const rules = [this.parseAnd()];
    while (this.isKeyword('or')) {
      this.next();
      rules.push(this.parseAnd());
    }
    return rules.length === 1 ? rules[0]! : { kind: 'or', rules };
  }

  private parseAnd(): GroupRule {
    const rules = [this.parseUnary()];
    while (this.isKeyword('and')) {
      this.next();
      rules.push(this.parseUnary());
    }
    return rules.length === 1 ? rules[0]! : { kind: 'and', rules };
  }

  private nested<T>(at: number, inner: () => T): T {
    if (++this.depth > MAX_RULE_NESTING)
      fail(this.text, at, `nesting deeper than ${MAX_RULE_NESTING} levels of 'not' and parentheses`);
    const out = inner();
    this.depth--;
    return out;
  }

  private parseUnary(): GroupRule {
    const t = this.peek();
    if (this.isKeyword('not')) {
      this.next();
      return this.nested(t.at, () => ({ kind: 'not', rule: this.parseUnary() }));
    }
    if (t.kind === '(') {
      this.next();
      const rule = this.nested(t.at, () => this.parseOr());
      const close = this.next();
      if (close.kind !== ')')
        fail(this.text, close.at, `expected ')' to close the '(' at column ${t.at + 1}, found ${describeToken(close)}`);
      return rule;
    }
    return this.parseCondition();
  }

  private parseCondition(): GroupRule {
    const t = this.next();
    if (t.kind !== 'word' || KEYWORDS.has(t.text.toLowerCase())) {
      fail(this.text, t.at, `expected a condition (an attribute, 'not' or '('), found ${describeToken(t)}`);
    }
    const name = t.text.toLowerCase();
    const attribute = name === 'tag' ? 'tags' : ATTRIBUTES.find((a) => a === name);
    if (!attribute)
      fail(this.text, t.at, `unknown attribute '${t.text}'; expected one of ${ATTRIBUTES.join(', ')}, tag`);
    const op = this.peek();
    if (attribute === 'internet_facing') return this.parseFlag(op);
    if (op.kind === 'op') {
      this.next();
      return this.comparison(attribute, op, this.parseValue(op.text));
    }
    if (this.isKeyword('in')) {
      this.next();
      const values = this.parseList().map((v) => this.checkValue(attribute, v));
      return { kind: 'in', attribute, values: values.map((v) => v.text) };
    }
    if (this.isKeyword('has')) {
      this.next();
      if (attribute !== 'tags') fail(this.text, op.at, `'has' applies only to tags; use '=' with ${attribute}`);
      return { kind: 'has', attribute, value: this.parseValue('has').text };
    }
    fail(
      this.text,
      op.at,
      `expected an operator after '${t.text}' (=, !=, ~, in, has, <, <=, >, >=), found ${describeToken(op)}`,
    );
  }

  private parseFlag(op: Token): GroupRule {
    if (op.kind !== 'op') return { kind: 'flag', attribute: 'internet_facing' };
    this.next();
    if (op.text !== '=' && op.text !== '!=')
      fail(this.text, op.at, `'${op.text}' does not apply to internet_facing; expected '=' or '!='`);
    const v = this.parseValue(op.text);
    const word = v.text.toLowerCase();
    if (word !== 'true' && word !== 'false')
      fail(this.text, v.at, `expected true or false for internet_facing, found ${describeToken(v)}`);
    const flag: GroupRule = { kind: 'flag', attribute: 'internet_facing' };
    return (word === 'true') === (op.text === '=') ? flag : { kind: 'not', rule: flag };
  }

  private comparison(attribute: RuleAttribute, op: Token, v: Token): GroupRule {
    const operator = op.text as ComparisonOperator;
    const ordering = operator !== '=' && operator !== '!=' && operator !== '~';
    if (ordering && attribute !== 'criticality') {
      fail(
        this.text,
        op.at,
        `'${operator}' applies only to criticality; expected =, !=, ~, in${attribute === 'tags' ? ' or has' : ''}`,
      );
    }
    const value = operator === '~' ? v.text : this.checkValue(attribute, v).text;
    return { kind: 'compare', attribute, operator, value };
  }

  private checkValue(attribute: RuleAttribute, v: Token): Token {
    if (attribute === 'criticality' && !CRITICALITY_ORDER.includes(v.text.toLowerCase() as Criticality)) {
      fail(this.text, v.at, `expected a criticality (${CRITICALITY_ORDER.join(', ')}), found ${describeToken(v)}`);
    }
    return attribute === 'criticality' ? { ...v, text: v.text.toLowerCase() } : v;
  }

  private parseValue(after: string): Token {
    const v = this.next();
    if (v.kind !== 'word' && v.kind !== 'string')
      fail(this.text, v.at, `expected a value after '${after}', found ${describeToken(v)}`);
    return v;
  }

  private parseList(): Token[] {
    const open = this.next();
    if (open.kind !== '(') fail(this.text, open.at, `expected '(' after 'in', found ${describeToken(open)}`);
    const values = [this.parseValue(open.text)];
    for (;;) {
      const t = this.next();
      if (t.kind === ')') return values;
      if (t.kind !== ',') fail(this.text, t.at, `expected ',' or ')' in the list, found ${describeToken(t)}`);
      values.push(this.parseValue(','));
    }
  }
}

/** Parses a group rule; throws E_RULE_INVALID naming the column and what was expected. */
export function parseGroupRule(text: string): GroupRule {
  if (text.length > MAX_RULE_LENGTH) {
    throw new PatchhiveError(
      'E_RULE_INVALID',
      `rule is ${text.length} characters long; at most ${MAX_RULE_LENGTH} are allowed`,
    );
  }
  return new RuleParser(text, tokenize(text)).parse();
}

/** Glob match, `*` = any run of characters; linear-time backtracking, so no pattern can blow up. */
function globMatches(pattern: string, s: string): boolean {
  let p = 0;
  let i = 0;
  let star = -1;
  let mark = 0;
  while (i < s.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === s[i]) {
      p++;
      i++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = i;
    } else if (star >= 0) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** The attribute's values on a machine, lower-cased: one for scalars, any number for tags; null when unset. */
function valuesOf(attribute: RuleAttribute, m: MachineRecord): string[] | null {
  let v: string | null | undefined;
  switch (attribute) {
    case 'tags':
      return m.tags.map((t) => t.toLowerCase());
    case 'internet_facing':
      return [String(m.internetFacing)];
    case 'name':
    case 'role':
    case 'owner':
    case 'location':
    case 'criticality':
      v = m[attribute];
      break;
    default:
      v = m.os?.[attribute.slice(3) as 'family' | 'platform' | 'release' | 'codename' | 'arch'];
  }
  return v === null || v === undefined ? null : [v.toLowerCase()];
}

function compareOne(operator: ComparisonOperator, actual: string, expected: string): boolean {
  switch (operator) {
    case '=':
      return actual === expected;
    case '~':
      return globMatches(expected, actual);
    default: {
      const diff =
        CRITICALITY_ORDER.indexOf(actual as Criticality) - CRITICALITY_ORDER.indexOf(expected as Criticality);
      return operator === '<' ? diff < 0 : operator === '<=' ? diff <= 0 : operator === '>' ? diff > 0 : diff >= 0;
    }
  }
}

/** Whether a machine satisfies a rule. Comparisons ignore case; an unset attribute equals nothing. */
export function matchesGroupRule(rule: GroupRule, machine: MachineRecord): boolean {
  switch (rule.kind) {
    case 'and':
      return rule.rules.every((r) => matchesGroupRule(r, machine));
    case 'or':
      return rule.rules.some((r) => matchesGroupRule(r, machine));
    case 'not':
      return !matchesGroupRule(rule.rule, machine);
    case 'flag':
      return machine.internetFacing;
    case 'has':
      return machine.tags.some((t) => t.toLowerCase() === rule.value.toLowerCase());
    case 'in': {
      const wanted = rule.values.map((v) => v.toLowerCase());
      return (valuesOf(rule.attribute, machine) ?? []).some((a) => wanted.includes(a));
    }
    case 'compare': {
      const actual = valuesOf(rule.attribute, machine) ?? [];
      // "!=" is "not =": true for an unset attribute, and for tags "has no tag equal to"
      if (rule.operator === '!=') return !actual.some((a) => a === rule.value.toLowerCase());
      return actual.some((a) => compareOne(rule.operator, a, rule.value.toLowerCase()));
    }
  }
}

function formatValue(v: string): string {
  const bare = v.length > 0 && [...v].every((c) => WORD_CHAR.test(c)) && !KEYWORDS.has(v.toLowerCase());
  return bare ? v : `"${v.replace(/["\\]/g, (c) => '\\' + c)}"`;
}

/** Canonical text of a rule; parsing it gives the same rule back. */
export function formatGroupRule(rule: GroupRule): string {
  switch (rule.kind) {
    case 'and':
    case 'or':
      // nested and/or keep their parentheses, so the text parses back to the same tree
      return rule.rules
        .map((r) => (r.kind === 'and' || r.kind === 'or' ? `(${formatGroupRule(r)})` : formatGroupRule(r)))
        .join(` ${rule.kind} `);
    case 'not':
      return rule.rule.kind === 'and' || rule.rule.kind === 'or'
        ? `not (${formatGroupRule(rule.rule)})`
        : `not ${formatGroupRule(rule.rule)}`;
    case 'flag':
      return 'internet_facing';
    case 'has':
      return `tags has ${formatValue(rule.value)}`;
    case 'in':
      return `${rule.attribute} in (${rule.values.map(formatValue).join(', ')})`;
    case 'compare':
      return `${rule.attribute} ${rule.operator} ${formatValue(rule.value)}`;
  }
}
