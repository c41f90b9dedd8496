import { chmodSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { VolumeContent } from "./project-volume.js";

/**
 * Puts a volume's content under `dir`. Files go through a temporary name and a rename so a reader
 * (a token refresh while the pod runs) never sees half a file.
 */
export function writeVolume(dir: string, content: VolumeContent): void {
  mkdirSync(dir, { recursive: true, mode: 0o777 });
  if (content.kind === "emptyDir") {
    // Containers may run as any user; an emptyDir is world-writable like the kubelet's.
    chmodSync(dir, 0o777);
    return;
  }
  for (const file of content.files) {
    const target = join(dir, file.path);
    mkdirSync(dirname(target), { recursive: true });
    const temp = `${target}.tmp-${process.pid}`;
    writeFileSync(temp, file.content, { mode: file.mode });
    chmodSync(temp, file.mode);
    renameSync(temp, target);
  }
}
