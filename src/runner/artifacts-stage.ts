/**
 * download_artifacts and upload_artifacts_on_success/on_failure: dependencies' archives fetched with
 * their job token and extracted safely into the project; each artifact entry (the archive and every
 * report such as dotenv) collected, packed in its format and uploaded as multipart `file`.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "fflate";
import { expandVariables } from "../jobscript/index.js";
import type { JobArtifact, JobDependency } from "../protocol/index.js";
import type { GitLabApiClient } from "./api-client.js";
import { projectPaths, whenApplies } from "./cache-stage.js";
import { collectFiles } from "./files/collect-files.js";
import { createZip, extractZip } from "./files/zip-archive.js";

export interface ArtifactsContext {
  readonly client: GitLabApiClient;
  readonly jobId: number;
  readonly jobToken: string;
  readonly projectDir: string;
  readonly lookup: (name: string) => string | undefined;
  readonly log: (line: string) => void;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Returns false when a dependency's artifacts could not be had. */
export async function downloadArtifacts(
  ctx: ArtifactsContext,
  dependencies: readonly JobDependency[],
): Promise<boolean> {
  for (const dep of dependencies) {
    if (dep.artifacts_file === undefined) continue;
    ctx.log(`Downloading artifacts for ${dep.name} (${dep.id})...`);
    try {
      const res = await ctx.client.downloadArtifacts(dep.id, dep.token || ctx.jobToken);
      if (res.status !== 200) {
        ctx.log(
          `ERROR: Downloading artifacts from coordinator... ${res.status} (job ${dep.name}, id ${dep.id})`,
        );
        return false;
      }
      const files = await extractZip(res.body, ctx.projectDir);
      ctx.log(`Downloading artifacts for ${dep.name} (${dep.id})... ok (${files.length} files)`);
    } catch (err) {
      ctx.log(`ERROR: artifacts of ${dep.name} (${dep.id}): ${message(err)}`);
      return false;
    }
  }
  return true;
}

async function pack(
  ctx: ArtifactsContext,
  artifact: JobArtifact,
  files: string[],
  dirs: string[],
): Promise<{ data: Uint8Array; ext: string }> {
  switch (artifact.artifact_format) {
    case "zip":
      return { data: await createZip(ctx.projectDir, files, dirs), ext: ".zip" };
    case "gzip": {
      // One gzip member per file, named in its header: GitLab's gzip report format.
      const members = await Promise.all(
        files.map(async (f) => gzipSync(await readFile(join(ctx.projectDir, f)), { filename: f })),
      );
      return { data: Buffer.concat(members), ext: ".gz" };
    }
    case "raw":
      return { data: await readFile(join(ctx.projectDir, files[0] ?? "")), ext: "" };
    default: {
      const never: never = artifact.artifact_format;
      throw new Error(`unknown artifact format ${String(never)}`);
    }
  }
}

/** Returns false when an upload failed (missing files are only a warning, as in GitLab). */
export async function uploadArtifacts(
  ctx: ArtifactsContext,
  artifacts: readonly JobArtifact[],
  succeeded: boolean,
): Promise<boolean> {
  let ok = true;
  for (const artifact of artifacts) {
    if (!whenApplies(artifact.when, succeeded)) continue;
    const type = artifact.artifact_type;
    ctx.log(`Uploading artifacts (${type})...`);
    try {
      const paths = projectPaths(artifact.paths, ctx);
      const exclude = projectPaths(artifact.exclude, ctx);
      const found = await collectFiles(ctx.projectDir, { paths, exclude, untracked: artifact.untracked });
      for (const p of found.unmatched) ctx.log(`WARNING: ${p}: no matching files`);
      // Directories count for zip archives only: reports are files.
      const dirs = artifact.artifact_format === "zip" ? found.dirs : [];
      if (found.files.length + dirs.length === 0) {
        ctx.log("ERROR: No files to upload");
        continue;
      }
      ctx.log(`Found ${found.files.length + dirs.length} matching artifact files and directories`);
      const { data, ext } = await pack(ctx, artifact, found.files, dirs);
      const name = expandVariables(artifact.name, ctx.lookup) || (type === "archive" ? "artifacts" : type);
      const filename = artifact.artifact_format === "raw" ? (found.files[0] ?? name) : `${name}${ext}`;
      const res = await ctx.client.uploadArtifacts(ctx.jobId, ctx.jobToken, data, filename, {
        artifact_format: artifact.artifact_format,
        artifact_type: type,
        expire_in: artifact.expire_in ?? "",
      });
      if (res.status === 201 || res.status === 200) {
        ctx.log(`Uploading artifacts as "${type}" to coordinator... ${res.status} Created`);
      } else {
        ctx.log(
          `ERROR: Uploading artifacts as "${type}" to coordinator... ${res.status} ${res.body.toString().slice(0, 200)}`,
        );
        ok = false;
      }
    } catch (err) {
      ctx.log(`ERROR: Uploading artifacts (${type}): ${message(err)}`);
      ok = false;
    }
  }
  return ok;
}
