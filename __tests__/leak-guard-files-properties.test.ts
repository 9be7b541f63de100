/**
 * Property tests of the reader of deployed files, with cases generated apart from the code: a
 * token put at a random place, in a random encoding, inside a random chain of archives (zip, gzip,
 * tar, up to the depth limit) among random files is always found, and its refusal never quotes it;
 * the same chain without the token is always clean; the one-pass scan finds the base64 and hex runs the
 * regular expressions find.
 */
import * as fc from "fast-check";
import { gzipSync } from "node:zlib";
import { readArchiveDeep } from "../constructs/leak-guard/files/archive";
import { encodedRunsOf, findStoredToken } from "../constructs/leak-guard/files/stored-strings";
import { deterministicZip } from "../constructs/zip";
import { FAKE } from "./helpers/fake-tokens";

const TOKENS = [
  FAKE["GitHub token"],
  FAKE["Slack token"],
  FAKE["AWS access key id"],
  FAKE["Stripe key"],
  FAKE["npm token"],
];

type Wrapper = "zip" | "gzip" | "tar";
type Encoding = "utf8" | "utf16le" | "utf16be" | "base64" | "hex";

function encode(text: string, encoding: Encoding): Buffer {
  if (encoding === "utf16be") return Buffer.from(text, "utf16le").swap16();
  if (encoding === "base64" || encoding === "hex") return Buffer.from(Buffer.from(text).toString(encoding));
  return Buffer.from(text, encoding);
}

function tarOf(name: string, data: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name.slice(0, 99), 0);
  header.write(`${data.length.toString(8).padStart(11, "0")}\0`, 124);
  header.write("0", 156);
  header.write("ustar\0", 257);
  return Buffer.concat([header, data, Buffer.alloc((512 - (data.length % 512)) % 512), Buffer.alloc(1024)]);
}

function wrap(data: Buffer, wrapper: Wrapper, name: string, siblings: readonly string[]): Buffer {
  if (wrapper === "gzip") return gzipSync(data);
  if (wrapper === "tar") return tarOf(name, data);
  return deterministicZip([
    ...siblings.map((sibling, i) => ({ name: `other${i}.txt`, data: Buffer.from(sibling) })),
    { name, data },
  ]);
}

const filler = fc.string({ maxLength: 200 }).map((s) => s.replace(/[^ -~\n]/g, " "));
const chain = fc.array(fc.constantFrom<Wrapper>("zip", "gzip", "tar"), { minLength: 1, maxLength: 8 });
const names = fc.stringMatching(/^[a-z]{1,12}\.(jar|whl|war|bin|dat|json)$/);

function findings(data: Buffer): string[] {
  const found: string[] = [];
  readArchiveDeep("deployed.zip", data, {
    file: (at, bytes) => {
      const token = findStoredToken(bytes);
      if (token) found.push(`${at}: ${token.label} (${token.where})`);
    },
    unreadable: (at, problem) => found.push(`${at}: ${problem}`),
  });
  return found;
}

test("a token anywhere in a chain of archives, in any stored form, is found, and never quoted", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...TOKENS),
      fc.constantFrom<Encoding>("utf8", "utf16le", "utf16be", "base64", "hex"),
      filler,
      filler,
      chain,
      names,
      fc.array(filler, { maxLength: 3 }),
      (token, encoding, before, after, wrappers, name, siblings) => {
        let data: Buffer = Buffer.concat([
          Buffer.from(`${before}\n`),
          encode(token, encoding),
          Buffer.from(`\n${after}`),
        ]);
        for (const wrapper of wrappers) data = wrap(data, wrapper, name, siblings);
        const found = findings(data);
        expect(found.length).toBeGreaterThan(0);
        expect(found.join("\n")).not.toContain(token);
      },
    ),
    { numRuns: 150 },
  );
});

test("the same chains without a token are clean: no false alarm from the reader itself", () => {
  fc.assert(
    fc.property(filler, chain, names, fc.array(filler, { maxLength: 3 }), (text, wrappers, name, siblings) => {
      let data: Buffer = Buffer.from(text);
      for (const wrapper of wrappers) data = wrap(data, wrapper, name, siblings);
      expect(findings(data)).toEqual([]);
    }),
    { numRuns: 150 },
  );
});

// The runs as the two regular expressions the scan replaced find them: the reference, written apart.
function runsByRegExp(text: string): { base64: string[]; hex: string[] } {
  const base64 = [...text.matchAll(/[A-Za-z0-9+/_-]+={0,2}/g)]
    .map(([run]) => run)
    .filter((run) => run.replace(/=+$/, "").length >= 26);
  const hex = [...text.matchAll(/[0-9a-fA-F]+/g)].map(([run]) => run).filter((run) => run.length >= 40);
  return { base64, hex };
}

test("the base64 and hex runs found in one pass are exactly the regular expressions' runs", () => {
  // Characters from every class the scan tells apart, weighted towards long runs.
  const piece = fc.oneof(
    fc.stringMatching(/^[0-9a-f]{1,60}$/),
    fc.stringMatching(/^[A-Za-z0-9+/_-]{1,50}$/),
    fc.constantFrom("=", "==", "===", ":", "/", ".", " ", "\n", "é", "\u0100", "\ud83d\ude00", "\0"),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
      const text = pieces.join("");
      expect(encodedRunsOf(text)).toEqual(runsByRegExp(text));
    }),
    { numRuns: 2000 },
  );
});
