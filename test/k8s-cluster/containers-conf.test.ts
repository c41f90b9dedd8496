import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

// setup-containers.sh merges its keys into /etc/containers/containers.conf with toml_set; this runs
// that very function (cut out of the script) on temp files, so what the machine gets is what is tested.
const script = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "scripts", "setup-containers.sh");

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tomlSet(initial: string, edits: ReadonlyArray<readonly [string, string, string]>): string {
  const dir = mkdtempSync(join(tmpdir(), "rf-containers-conf-"));
  dirs.push(dir);
  const file = join(dir, "containers.conf");
  writeFileSync(file, initial);
  const calls = edits
    .map(([section, key, value]) => `toml_set "$F" '${section}' '${key}' '${value}'`)
    .join("\n");
  execFileSync(
    "bash",
    ["-c", `set -euo pipefail; source <(sed -n '/^toml_set()/,/^}/p' "$SCRIPT"); ${calls}`],
    { env: { ...process.env, F: file, SCRIPT: script } },
  );
  return readFileSync(file, "utf8");
}

describe("setup-containers toml_set", () => {
  it.each([
    {
      name: "adds a missing section with its key",
      initial: "# header\n",
      edits: [["engine", "runtime", '"runc"']] as const,
      expected: '# header\n\n[engine]\nruntime = "runc"\n',
    },
    {
      name: "replaces a key in place and keeps the section's other keys",
      initial: '[engine]\nruntime = "crun"\nfoo = 1\n',
      edits: [["engine", "runtime", '"runc"']] as const,
      expected: '[engine]\nruntime = "runc"\nfoo = 1\n',
    },
    {
      name: "adds a key at the end of its section, before the next one",
      initial: '[engine]\nfoo = 1\n[network]\nnetwork_backend = "cni"\n',
      edits: [["engine", "cgroup_manager", '"cgroupfs"']] as const,
      expected: '[engine]\nfoo = 1\ncgroup_manager = "cgroupfs"\n[network]\nnetwork_backend = "cni"\n',
    },
    {
      name: "leaves a same-named key of another section alone",
      initial: "[network]\nruntime = 7\n[engine]\n",
      edits: [["engine", "runtime", '"runc"']] as const,
      expected: '[network]\nruntime = 7\n[engine]\nruntime = "runc"\n',
    },
    {
      name: "is idempotent",
      initial: '[containers]\ndefault_ulimits = ["nofile=10000:10000"]\n',
      edits: [
        ["containers", "default_ulimits", '["nofile=10000:10000"]'],
        ["containers", "default_ulimits", '["nofile=10000:10000"]'],
      ] as const,
      expected: '[containers]\ndefault_ulimits = ["nofile=10000:10000"]\n',
    },
  ])("$name", ({ initial, edits, expected }) => {
    expect(tomlSet(initial, edits)).toBe(expected);
  });
});
