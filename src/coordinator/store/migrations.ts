/**
 * Numbered schema migrations for the SQLite store. Applied in order, each once, recorded in
 * `schema_migrations`; append new ones, never edit a released one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial schema",
    sql: `
CREATE TABLE projects (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  repo_dir TEXT NOT NULL,
  git_dir TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE registration_tokens (
  token_hash TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE runners (
  id INTEGER PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL,
  tags TEXT NOT NULL,
  run_untagged INTEGER NOT NULL,
  locked INTEGER NOT NULL,
  paused INTEGER NOT NULL,
  project_id INTEGER REFERENCES projects(id),
  maximum_timeout INTEGER,
  revoked INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  contacted_at INTEGER
);
CREATE TABLE pipelines (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id),
  iid INTEGER NOT NULL,
  parent_pipeline_id INTEGER REFERENCES pipelines(id),
  parent_job_id INTEGER,
  status TEXT NOT NULL,
  ref TEXT NOT NULL,
  sha TEXT NOT NULL,
  before_sha TEXT NOT NULL,
  ref_type TEXT NOT NULL,
  source TEXT NOT NULL,
  canceled_by_user INTEGER NOT NULL DEFAULT 0,
  stages TEXT NOT NULL,
  variables TEXT NOT NULL,
  user_variables TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  finished_at INTEGER,
  UNIQUE (project_id, iid)
);
CREATE INDEX pipelines_active ON pipelines(finished_at) WHERE finished_at IS NULL;
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  pipeline_id INTEGER NOT NULL REFERENCES pipelines(id),
  project_id INTEGER NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  stage TEXT NOT NULL,
  stage_index INTEGER NOT NULL,
  status TEXT NOT NULL,
  needs TEXT,
  dependencies TEXT,
  when_ TEXT NOT NULL,
  start_in INTEGER NOT NULL,
  allow_failure INTEGER NOT NULL,
  allow_failure_exit_codes TEXT NOT NULL,
  retry TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  retried INTEGER NOT NULL DEFAULT 0,
  timeout INTEGER NOT NULL,
  tags TEXT NOT NULL,
  parallel TEXT,
  spec TEXT NOT NULL,
  trigger_spec TEXT,
  child_pipeline_id INTEGER,
  runner_id INTEGER REFERENCES runners(id),
  acknowledged INTEGER NOT NULL DEFAULT 0,
  token_hash TEXT UNIQUE,
  exit_code INTEGER,
  failure_reason TEXT,
  trace_size INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  queued_at INTEGER,
  assigned_at INTEGER,
  started_at INTEGER,
  finished_at INTEGER,
  scheduled_at INTEGER,
  heartbeat_at INTEGER
);
CREATE INDEX jobs_pipeline ON jobs(pipeline_id);
CREATE INDEX jobs_queue ON jobs(status, runner_id, id);
CREATE TABLE trace_chunks (
  job_id INTEGER NOT NULL REFERENCES jobs(id),
  offset INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (job_id, offset)
) WITHOUT ROWID;
CREATE TABLE artifacts (
  id INTEGER PRIMARY KEY,
  job_id INTEGER NOT NULL REFERENCES jobs(id),
  type TEXT NOT NULL,
  format TEXT NOT NULL,
  filename TEXT NOT NULL,
  path TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  expire_at INTEGER,
  created_at INTEGER NOT NULL
);
CREATE INDEX artifacts_job ON artifacts(job_id);
CREATE TABLE pipeline_variables (
  pipeline_id INTEGER NOT NULL REFERENCES pipelines(id),
  job_id INTEGER NOT NULL REFERENCES jobs(id),
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (pipeline_id, job_id, key)
);
`,
  },
  {
    version: 2,
    name: "jobs.parent_needs for needs:pipeline in child pipelines",
    sql: "ALTER TABLE jobs ADD COLUMN parent_needs TEXT NOT NULL DEFAULT '[]';",
  },
  {
    version: 3,
    // The queue lives in memory, so jobs_queue only cost a write per hand-out; a token of a job no
    // longer in memory (a late retry, a wrong token) was looked up by scanning every job.
    name: "jobs: token_hash index instead of the unused queue index",
    sql: `DROP INDEX IF EXISTS jobs_queue;
CREATE INDEX jobs_token ON jobs(token_hash) WHERE token_hash IS NOT NULL;`,
  },
  {
    version: 4,
    // token_hash is UNIQUE, so SQLite already keeps an index of it (the look-up uses that one);
    // jobs_token was a second copy, written again on every hand-out.
    name: "jobs: drop jobs_token, a duplicate of token_hash's UNIQUE index",
    sql: "DROP INDEX IF EXISTS jobs_token;",
  },
  {
    version: 5,
    // A trace's size is where its last chunk ends (the chunks' primary key finds it): keeping a copy
    // in jobs cost a read and a second write per append.
    name: "jobs: trace size derived from trace_chunks",
    sql: "ALTER TABLE jobs DROP COLUMN trace_size;",
  },
];
