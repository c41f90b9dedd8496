/** Trace section markers GitLab renders as collapsible stage headers. */
export const STAGE_NAMES = [
  "prepare_executor",
  "prepare_script",
  "get_sources",
  "restore_cache",
  "download_artifacts",
  "step_script",
  "after_script",
  "archive_cache",
  "archive_cache_on_failure",
  "upload_artifacts_on_success",
  "upload_artifacts_on_failure",
  "cleanup_file_variables",
] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export interface SectionOptions {
  readonly collapsed?: boolean;
  readonly hideDuration?: boolean;
}

function unixSeconds(atMs: number): number {
  return Math.floor(atMs / 1000);
}

function renderOptions(options: SectionOptions): string {
  const parts: string[] = [];
  if (options.hideDuration) parts.push("hide_duration=true");
  if (options.collapsed) parts.push("collapsed=true");
  return parts.length > 0 ? `[${parts.join(",")}]` : "";
}

export function sectionStart(name: string, atMs: number, options: SectionOptions = {}): string {
  return `section_start:${unixSeconds(atMs)}:${name}${renderOptions(options)}\r\x1b[0K`;
}

export function sectionEnd(name: string, atMs: number): string {
  return `section_end:${unixSeconds(atMs)}:${name}\r\x1b[0K`;
}
