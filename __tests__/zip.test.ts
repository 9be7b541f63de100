/** The deterministic zip a function deploys: real zip tools read it, and the same code gives the same bytes. */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { deterministicZip, readZip } from "../constructs/zip";
import { extractZip } from "../scripts/extract-zip";

const CODE = Buffer.from(`"use strict";exports.handler=async()=>({ok:true});\n`.repeat(200));

describe("deterministicZip", () => {
  test("gives the same bytes for the same files, whenever it runs", async () => {
    const first = deterministicZip([{ name: "index.js", data: CODE }]);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a zip tool would stamp a new time
    expect(deterministicZip([{ name: "index.js", data: CODE }]).equals(first)).toBe(true);
    expect(deterministicZip([{ name: "index.js", data: Buffer.concat([CODE, Buffer.from(" ")]) }]).equals(first)).toBe(
      false,
    );
  });

  test("is read back whole by its own reader, compressed", () => {
    const zip = deterministicZip([
      { name: "index.js", data: CODE },
      { name: "lib/a.txt", data: Buffer.from("ä") },
    ]);
    expect(zip.length).toBeLessThan(CODE.length / 10);
    expect(readZip(zip).map((e) => [e.name, e.data.toString()])).toEqual([
      ["index.js", CODE.toString()],
      ["lib/a.txt", "ä"],
    ]);
  });

  test("is a valid zip for the real unzip (CRC checked), with a fixed 1980 date and mode 0644, as Lambda unpacks it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zip-test-"));
    const file = path.join(dir, "code.zip");
    fs.writeFileSync(file, deterministicZip([{ name: "index.js", data: CODE }]));
    expect(execFileSync("unzip", ["-t", file], { encoding: "utf8" })).toContain("No errors detected");
    expect(execFileSync("unzip", ["-p", file, "index.js"]).equals(CODE)).toBe(true);
    const listing = execFileSync("zipinfo", [file], { encoding: "utf8" });
    expect(listing).toMatch(/^-rw-r--r--.*80-Jan-01 00:00 index\.js$/m);
  });

  test("extractZip refuses an entry that would leave the target directory", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zip-test-"));
    const file = path.join(dir, "evil.zip");
    fs.writeFileSync(file, deterministicZip([{ name: "../escape.js", data: CODE }]));
    expect(() => extractZip(file, path.join(dir, "out"))).toThrow(/leaves/);
  });
});
