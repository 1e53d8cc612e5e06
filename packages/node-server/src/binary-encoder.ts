import {
  type DescField,
  type DescMessage,
  type Message,
  ScalarType,
  toBinary,
} from "@bufbuild/protobuf";

/**
 * A faster `toBinary` for the messages the fast path answers with. protobuf-es
 * writes through a BinaryWriter that forks a buffer for every nested message
 * and encodes every string with a TextEncoder; this encoder measures the
 * whole message first (recording each nested message's length in order),
 * then writes it once into a buffer of the exact size, with ASCII strings
 * copied byte by byte. For the app's SayHelloResponse it is several times
 * faster.
 *
 * The output is byte for byte what `toBinary` writes (a property test holds
 * it to that over generated messages of many schemas). Whatever it does not
 * cover it leaves to `toBinary`: schemas with map fields, group (delimited)
 * encoding, required fields or wrapper-typed fields are never compiled, and
 * a message that carries unknown fields, or is not of its schema, is handed
 * over at run time.
 */
export function encodeBinary<Desc extends DescMessage>(schema: Desc, message: Message): Uint8Array {
  const compiled = compiledFor(schema);
  if (compiled) {
    try {
      return compiled(message);
    } catch (e) {
      if (e !== fallBack) throw e;
    }
  }
  return toBinary(schema, message as never);
}

/** Whether `schema` is compiled (not left to `toBinary` as a whole); for tests. */
export function isCompiled(schema: DescMessage): boolean {
  return compile(schema) !== undefined;
}

/** Thrown inside a compiled encoder when `toBinary` must take the message. */
const fallBack = Symbol("hand the message to toBinary");

type Value = unknown;
type Fields = { readonly [key: string]: Value };
/** Adds a message's size to the running total, pushing nested lengths onto `sizes`. */
type Sizer = (message: Fields, sizes: number[]) => number;
/** Writes a message; reads nested lengths from `sizes` in the order the sizer pushed them. */
type Writer = (message: Fields, out: Out) => void;

interface Out {
  readonly buf: Uint8Array;
  readonly view: DataView;
  pos: number;
  readonly sizes: number[];
  next: number;
}

interface Compiled {
  readonly typeName: string;
  size: Sizer;
  write: Writer;
}

const compiledSchemas = new WeakMap<DescMessage, Compiled | null>();

function compiledFor(schema: DescMessage): ((message: Message) => Uint8Array) | undefined {
  const c = compile(schema);
  if (!c) return undefined;
  return (message) => {
    const sizes: number[] = [];
    const total = c.size(message as unknown as Fields, sizes);
    const buf = new Uint8Array(total);
    const out: Out = { buf, view: new DataView(buf.buffer), pos: 0, sizes, next: 0 };
    c.write(message as unknown as Fields, out);
    return buf;
  };
}

const IMPLICIT = 2;

/** Whether this encoder covers every field of `schema` and its nested messages. */
function supported(field: DescField): boolean {
  if (field.fieldKind === "map") return false;
  if (field.presence === 3) return false; // proto2 required: toBinary words the error
  if (
    field.fieldKind === "message" ||
    (field.fieldKind === "list" && field.listKind === "message")
  ) {
    if (field.delimitedEncoding) return false;
    const type = field.message.typeName;
    if (field.fieldKind === "message" && /^google\.protobuf\.\w+Value$/.test(type)) return false;
  }
  return true;
}

function compile(schema: DescMessage): Compiled | undefined {
  const known = compiledSchemas.get(schema);
  if (known !== undefined) return known ?? undefined;
  const fields = schema.fields.concat().sort((a, b) => a.number - b.number);
  if (!fields.every(supported)) {
    compiledSchemas.set(schema, null);
    return undefined;
  }
  const sizers: Sizer[] = [];
  const writers: Writer[] = [];
  const compiled: Compiled = {
    typeName: schema.typeName,
    size: (m, sizes) => {
      if (m.$typeName !== compiled.typeName || m.$unknown !== undefined) throw fallBack;
      let n = 0;
      for (let i = 0; i < sizers.length; i++) n += (sizers[i] as Sizer)(m, sizes);
      return n;
    },
    write: (m, out) => {
      for (let i = 0; i < writers.length; i++) (writers[i] as Writer)(m, out);
    },
  };
  // Registered before the fields, so recursive types resolve to this entry.
  compiledSchemas.set(schema, compiled);
  for (const field of fields) {
    const nested = nestedSchema(field);
    if (nested && !compile(nested)) {
      compiledSchemas.set(schema, null);
      return undefined;
    }
    const [size, write] = compileField(field);
    sizers.push(size);
    writers.push(write);
  }
  return compiled;
}

function nestedSchema(field: DescField): DescMessage | undefined {
  if (field.fieldKind === "message") return field.message;
  if (field.fieldKind === "list" && field.listKind === "message") return field.message;
  return undefined;
}

/** The encoding of one kind of value: its size and its writer (no tag). */
interface ValueCodec {
  readonly wireType: number;
  size(v: Value, sizes: number[]): number;
  write(v: Value, out: Out): void;
}

function compileField(field: DescField): [Sizer, Writer] {
  const name = field.localName;
  if (field.fieldKind === "list") {
    const codec =
      field.listKind === "message"
        ? messageCodec(field.message)
        : scalarCodec(field.listKind === "enum" ? ScalarType.INT32 : field.scalar);
    if (field.packed && field.listKind !== "message") {
      const tag = tagBytes(field.number, 2);
      return [
        (m, sizes) => {
          const items = m[name] as Value[];
          if (items.length === 0) return 0;
          let n = 0;
          for (let i = 0; i < items.length; i++) n += codec.size(items[i], sizes);
          sizes.push(n);
          return tag.length + varintSize(n) + n;
        },
        (m, out) => {
          const items = m[name] as Value[];
          if (items.length === 0) return;
          writeBytes(out, tag);
          writeVarint32(out, out.sizes[out.next++] as number);
          for (let i = 0; i < items.length; i++) codec.write(items[i], out);
        },
      ];
    }
    const tag = tagBytes(field.number, codec.wireType);
    return [
      (m, sizes) => {
        const items = m[name] as Value[];
        let n = 0;
        for (let i = 0; i < items.length; i++) n += tag.length + codec.size(items[i], sizes);
        return n;
      },
      (m, out) => {
        const items = m[name] as Value[];
        for (let i = 0; i < items.length; i++) {
          writeBytes(out, tag);
          codec.write(items[i], out);
        }
      },
    ];
  }
  if (field.fieldKind === "map") throw new Error("map fields are never compiled"); // see supported()
  const codec =
    field.fieldKind === "message"
      ? messageCodec(field.message)
      : scalarCodec(field.fieldKind === "enum" ? ScalarType.INT32 : field.scalar);
  const tag = tagBytes(field.number, codec.wireType);
  const isSet = presenceCheck(field);
  if (field.oneof) {
    const oneof = field.oneof.localName;
    return [
      (m, sizes) => {
        const o = m[oneof] as { case?: string; value?: Value };
        return o.case === name ? tag.length + codec.size(o.value, sizes) : 0;
      },
      (m, out) => {
        const o = m[oneof] as { case?: string; value?: Value };
        if (o.case !== name) return;
        writeBytes(out, tag);
        codec.write(o.value, out);
      },
    ];
  }
  return [
    (m, sizes) => (isSet(m) ? tag.length + codec.size(m[name], sizes) : 0),
    (m, out) => {
      if (!isSet(m)) return;
      writeBytes(out, tag);
      codec.write(m[name], out);
    },
  ];
}

/** The same rule as toBinary: implicit presence skips zero values, explicit presence unset ones. */
function presenceCheck(field: DescField): (m: Fields) => boolean {
  const name = field.localName;
  if (field.presence !== IMPLICIT || field.fieldKind === "message") {
    return (m) => m[name] !== undefined && Object.hasOwn(m, name);
  }
  if (field.fieldKind === "enum") {
    const zero = field.enum.values[0]?.number ?? 0;
    return (m) => m[name] !== zero;
  }
  switch (field.scalar) {
    case ScalarType.BOOL:
      return (m) => m[name] !== false;
    case ScalarType.STRING:
      return (m) => m[name] !== "";
    case ScalarType.BYTES:
      return (m) => !((m[name] as Uint8Array).byteLength === 0);
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return (m) => !Object.is(m[name], 0);
    default:
      // biome-ignore lint/suspicious/noDoubleEquals: 0n, 0 and "0" are all zero, as in toBinary
      return (m) => m[name] != 0;
  }
}

function messageCodec(schema: DescMessage): ValueCodec {
  // Resolved at the first use: a recursive type is still being compiled here.
  let compiled: Compiled | undefined;
  const resolve = () => {
    compiled ??= compiledSchemas.get(schema) as Compiled;
    return compiled;
  };
  return {
    wireType: 2,
    size(v, sizes) {
      const c = resolve();
      const at = sizes.length;
      sizes.push(0);
      const n = c.size(v as Fields, sizes);
      sizes[at] = n;
      return varintSize(n) + n;
    },
    write(v, out) {
      const c = resolve();
      writeVarint32(out, out.sizes[out.next++] as number);
      c.write(v as Fields, out);
    },
  };
}

const bigint = (v: Value): bigint => (typeof v === "bigint" ? v : BigInt(v as string | number));

function scalarCodec(type: ScalarType): ValueCodec {
  switch (type) {
    case ScalarType.STRING:
      return {
        wireType: 2,
        size(v, sizes) {
          const n = utf8Length(v as string);
          sizes.push(n);
          return varintSize(n) + n;
        },
        write(v, out) {
          const n = out.sizes[out.next++] as number;
          writeVarint32(out, n);
          writeUtf8(out, v as string, n);
        },
      };
    case ScalarType.BYTES:
      return {
        wireType: 2,
        size: (v) => varintSize((v as Uint8Array).byteLength) + (v as Uint8Array).byteLength,
        write(v, out) {
          writeVarint32(out, (v as Uint8Array).byteLength);
          writeBytes(out, v as Uint8Array);
        },
      };
    case ScalarType.BOOL:
      return { wireType: 0, size: () => 1, write: (v, out) => writeVarint32(out, v ? 1 : 0) };
    case ScalarType.INT32:
      return {
        wireType: 0,
        size: (v) => ((v as number) < 0 ? 10 : varintSize(v as number)),
        write: (v, out) => writeInt32(out, v as number),
      };
    case ScalarType.UINT32:
      return {
        wireType: 0,
        size: (v) => varintSize((v as number) >>> 0),
        write: (v, out) => writeVarint32(out, (v as number) >>> 0),
      };
    case ScalarType.SINT32:
      return {
        wireType: 0,
        size: (v) => varintSize((((v as number) << 1) ^ ((v as number) >> 31)) >>> 0),
        write: (v, out) => writeVarint32(out, (((v as number) << 1) ^ ((v as number) >> 31)) >>> 0),
      };
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
    case ScalarType.FLOAT:
      return {
        wireType: 5,
        size: () => 4,
        write(v, out) {
          if (type === ScalarType.FLOAT) out.view.setFloat32(out.pos, v as number, true);
          else if (type === ScalarType.FIXED32) out.view.setUint32(out.pos, v as number, true);
          else out.view.setInt32(out.pos, v as number, true);
          out.pos += 4;
        },
      };
    case ScalarType.DOUBLE:
      return {
        wireType: 1,
        size: () => 8,
        write(v, out) {
          out.view.setFloat64(out.pos, v as number, true);
          out.pos += 8;
        },
      };
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return {
        wireType: 1,
        size: () => 8,
        write(v, out) {
          out.view.setBigUint64(out.pos, BigInt.asUintN(64, bigint(v)), true);
          out.pos += 8;
        },
      };
    case ScalarType.INT64:
    case ScalarType.UINT64:
      return {
        wireType: 0,
        size: (v) => varint64Size(BigInt.asUintN(64, bigint(v))),
        write: (v, out) => writeVarint64(out, BigInt.asUintN(64, bigint(v))),
      };
    case ScalarType.SINT64:
      return {
        wireType: 0,
        size: (v) => varint64Size(zigzag64(bigint(v))),
        write: (v, out) => writeVarint64(out, zigzag64(bigint(v))),
      };
  }
}

function zigzag64(v: bigint): bigint {
  return BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
}

function tagBytes(fieldNo: number, wireType: number): Uint8Array {
  const tag = ((fieldNo << 3) | wireType) >>> 0;
  const out: Out = {
    buf: new Uint8Array(varintSize(tag)),
    view: new DataView(new ArrayBuffer(0)),
    pos: 0,
    sizes: [],
    next: 0,
  };
  writeVarint32(out, tag);
  return out.buf;
}

function varintSize(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

function varint64Size(v: bigint): number {
  let n = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    n++;
  }
  return n;
}

function writeVarint32(out: Out, v: number): void {
  const buf = out.buf;
  while (v > 0x7f) {
    buf[out.pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[out.pos++] = v;
}

/** A negative int32 is written as its 64-bit two's complement: ten bytes. */
function writeInt32(out: Out, v: number): void {
  if (v >= 0) writeVarint32(out, v);
  else writeVarint64(out, BigInt.asUintN(64, BigInt(v)));
}

function writeVarint64(out: Out, v: bigint): void {
  const buf = out.buf;
  while (v > 0x7fn) {
    buf[out.pos++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  buf[out.pos++] = Number(v);
}

function writeBytes(out: Out, bytes: Uint8Array): void {
  out.buf.set(bytes, out.pos);
  out.pos += bytes.byteLength;
}

const encoder = new TextEncoder();

/** The UTF-8 length of `s`, as TextEncoder would encode it (lone surrogates as U+FFFD). */
function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 2; // a pair: 4 bytes for 2 code units
        i++;
      } else n += 2;
    } else n += 2; // the rest of the BMP, lone surrogates included (U+FFFD, 3 bytes)
  }
  return n;
}

/** Writes `s` as UTF-8 (`n` bytes, from utf8Length): ASCII byte by byte, the rest by TextEncoder. */
function writeUtf8(out: Out, s: string, n: number): void {
  if (n === s.length) {
    const buf = out.buf;
    let pos = out.pos;
    for (let i = 0; i < s.length; i++) buf[pos++] = s.charCodeAt(i);
    out.pos = pos;
    return;
  }
  encoder.encodeInto(s, out.buf.subarray(out.pos, out.pos + n));
  out.pos += n;
}
