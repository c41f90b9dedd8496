/**
 * The embedded `Store`: one SQLite file in WAL mode (readers never block the writer), a busy timeout
 * for a second process on the same file, and prepared statements. Writes are group-committed: every
 * write of one event-loop turn goes into one transaction (each method atomic within it as a
 * savepoint), committed before the next turn — a commit costs far more than a savepoint, and a busy
 * coordinator makes several writes per job. `committed()` tells callers when to answer.
 */
import Database from "better-sqlite3";
import { RunfleetError } from "../../errors/index.js";
import type {
  ArtifactRecord,
  DotenvVariable,
  JobRecord,
  PipelineRecord,
  ProjectRecord,
  RunnerRecord,
} from "../types.js";
import { MIGRATIONS, type Migration } from "./migrations.js";
import {
  JOB_INSERT_SQL,
  jobInsertValues,
  patchStatementFor,
  patchValues,
  type Row,
  SELECT_JOBS,
  TRACE_SIZE_OF,
  toArtifact,
  toJob,
  toPipeline,
  toProject,
  toRunner,
} from "./row-mapping.js";
import type {
  ChangeSet,
  JobPatch,
  NewArtifact,
  NewJob,
  NewPipeline,
  NewProject,
  NewRunner,
  PipelinePatch,
  Store,
  TraceAppend,
} from "./store.js";

type Statement = Database.Statement<unknown[], unknown>;

/**
 * Appends a chunk only where the stored trace ends: the check and the write are one statement, so an
 * append is atomic without a savepoint and the size is never kept twice.
 */
const APPEND_TRACE_SQL = `INSERT INTO trace_chunks (job_id, offset, data)
  SELECT ?, ?, ? WHERE ? = ${TRACE_SIZE_OF("?")}`;
const TRACE_SIZE_SQL = `SELECT ${TRACE_SIZE_OF("?")} AS size`;

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Statement>();
  /** Connections of this process with an open group transaction. */
  private static readonly grouped = new Set<SqliteStore>();
  /** True while a group transaction is open; it commits at the next `setImmediate`. */
  private grouping = false;
  private waiting: { resolve: () => void; reject: (err: unknown) => void }[] = [];

  private constructor(db: Database.Database) {
    this.db = db;
  }

  /**
   * Runs `fn` inside the turn's group transaction, opening one when none is. `atomic` (several
   * statements) wraps it in a savepoint; one statement is atomic by itself.
   */
  private write<T>(fn: () => T, atomic = false): T {
    if (!this.grouping) {
      // Another connection of this process holding its group would wait for us while we wait for it.
      for (const other of SqliteStore.grouped) other.commitGroup();
      this.stmt("BEGIN IMMEDIATE").run();
      this.grouping = true;
      SqliteStore.grouped.add(this);
      setImmediate(() => this.commitGroup());
    }
    if (!atomic) return fn();
    this.stmt("SAVEPOINT write").run();
    try {
      const result = fn();
      this.stmt("RELEASE write").run();
      return result;
    } catch (err) {
      this.stmt("ROLLBACK TO write").run();
      this.stmt("RELEASE write").run();
      throw err;
    }
  }

  private commitGroup(): void {
    if (!this.grouping) return;
    this.grouping = false;
    SqliteStore.grouped.delete(this);
    const waiting = this.waiting;
    this.waiting = [];
    try {
      this.stmt("COMMIT").run();
    } catch (cause) {
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
      const failure = new RunfleetError("UNAVAILABLE", "the coordinator database could not commit", {
        cause,
        hint: "check free disk space and the database file's permissions",
      });
      for (const w of waiting) w.reject(failure);
      return;
    }
    for (const w of waiting) w.resolve();
  }

  committed(): Promise<void> {
    if (!this.grouping) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Opens (or creates) the file and applies pending migrations. */
  static open(file: string, migrations: readonly Migration[] = MIGRATIONS): SqliteStore {
    let db: Database.Database;
    try {
      db = new Database(file);
    } catch (cause) {
      throw new RunfleetError("UNAVAILABLE", `cannot open the coordinator database ${file}`, {
        cause,
        hint: "check that the directory exists and is writable",
      });
    }
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("busy_timeout = 5000");
    db.pragma("foreign_keys = ON");
    // Fewer, larger checkpoints: each one syncs the file, and a busy coordinator commits thousands of
    // small transactions a second.
    db.pragma("wal_autocheckpoint = 10000");
    const store = new SqliteStore(db);
    store.migrate(migrations);
    return store;
  }

  /** Versions recorded in `schema_migrations`, ascending. */
  appliedMigrations(): number[] {
    const rows = this.db.prepare("SELECT version FROM schema_migrations ORDER BY version").all() as Row[];
    return rows.map((r) => Number(r.version));
  }

  private migrate(migrations: readonly Migration[]): void {
    this.db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    );
    const applied = new Set(this.appliedMigrations());
    const record = this.db.prepare(
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
    );
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      this.db.transaction(() => {
        this.db.exec(m.sql);
        record.run(m.version, m.name, Date.now());
      })();
    }
  }

  private stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private one(sql: string, ...params: unknown[]): Row | undefined {
    return this.stmt(sql).get(...params) as Row | undefined;
  }

  private all(sql: string, ...params: unknown[]): Row[] {
    return this.stmt(sql).all(...params) as Row[];
  }

  async createProject(p: NewProject): Promise<ProjectRecord> {
    const r = this.write(() =>
      this.stmt(
        "INSERT INTO projects (path, name, repo_dir, git_dir, created_at) VALUES (?, ?, ?, ?, ?)",
      ).run(p.path, p.name, p.repoDir, p.gitDir, p.createdAt),
    );
    return { ...p, id: Number(r.lastInsertRowid) };
  }

  async getProject(id: number): Promise<ProjectRecord | undefined> {
    const row = this.one("SELECT * FROM projects WHERE id = ?", id);
    return row && toProject(row);
  }

  async findProjectByPath(path: string): Promise<ProjectRecord | undefined> {
    const row = this.one("SELECT * FROM projects WHERE path = ?", path);
    return row && toProject(row);
  }

  async addRegistrationToken(tokenHash: string, at: number): Promise<void> {
    this.write(() =>
      this.stmt("INSERT INTO registration_tokens (token_hash, created_at) VALUES (?, ?)").run(tokenHash, at),
    );
  }

  async hasRegistrationToken(tokenHash: string): Promise<boolean> {
    return (
      this.one("SELECT 1 FROM registration_tokens WHERE token_hash = ? AND revoked = 0", tokenHash) !==
      undefined
    );
  }

  async revokeRegistrationTokens(keepHash: string | null): Promise<void> {
    this.write(() =>
      this.stmt("UPDATE registration_tokens SET revoked = 1 WHERE token_hash IS NOT ?").run(keepHash),
    );
  }

  async createRunner(r: NewRunner): Promise<RunnerRecord> {
    const res = this.write(() =>
      this.stmt(
        `INSERT INTO runners (token_hash, description, tags, run_untagged, locked, paused, project_id,
           maximum_timeout, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        r.tokenHash,
        r.description,
        JSON.stringify(r.tags),
        r.runUntagged ? 1 : 0,
        r.locked ? 1 : 0,
        r.paused ? 1 : 0,
        r.projectId,
        r.maximumTimeout,
        r.createdAt,
      ),
    );
    const { tokenHash: _hash, ...rest } = r;
    return { ...rest, id: Number(res.lastInsertRowid), contactedAt: null };
  }

  async findRunnerByTokenHash(tokenHash: string): Promise<RunnerRecord | undefined> {
    const row = this.one("SELECT * FROM runners WHERE token_hash = ? AND revoked = 0", tokenHash);
    return row && toRunner(row);
  }

  async getRunner(id: number): Promise<RunnerRecord | undefined> {
    const row = this.one("SELECT * FROM runners WHERE id = ? AND revoked = 0", id);
    return row && toRunner(row);
  }

  async revokeRunner(id: number): Promise<void> {
    this.write(() => this.stmt("UPDATE runners SET revoked = 1 WHERE id = ?").run(id));
  }

  async touchRunner(id: number, at: number): Promise<void> {
    this.write(() => this.stmt("UPDATE runners SET contacted_at = ? WHERE id = ?").run(at, id));
  }

  async createPipeline(
    p: NewPipeline,
    jobs: readonly NewJob[],
  ): Promise<{ pipeline: PipelineRecord; jobs: JobRecord[] }> {
    return this.write(() => {
      const iidRow = this.one(
        "SELECT COALESCE(MAX(iid), 0) + 1 AS iid FROM pipelines WHERE project_id = ?",
        p.projectId,
      );
      const iid = Number(iidRow?.iid ?? 1);
      const res = this.stmt(
        `INSERT INTO pipelines (project_id, iid, parent_pipeline_id, parent_job_id, status, ref, sha, before_sha,
           ref_type, source, canceled_by_user, stages, variables, user_variables, created_at, finished_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        p.projectId,
        iid,
        p.parentPipelineId,
        p.parentJobId,
        p.status,
        p.ref,
        p.sha,
        p.beforeSha,
        p.refType,
        p.source,
        p.canceledByUser ? 1 : 0,
        JSON.stringify(p.stages),
        JSON.stringify(p.variables),
        JSON.stringify(p.userVariables),
        p.createdAt,
        p.finishedAt,
      );
      const pipeline: PipelineRecord = { ...p, id: Number(res.lastInsertRowid), iid };
      return { pipeline, jobs: jobs.map((j) => this.insertJob(pipeline.id, j)) };
    }, true);
  }

  private insertJob(pipelineId: number, job: NewJob): JobRecord {
    const res = this.stmt(JOB_INSERT_SQL).run(...jobInsertValues(pipelineId, job));
    return { ...job, parentNeeds: job.parentNeeds ?? [], id: Number(res.lastInsertRowid), pipelineId };
  }

  async getPipeline(id: number): Promise<PipelineRecord | undefined> {
    const row = this.one("SELECT * FROM pipelines WHERE id = ?", id);
    return row && toPipeline(row);
  }

  async listActivePipelines(): Promise<PipelineRecord[]> {
    return this.all("SELECT * FROM pipelines WHERE finished_at IS NULL ORDER BY id").map(toPipeline);
  }

  async getJob(id: number): Promise<JobRecord | undefined> {
    const row = this.one(`${SELECT_JOBS} WHERE id = ?`, id);
    return row && toJob(row);
  }

  async listJobs(pipelineId: number): Promise<JobRecord[]> {
    return this.all(`${SELECT_JOBS} WHERE pipeline_id = ? ORDER BY id`, pipelineId).map(toJob);
  }

  async findJobByTokenHash(tokenHash: string): Promise<JobRecord | undefined> {
    const row = this.one(`${SELECT_JOBS} WHERE token_hash = ?`, tokenHash);
    return row && toJob(row);
  }

  async applyChanges(changes: ChangeSet): Promise<JobRecord[]> {
    const jobs = changes.jobs ?? [];
    const pipelines = changes.pipelines ?? [];
    const newJobs = changes.newJobs ?? [];
    // A single statement is atomic by itself; a savepoint costs two more statements per step.
    const atomic = jobs.length + pipelines.length + newJobs.length > 1;
    return this.write(() => {
      for (const patch of jobs) this.patchJob(patch);
      for (const p of pipelines) this.patchPipeline(p);
      return newJobs.map((n) => this.insertJob(n.pipelineId, n.job));
    }, atomic);
  }

  private patchPipeline(p: PipelinePatch): void {
    const sets: string[] = [];
    const values: unknown[] = [];
    if (p.status !== undefined) {
      sets.push("status = ?");
      values.push(p.status);
    }
    if (p.canceledByUser !== undefined) {
      sets.push("canceled_by_user = ?");
      values.push(p.canceledByUser ? 1 : 0);
    }
    if (p.finishedAt !== undefined) {
      sets.push("finished_at = ?");
      values.push(p.finishedAt);
    }
    if (sets.length === 0) return;
    this.stmt(`UPDATE pipelines SET ${sets.join(", ")} WHERE id = ?`).run(...values, p.id);
  }

  private patchJob(patch: JobPatch): void {
    const statement = patchStatementFor(patch);
    if (statement !== undefined) this.stmt(statement.sql).run(...patchValues(statement, patch));
  }

  async claimJob(jobId: number, runnerId: number, tokenHash: string, at: number): Promise<boolean> {
    const res = this.write(() =>
      this.stmt(
        `UPDATE jobs SET runner_id = ?, token_hash = ?, assigned_at = ?, heartbeat_at = ?, acknowledged = 0
         WHERE id = ? AND status = 'pending' AND runner_id IS NULL`,
      ).run(runnerId, tokenHash, at, at, jobId),
    );
    return res.changes === 1;
  }

  async appendTrace(jobId: number, offset: number, data: Uint8Array): Promise<TraceAppend> {
    if (data.byteLength > 0) {
      const appended = this.write(() => this.stmt(APPEND_TRACE_SQL).run(jobId, offset, data, offset, jobId));
      if (appended.changes === 1) return { ok: true, size: offset + data.byteLength };
    }
    const size = Number(this.one(TRACE_SIZE_SQL, jobId)?.size ?? 0);
    return { ok: offset === size, size };
  }

  async readTrace(jobId: number): Promise<Buffer> {
    const rows = this.all("SELECT data FROM trace_chunks WHERE job_id = ? ORDER BY offset", jobId);
    return Buffer.concat(rows.map((r) => r.data as Buffer));
  }

  async addArtifact(a: NewArtifact): Promise<ArtifactRecord> {
    const res = this.write(() =>
      this.stmt(
        `INSERT INTO artifacts (job_id, type, format, filename, path, size, sha256, expire_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(a.jobId, a.type, a.format, a.filename, a.path, a.size, a.sha256, a.expireAt, a.createdAt),
    );
    return { ...a, id: Number(res.lastInsertRowid) };
  }

  async listArtifacts(jobId: number): Promise<ArtifactRecord[]> {
    return this.all("SELECT * FROM artifacts WHERE job_id = ? ORDER BY id", jobId).map(toArtifact);
  }

  async listArtifactsOfJobs(jobIds: readonly number[], type: string): Promise<ArtifactRecord[]> {
    const out: ArtifactRecord[] = [];
    // Chunks keep the statement under SQLite's bound-parameter limit and the prepared-statement cache small.
    for (let i = 0; i < jobIds.length; i += 500) {
      const chunk = jobIds.slice(i, i + 500);
      const sql = `SELECT * FROM artifacts WHERE type = ? AND job_id IN (${chunk.map(() => "?").join(",")}) ORDER BY id`;
      const rows =
        chunk.length === 500
          ? this.all(sql, type, ...chunk)
          : (this.db.prepare(sql).all(type, ...chunk) as Row[]);
      out.push(...rows.map(toArtifact));
    }
    return out;
  }

  async addDotenv(pipelineId: number, variables: readonly DotenvVariable[]): Promise<void> {
    const insert = this.stmt(
      "INSERT OR REPLACE INTO pipeline_variables (pipeline_id, job_id, key, value) VALUES (?, ?, ?, ?)",
    );
    this.write(() => {
      for (const v of variables) insert.run(pipelineId, v.jobId, v.key, v.value);
    }, true);
  }

  async listDotenv(pipelineId: number): Promise<DotenvVariable[]> {
    return this.all(
      "SELECT job_id, key, value FROM pipeline_variables WHERE pipeline_id = ? ORDER BY job_id, key",
      pipelineId,
    ).map((r) => ({ jobId: Number(r.job_id), key: String(r.key), value: String(r.value) }));
  }

  async close(): Promise<void> {
    this.commitGroup();
    if (this.db.open) this.db.close();
  }
}
