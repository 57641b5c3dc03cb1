/**
 * Streaming OVAL 5.x reader: turns a byte stream into raw definitions, tests, objects, states and
 * variables (references still unresolved). Memory grows with the content kept, never with the
 * whole text, so a feed of hundreds of megabytes streams through.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { PatchhiveError } from '../../errors.js';

export const OVAL_DEF_NS = 'http://oval.mitre.org/XMLSchema/oval-definitions-5';

/** A generic element kept as a small tree (used for objects, states, variables, metadata). */
export interface RawElement {
  name: string;
  ns: string;
  attrs: Record<string, string>;
  children: RawElement[];
  text: string;
  line: number;
}

export interface RawCriteria {
  kind: 'criteria' | 'criterion' | 'extend_definition';
  attrs: Record<string, string>;
  children: RawCriteria[];
  line: number;
}

export interface RawDefinition {
  attrs: Record<string, string>;
  metadata: RawElement | undefined;
  criteria: RawCriteria | undefined;
  line: number;
}

export interface RawOval {
  definitions: RawDefinition[];
  tests: Map<string, RawElement>;
  objects: Map<string, RawElement>;
  states: Map<string, RawElement>;
  variables: Map<string, RawElement>;
  generator: RawElement | undefined;
}

type Section = 'definitions' | 'tests' | 'objects' | 'states' | 'variables' | 'generator' | null;

const SECTIONS = new Set(['definitions', 'tests', 'objects', 'states', 'variables', 'generator']);

/** Real OVAL nests criteria a few levels deep; a limit keeps recursion over the tree safe. */
const MAX_DEPTH = 256;

/** Keeps per-element text bounded: a legitimate OVAL value is never this large. */
const MAX_TEXT = 1 << 20;

/** Reads an OVAL definitions document from a stream; rejects with a located E_INPUT_* error. */
export async function readOvalStream(
  input: Readable,
  opts: { file: string; onBytes?: (n: number) => void },
): Promise<RawOval> {
  const out: RawOval = {
    definitions: [],
    tests: new Map(),
    objects: new Map(),
    states: new Map(),
    variables: new Map(),
    generator: undefined,
  };
  const parser = new SaxesParser({ xmlns: true, position: true });
  const builder = new OvalBuilder(out, opts.file, parser);
  const malformed = (message: string) =>
    new PatchhiveError('E_INPUT_MALFORMED', `not well-formed XML: ${stripPosition(message)}`, {
      file: opts.file,
      line: parser.line,
      column: parser.column,
    });
  // Every refusal (saxes' own or the builder's) throws out of write(): saxes then stops inside
  // the chunk instead of finishing it, which matters because with xmlns on each element of a
  // deep chain costs time linear in its depth.
  parser.on('error', (e) => {
    throw malformed(e.message);
  });
  parser.on('opentag', (t) => builder.open(t));
  parser.on('closetag', (t) => builder.close(t));
  parser.on('text', (t) => builder.text(t));
  parser.on('cdata', (t) => builder.text(t));

  // A multi-byte character may straddle two chunks.
  const decoder = new StringDecoder('utf8');
  try {
    for await (const chunk of input) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      opts.onBytes?.(bytes.length);
      parser.write(decoder.write(bytes));
    }
    parser.write(decoder.end());
    parser.close();
  } catch (e) {
    if (e instanceof PatchhiveError) throw e;
    throw malformed(String((e as Error).message ?? e));
  } finally {
    input.destroy();
  }
  if (!builder.sawRoot) {
    throw new PatchhiveError(
      'E_INPUT_UNKNOWN_FORMAT',
      'not an OVAL definitions document (no <oval_definitions> root)',
      {
        file: opts.file,
      },
    );
  }
  return out;
}

function stripPosition(msg: string): string {
  // saxes prefixes "file:line:col: "; we report the position ourselves
  return msg.replace(/^(?:[^:\n]*:)?\d+:\d+: /, '').split('\n')[0]!;
}

/** Builds the raw document from saxes events; every refusal throws, which stops the parse at once. */
class OvalBuilder {
  sawRoot = false;
  private depth = 0;
  private section: Section = null;
  private sectionDepth = 0;
  /** Element trees under construction for tests/objects/states/variables/metadata. */
  private stack: RawElement[] = [];
  private criteriaStack: RawCriteria[] = [];
  private definition: RawDefinition | undefined;

  constructor(
    private readonly out: RawOval,
    private readonly file: string,
    private readonly parser: SaxesParser,
  ) {}

  open(tag: SaxesTagNS): void {
    this.depth++;
    if (this.depth > MAX_DEPTH) this.fail('E_INPUT_MALFORMED', `elements nested deeper than ${MAX_DEPTH} levels`);
    const name = tag.local;
    const attrs = plainAttrs(tag);
    const line = this.parser.line;
    if (this.depth === 1) {
      if (name !== 'oval_definitions') {
        this.fail('E_INPUT_UNKNOWN_FORMAT', `not an OVAL definitions document (root element <${tag.name}>)`);
      }
      this.sawRoot = true;
      return;
    }
    if (this.depth === 2 && SECTIONS.has(name)) {
      this.section = name as Section;
      this.sectionDepth = 2;
      if (name === 'generator') this.stack.push(newElement(tag, attrs, line));
      return;
    }
    if (this.section === 'definitions') return this.openInDefinitions(tag, attrs, line);
    if (this.section !== null && this.depth > this.sectionDepth) this.stack.push(newElement(tag, attrs, line));
  }

  private openInDefinitions(tag: SaxesTagNS, attrs: Record<string, string>, line: number): void {
    const name = tag.local;
    if (this.depth === 3 && name === 'definition') {
      this.definition = { attrs, metadata: undefined, criteria: undefined, line };
      return;
    }
    if (!this.definition) return;
    if (this.stack.length > 0 || (this.depth === 4 && name === 'metadata')) {
      this.stack.push(newElement(tag, attrs, line));
      return;
    }
    if (name === 'criteria' || name === 'criterion' || name === 'extend_definition') {
      this.criteriaStack.push({ kind: name, attrs, children: [], line });
    }
  }

  close(tag: SaxesTagNS): void {
    const name = tag.local;
    if (this.section === 'definitions') this.closeInDefinitions(name);
    else if (
      this.section !== null &&
      this.stack.length > 0 &&
      this.depth > (this.section === 'generator' ? 1 : this.sectionDepth)
    ) {
      const el = this.stack.pop()!;
      if (this.stack.length > 0) this.stack[this.stack.length - 1]!.children.push(el);
      else this.storeTopLevel(el);
    }
    if (this.depth === 2) this.section = null;
    this.depth--;
  }

  private closeInDefinitions(name: string): void {
    if (!this.definition) return;
    if (this.stack.length > 0) {
      const el = this.stack.pop()!;
      if (this.stack.length > 0) this.stack[this.stack.length - 1]!.children.push(el);
      else this.definition.metadata = el;
      return;
    }
    if (name === 'criteria' || name === 'criterion' || name === 'extend_definition') {
      const node = this.criteriaStack.pop()!;
      const parent = this.criteriaStack[this.criteriaStack.length - 1];
      if (parent) parent.children.push(node);
      else this.definition.criteria = node;
      return;
    }
    if (name === 'definition' && this.depth === 3) {
      if (!this.definition.attrs.id) this.fail('E_INPUT_MALFORMED', '<definition> without an id');
      this.out.definitions.push(this.definition);
      this.definition = undefined;
    }
  }

  private storeTopLevel(el: RawElement): void {
    if (this.section === 'generator') {
      this.out.generator = el;
      return;
    }
    const id = el.attrs.id;
    if (!id) this.fail('E_INPUT_MALFORMED', `<${el.name}> in <${this.section}> has no id`, el.line);
    const map =
      this.section === 'tests'
        ? this.out.tests
        : this.section === 'objects'
          ? this.out.objects
          : this.section === 'states'
            ? this.out.states
            : this.out.variables;
    map.set(id, el);
  }

  text(t: string): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) return;
    if (top.text.length + t.length > MAX_TEXT)
      this.fail('E_INPUT_MALFORMED', `text of <${top.name}> exceeds ${MAX_TEXT} bytes`, top.line);
    top.text += t;
  }

  private fail(code: 'E_INPUT_MALFORMED' | 'E_INPUT_UNKNOWN_FORMAT', message: string, line?: number): never {
    throw new PatchhiveError(code, message, { file: this.file, line: line ?? this.parser.line });
  }
}

function plainAttrs(tag: SaxesTagNS): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of Object.values(tag.attributes)) {
    if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
    out[a.local] = a.value;
  }
  return out;
}

function newElement(tag: SaxesTagNS, attrs: Record<string, string>, line: number): RawElement {
  return { name: tag.local, ns: tag.uri, attrs, children: [], text: '', line };
}

/** Finds the first child element with the given local name. */
export function child(el: RawElement | undefined, name: string): RawElement | undefined {
  return el?.children.find((c) => c.name === name);
}

/** All child elements with the given local name. */
export function childrenNamed(el: RawElement | undefined, name: string): RawElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}
